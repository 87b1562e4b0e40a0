/** What `aurora cron schedule|deschedule|start|show` do; loaded when one of them runs. */
import { formatJobKey, parseJobKey, type JobKey } from '../../dsl/key.js';
import type { CronJobView } from '../../scheduler/api/cron-api.js';
import { parseBindings } from '../config/bindings.js';
import { ApiCallError, CommandFailureError, InvalidParameterError } from '../errors.js';
import { parseKeyForCluster, submittableSpec } from './compile-spec.js';
import type { CommandContext } from './context.js';
import { formatCronRun, formatCronShow, formatScheduled } from './cron-format.js';

/** Aurora's words for a config without a cron schedule given to `cron schedule`. */
export const NOT_CRON_REFUSAL = 'Non-cron jobs may only be created with "aurora job create" command';

export async function scheduleCron(ctx: CommandContext, a: { jobkey: string; config: string; bind: readonly string[] }): Promise<void> {
  const { key, extraEnvironments } = await parseKeyForCluster(ctx, a.jobkey);
  const bindings = parseBindings(a.bind);
  const client = ctx.client(key.cluster);
  const spec = await submittableSpec(ctx, a.config, key, bindings, extraEnvironments);
  if (spec.cronSchedule === null) {
    throw new CommandFailureError(`${NOT_CRON_REFUSAL} (${formatJobKey(key)} in ${a.config} has no cronSchedule)`);
  }
  const cron = await client.scheduleCron(spec);
  ctx.out(`Cron job scheduled, status can be viewed at ${client.jobPageUrl(key)}`);
  ctx.out(formatScheduled(cron));
}

export async function descheduleCron(ctx: CommandContext, jobkey: string): Promise<void> {
  const key = parseJobKey(jobkey);
  const cron = await ctx.client(key.cluster).descheduleCron(key);
  ctx.out('Cron descheduling succeeded.');
  // As Aurora: descheduling leaves a running run alone.
  const n = cron.activeTasks;
  if (n > 0) ctx.out(`${n} task${n === 1 ? ' of' : 's of'} ${formatJobKey(key)} ${n === 1 ? 'is' : 'are'} still active; aurora job kill ${formatJobKey(key)} stops ${n === 1 ? 'it' : 'them'}`);
}

export async function startCron(ctx: CommandContext, jobkey: string): Promise<void> {
  const key = parseJobKey(jobkey);
  const client = ctx.client(key.cluster);
  const cron = await showing(key, () => client.startCron(key));
  // The run this call made: the newest one started by hand.
  const run = cron.lastRuns.find((r) => r.scheduledFor === null);
  if (run?.outcome === 'CANCELLED_NEW') {
    throw new CommandFailureError(`${formatJobKey(key)} did not start: its previous run is still active and its collision policy is CANCEL_NEW`);
  }
  ctx.out(`Cron job ${formatJobKey(key)} started, status can be viewed at ${client.jobPageUrl(key)}`);
  if (run) ctx.out(formatCronRun(run, cron.timezone).trimStart());
}

export async function showCron(ctx: CommandContext, jobkey: string, json: boolean): Promise<void> {
  const key = parseJobKey(jobkey);
  const cron = await showing(key, () => ctx.client(key.cluster).getCron(key));
  if (json) ctx.json(cron);
  else ctx.outLines(formatCronShow(cron));
}

/** Aurora's exit 6 and words for a job with no cron entry. */
async function showing(key: JobKey, call: () => Promise<CronJobView>): Promise<CronJobView> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiCallError && err.code === 'CRON_JOB_NOT_FOUND') {
      throw new InvalidParameterError(`No cron entry found for job ${formatJobKey(key)}`, { cause: err });
    }
    throw err;
  }
}
