import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

/** `aurora quota get CLUSTER/ROLE [--json]`: the table only; the handler loads its implementation. */
export function quotaCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('quota', "Show a role's quota", (quota) =>
    quota
      .command(
        'get <rolekey>',
        "Print a role's quota and what its production and other tasks hold",
        (c) =>
          c
            .positional('rolekey', { type: 'string', demandOption: true, describe: 'cluster/role' })
            .option('json', { type: 'boolean', default: false, describe: 'print the quota and use as JSON' }),
        async (a) => {
          const { parseRoleKey, printQuota } = await import('./quota-actions.js');
          const { cluster, role } = parseRoleKey(a.rolekey);
          await printQuota(ctx, cluster, role, a.json);
        },
      )
      .demandCommand(1, 'Please give a quota command: get.'),
  );
}
