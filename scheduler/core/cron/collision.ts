/**
 * What a cron tick does when the previous run still has active tasks: Aurora's cron collision
 * policies. RUN_OVERLAP was removed from Aurora and the config side refuses it, so a job never
 * has two runs at once.
 */

/** What to do with a tick. */
export type CollisionDecision =
  /** Nothing of the previous run is active: create the instances. */
  | { kind: 'start' }
  /** KILL_EXISTING: kill these tasks of the previous run, then create the instances. */
  | { kind: 'kill-then-start'; taskIds: readonly string[] }
  /** CANCEL_NEW: the previous run is still active, so this tick does nothing. */
  | { kind: 'cancel' };

/**
 * The decision for a tick (or `aurora cron start`) given the job's policy and the ids of its
 * active tasks. KILL_EXISTING is the default policy.
 */
export function decideCollision(policy: 'KILL_EXISTING' | 'CANCEL_NEW', activeTaskIds: readonly string[]): CollisionDecision {
  if (activeTaskIds.length === 0) return { kind: 'start' };
  switch (policy) {
    case 'KILL_EXISTING':
      // A copy: the caller's list is live state that changes as the kills go out.
      return { kind: 'kill-then-start', taskIds: [...activeTaskIds] };
    case 'CANCEL_NEW':
      return { kind: 'cancel' };
    default: {
      // Specs are checked against the enum; a stray value from old data is a bug to surface.
      const unknown: never = policy;
      throw new Error(`unknown cron collision policy '${String(unknown)}' (KILL_EXISTING or CANCEL_NEW)`);
    }
  }
}
