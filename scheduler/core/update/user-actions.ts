import { ACTIVE_UPDATE_STATUSES, type JobUpdate, type UpdateUserAction } from '../../api/updates-api.js';
import {
  directionOf,
  isAwaitingPulse,
  isPaused,
  pausedStatus,
  rollingOrAwaitingPulse,
  rollingStatus,
  startRollback,
  withStatus,
} from './update-record.js';

/**
 * A user's pause, resume, abort, rollback or pulse (Aurora's JobUpdateController): the changed
 * record, or why the action does not apply, in words the CLI can show as they are.
 */

const PAST: Readonly<Record<UpdateUserAction, string>> = {
  pause: 'paused',
  resume: 'resumed',
  abort: 'aborted',
  rollback: 'rolled back',
  pulse: 'pulsed',
};

export function applyUserAction(
  update: JobUpdate,
  action: UpdateUserAction,
  user: string,
  message: string | null,
  now: number,
): { update: JobUpdate } | { error: string } {
  const status = update.status;
  if (!ACTIVE_UPDATE_STATUSES.has(status)) return { error: `the update is ${status}; only active updates can be ${PAST[action]}` };
  const direction = directionOf(status);
  switch (action) {
    case 'pause':
      if (isPaused(status)) return { error: `the update is already paused (${status})` };
      return { update: withStatus(update, pausedStatus(direction), now, user, message) };
    case 'resume':
      if (!isPaused(status)) return { error: `the update is ${status}, not paused; only a paused update can be resumed` };
      return { update: withStatus(update, rollingOrAwaitingPulse(update, direction, now), now, user, message) };
    case 'abort':
      return { update: withStatus(update, 'ABORTED', now, user, message) };
    case 'rollback':
      if (direction === 'back') return { error: `the update is already rolling back (${status})` };
      // A restart keeps the config its instances run: there is nothing to go back to.
      if (update.kind === 'restart') return { error: 'a restart cannot be rolled back (its instances keep their config); abort it to stop it' };
      return { update: startRollback(update, now, user, message) };
    case 'pulse': {
      const interval = update.settings.pulseIntervalSecs;
      if (interval === null) return { error: 'the update is not pulsed (its settings have no pulseIntervalSecs)' };
      const pulsed: JobUpdate = { ...update, lastPulseAt: now, lastModifiedAt: now };
      // A pulse lets an update that awaited it go on; a paused one stays paused.
      return { update: isAwaitingPulse(status) ? withStatus(pulsed, rollingStatus(direction), now, user, message) : pulsed };
    }
  }
}
