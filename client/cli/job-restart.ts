/** What `aurora job restart` does; loaded when it runs. */
import { formatJobKey, parseInstanceKey } from '../../dsl/key.js';
import type { UpdateSettings } from '../../scheduler/api/updates-api.js';
import { InvalidParameterError } from '../errors.js';
import type { CommandContext } from './context.js';
import { formatInstances } from './instances.js';
import { followUpdate } from './update-wait.js';

export interface RestartArgs {
  readonly instancekey: string;
  readonly batchSize: number;
  readonly watchSecs: number;
  readonly maxPerInstanceFailures: number;
  readonly maxTotalFailures: number;
  readonly rollbackOnFailure: boolean;
  readonly message?: string | undefined;
}

/** A whole number of at least `min`, or InvalidParameterError naming the option. Pure. */
function count(option: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidParameterError(`--${option} must be a whole number of at least ${min}, but you specified ${value}`);
  }
  return value;
}

/**
 * The settings of a restart: Aurora's restarter restarts a batch, waits until it is healthy, then
 * takes the next, so batches (not a queue), never paused in between, not pulsed, not SLA-aware.
 * InvalidParameterError for a count out of range. Pure.
 */
export function restartSettings(a: RestartArgs): UpdateSettings {
  return {
    strategy: { kind: 'batch', batchSize: count('batch-size', a.batchSize, 1), autopauseAfterBatch: false },
    watchSecs: count('watch-secs', a.watchSecs, 0),
    maxPerInstanceFailures: count('max-per-instance-failures', a.maxPerInstanceFailures, 0),
    maxTotalFailures: count('max-total-failures', a.maxTotalFailures, 0),
    rollbackOnFailure: a.rollbackOnFailure,
    pulseIntervalSecs: null,
    slaAware: false,
  };
}

/**
 * Restarts a job's instances (all, or those the key names) in batches, each watched like an
 * update, and waits until the restart ends: exit 0 when every instance restarted, 4 when it
 * rolled back, 20 when it was aborted or failed.
 */
export async function restartJob(ctx: CommandContext, a: RestartArgs): Promise<void> {
  const { job: key, instances } = parseInstanceKey(a.instancekey);
  const settings = restartSettings(a);
  const client = ctx.client(key.cluster);
  const restart = await client.restartJob(key, {
    ...(instances ? { instances: [...instances] } : {}),
    settings,
    ...(a.message !== undefined ? { message: a.message } : {}),
  });
  const what = `${formatJobKey(key)}${instances ? ` instances ${formatInstances(instances)}` : ''}`;
  const batch = a.batchSize; // checked by restartSettings
  ctx.out(`Restart of ${what} has started, ${batch} instance${batch === 1 ? '' : 's'} at a time. View its progress at ${client.jobPageUrl(key)}`);
  ctx.out(`Update ID: ${restart.id}`);
  await followUpdate(ctx, client, key, restart, 'forward');
  ctx.out(`Job ${formatJobKey(key)} restarted successfully`);
}
