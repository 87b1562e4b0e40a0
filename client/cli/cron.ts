import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

const actions = () => import('./cron-actions.js');

const JOB_KEY = 'cluster/role/environment/name';

/** `aurora cron schedule|deschedule|start|show`, Aurora's verbs: the table only; handlers load cron-actions.ts. */
export function cronCommands(y: Argv, ctx: CommandContext): Argv {
  const jobkey = <T>(c: Argv<T>) => c.positional('jobkey', { type: 'string', demandOption: true, describe: JOB_KEY });
  return y.command('cron', 'Schedule, run and show cron jobs', (cron) =>
    cron
      .command(
        'schedule <jobkey> <config>',
        "Schedule a cron job from a config with a cronSchedule, or replace its schedule and config (its running tasks stay)",
        (c) =>
          jobkey(c)
            .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
            .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' }),
        async (a) => (await actions()).scheduleCron(ctx, { jobkey: a.jobkey, config: a.config, bind: a.bind }),
      )
      .command(
        'deschedule <jobkey>',
        'Remove the cron schedule of a job (its running tasks stay: aurora job kill stops them)',
        jobkey,
        async (a) => (await actions()).descheduleCron(ctx, a.jobkey),
      )
      .command('start <jobkey>', 'Run a cron job once now, outside its schedule', jobkey, async (a) => (await actions()).startCron(ctx, a.jobkey))
      .command(
        'show <jobkey>',
        'Show a cron job: its schedule, time zone, collision policy, next runs and last runs',
        (c) => jobkey(c).option('write-json', { type: 'boolean', default: false, alias: 'json', describe: 'print JSON' }),
        async (a) => (await actions()).showCron(ctx, a.jobkey, a.writeJson),
      )
      .demandCommand(1, 'Please give a cron command: schedule, deschedule, start or show.'),
  );
}
