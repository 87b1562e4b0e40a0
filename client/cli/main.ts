import type { ExitCode } from '../exit-codes.js';

/**
 * The shell of a bin: SIGINT aborts the run (waits end with exit code INTERRUPTED and cleanup
 * runs); the exit code goes to process.exitCode, never process.exit.
 */
export async function runMain(make: (signal: AbortSignal) => { run(): Promise<ExitCode> }): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: stop now
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    process.exitCode = await make(controller.signal).run();
  } finally {
    process.off('SIGINT', onSigint);
  }
}
