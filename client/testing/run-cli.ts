import net from 'node:net';
import type { CliOptions } from '../cli/context.js';
import type { ExitCode } from '../exit-codes.js';
import { testClock, type TestClock } from './test-clock.js';
import { sink } from './temp-dir.js';

/**
 * Runs a CLI in-process with string sinks and a test clock that moves only when the CLI sleeps
 * or when a test scheduler compresses one of its waits (pass the same clock to both). HOME is
 * `cwd` unless `env` says otherwise, so no test reads the user's own ~/.netrc.
 */
export async function runCli(
  create: (options: CliOptions) => { run(): Promise<ExitCode> },
  argv: readonly string[],
  options: {
    env: Record<string, string | undefined>;
    cwd: string;
    clock?: TestClock;
    stdin?: CliOptions['stdin'];
    /** Aborting it is Ctrl-C. */
    signal?: AbortSignal;
    /** stdout is a terminal this wide. */
    tty?: { columns: number };
  },
): Promise<{ code: ExitCode; stdout: string; stderr: string; slept: number }> {
  const stdout = options.tty ? Object.assign(sink(), { isTTY: true, columns: options.tty.columns }) : sink();
  const stderr = sink();
  const clock = options.clock ?? testClock();
  let slept = 0;
  const code = await create({
    argv,
    stdout,
    stderr,
    env: { HOME: options.cwd, ...options.env },
    cwd: options.cwd,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    now: () => clock.now(),
    sleep: async (ms) => {
      clock.advance(ms);
      slept += ms;
    },
  }).run();
  return { code, stdout: stdout.text(), stderr: stderr.text(), slept };
}

/** A loopback port nothing listens on: one the OS just gave out and took back. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
