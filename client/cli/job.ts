import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';
import { fastCommand, registerFast, type FastCommand } from './fast-argv.js';

export { formatInstances } from './instances.js';

const actions = () => import('./job-actions.js');
const inspection = () => import('./job-inspect.js');
const restarter = () => import('./job-restart.js');

const JOB_KEY = 'cluster/role/environment/name';
const CONFIG_FILE = 'the *.aurora.ts file that defines the job';
const bind = {
  type: 'string',
  array: true,
  default: [] as string[],
  describe: 'bind a {{template}} variable: --bind key=value (repeatable)',
} as const;
const json = (describe: string) => ({ type: 'boolean', default: false, describe }) as const;

/**
 * `aurora job create|status|list|kill|restart|inspect|diff`: one table for both parsers (see
 * fast-argv.ts). Each handler loads its implementation when it runs, so a command loads no more
 * than it uses.
 */
export function jobCommandTable(ctx: CommandContext): FastCommand[] {
  return [
    fastCommand({
      words: ['job', 'create'],
      describe: 'Create a job from a config file',
      positionals: { jobkey: JOB_KEY, config: CONFIG_FILE },
      options: {
        bind,
        'wait-until': { choices: ['RUNNING', 'FINISHED'], describe: 'wait until every instance is RUNNING or FINISHED' },
        'wait-timeout': { type: 'number', default: 600, describe: 'seconds --wait-until waits before giving up' },
        json: json('print JSON'),
      },
      run: async (a) =>
        (await actions()).createJob(ctx, {
          jobkey: a.jobkey,
          config: a.config,
          bind: a.bind,
          waitUntil: a.waitUntil,
          waitTimeout: a.waitTimeout,
          json: a.json,
        }),
    }),
    fastCommand({
      words: ['job', 'status'],
      describe: 'Show a job: its active tasks, then its ended ones',
      positionals: { jobkey: JOB_KEY },
      options: {
        json: json('print the job as JSON (this project\'s shape)'),
        'write-json': json("print Aurora's JSON: an array of {job, active, inactive}, each task as Aurora's ScheduledTask"),
      },
      run: async (a) => (await actions()).jobStatus(ctx, a.jobkey, a.json, a.writeJson),
    }),
    fastCommand({
      words: ['job', 'list'],
      describe: "List a role's jobs",
      positionals: { pattern: 'cluster/role[/environment]' },
      options: { json: json('print JSON') },
      run: async (a) => (await actions()).listJobs(ctx, a.pattern, a.json),
    }),
    fastCommand({
      words: ['job', 'kill'],
      describe: 'Kill a job, or some of its instances',
      positionals: { instancekey: 'cluster/role/environment/name[/instances], instances as 0-1 or 0,2' },
      options: {
        message: { type: 'string', describe: 'why, recorded with the tasks' },
        wait: { type: 'boolean', default: true, describe: 'wait until the tasks ended (--no-wait to skip)' },
        'wait-timeout': { type: 'number', default: 600, describe: 'seconds to wait for the tasks to end' },
        strict: { type: 'boolean', default: false, describe: 'refuse instances the job does not have (exit 6) instead of ignoring them' },
        json: json('print JSON'),
      },
      run: async (a) =>
        (await actions()).killJob(ctx, {
          instancekey: a.instancekey,
          message: a.message,
          strict: a.strict,
          wait: a.wait,
          waitTimeout: a.waitTimeout,
          json: a.json,
        }),
    }),
    fastCommand({
      words: ['job', 'killall'],
      describe: "Kill all of a job's instances, in batches each waited until its tasks ended (Aurora's killall)",
      positionals: { jobkey: JOB_KEY },
      options: {
        message: { type: 'string', describe: 'why, recorded with the tasks' },
        batching: { type: 'boolean', default: true, describe: 'kill in batches (--no-batching: all at once)' },
        'batch-size': { type: 'number', default: 1, describe: 'instances killed per batch' },
        'wait-timeout': { type: 'number', default: 600, describe: 'seconds to wait for a batch to end' },
      },
      run: async (a) =>
        (await actions()).killAll(ctx, { jobkey: a.jobkey, message: a.message, batching: a.batching, batchSize: a.batchSize, waitTimeout: a.waitTimeout }),
    }),
    fastCommand({
      words: ['job', 'restart'],
      describe: 'Restart a job, or some of its instances, in batches, each watched until healthy like an update',
      positionals: { instancekey: 'cluster/role/environment/name[/instances], instances as 0-1 or 0,2' },
      options: {
        'batch-size': { type: 'number', default: 1, describe: 'instances restarted at once' },
        'watch-secs': { type: 'number', default: 45, describe: 'seconds a restarted instance must stay RUNNING (and healthy) to count' },
        'max-per-instance-failures': { type: 'number', default: 0, describe: 'failures of one instance tolerated' },
        'max-total-failures': { type: 'number', default: 0, describe: 'failed instances tolerated before the restart fails' },
        'rollback-on-failure': { type: 'boolean', default: false, describe: 'roll the restart back when it fails, as an update would' },
        message: { type: 'string', describe: 'why, recorded with the restart' },
      },
      run: async (a) =>
        (await restarter()).restartJob(ctx, {
          instancekey: a.instancekey,
          batchSize: a.batchSize,
          watchSecs: a.watchSecs,
          maxPerInstanceFailures: a.maxPerInstanceFailures,
          maxTotalFailures: a.maxTotalFailures,
          rollbackOnFailure: a.rollbackOnFailure,
          message: a.message,
        }),
    }),
    fastCommand({
      words: ['job', 'inspect'],
      describe: 'Show the spec a config compiles to for a job (nothing is sent)',
      positionals: { jobkey: JOB_KEY, config: CONFIG_FILE },
      options: { bind, json: json('print the spec as canonical JSON') },
      run: async (a) => (await inspection()).inspectJob(ctx, { jobkey: a.jobkey, config: a.config, bind: a.bind, json: a.json }),
    }),
    fastCommand({
      words: ['job', 'diff'],
      describe: 'Compare what a config compiles to with what the scheduler runs (exit 0 either way)',
      positionals: { jobkey: JOB_KEY, config: CONFIG_FILE },
      options: { bind, json: json('print JSON: whether they differ, both hashes and the diff lines') },
      run: async (a) => (await inspection()).diffJob(ctx, { jobkey: a.jobkey, config: a.config, bind: a.bind, json: a.json }),
    }),
  ];
}

/** Registers the job commands with yargs. */
export function jobCommands(y: Argv, ctx: CommandContext): Argv {
  return y.command('job', 'Create, inspect, compare, restart and kill jobs', (job) => {
    let built = job;
    for (const c of jobCommandTable(ctx)) built = registerFast(built, c);
    return built.demandCommand(1, 'Please give a job command: create, status, list, kill, killall, restart, inspect or diff.');
  });
}
