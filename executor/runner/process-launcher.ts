import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { exitPath, logPath, runLogDir } from './sandbox.js';

/**
 * Starts one run of a process so that it outlives the agent: its own session and process group,
 * stdout and stderr straight into log files, and a small shell wrapper that waits for the
 * command and writes its exit status to a file (atomically, via rename). An agent that restarts
 * learns the status from that file; while the agent lives the child's exit event is faster.
 */

/**
 * `$1` is the user's command line, `$2` the exit file. The wrapper traps TERM/INT/HUP (with a
 * handler, so the command itself keeps default dispositions) so that a signal to the group does
 * not stop it from recording how the command ended. `wait` returns early when a trapped signal
 * arrives, hence the loop until the command is really gone.
 */
export const WRAPPER_SCRIPT = [
  "trap ':' TERM INT HUP",
  'bash -c "$1" &',
  'child=$!',
  'while :; do',
  '  wait "$child"',
  '  code=$?',
  '  kill -0 "$child" 2>/dev/null || break',
  'done',
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
}

export interface LaunchedProcess {
  readonly pid: number;
  /** The process group; equal to pid, as the wrapper leads its own session. */
  readonly pgid: number;
  readonly child: ChildProcess;
}

/** Spawns the run; throws if it could not be started. */
export function launchProcess(req: LaunchRequest): LaunchedProcess {
  mkdirSync(runLogDir(req.sandbox, req.process, req.run), { recursive: true });
  const out = openSync(logPath(req.sandbox, req.process, req.run, 'stdout'), 'a');
  const err = openSync(logPath(req.sandbox, req.process, req.run, 'stderr'), 'a');
  try {
    const child = spawn('/bin/sh', ['-c', WRAPPER_SCRIPT, 'aurora-process', req.cmdline, exitPath(req.sandbox, req.process, req.run)], {
      cwd: req.sandbox,
      env: { ...req.env },
      detached: true,
      stdio: ['ignore', out, err],
    });
    if (child.pid === undefined) {
      // spawn reports the reason asynchronously; the pid is missing only when it failed.
      child.on('error', () => {});
      throw new Error(`could not start process ${req.process}: /bin/sh did not start`);
    }
    child.unref();
    return { pid: child.pid, pgid: child.pid, child };
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
