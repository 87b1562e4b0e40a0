/** Output of `aurora cron`. Pure: data in, lines out. */
import { formatJobKey } from '../../dsl/key.js';
import type { CronJobView, CronRun } from '../../scheduler/api/cron-api.js';

/**
 * A time in UTC, and in the schedule's zone when that is another: the schedule is read there, so
 * `0 9 * * *` is easiest to check as 09:00 of that zone.
 */
export function cronTime(ms: number, timezone: string): string {
  const utc = new Date(ms).toISOString();
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return utc;
  const local = zonedTime(ms, timezone);
  return local === undefined ? utc : `${utc} (${local} ${timezone})`;
}

/** `2024-01-01 09:00` in `timezone`, or undefined for a zone this Node does not know. */
function zonedTime(ms: number, timezone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(ms));
  } catch {
    return undefined;
  }
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a run did, in words. */
function runEffect(run: CronRun): string {
  const started = `started ${plural(run.taskIds.length, 'task')}`;
  switch (run.outcome) {
    case 'STARTED':
      return started;
    case 'KILLED_EXISTING':
      return `killed the previous run's tasks, ${started}`;
    case 'CANCELLED_NEW':
      return 'nothing started: the previous run was still active';
    case 'MISSED':
      return 'nothing started: the scheduler was down';
  }
}

/**
 * `  2024-01-01T01:00:00.000Z  STARTED  started 2 tasks`; a run of `aurora cron start` says so,
 * and when it was asked for rather than a tick's time.
 */
export function formatCronRun(run: CronRun, timezone: string): string {
  const when = cronTime(run.scheduledFor ?? run.at, timezone);
  const byHand = run.scheduledFor === null ? `aurora cron start${run.user ? ` by ${run.user}` : ''}; ` : '';
  return `  ${when}  ${run.outcome}  ${byHand}${runEffect(run)}`;
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
