import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';

const actions = () => import('./update-actions.js');

const JOB_KEY = 'cluster/role/environment/name';
const message = { type: 'string', alias: 'm', describe: "why, recorded with the update's event" } as const;
const writeJson = { type: 'boolean', default: false, alias: 'json', describe: 'print JSON' } as const;
const updateId = { type: 'string', describe: 'the update ID (update start prints it) [default: the active update]' } as const;

/** The actions on a job's active update: verb, help. */
const ACTIONS = [
  ['pause', "Pause the job's active update"],
  ['resume', "Resume the job's paused update"],
  ['abort', "Abort the job's active update (instances stay as they are)"],
  ['rollback', "Roll the job's active update back to the config the job had"],
  ['pulse', "Pulse the job's active update (one with pulseIntervalSecs goes on only while pulsed)"],
] as const;
const rollbackWait = {
  type: 'boolean',
  default: false,
  describe: 'wait until it rolled back (exit 0 rolled back, 4 rolled forward, 20 otherwise)',
} as const;

/**
 * `aurora update start|pause|resume|abort|rollback|pulse|wait|list|info`, Aurora's verbs: the
 * table only; each handler loads update-actions.ts when it runs.
 */
export function updateCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('update', 'Roll out new configs: start, follow, pause, resume, abort and roll back updates', (update) => {
    let u = update.command(
      'start <instancekey> <config>',
      "Update a job to a config: the instances whose config changed, batch by batch as its updateConfig says",
      (c) =>
        c
          .positional('instancekey', { type: 'string', demandOption: true, describe: `${JOB_KEY} (the whole job: every instance whose config changed)` })
          .positional('config', { type: 'string', demandOption: true, describe: 'the *.aurora.ts file that defines the job' })
          .option('bind', { type: 'string', array: true, default: [] as string[], describe: 'bind a {{template}} variable: --bind key=value (repeatable)' })
          .option('message', message)
          .option('wait', { type: 'boolean', default: false, describe: 'wait until the update ends (exit 0 rolled forward, 4 rolled back, 20 otherwise)' }),
      async (a) => (await actions()).startUpdate(ctx, { instancekey: a.instancekey, config: a.config, bind: a.bind, message: a.message, wait: a.wait }),
    );
    for (const [verb, describe] of ACTIONS) {
      u = u.command(
        `${verb} <jobkey>`,
        describe,
        (c) => {
          const b = c.positional('jobkey', { type: 'string', demandOption: true, describe: JOB_KEY }).option('message', message);
          // Aurora's rollback alone can wait.
          return verb === 'rollback' ? b.option('wait', rollbackWait) : b;
        },
        async (a) => (await actions()).modifyUpdate(ctx, verb, { jobkey: a.jobkey, message: a.message, wait: a['wait'] === true }),
      );
    }
    return u
      .command(
        'wait <jobkey> [id]',
        'Wait until an update ends: exit 0 rolled forward, 4 rolled back, 20 aborted, error or failed',
        (c) => c.positional('jobkey', { type: 'string', demandOption: true, describe: JOB_KEY }).positional('id', updateId),
        async (a) => (await actions()).waitForUpdate(ctx, a.jobkey, a.id),
      )
      .command(
        'list <filter>',
        'List updates, newest first',
        (c) =>
          c
            .positional('filter', { type: 'string', demandOption: true, describe: 'cluster[/role[/environment[/name]]]' })
            .option('status', {
              type: 'string',
              array: true,
              default: [] as string[],
              describe: 'only updates in this status, or in a group: active, paused, blocked, failed, inactive, succeeded, all (repeatable)',
            })
            .option('user', { type: 'string', describe: 'only updates this user started' })
            .option('write-json', writeJson),
        async (a) => (await actions()).listUpdates(ctx, { filter: a.filter, status: a.status, user: a.user, json: a.writeJson }),
      )
      .command(
        'info <jobkey> [id]',
        "Show an update in detail: its status, each instance's progress and its events",
        (c) => c.positional('jobkey', { type: 'string', demandOption: true, describe: JOB_KEY }).positional('id', updateId).option('write-json', writeJson),
        async (a) => (await actions()).updateInfo(ctx, a.jobkey, a.id, a.writeJson),
      )
      .demandCommand(1, 'Please give an update command: start, pause, resume, abort, rollback, pulse, wait, list or info.');
  });
}
