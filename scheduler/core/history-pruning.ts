/**
 * Aurora's task history bounds (its TaskHistoryPruner): ended tasks are kept for a while so
 * that users can see how their instances ended, then deleted, so the scheduler's state and
 * store stay bounded however long it runs. Pure: the ended tasks and the time in, the ids to
 * delete out.
 */

export interface HistoryPolicy {
  /** Ended tasks kept per job, beyond which the oldest go (Aurora's -history_max_per_job_threshold). */
  readonly maxPerJob: number;
  /** Ended tasks older than this go whatever the count (-history_prune_threshold). */
  readonly pruneThresholdMs: number;
  /** No ended task goes sooner than this after it ended (-history_min_retention_threshold). */
  readonly minRetentionMs: number;
}

/** Aurora's defaults: 100 per job, 2 days, at least 1 hour. */
export const DEFAULT_HISTORY_POLICY: HistoryPolicy = {
  maxPerJob: 100,
  pruneThresholdMs: 2 * 24 * 3600_000,
  minRetentionMs: 3600_000,
};

export interface EndedTask {
  readonly taskId: string;
  /** When it ended (its last event). */
  readonly endedAt: number;
}

/**
 * One job's ended tasks that go now: beyond `maxPerJob`, the oldest that are past the minimum
 * retention, from the job's ended tasks in the order they ended (`count` of them). Reads from
 * the front and stops at the first that is too young, so it costs what it prunes.
 */
export function overJobLimit(endedInOrder: Iterable<EndedTask>, count: number, now: number, policy: HistoryPolicy): string[] {
  const excess = count - policy.maxPerJob;
  const out: string[] = [];
  if (excess <= 0) return out;
  for (const t of endedInOrder) {
    if (out.length >= excess || t.endedAt > now - policy.minRetentionMs) break;
    out.push(t.taskId);
  }
  return out;
}

/**
 * Ended tasks past the prune threshold (and the minimum retention), from a list in the order
 * they ended: reads from the front and stops at the first that is not due, so it costs what it
 * prunes. A few out of order (after a failed commit) only wait for a later pass.
 */
export function expiredTasks(endedInOrder: Iterable<EndedTask>, now: number, policy: HistoryPolicy, max = Number.POSITIVE_INFINITY): string[] {
  const cutoff = now - Math.max(policy.pruneThresholdMs, policy.minRetentionMs);
  const out: string[] = [];
  for (const t of endedInOrder) {
    if (t.endedAt > cutoff || out.length >= max) break;
    out.push(t.taskId);
  }
  return out;
}
