import net from 'node:net';
import type { CliOptions } from '../cli/context.js';
import type { ExitCode } from '../exit-codes.js';
import { sink } from './temp-dir.js';

/** Runs a CLI in-process with string sinks and a fake clock that only moves when the CLI sleeps. */
export async function runCli(
  create: (options: CliOptions) => { run(): Promise<ExitCode> },
  argv: readonly string[],
  options: { env: Record<string, string | undefined>; cwd: string },
): Promise<{ code: ExitCode; stdout: string; stderr: string; slept: number }> {
  const stdout = sink();
  const stderr = sink();
  let clock = Date.UTC(2024, 0, 1, 0, 1);
  let slept = 0;
  const code = await create({
    argv,
    stdout,
    stderr,
    env: options.env,
    cwd: options.cwd,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
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
