/** Output of `aurora cron`. Pure: data in, lines out. */
import { formatJobKey } from '../../dsl/key.js';
import { cronRunEffect, cronZoneTime, type CronJobView, type CronRun } from '../../scheduler/api/cron-api.js';

/**
 * A time in UTC, and in the schedule's zone when that is another: the schedule is read there, so
 * `0 9 * * *` is easiest to check as 09:00 of that zone.
 */
export function cronTime(ms: number, timezone: string): string {
  const utc = new Date(ms).toISOString();
  const local = cronZoneTime(ms, timezone);
  return local === undefined ? utc : `${utc} (${local} ${timezone})`;
}

/**
 * `  2024-01-01T01:00:00.000Z  STARTED  started 2 tasks`; a run of `aurora cron start` says so,
 * and when it was asked for rather than a tick's time.
 */
export function formatCronRun(run: CronRun, timezone: string): string {
  const when = cronTime(run.scheduledFor ?? run.at, timezone);
  const byHand = run.scheduledFor === null ? `aurora cron start${run.user ? ` by ${run.user}` : ''}; ` : '';
  return `  ${when}  ${run.outcome}  ${byHand}${cronRunEffect(run, 'nothing started: the scheduler was down')}`;
}

/** The zone line: whose zone it is. */
function zoneOf(c: CronJobView): string {
  return `${c.timezone} (${c.timezoneFromJob ? "the job's cronTimezone" : "the cluster's time zone"})`;
}

/**
 * `aurora cron show`: Aurora's first line (`KEY\t SCHEDULE`, which scripts read), then the time
 * zone, collision policy, next runs and last runs.
 */
export function formatCronShow(c: CronJobView): string[] {
  const lines = [
    `${formatJobKey(c.key)}\t ${c.schedule}`,
    `  time zone: ${zoneOf(c)}`,
    `  collision policy: ${c.collisionPolicy}`,
    `  instances: ${c.instances}, config ${c.specHash}, active tasks: ${c.activeTasks}`,
    `  scheduled by ${c.scheduledBy} at ${new Date(c.scheduledAt).toISOString()}`,
  ];
  lines.push(c.nextRuns.length > 0 ? 'Next runs:' : 'Next runs: none (the schedule matches no future time)');
  for (const t of c.nextRuns) lines.push(`  ${cronTime(t, c.timezone)}`);
  lines.push(c.lastRuns.length > 0 ? 'Last runs (newest first):' : 'Last runs: none yet');
  for (const r of c.lastRuns) lines.push(formatCronRun(r, c.timezone));
  return lines;
}

/** The line after `aurora cron schedule`: the schedule, its zone and the next run. */
export function formatScheduled(c: CronJobView): string {
  const next = c.nextRuns[0];
  return `Schedule '${c.schedule}' in ${zoneOf(c)}; ${next === undefined ? 'no future run' : `next run ${cronTime(next, c.timezone)}`}`;
}
