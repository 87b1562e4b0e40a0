import type { ExitCode } from '../exit-codes.js';

/**
 * The shell of a bin: SIGINT aborts the run (waits end with exit code INTERRUPTED and cleanup
 * runs); the exit code goes to process.exitCode, never process.exit. A reader that goes away
 * early (`aurora job list ... | head -1`) ends the output quietly: no EPIPE stack trace.
 */
export async function runMain(make: (signal: AbortSignal) => { run(): Promise<ExitCode> }): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
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

/**
 * Drops what is written to `stream` once its reader closed the pipe (EPIPE), instead of letting
 * the error event crash the process with a stack trace. Other errors stay errors.
 */
export function quietOnClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    throw err;
  });
}
