import {
  MAX_INSTANCE_EVENTS,
  type InstanceEvent,
  type InstanceProgress,
  type JobUpdate,
  type UpdateStatus,
} from '../../api/updates-api.js';

/**
 * The update's status as a direction and a mode, and the changes to the stored record that both
 * the evaluator and the users' actions make (status events, the rollback's reset).
 */

/** Forward to the new config, or back to the old one. */
export type Direction = 'forward' | 'back';

const BACK: ReadonlySet<UpdateStatus> = new Set<UpdateStatus>(['ROLLING_BACK', 'ROLL_BACK_PAUSED', 'ROLL_BACK_AWAITING_PULSE', 'ROLLED_BACK']);
const PAUSED: ReadonlySet<UpdateStatus> = new Set<UpdateStatus>(['ROLL_FORWARD_PAUSED', 'ROLL_BACK_PAUSED']);
const AWAITING_PULSE: ReadonlySet<UpdateStatus> = new Set<UpdateStatus>(['ROLL_FORWARD_AWAITING_PULSE', 'ROLL_BACK_AWAITING_PULSE']);

export function directionOf(status: UpdateStatus): Direction {
  return BACK.has(status) ? 'back' : 'forward';
}

export const isPaused = (status: UpdateStatus): boolean => PAUSED.has(status);
export const isAwaitingPulse = (status: UpdateStatus): boolean => AWAITING_PULSE.has(status);
/** The only statuses in which the update acts. */
export const isRolling = (status: UpdateStatus): boolean => status === 'ROLLING_FORWARD' || status === 'ROLLING_BACK';

export const rollingStatus = (d: Direction): UpdateStatus => (d === 'forward' ? 'ROLLING_FORWARD' : 'ROLLING_BACK');
export const pausedStatus = (d: Direction): UpdateStatus => (d === 'forward' ? 'ROLL_FORWARD_PAUSED' : 'ROLL_BACK_PAUSED');
export const awaitingPulseStatus = (d: Direction): UpdateStatus =>
  d === 'forward' ? 'ROLL_FORWARD_AWAITING_PULSE' : 'ROLL_BACK_AWAITING_PULSE';
export const doneStatus = (d: Direction): UpdateStatus => (d === 'forward' ? 'ROLLED_FORWARD' : 'ROLLED_BACK');

/** When the last pulse stops counting; null for an update that is not pulsed. */
export function pulseDeadline(update: JobUpdate): number | null {
  const interval = update.settings.pulseIntervalSecs;
  if (interval === null) return null;
  return update.lastPulseAt === null ? Number.NEGATIVE_INFINITY : update.lastPulseAt + interval * 1000;
}

export function pulseExpired(update: JobUpdate, now: number): boolean {
  const deadline = pulseDeadline(update);
  return deadline !== null && now > deadline;
}

/** Where a rolling (or resumed) update goes: rolling, unless it is pulsed and the pulse ran out. */
export function rollingOrAwaitingPulse(update: JobUpdate, d: Direction, now: number): UpdateStatus {
  return pulseExpired(update, now) ? awaitingPulseStatus(d) : rollingStatus(d);
}

/** A status change, recorded with who made it (null: the updater) and why. */
export function withStatus(update: JobUpdate, status: UpdateStatus, at: number, user: string | null, message: string | null): JobUpdate {
  return { ...update, status, lastModifiedAt: at, events: [...update.events, { status, at, user, message }] };
}

/** Appends instance events, dropping the oldest beyond MAX_INSTANCE_EVENTS. */
export function appendInstanceEvents(existing: readonly InstanceEvent[], added: readonly InstanceEvent[]): InstanceEvent[] {
  const all = [...existing, ...added];
  return all.length > MAX_INSTANCE_EVENTS ? all.slice(all.length - MAX_INSTANCE_EVENTS) : all;
}

/**
 * The instances of a rollback: those the update touched go back to their old spec, from the
 * start; those it never reached have nothing to undo and count as rolled back already.
 */
export function resetForRollback(instances: readonly InstanceProgress[]): InstanceProgress[] {
  return instances.map((p) =>
    p.status === 'PENDING'
      ? { ...p, status: 'SUCCEEDED' }
      : { ...p, status: 'PENDING', failures: 0, replaceTaskId: null, watchTaskId: null, healthySince: null },
  );
}

/** Starts rolling back (a user's rollback or too many failures). */
export function startRollback(update: JobUpdate, at: number, user: string | null, message: string | null): JobUpdate {
  const reset: JobUpdate = { ...update, instances: resetForRollback(update.instances), batchesStarted: 0 };
  return withStatus(reset, rollingOrAwaitingPulse(update, 'back', at), at, user, message);
}
