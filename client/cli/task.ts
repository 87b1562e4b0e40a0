import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

/**
 * `aurora task run-local KEY FILE [--instance N] [--bind k=v]` (Thermos' `thermos simplerun`):
 * the job's task on this machine with the real executor runner and no scheduler. Ports come
 * from the free ports of this host; each process's state changes print as they happen; the
 * sandbox stays in the printed directory. Exit 0 when the task succeeds, 4 when it fails (with
 * the reason), 130 after Ctrl-C (which kills the task cleanly).
 */
export function taskCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('task', 'Run tasks', (task) =>
    task
      .command(
        'run-local <jobkey> <config>',
        "Run an instance's task on this machine, without a scheduler",
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('instance', { type: 'number', default: 0, describe: 'which instance to run ({{mesos.instance}})' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('sandbox-root', { type: 'string', describe: 'where the sandbox goes [default: a new directory under the temp dir]' })
            .option('kill-grace-ms', { type: 'number', default: 5000, describe: 'time between SIGTERM and SIGKILL when killing a process' }),
        async (a) =>
          (await import('./task-run-local.js')).runLocal(ctx, {
            jobkey: a.jobkey,
            config: a.config,
            instance: a.instance,
            bind: a.bind,
            sandboxRoot: a['sandbox-root'],
            killGraceMs: a['kill-grace-ms'],
          }),
      )
      .demandCommand(1, 'Please give a task command: run-local.'),
  );
}

