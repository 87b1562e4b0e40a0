/**
 * The spawn helper's program (see spawn-helper.ts for why it exists and core/spawn-protocol.ts
 * for what it says). Perl, because Debian always has it (perl-base is Essential) and a perl
 * process is a few MB: forking it costs a fraction of forking the agent. Run as
 * `perl -e SCRIPT SPARES WRAPPER` where WRAPPER is the shell script each child becomes
 * (process-launcher.ts, SPARE_SCRIPT).
 *
 * A child leaves the helper's session, says S and execs the wrapper at once, which waits for its
 * launch line and then for G: the agent records the start first, so no command ever runs that
 * the checkpoint does not name, and a helper that dies leaves its waiting children at EOF, which
 * makes them exit. Every page a process writes after a fork is a copy-on-write fault (costly on
 * virtual machines), so children exec before they do any work, the helper talks to them through
 * raw descriptors rather than perl handles, and it forks spares while it has nothing else to do.
 */
export const SPAWN_HELPER_SCRIPT = String.raw`use strict;
use POSIX ();

$0 = 'aurora-spawn-helper';

# Arguments: how many spares to keep, and the shell script a child runs (see spawn-helper.ts).
my $spares_wanted = ($ARGV[0] // '') =~ /^\d+$/ ? $ARGV[0] : 0;
my $script = $ARGV[1] // die "no wrapper script\n";

# Children are talked to through raw descriptors (POSIX::pipe), not perl handles: perl flushes
# every handle at each fork, and on a copy-on-write page each flush is a page fault.
my %to;       # pid => fd the child reads (its launch line, then G or C)
my %from;     # pid => fd the child says S on once it is in a session of its own
my %id_of;    # pid => launch id
my %pid_of;   # id => pid
my %ready;    # pid => 1 once it said S
my %ticks;    # pid => its start time (clock ticks since boot), read while the helper is idle
my %setup;    # launch id => its setup steps not done yet (done before G is passed on)
my @setups;   # launch ids with setup steps, oldest first, done when there is nothing else to do
my @spares;   # ready children with no launch yet
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

# One shell word: single quotes, a newline as "$aurora_nl" (the script defines it), so the
# whole launch is one line the child reads with read.
sub sh_quote {
  my ($s) = @_;
  $s =~ s/'/'\\''/g;
  $s =~ s/\n/'"\$aurora_nl"'/g;
  return "'$s'";
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

sub start_ticks {
  my ($pid) = @_;
  open(my $st, '<', "/proc/$pid/stat") or return '-';
  my $line = <$st>;
  close $st;
  return '-' unless defined $line && $line =~ /\)\s(.*)$/s;
  my $t = (split / /, $1)[19];
  return defined $t && $t =~ /^\d+$/ ? $t : '-';
}

sub forget {
  my ($pid) = @_;
  delete $ticks{$pid};
  POSIX::close(delete $to{$pid}) if defined $to{$pid};
  POSIX::close(delete $from{$pid}) if defined $from{$pid};
  my $id = delete $id_of{$pid};
  delete $pid_of{$id} if defined $id;
  delete $ready{$pid};
  @spares = grep { $_ != $pid } @spares;
}

# A child: leaves the helper's session, says so, and becomes the shell script with the pipe it
# reads as its stdin. Before the exec it runs a handful of statements: every page it writes
# here is a copy-on-write fault; the script that runs next starts from a fresh address space.
sub child_main {
  my ($go, $say) = @_;
  defined(POSIX::setsid()) or POSIX::_exit(126);
  write_fd($say, "S\n") or POSIX::_exit(0);
  for my $fd (3 .. $maxfd) { POSIX::close($fd) unless $fd == $go }
  POSIX::dup2($go, 0);
  POSIX::close($go);
  my $null = POSIX::open('/dev/null', POSIX::O_WRONLY());
  POSIX::dup2($null, 1) if defined $null;
  POSIX::close($null) if defined $null && $null != 1;
  $SIG{CHLD} = 'DEFAULT';
  $SIG{PIPE} = 'DEFAULT';
  { exec { '/bin/sh' } '/bin/sh', '-c', $script, 'aurora-process'; }
  POSIX::_exit(127);
}

# A child with its two pipes; its pid, or undef and why not.
sub fork_child {
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
  child_main($go_r, $say_w) if $pid == 0;
  POSIX::close($go_r);
  POSIX::close($say_w);
  $to{$pid} = $go_w;
  $from{$pid} = $say_r;
  return ($pid, undef);
}

# The shell line that sets a child up once it reads G: its directory, files, environment,
# user, then the command and exit file as $1 and $2 of the wrapper. Also the launch's setup
# steps, each a list of fields joined by NUL.
sub launch_line {
  my ($rest) = @_;
  my ($dir, $cwd, $out, $err, $uid, $gid, $cmdline, $exit, $envf, $setupf) = split / /, $rest // '', -1;
  ($dir, $cwd, $out, $err, $cmdline, $exit) = map { unhex($_) } ($dir, $cwd, $out, $err, $cmdline, $exit);
  my @env = unhex_list($envf);
  my @steps = map { [split /\0/, $_, -1] } unhex_list($setupf // '-');
  die "bad user\n" unless defined $gid && $uid =~ /^(-|\d+)$/ && $gid =~ /^(-|\d+)$/ && ($uid eq '-') == ($gid eq '-');
  if ($dir ne '') {
    make_dirs($dir);
    if ($uid ne '-') { chown($uid, $gid, $dir) or die "cannot give $dir to uid $uid: $!\n" }
  }
  my @set = grep { index($_, '=') > 0 } @env;
  my @unset = grep { index($_, '=') < 0 } @env;
  my $line = 'cd ' . sh_quote($cwd) . ' || exit 127; exec </dev/null >>' . sh_quote($out) . ' 2>>' . sh_quote($err) . ';';
  $line .= ' export ' . join(' ', map { sh_quote($_) } @set) . ';' if @set;
  $line .= ' unset ' . join(' ', map { sh_quote($_) } @unset) . ';' if @unset;
  $line .= " aurora_as='setpriv --reuid=$uid --regid=$gid --clear-groups --';" if $uid ne '-';
  $line .= ' set -- ' . sh_quote($cmdline) . ' ' . sh_quote($exit);
  return ($line, \@steps);
}

sub make_dirs {
  my ($dir) = @_;
  my $path = '';
  for my $part (split m{/}, $dir) {
    $path .= "$part/";
    next if $part eq '' || -d $path;
    mkdir($path) or -d $path or die "cannot create $path: $!\n";
  }
}

# A launch's setup steps (the task's cgroups: mkdir, write, chown), before its G is passed on,
# or earlier when the helper has nothing else to do. A step that fails ends the setup with W.
sub run_setup {
  my ($id) = @_;
  my $steps = delete $setup{$id} or return;
  for my $step (@$steps) {
    my ($kind, @args) = @$step;
    my $ok = eval {
      if ($kind eq 'mkdir' && @args == 1) {
        make_dirs($args[0]);
      } elsif ($kind eq 'write' && @args == 2) {
        my $fd = POSIX::open($args[0], POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_TRUNC(), 0644);
        defined $fd or die "cannot open $args[0]: $!\n";
        my $done = write_fd($fd, $args[1]);
        my $why = "$!";
        POSIX::close($fd);
        $done or die "cannot write $args[0]: $why\n";
      } elsif ($kind eq 'chown' && @args == 3 && $args[1] =~ /^\d+$/ && $args[2] =~ /^\d+$/) {
        chown($args[1], $args[2], $args[0]) or die "cannot give $args[0] to uid $args[1]: $!\n";
      } else {
        die "unknown setup step $kind\n";
      }
      1;
    };
    next if $ok;
    my $why = $@;
    chomp $why;
    say_out("W $id " . hexs($why));
    last;
  }
}

sub launch {
  my ($id, $rest) = @_;
  my ($line, $steps) = eval { launch_line($rest) };
  if (!defined $line) {
    my $why = $@;
    chomp $why;
    say_out("F $id " . hexs($why));
    return;
  }
  if (@$steps) {
    $setup{$id} = $steps;
    push @setups, $id;
  }
  while (@spares) {
    my $spare = shift @spares;
    if (!write_fd($to{$spare}, "$line\n")) {
      forget($spare);    # it died; its end comes through reap
      next;
    }
    $id_of{$spare} = $id;
    $pid_of{$id} = $spare;
    say_out("S $id $spare $ticks{$spare}");
    return;
  }
  my ($pid, $why) = fork_child();
  if (!defined $pid) { say_out("F $id " . hexs($why)); return }
  write_fd($to{$pid}, "$line\n");
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
  # The command runs only once its setup (its cgroups) is done; a cancelled one needs none.
  if ($op eq 'G') { run_setup($id) } else { delete $setup{$id} }
  write_fd($to{$pid}, "$op\n");
  forget($pid);
}

# A child said S (it is in a session of its own), or nothing (it died).
sub child_said {
  my ($pid) = @_;
  my $n = POSIX::read($from{$pid}, my $buf, 64);
  return if !defined $n && $! == POSIX::EINTR();
  POSIX::close(delete $from{$pid});
  my $id = $id_of{$pid};
  if (defined $n && $buf eq "S\n") {
    $ready{$pid} = 1;
    $ticks{$pid} = start_ticks($pid);
    if (defined $id) { say_out("S $id $pid $ticks{$pid}") } else { push @spares, $pid }
  } else {
    say_out("F $id " . hexs('the process died before it was ready')) if defined $id;
    forget($pid);
  }
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $st = $?;
    child_said($pid) if defined $from{$pid};
    forget($pid) if defined $to{$pid} || defined $id_of{$pid} || $ready{$pid};
    say_out("E $pid " . (($st & 127) ? 128 + ($st & 127) : ($st >> 8)));
  }
}

say_out("H $$");
while (1) {
  reap();
  my $pending = index($in, "\n") >= 0;
  # The agent is gone: children waiting for the helper see EOF and exit; running ones carry on.
  exit 0 if $eof && !$pending;
  my $unready = grep { !$ready{$_} && !defined $id_of{$_} } keys %from;
  shift @setups while @setups && !exists $setup{$setups[0]};
  my $refill = !$pending && (@setups || @spares + $unready < $spares_wanted);
  my $rin = '';
  vec($rin, 0, 1) = 1 unless $eof || $pending;
  vec($rin, $_, 1) = 1 for values %from;
  my $n = select(my $rout = $rin, undef, undef, ($pending || $refill) ? 0 : 0.25);
  if ($n < 0) {
    next if $! == POSIX::EINTR();
    die "select: $!\n";
  }
  if ($n > 0) {
    for my $pid (keys %from) { child_said($pid) if defined $from{$pid} && vec($rout, $from{$pid}, 1) }
    if (vec($rout, 0, 1)) {
      my $got = POSIX::read(0, my $buf, 65536);
      if (defined $got) { $got == 0 ? ($eof = 1) : ($in .= $buf) }
    }
  } elsif ($refill && @setups) {
    # Nothing to do: the oldest launch's setup, so its G needs no wait.
    run_setup(shift @setups);
    next;
  } elsif ($refill) {
    # Nothing to do: one more spare, then look again. If none can be made (no descriptors or
    # processes left), keep the ones there are rather than try again in a loop.
    my ($pid, $why) = fork_child();
    if (!defined $pid) {
      print STDERR "cannot make a spare ($why); keeping " . scalar(@spares) . "\n";
      $spares_wanted = @spares + $unready;
    }
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
