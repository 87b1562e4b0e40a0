import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

/** `aurora sla get-task-up-count|get-job-uptime KEY`: the table only; the handlers load their implementation. */
export function slaCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('sla', 'Work with SLA data of a job', (sla) =>
    sla
      .command(
        'get-task-up-count <jobspec>',
        'Print the percentage of instances up for at least each duration (Aurora\'s, default 1m,10m,1h,12h,7d)',
        (c) =>
          c
            .positional('jobspec', { type: 'string', demandOption: true, describe: 'cluster/role/env/name' })
            .option('durations', { type: 'string', describe: 'durations such as 1d or 3m,10s,1h3m10s (XdYhZmWs)' }),
        async (a) => (await import('./sla-actions.js')).taskUpCount(ctx, a.jobspec, a.durations),
      )
      .command(
        'get-job-uptime <jobspec>',
        'Print how long instances have been up at each percentile (Aurora\'s, default 99,95,90,85,75,60,50,30,10)',
        (c) =>
          c
            .positional('jobspec', { type: 'string', demandOption: true, describe: 'cluster/role/env/name' })
            .option('percentiles', { type: 'string', describe: 'percentiles within (0, 100), such as 50,75,95.5' }),
        async (a) => (await import('./sla-actions.js')).jobUptime(ctx, a.jobspec, a.percentiles),
      )
      .demandCommand(1, 'Please give an sla command: get-task-up-count or get-job-uptime.'),
  );
}
