import type { ExitCode } from '../exit-codes.js';
import type { CliOptions } from './context.js';
import { configCommands } from './config.js';
import { jobCommands } from './job.js';
import { taskCommands } from './task.js';
import { runCommandLine } from './runner.js';

export type { CliOptions, Output } from './context.js';
export { CommandContext } from './context.js';
export { runCommandLine } from './runner.js';

/** The `aurora` CLI as a function of its arguments and streams; `run()` resolves to the exit code. */
export function createCli(options: CliOptions): { run(): Promise<ExitCode> } {
  return {
    run: () =>
      runCommandLine('aurora', options, (y, ctx) =>
        // One module per noun; cron, update and quota come in later issues. A noun's module is
        // only its command table: handlers load their implementation when they run.
        taskCommands(configCommands(jobCommands(y, ctx), ctx), ctx),
      ),
  };
}
