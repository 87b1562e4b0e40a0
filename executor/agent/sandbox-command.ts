import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { cutCharacterBytes } from '../observer/sandbox-files.js';
import { argumentProblem } from '../runner/process-launcher.js';
import type { UnixUser } from '../runner/users.js';

/**
 * One command a user runs in a task's sandbox (`aurora task run`): `bash -c` in the sandbox, with
 * the task's environment, as the task's user (node's spawn switches user, as a shell health check
 * does), stdin closed, stdout and stderr together as they come. Bounded: killed with its process
 * group after `timeoutMs`, output kept up to `maxOutputBytes` (cut at a character, the rest
 * read and dropped). Processes it leaves in the background keep running; the result does not
 * wait for them beyond a short grace.
 */

export interface SandboxCommand {
  readonly sandbox: string;
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly runAs: UnixUser | null;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Aborting it kills the command at once (the agent stops), as a timeout does. */
  readonly signal?: AbortSignal;
}

export interface SandboxCommandResult {
  /** The exit status (128+N after signal N), or null when it was killed for its time. */
  readonly exitCode: number | null;
  readonly output: string;
  readonly truncated: boolean;
  readonly timedOut: boolean;
}

/** How long output may still come after the command exited (from what it left in the background). */
export const OUTPUT_GRACE_MS = 200;

/** Runs the command; rejects only when it cannot start (the message says why). */
export function runInSandbox(c: SandboxCommand): Promise<SandboxCommandResult> {
  // stderr into stdout's pipe first, so the two come in the order they were written (as over ssh).
  const script = `exec 2>&1\n${c.command}`;
  const tooLong = argumentProblem('the command line', script);
  if (tooLong) return Promise.reject(new Error(tooLong));
  let child: ChildProcess;
  try {
    child = spawn('bash', ['-c', script], {
      cwd: c.sandbox,
      env: { ...c.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout kills what it started too.
      detached: true,
      ...(c.runAs ? { uid: c.runAs.uid, gid: c.runAs.gid } : {}),
    });
  } catch (err) {
    // node throws for some exec failures (E2BIG, EPERM) rather than emitting 'error'.
    return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let status: number | null | undefined;
    let open = 2;
    let graceTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer) => {
      const room = c.maxOutputBytes - kept;
      if (room <= 0) {
        truncated = true;
        return;
      }
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    const finish = () => {
      clearTimeout(timer);
      c.signal?.removeEventListener('abort', stop);
      clearTimeout(graceTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      let bytes = Buffer.concat(chunks);
      if (truncated) bytes = bytes.subarray(0, bytes.length - cutCharacterBytes(bytes));
      resolve({ exitCode: timedOut ? null : (status ?? null), output: bytes.toString('utf8'), truncated, timedOut });
    };
    const streamEnded = () => {
      if (--open === 0 && status !== undefined) finish();
    };
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', onData);
      stream?.once('close', streamEnded);
    }
    const stop = () => {
      if (timedOut) return;
      timedOut = true;
      killGroup(child);
      // Whatever it started holds the pipes no longer once the group is gone; finish anyway soon.
      graceTimer = setTimeout(finish, OUTPUT_GRACE_MS);
    };
    const timer = setTimeout(stop, c.timeoutMs);
    c.signal?.addEventListener('abort', stop, { once: true });
    if (c.signal?.aborted) stop();
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      status = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
      if (open === 0) finish();
      else if (!timedOut) graceTimer = setTimeout(finish, OUTPUT_GRACE_MS);
    });
  });
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
