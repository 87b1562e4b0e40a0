import type { ExitCode } from '../exit-codes.js';
import type { CliOptions } from './context.js';
import { jobCommands, jobCommandTable } from './job.js';
import { runCommandLine } from './runner.js';

export type { CliOptions, Output } from './context.js';
export { CommandContext } from './context.js';
export { runCommandLine, type Register } from './runner.js';

/** The `aurora` CLI as a function of its arguments and streams; `run()` resolves to the exit code. */
export function createCli(options: CliOptions): { run(): Promise<ExitCode> } {
  return {
    run: () =>
      runCommandLine(
        'aurora',
        options,
        // One module per noun. A noun's module is only its command table: handlers load their
        // implementation when they run, and the tables other than job's load only when yargs
        // parses (job's serves the fast path too).
        async (y, ctx) => {
          const [{ cronCommands }, { updateCommands }, { configCommands }, { taskCommands }, { quotaCommands }, { slaCommands }] = await Promise.all([
            import('./cron.js'),
            import('./update.js'),
            import('./config.js'),
            import('./task.js'),
            import('./quota.js'),
            import('./sla.js'),
          ]);
          let registered = jobCommands(y, ctx);
          for (const nouns of [updateCommands, cronCommands, quotaCommands, slaCommands, configCommands, taskCommands]) registered = nouns(registered, ctx);
          return registered;
        },
        jobCommandTable,
      ),
  };
}
