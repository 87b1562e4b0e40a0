/** What `aurora update start|pause|resume|abort|rollback|pulse|wait|list|info` do; loaded when one of them runs. */
import { formatJobKey, parseJobKey, type JobKey } from '../../dsl/key.js';
import type { JobUpdate, UpdateUserAction } from '../../scheduler/api/updates-api.js';
import { parseBindings } from '../config/bindings.js';
import { ApiCallError, CommandFailureError, InvalidParameterError } from '../errors.js';
import { parseInstanceKeyForCluster, submittableSpec } from './compile-spec.js';
import type { CommandContext } from './context.js';
import { formatUpdateInfo, formatUpdateList, parseUpdateFilter, resolveStatuses, updateInfoJson, updateListJson } from './update-format.js';
import { followUpdate, notFound } from './update-wait.js';

export interface StartUpdateArgs {
  readonly instancekey: string;
  readonly config: string;
  readonly bind: readonly string[];
  readonly message?: string | undefined;
  readonly wait: boolean;
}

/** Aurora's words for a cron config given to `update start`. */
export const CRON_UPDATE_REFUSAL = 'Cron jobs may only be updated with "aurora cron schedule" command';

export async function startUpdate(ctx: CommandContext, a: StartUpdateArgs): Promise<void> {
  const { job: key, instances, extraEnvironments } = await parseInstanceKeyForCluster(ctx, a.instancekey);
  const bindings = parseBindings(a.bind);
  const client = ctx.client(key.cluster);
  const spec = await submittableSpec(ctx, a.config, key, bindings, extraEnvironments);
  if (spec.cronSchedule !== null) {
    throw new CommandFailureError(`${CRON_UPDATE_REFUSAL} (${formatJobKey(key)} has cronSchedule '${spec.cronSchedule}')`);
  }
  const update = await client.startUpdate(key, {
    spec,
    ...(instances ? { instances: [...instances] } : {}),
    ...(a.message !== undefined ? { message: a.message } : {}),
  });
  ctx.out(`Job update has started. View your update progress at ${client.jobPageUrl(key)}/update/${encodeURIComponent(update.id)}`);
  ctx.out(`Update ID: ${update.id}`);
  if (a.wait) await followUpdate(ctx, client, key, update, 'forward');
}

/** What Aurora's client says once an action took. */
const DONE: Readonly<Record<UpdateUserAction, string>> = {
  pause: 'Update has been paused.',
  resume: 'Update has been resumed.',
  abort: 'Update has been aborted.',
  rollback: 'Update rollback has started.',
  pulse: 'Update has been pulsed.',
};

export interface ModifyUpdateArgs {
  readonly jobkey: string;
  readonly message?: string | undefined;
  /** rollback only: wait until it rolled back. */
  readonly wait?: boolean;
}

/** pause, resume, abort, rollback or pulse the job's active update. */
export async function modifyUpdate(ctx: CommandContext, action: UpdateUserAction, a: ModifyUpdateArgs): Promise<void> {
  const key = parseJobKey(a.jobkey);
  const client = ctx.client(key.cluster);
  let update: JobUpdate;
  try {
    update = await client.updateAction(key, action, a.message !== undefined ? { message: a.message } : {});
  } catch (err) {
    const missing = notFound(err, key, 'active');
    if (missing) throw missing;
    if (err instanceof ApiCallError && err.code === 'INVALID_UPDATE_ACTION') {
      throw new ApiCallError(err.code, `Failed to ${action} update due to error: ${err.message}`, err.status, { cause: err });
    }
    throw err;
  }
  ctx.out(DONE[action]);
  if (action === 'rollback' && a.wait) await followUpdate(ctx, client, key, update, 'back');
}

/** The update `id` of the job, or its active one; exit 6 with Aurora's words when there is none. */
async function findUpdate(ctx: CommandContext, key: JobKey, id: string | undefined, noActive: string): Promise<JobUpdate> {
  try {
    return await ctx.client(key.cluster).getUpdate(key, id ?? 'active');
  } catch (err) {
    if (err instanceof ApiCallError && err.code === 'NO_ACTIVE_UPDATE') throw new InvalidParameterError(noActive, { cause: err });
    throw notFound(err, key, id ?? 'active') ?? err;
  }
}

/** `aurora update wait KEY [ID]`: until the update (by default the active one) ends. */
export async function waitForUpdate(ctx: CommandContext, jobkey: string, id: string | undefined): Promise<void> {
  const key = parseJobKey(jobkey);
  const update = await findUpdate(ctx, key, id, 'No active update found for this job.');
  await followUpdate(ctx, ctx.client(key.cluster), key, update, 'forward');
}

export interface ListUpdatesArgs {
  readonly filter: string;
  readonly status: readonly string[];
  readonly user?: string | undefined;
  readonly json: boolean;
}

export async function listUpdates(ctx: CommandContext, a: ListUpdatesArgs): Promise<void> {
  const filter = parseUpdateFilter(a.filter);
  const statuses = resolveStatuses(a.status);
  const { cluster, ...scope } = filter;
  const updates = await ctx.client(cluster).listUpdates({ ...scope, statuses, ...(a.user !== undefined ? { user: a.user } : {}) });
  if (a.json) ctx.json(updateListJson(updates));
  else ctx.outLines(formatUpdateList(updates));
}

/** `aurora update info KEY [ID]`: one update (by default the active one) in detail. */
export async function updateInfo(ctx: CommandContext, jobkey: string, id: string | undefined, json: boolean): Promise<void> {
  const key = parseJobKey(jobkey);
  const update = await findUpdate(ctx, key, id, 'There is no active update for this job.');
  if (json) ctx.json(updateInfoJson(update));
  else ctx.outLines(formatUpdateInfo(update));
}
