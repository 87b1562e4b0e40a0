/**
 * The spawn helper's program (see spawn-helper.ts for why it exists and core/spawn-protocol.ts
 * for what it says). Perl, because Debian always has it (perl-base is Essential) and a perl
 * process is a few MB: forking it costs a fraction of forking the agent. Run as
 * `perl -e SCRIPT SPARES`.
 *
 * A child waits for G before it does anything but leave the helper's session: the agent records
 * the start first, so no command ever runs that the checkpoint does not name, and a helper that
 * dies leaves its waiting children at EOF, which makes them exit. Every page a process writes
 * after a fork is a copy-on-write fault (costly on virtual machines), so the helper's own share
 * of a launch is kept small: raw descriptors rather than perl handles, requests decoded by the
 * child after G, and spares forked while there is nothing to do.
 */
export const SPAWN_HELPER_SCRIPT = String.raw`use strict;
use POSIX ();

$0 = 'aurora-spawn-helper';

# Spare children: forked while nothing is asked, each waiting for a request, so a burst of
# launches costs no fork at all while spares last. A fork here also costs a copy-on-write fault
# for every page the helper writes afterwards; a helper that does not fork stays cheap.
my $spares_wanted = ($ARGV[0] // '') =~ /^\d+$/ ? $ARGV[0] : 0;

# Children are talked to through raw descriptors (POSIX::pipe), not perl handles: perl flushes
# every handle at each fork, and on a copy-on-write page each flush is a page fault.
my %to;       # pid => fd we write to (a spare's request, then G or C)
my %from;     # pid => fd the child writes S to, until it said it
my %id_of;    # pid => launch id
my %pid_of;   # id => pid
my %ready;    # pid => 1 once it said S
my @spares;   # idle children waiting for a request
my $maxfd = 2;
my $in = '';
my $eof = 0;

$SIG{CHLD} = sub { };    # only to cut select short
$SIG{PIPE} = sub { };    # a handler, not IGNORE: exec resets handlers but keeps ignored signals

sub hexs { return 'x' . unpack('H*', $_[0]) }
sub unhex {
  my ($f) = @_;
  die "bad field\n" unless defined $f && $f =~ /^x((?:[0-9a-fA-F]{2})*)$/;
  return pack('H*', $1);
}
sub unhex_list {
  my ($f) = @_;
  die "bad list\n" unless defined $f;
  return () if $f eq '-';
  return map { unhex($_) } split /,/, $f, -1;
}

sub write_fd {
  my ($fd, $data) = @_;
  while (length $data) {
    my $n = POSIX::write($fd, $data, length $data);
    if (!defined $n) { next if $! == POSIX::EINTR(); return 0 }
    substr($data, 0, $n) = '';
  }
  return 1;
}

sub say_out { write_fd(1, "$_[0]\n") or exit 0 }    # the agent is gone

sub forget {
  my ($pid) = @_;
  POSIX::close(delete $to{$pid}) if defined $to{$pid};
  POSIX::close(delete $from{$pid}) if defined $from{$pid};
  my $id = delete $id_of{$pid};
  delete $pid_of{$id} if defined $id;
  delete $ready{$pid};
}

sub redirect {
  my ($target, $path, $flags) = @_;
  my $fd = POSIX::open($path, $flags, 0666);
  defined $fd or die "cannot open $path: $!\n";
  if ($fd != $target) {
    defined(POSIX::dup2($fd, $target)) or die "dup2 $path: $!\n";
    POSIX::close($fd);
  }
}

# --- the child --------------------------------------------------------------------------------

# A line from the helper; undef at EOF (the helper is gone).
my $child_in = '';
sub child_line {
  my ($fd) = @_;
  while (1) {
    my $nl = index($child_in, "\n");
    if ($nl >= 0) {
      my $line = substr($child_in, 0, $nl);
      substr($child_in, 0, $nl + 1) = '';
      return $line;
    }
    my $n = POSIX::read($fd, my $buf, 65536);
    if (!defined $n) { next if $! == POSIX::EINTR(); return undef }
    return undef if $n == 0;
    $child_in .= $buf;
  }
}

# The child. Before it says S it only leaves the helper's session (a process group of its own
# is what the agent signals); the rest of the work comes after G, off the path to PROCESS_STARTED.
# A spare has left the session already, and the helper says S for it.
sub child_main {
  my ($go, $say, $rest) = @_;
  defined(POSIX::setsid()) or POSIX::_exit(126);
  if (defined $rest) {
    write_fd($say, "S\n") or POSIX::_exit(0);
  }
  POSIX::close($say);
  # Nothing of the helper's stays open but the pipe we read: when the helper dies, its
  # children waiting for it see EOF at once.
  for my $fd (3 .. $maxfd) { POSIX::close($fd) unless $fd == $go }
  $rest //= child_line($go);
  POSIX::_exit(0) unless defined $rest;
  # Anything but G (a C, or EOF because the helper died) means nothing runs.
  my $word = child_line($go);
  POSIX::_exit(0) unless defined $word && $word eq 'G';
  POSIX::close($go);
  $SIG{CHLD} = 'DEFAULT';
  $SIG{PIPE} = 'DEFAULT';
  my ($dir, $cwd, $out, $err, $uid, $gid, $argvf, $envf) = split / /, $rest;
  my (@argv, @env);
  my $ok = eval {
    ($dir, $cwd, $out, $err) = map { unhex($_) } ($dir, $cwd, $out, $err);
    @argv = unhex_list($argvf);
    @env = unhex_list($envf);
    die "no command\n" unless @argv;
    die "bad user\n" unless defined $gid && $uid =~ /^(-|\d+)$/ && $gid =~ /^(-|\d+)$/ && ($uid eq '-') == ($gid eq '-');
    if ($dir ne '') {
      my $path = '';
      for my $part (split m{/}, $dir) {
        $path .= "$part/";
        next if $part eq '' || -d $path;
        mkdir($path) or -d $path or die "cannot create $path: $!\n";
      }
      if ($uid ne '-') { chown($uid, $gid, $dir) or die "cannot give $dir to uid $uid: $!\n" }
    }
    chdir($cwd) or die "cannot enter $cwd: $!\n";
    redirect(0, '/dev/null', POSIX::O_RDONLY());
    redirect(1, $out, POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_APPEND());
    redirect(2, $err, POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_APPEND());
    if ($uid ne '-') {
      $) = "$gid $gid";
      POSIX::setgid($gid) or die "setgid $gid: $!\n";
      POSIX::setuid($uid) or die "setuid $uid: $!\n";
    }
    for my $kv (@env) {
      my $i = index($kv, '=');
      if ($i < 0) { delete $ENV{$kv} } else { $ENV{substr($kv, 0, $i)} = substr($kv, $i + 1) }
    }
    1;
  };
  if ($ok) {
    { exec { $argv[0] } @argv; }
    $@ = "cannot run $argv[0]: $!\n";
  }
  # To the run's stderr file once it is open, else to the helper's (the agent's log). The
  # agent hears exit status 127, as from a shell that cannot run a command.
  my $why = $@ || "unknown error\n";
  POSIX::write(2, "aurora: $why", length "aurora: $why");
  POSIX::_exit(127);
}

# --- the helper -------------------------------------------------------------------------------

# A child with its two pipes; $rest is its request, undef for a spare. Returns its pid, or
# undef and why not.
sub fork_child {
  my ($rest) = @_;
  my ($go_r, $go_w) = POSIX::pipe();
  return (undef, "pipe: $!") unless defined $go_r;
  my ($say_r, $say_w) = POSIX::pipe();
  if (!defined $say_r) {
    my $why = "pipe: $!";
    POSIX::close($go_r);
    POSIX::close($go_w);
    return (undef, $why);
  }
  for ($go_w, $say_r, $go_r, $say_w) { $maxfd = $_ if $_ > $maxfd }
  my $pid = fork();
  if (!defined $pid) {
    my $why = "fork: $!";
    POSIX::close($_) for ($go_r, $go_w, $say_r, $say_w);
    return (undef, $why);
  }
  child_main($go_r, $say_w, $rest) if $pid == 0;
  POSIX::close($go_r);
  POSIX::close($say_w);
  $to{$pid} = $go_w;
  $from{$pid} = $say_r;
  return ($pid, undef);
}

sub launch {
  my ($id, $rest) = @_;
  $rest //= '';
  while (@spares) {
    my $spare = shift @spares;
    if (!write_fd($to{$spare}, "$rest\n")) {
      forget($spare);    # it died; its end comes through reap
      next;
    }
    # A spare is in a session of its own already: it is ready as it is.
    POSIX::close(delete $from{$spare});
    $id_of{$spare} = $id;
    $pid_of{$id} = $spare;
    $ready{$spare} = 1;
    say_out("S $id $spare -");
    return;
  }
  my ($pid, $why) = fork_child($rest);
  if (!defined $pid) { say_out("F $id " . hexs($why)); return }
  $id_of{$pid} = $id;
  $pid_of{$id} = $pid;
}

sub request {
  my ($line) = @_;
  my ($op, $id, $rest) = split / /, $line, 3;
  if (!defined $id || $id !~ /^\d+$/ || ($op ne 'L' && $op ne 'G' && $op ne 'C')) {
    say_out('B ' . hexs('bad request: ' . substr($line, 0, 200)));
    return;
  }
  if ($op eq 'L') {
    if (exists $pid_of{$id}) { say_out('B ' . hexs("launch $id is known already")); return }
    launch($id, $rest);
    return;
  }
  my $pid = $pid_of{$id};
  if (!defined $pid || !$ready{$pid}) { say_out('B ' . hexs("no prepared launch $id")); return }
  write_fd($to{$pid}, "$op\n");
  forget($pid);
}

# What a child said: S, or nothing at all (it died). Spares say nothing.
sub child_said {
  my ($pid) = @_;
  my $n = POSIX::read($from{$pid}, my $buf, 4096);
  return if !defined $n && $! == POSIX::EINTR();
  my $id = $id_of{$pid};
  if (defined $n && $buf =~ /^S\n/ && defined $id) {
    $ready{$pid} = 1;
    POSIX::close(delete $from{$pid});
    say_out("S $id $pid -");
  } else {
    say_out("F $id " . hexs('the process died before it was ready')) if defined $id;
    @spares = grep { $_ != $pid } @spares;
    forget($pid);
  }
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $st = $?;
    child_said($pid) if defined $from{$pid};
    @spares = grep { $_ != $pid } @spares;
    forget($pid) if defined $to{$pid} || defined $id_of{$pid};
    say_out("E $pid " . (($st & 127) ? 128 + ($st & 127) : ($st >> 8)));
  }
}

say_out("H $$");
while (1) {
  reap();
  my $pending = index($in, "\n") >= 0;
  # The agent is gone: children waiting for the helper see EOF and exit; running ones carry on.
  exit 0 if $eof && !$pending;
  my $refill = !$pending && @spares < $spares_wanted;
  my $rin = '';
  vec($rin, 0, 1) = 1 unless $eof || $pending;
  vec($rin, $from{$_}, 1) = 1 for grep { defined $id_of{$_} } keys %from;
  my $n = select(my $rout = $rin, undef, undef, ($pending || $refill) ? 0 : 0.25);
  if ($n < 0) {
    next if $! == POSIX::EINTR();
    die "select: $!\n";
  }
  if ($n > 0) {
    for my $pid (keys %from) { child_said($pid) if defined $from{$pid} && defined $id_of{$pid} && vec($rout, $from{$pid}, 1) }
    if (vec($rout, 0, 1)) {
      my $got = POSIX::read(0, my $buf, 65536);
      if (defined $got) { $got == 0 ? ($eof = 1) : ($in .= $buf) }
    }
  } elsif ($refill) {
    # Nothing to do: one more spare, then look again.
    my ($pid) = fork_child(undef);
    push @spares, $pid if defined $pid;
    next;
  }
  # One request per turn, so what children say is passed on between forks.
  my $nl = index($in, "\n");
  if ($nl >= 0) {
    my $line = substr($in, 0, $nl);
    substr($in, 0, $nl + 1) = '';
    request($line);
  }
}
`;
