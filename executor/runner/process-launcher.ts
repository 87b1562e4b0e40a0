import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import type { LoggerSpec } from '../../dsl/jobspec.js';
import { readProcStat } from './proc.js';
import { exitPath, logPath, runLogDir } from './sandbox.js';
import type { UnixUser } from './users.js';

/**
 * Starts one run of a process so that it outlives the agent: its own session and process group,
 * stdout and stderr straight into log files, and a small shell wrapper that waits for the
 * command and writes its exit status to a file (atomically, via rename). An agent that restarts
 * learns the status from that file; while the agent lives the child's exit event is faster.
 */

/**
 * `$1` is the user's command line, `$2` the exit file. The wrapper first moves itself into the
 * task's cgroups (the `cgroup.procs` files in `$AURORA_CGROUP_PROCS`), so everything the command
 * starts is inside from its first instruction. It traps TERM/INT/HUP (with a handler, so the
 * command itself keeps default dispositions) so that a signal to the group does not stop it from
 * recording how the command ended; the shell runs a trap only once its foreground command is
 * over. The command runs in the foreground, not with `&`: a non-interactive shell starts
 * background jobs with SIGINT and SIGQUIT ignored, and a process cannot undo that.
 */
export const WRAPPER_SCRIPT = [
  "trap ':' TERM INT HUP",
  'for f in $AURORA_CGROUP_PROCS; do echo $$ > "$f" 2>/dev/null; done',
  'unset AURORA_CGROUP_PROCS',
  'bash -c "$1"',
  'code=$?',
  `printf '%s\\n' "$code" > "$2.tmp" && mv -f "$2.tmp" "$2"`,
  'exit "$code"',
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
}

export interface LaunchedProcess {
  readonly pid: number;
  /** The process group; equal to pid, as the wrapper leads its own session. */
  readonly pgid: number;
  readonly child: ChildProcess;
  /** The wrapper's start time in clock ticks since boot, when /proc tells it. */
  readonly startTicks: number | undefined;
}

/** Spawns the run; throws if it could not be started. */
export function launchProcess(req: LaunchRequest): LaunchedProcess {
  const dir = runLogDir(req.sandbox, req.process, req.run);
  mkdirSync(dir, { recursive: true });
  if (req.runAs) chownSync(dir, req.runAs.uid, req.runAs.gid);
  const none = req.destination === 'none';
  const out = openSync(none ? '/dev/null' : logPath(req.sandbox, req.process, req.run, 'stdout'), 'a');
  const err = openSync(none ? '/dev/null' : logPath(req.sandbox, req.process, req.run, 'stderr'), 'a');
  try {
    const env: Record<string, string> = { ...req.env };
    if (req.cgroupProcs && req.cgroupProcs.length > 0) env.AURORA_CGROUP_PROCS = req.cgroupProcs.join(' ');
    const child = spawn('/bin/sh', ['-c', WRAPPER_SCRIPT, 'aurora-process', req.cmdline, exitPath(req.sandbox, req.process, req.run)], {
      cwd: req.sandbox,
      env,
      detached: true,
      stdio: ['ignore', out, err],
      ...(req.runAs ? { uid: req.runAs.uid, gid: req.runAs.gid } : {}),
    });
    if (child.pid === undefined) {
      // spawn reports the reason asynchronously; the pid is missing only when it failed.
      child.on('error', () => {});
      throw new Error(`could not start process ${req.process}: /bin/sh did not start`);
    }
    child.unref();
    return { pid: child.pid, pgid: child.pid, child, startTicks: readProcStat(child.pid)?.startTicks };
  } finally {
    closeSync(out);
    closeSync(err);
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
