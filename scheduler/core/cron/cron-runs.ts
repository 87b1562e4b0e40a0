import { MAX_CRON_RUNS, type CronJob, type CronRun } from '../../api/cron-api.js';

/**
 * The bounded run history of a stored cron job and its tick watermark. Pure: returns new
 * records, never changes the one given.
 */

/** Sort key of a run: when it was due, or for a run started by hand, when it started. */
function runTime(run: CronRun): number {
  return run.scheduledFor ?? run.at;
}

/**
 * The record after a tick or a manual start: appends runs (missed ones as outcome MISSED, newest
 * last), bounds runs to MAX_CRON_RUNS, advances lastTickAt to the tick (never backwards).
 *
 * The runs given may come in any order (dueTicks lists missed ticks newest first); they are
 * appended oldest first by schedule time (start time for manual runs), ties kept in the order
 * given. `lastTickAt` null (a manual start) leaves the watermark as it is. When nothing changes
 * the same record is returned.
 */
export function recordRuns(job: CronJob, runs: readonly CronRun[], lastTickAt: number | null): CronJob {
  const nextLastTickAt = lastTickAt === null ? job.lastTickAt : Math.max(job.lastTickAt, lastTickAt);
  if (runs.length === 0 && nextLastTickAt === job.lastTickAt) return job;
  const added = [...runs].sort((a, b) => runTime(a) - runTime(b));
  const all = added.length === 0 ? job.runs : [...job.runs, ...added];
  return { ...job, lastTickAt: nextLastTickAt, runs: all.length > MAX_CRON_RUNS ? all.slice(-MAX_CRON_RUNS) : all };
}

/**
 * MISSED runs for ticks the scheduler slept through (as dueTicks lists them, any order), noticed
 * at `at`; oldest first, ready for recordRuns.
 */
export function missedRuns(ticks: readonly number[], at: number): CronRun[] {
  return [...ticks]
    .sort((a, b) => a - b)
    .map((scheduledFor) => ({ scheduledFor, at, outcome: 'MISSED' as const, user: null, taskIds: [] }));
}
