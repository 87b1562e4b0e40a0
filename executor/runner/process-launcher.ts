import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { SetupStep } from '../core/spawn-protocol.js';
import { constants } from 'node:os';
import type { LoggerSpec } from '../../dsl/jobspec.js';
import { readProcStat } from './proc.js';
import { exitPath, logPath, runLogDir } from './sandbox.js';
import type { UnixUser } from './users.js';

/**
 * Starting one run of a process so that it outlives the agent: its own session and process
 * group, stdout and stderr straight into log files, and a small shell wrapper that waits for the
 * command and writes its exit status to a file (atomically, via rename). An agent that restarts
 * learns the status from that file; while the agent lives the launcher's exit event is faster.
 *
 * A start has two steps, so that the checkpoint names every process before it runs anything:
 * `prepare` makes the process (pid and start time known, files open, nothing run yet), the
 * runner records PROCESS_STARTED, then `start` lets it run the command. Two launchers implement
 * it: the spawn helper (spawn-helper.ts, the default) and `DirectLauncher`, node's own spawn.
 */

/**
 * The wrapper's work: `$1` is the user's command line, `$2` the exit file, `$aurora_as` empty or
 * the `setpriv` that switches to the task's user. The wrapper first moves itself into the task's
 * cgroups (the `cgroup.procs` files in `$AURORA_CGROUP_PROCS`), so everything the command starts
 * is inside from its first instruction. It traps TERM/INT/HUP (with a handler, so the command
 * itself keeps default dispositions) so that a signal to the group does not stop it from
 * recording how the command ended; the shell runs a trap only once its foreground command is
 * over. The command runs in the foreground, not with `&`: a non-interactive shell starts
 * background jobs with SIGINT and SIGQUIT ignored, and a process cannot undo that (and dash
 * starts a foreground command with vfork, which costs no copy of its memory). A
 * `.thermos_profile` in the sandbox is sourced first, as Thermos does.
 */
const WRAPPER_BODY = [
  "trap ':' TERM INT HUP",
  'for f in $AURORA_CGROUP_PROCS; do echo $$ > "$f" 2>/dev/null; done',
  'unset AURORA_CGROUP_PROCS',
  // Thermos sources the sandbox's .thermos_profile before each process (a profile that fails
  // fails the process); without one the command line runs alone, as bash's only command.
  'if [ -f .thermos_profile ]; then $aurora_as bash -c ". ./.thermos_profile || exit \\$?\n$1"; else $aurora_as bash -c "$1"; fi',
  'code=$?',
  `printf '%s\\n' "$code" > "$2.tmp" && mv -f "$2.tmp" "$2"`,
  'exit "$code"',
];

/** The wrapper as node's spawn runs it (`sh -c WRAPPER_SCRIPT aurora-process CMDLINE EXIT_FILE`), already as the task's user. */
export const WRAPPER_SCRIPT = ['aurora_as=', ...WRAPPER_BODY].join('\n');

/**
 * The wrapper as the spawn helper's children run it, started before their launch is known (a
 * spare): it reads its launch, one line of shell the helper wrote (cd, output files, environment,
 * user, `set -- CMDLINE EXIT_FILE`), then waits for G. EOF or anything else (C, or the helper
 * died) ends it before it ran anything. It runs as the agent's user; `setpriv` switches to the
 * task's for the command.
 */
export const SPARE_SCRIPT = [
  "aurora_nl='\n'",
  'IFS= read -r aurora_launch || exit 0',
  'IFS= read -r aurora_go || exit 0',
  '[ "$aurora_go" = G ] || exit 0',
  'aurora_as=',
  'eval "$aurora_launch"',
  'unset aurora_launch aurora_go aurora_nl',
  ...WRAPPER_BODY,
].join('\n');

export interface LaunchRequest {
  readonly sandbox: string;
  readonly process: string;
  readonly run: number;
  /** The bound command line, run with `bash -c`. */
  readonly cmdline: string;
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string>>;
  /** Where output goes; `none` sends it to /dev/null. @default 'file' */
  readonly destination?: LoggerSpec['destination'];
  /** Run as this user (the agent must be root); the run's log directory is given to it for the exit file. */
  readonly runAs?: UnixUser | null;
  /** `cgroup.procs` files the wrapper joins before it starts the command. */
  readonly cgroupProcs?: readonly string[];
  /** Steps taken before the command runs (making the task's cgroups). */
  readonly setup?: readonly SetupStep[];
  /** A setup step failed (the later ones were not taken); the command runs all the same. */
  readonly onSetupFailed?: (message: string) => void;
}

/**
 * The most bytes the kernel lets one argument of an exec hold (Linux's MAX_ARG_STRLEN, 32 pages,
 * its terminating NUL included). A command line runs as one argument of `bash -c`; a longer one
 * makes the exec fail with E2BIG.
 */
export const MAX_ARGUMENT_BYTES = 128 * 1024;

/** Why `command` cannot be one argument of an exec (`what` names it), or null when it can. */
export function argumentProblem(what: string, command: string): string | null {
  const bytes = Buffer.byteLength(command, 'utf8');
  if (bytes < MAX_ARGUMENT_BYTES) return null;
  return `${what} is ${bytes} bytes, too long for the kernel to run (at most ${MAX_ARGUMENT_BYTES - 1} bytes in one argument; E2BIG)`;
}

/** A command as messages name it: its beginning only, so a huge one does not make a huge message. */
export function shortCommand(command: string, max = 120): string {
  const oneLine = command.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max)}… (${Buffer.byteLength(command, 'utf8')} bytes)`;
}

/** Takes setup steps here and now; the first failure stops them and is returned. */
export function runSetup(steps: readonly SetupStep[]): string | null {
  try {
    for (const step of steps) {
      if ('mkdir' in step) mkdirSync(step.mkdir, { recursive: true });
      else if ('write' in step) writeFileSync(step.write, step.value);
      else chownSync(step.chown, step.uid, step.gid);
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** What the launcher says about a process it started. */
export interface ExitListener {
  /** The process ended, with the status the shell would give (128+N for signal N), or null when unknown. */
  exited(status: number | null): void;
  /** The launcher can no longer see this process end (its helper died): look for the exit file instead. */
  untracked(): void;
}

/**
 * A process made for a run that has run nothing yet. With the spawn helper it is a bare process
 * in its own session; it enters the sandbox, opens its files and switches user once started, and
 * exits 127 (the reason in its stderr) if it cannot. Node's own spawn does all that up front.
 */
export interface PreparedProcess {
  readonly pid: number;
  /** The process group; equal to pid, as the process leads its own session. */
  readonly pgid: number;
  /** The process's start time in clock ticks since boot, when /proc tells it. */
  readonly startTicks: number | undefined;
  /** It runs its command already (node's spawn has no waiting step): it must be recorded, not cancelled. */
  readonly running: boolean;
  /** Runs the command; call once the start is recorded. `listener` hears how it ends. */
  start(listener: ExitListener): void;
  /** The process goes away without running the command. */
  cancel(): void;
}

/** Makes processes for runs. */
export interface ProcessLauncher {
  /** Resolves once the process exists in its own session and group; rejects if it could not be made. */
  prepare(req: LaunchRequest): Promise<PreparedProcess>;
  /** Gets ready now rather than at the first launch. */
  start(): void;
  /** Launches nothing more; processes already started are left alone. */
  close(): void;
}

/** The wrapper's command line for a request. */
export function wrapperArgv(req: LaunchRequest): string[] {
  return ['/bin/sh', '-c', WRAPPER_SCRIPT, 'aurora-process', req.cmdline, exitPath(req.sandbox, req.process, req.run)];
}

/** The request's environment with the cgroups the wrapper joins. */
export function launchEnv(req: LaunchRequest): Record<string, string> {
  const env: Record<string, string> = { ...req.env };
  if (req.cgroupProcs && req.cgroupProcs.length > 0) env.AURORA_CGROUP_PROCS = req.cgroupProcs.join(' ');
  return env;
}

/** Where stdout and stderr go. */
export function outputPaths(req: LaunchRequest): { stdout: string; stderr: string } {
  if (req.destination === 'none') return { stdout: '/dev/null', stderr: '/dev/null' };
  return { stdout: logPath(req.sandbox, req.process, req.run, 'stdout'), stderr: logPath(req.sandbox, req.process, req.run, 'stderr') };
}

/**
 * Node's own spawn: the process runs at once (there is no waiting step), so `cancel` kills it.
 * Each spawn forks the whole agent, which is why the spawn helper is the default; this is what
 * the agent falls back to without perl.
 */
export class DirectLauncher implements ProcessLauncher {
  prepare(req: LaunchRequest): Promise<PreparedProcess> {
    const problem = argumentProblem('its command line', req.cmdline);
    if (problem) return Promise.reject(new Error(problem));
    try {
      return Promise.resolve(this.spawn(req));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  start(): void {}

  close(): void {}

  /** Spawns the run now; throws if it could not be started. */
  spawn(req: LaunchRequest): PreparedProcess {
    const problem = req.setup ? runSetup(req.setup) : null;
    if (problem !== null) req.onSetupFailed?.(problem);
    const dir = runLogDir(req.sandbox, req.process, req.run);
    mkdirSync(dir, { recursive: true });
    if (req.runAs) chownSync(dir, req.runAs.uid, req.runAs.gid);
    const paths = outputPaths(req);
    const out = openSync(paths.stdout, 'a');
    const err = openSync(paths.stderr, 'a');
    let child: ChildProcess;
    try {
      const [file, ...args] = wrapperArgv(req);
      child = spawn(file as string, args, {
        cwd: req.sandbox,
        env: launchEnv(req),
        detached: true,
        stdio: ['ignore', out, err],
        ...(req.runAs ? { uid: req.runAs.uid, gid: req.runAs.gid } : {}),
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports the reason asynchronously; the pid is missing only when it failed.
      child.on('error', () => {});
      throw new Error(`could not start process ${req.process}: /bin/sh did not start`);
    }
    child.unref();
    let ended: number | null | undefined;
    let listener: ExitListener | null = null;
    child.on('exit', (code, signal) => {
      ended = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
      listener?.exited(ended);
    });
    return {
      pid,
      pgid: pid,
      startTicks: readProcStat(pid)?.startTicks,
      running: true,
      start(l) {
        listener = l;
        if (ended !== undefined) l.exited(ended);
      },
      cancel() {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone already
        }
      },
    };
  }
}

/** The exit status the wrapper wrote, or null while there is none. */
export function readExitStatus(sandbox: string, process: string, run: number): number | null {
  let text: string;
  try {
    text = readFileSync(exitPath(sandbox, process, run), 'utf8');
  } catch {
    return null;
  }
  const code = Number.parseInt(text.trim(), 10);
  return Number.isInteger(code) ? code : null;
}
