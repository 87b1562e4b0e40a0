import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

export { formatInstances } from './instances.js';

const actions = () => import('./job-actions.js');
const inspection = () => import('./job-inspect.js');

/**
 * `aurora job create|status|list|kill|inspect|diff`. The table only: each handler loads its
 * implementation when it runs, so a command loads no more than it uses.
 */
export function jobCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('job', 'Create, inspect, compare and kill jobs', (job) =>
    job
      .command(
        'create <jobkey> <config>',
        'Create a job from a config file',
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('wait-until', { choices: ['RUNNING', 'FINISHED'] as const, describe: 'wait until every instance is RUNNING or FINISHED' })
            .option('wait-timeout', { type: 'number', default: 600, describe: 'seconds --wait-until waits before giving up' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        async (a) =>
          (await actions()).createJob(ctx, {
            jobkey: a.jobkey,
            config: a.config,
            bind: a.bind,
            waitUntil: a.waitUntil,
            waitTimeout: a.waitTimeout,
            json: a.json,
          }),
      )
      .command(
        'status <jobkey>',
        "Show a job and each instance's current task",
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .option('json', { type: 'boolean', default: false, describe: 'print the job as JSON' }),
        async (a) => (await actions()).jobStatus(ctx, a.jobkey, a.json),
      )
      .command(
        'list <pattern>',
        "List a role's jobs",
        (c) =>
          c
            .positional('pattern', { type: 'string', demandOption: true, describe: 'cluster/role[/environment]' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        async (a) => (await actions()).listJobs(ctx, a.pattern, a.json),
      )
      .command(
        'kill <instancekey>',
        'Kill a job, or some of its instances',
        (c) =>
          c
            .positional('instancekey', {
              type: 'string',
              demandOption: true,
              describe: 'cluster/role/environment/name[/instances], instances as 0-1 or 0,2',
            })
            .option('message', { type: 'string', describe: 'why, recorded with the tasks' })
            .option('wait', { type: 'boolean', default: true, describe: 'wait until the tasks ended (--no-wait to skip)' })
            .option('wait-timeout', { type: 'number', default: 600, describe: 'seconds to wait for the tasks to end' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        async (a) =>
          (await actions()).killJob(ctx, {
            instancekey: a.instancekey,
            message: a.message,
            wait: a.wait,
            waitTimeout: a.waitTimeout,
            json: a.json,
          }),
      )
      .command(
        'inspect <jobkey> <config>',
        'Show the spec a config compiles to for a job (nothing is sent)',
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('json', { type: 'boolean', default: false, describe: 'print the spec as canonical JSON' }),
        async (a) => (await inspection()).inspectJob(ctx, { jobkey: a.jobkey, config: a.config, bind: a.bind, json: a.json }),
      )
      .command(
        'diff <jobkey> <config>',
        'Compare what a config compiles to with what the scheduler runs (exit 0 either way)',
        (c) =>
          c
            .positional('jobkey', { type: 'string', demandOption: true, describe: 'cluster/role/environment/name' })
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
            .option('json', { type: 'boolean', default: false, describe: 'print JSON: whether they differ, both hashes and the diff lines' }),
        async (a) => (await inspection()).diffJob(ctx, { jobkey: a.jobkey, config: a.config, bind: a.bind, json: a.json }),
      )
      .demandCommand(1, 'Please give a job command: create, status, list, kill, inspect or diff.'),
  );
}
