import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { request } from 'undici';
import type { HealthCheckerSpec } from '../../dsl/jobspec.js';
import { judgeHttpAnswer } from '../core/health.js';
import { argumentProblem, shortCommand } from './process-launcher.js';
import type { UnixUser } from './users.js';

/**
 * One health check, the I/O: an HTTP GET, a TCP connect or a shell command, each within the
 * timeout. Returns `{ ok, message }` and never rejects (a check that cannot even start fails); what it means is decided in core/health.ts.
 */

export interface CheckContext {
  readonly ports: Readonly<Record<string, number>>;
  readonly sandbox: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly runAs?: UnixUser | null;
}

export async function runHealthCheck(checker: HealthCheckerSpec, ctx: CheckContext): Promise<{ ok: boolean; message: string }> {
  try {
    return await runCheck(checker, ctx);
  } catch (err) {
    // Whatever went wrong is the check's failure, never the agent's.
    return { ok: false, message: `${checker.kind} check could not run: ${(err as Error).message}` };
  }
}

function runCheck(checker: HealthCheckerSpec, ctx: CheckContext): Promise<{ ok: boolean; message: string }> {
  switch (checker.kind) {
    case 'http':
      return httpCheck(checker, ctx);
    case 'tcp':
      return tcpCheck(ctx.ports[checker.port], ctx.timeoutMs);
    case 'shell':
      return shellCheck(checker.command, ctx);
  }
}

async function httpCheck(checker: Extract<HealthCheckerSpec, { kind: 'http' }>, ctx: CheckContext) {
  const port = ctx.ports[checker.port];
  const what = `GET ${checker.endpoint}`;
  if (port === undefined) return { ok: false, message: `${what}: the task has no port ${checker.port}` };
  try {
    const res = await request(`http://127.0.0.1:${port}${checker.endpoint}`, {
      method: 'GET',
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
      signal: AbortSignal.timeout(ctx.timeoutMs),
    });
    const body = await res.body.text();
    return judgeHttpAnswer(checker, res.statusCode, body);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.code ?? '') ? `no answer within ${ctx.timeoutMs} ms` : (e.code ?? e.message);
    return { ok: false, message: `${what} failed: ${why}` };
  }
}

function tcpCheck(port: number | undefined, timeoutMs: number): Promise<{ ok: boolean; message: string }> {
  if (port === undefined) return Promise.resolve({ ok: false, message: 'the task has no such port' });
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean, message: string) => {
      socket.destroy();
      resolve({ ok, message });
    };
    socket.setTimeout(timeoutMs, () => done(false, `connect to port ${port}: no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(true, `connect to port ${port} succeeded`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(false, `connect to port ${port} failed: ${err.code ?? err.message}`));
  });
}

/**
 * Never throws nor rejects: a command that cannot start (too long for the kernel, no bash, a
 * user that cannot be switched to) is a failed check that says why. Messages name the command by
 * its beginning only.
 */
function shellCheck(command: string, ctx: CheckContext): Promise<{ ok: boolean; message: string }> {
  const name = shortCommand(command);
  const tooLong = argumentProblem('the command', command);
  if (tooLong) return Promise.resolve({ ok: false, message: `shell check could not start: ${tooLong}` });
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('bash', ['-c', command], {
        cwd: ctx.sandbox,
        env: { ...ctx.env },
        stdio: 'ignore',
        detached: true,
        ...(ctx.runAs ? { uid: ctx.runAs.uid, gid: ctx.runAs.gid } : {}),
      });
    } catch (err) {
      // node throws for some exec failures (E2BIG among them) rather than emitting 'error'.
      resolve({ ok: false, message: `shell check could not start: ${(err as Error).message} (${name})` });
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }, ctx.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `shell check could not start: ${err.message} (${name})` });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ok: true, message: `${name} exited 0` });
      else if (signal === 'SIGKILL') resolve({ ok: false, message: `${name} did not finish within ${ctx.timeoutMs} ms` });
      else resolve({ ok: false, message: `${name} exited ${code ?? signal}` });
    });
  });
}
