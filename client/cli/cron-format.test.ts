import { describe, expect, it } from 'vitest';
import { sampleCron, sampleRun } from '../testing/update-samples.js';
import { cronTime, formatCronRun, formatCronShow, formatScheduled } from './cron-format.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

describe('cron output', () => {
  it("shows times in UTC, and in the schedule's zone when it has another", () => {
    expect(cronTime(T0, 'UTC')).toBe('2024-01-01T00:00:00.000Z');
    expect(cronTime(T0 + 9 * HOUR, 'America/New_York')).toBe('2024-01-01T09:00:00.000Z (2024-01-01 04:00 America/New_York)');
    expect(cronTime(T0, 'Not/AZone')).toBe('2024-01-01T00:00:00.000Z');
  });

  it('says what each run did, missed ticks and runs by hand included', () => {
    expect(formatCronRun(sampleRun(), 'UTC')).toBe('  2024-01-01T01:00:00.000Z  STARTED  started 1 task');
    expect(formatCronRun(sampleRun({ outcome: 'KILLED_EXISTING', taskIds: ['a', 'b'] }), 'UTC')).toBe(
      "  2024-01-01T01:00:00.000Z  KILLED_EXISTING  killed the previous run's tasks, started 2 tasks",
    );
    expect(formatCronRun(sampleRun({ outcome: 'CANCELLED_NEW', taskIds: [] }), 'UTC')).toBe('  2024-01-01T01:00:00.000Z  CANCELLED_NEW  nothing started: the previous run was still active');
    expect(formatCronRun(sampleRun({ outcome: 'MISSED', taskIds: [] }), 'UTC')).toBe('  2024-01-01T01:00:00.000Z  MISSED  nothing started: the scheduler was down');
    expect(formatCronRun(sampleRun({ scheduledFor: null, at: T0 + 90_000, user: 'bob' }), 'UTC')).toBe('  2024-01-01T00:01:30.000Z  STARTED  aurora cron start by bob; started 1 task');
  });

  it("shows a cron job: Aurora's KEY<tab> SCHEDULE line, zone, collision policy, next and last runs", () => {
    expect(formatCronShow(sampleCron())).toEqual([
      'devcluster/www-data/prod/hello\t 0 * * * *',
      "  time zone: UTC (the cluster's time zone)",
      '  collision policy: KILL_EXISTING',
      '  instances: 1, config cccccccccccccccc, active tasks: 1',
      '  scheduled by alice at 2024-01-01T00:00:00.000Z',
      'Next runs:',
      '  2024-01-01T03:00:00.000Z',
      '  2024-01-01T04:00:00.000Z',
      'Last runs (newest first):',
      '  2024-01-01T02:00:00.000Z  MISSED  nothing started: the scheduler was down',
      '  2024-01-01T01:00:00.000Z  STARTED  started 1 task',
    ]);
    const fresh = formatCronShow(sampleCron({ timezone: 'Europe/Amsterdam', timezoneFromJob: true, lastRuns: [], nextRuns: [] }));
    expect(fresh.slice(1, 2)).toEqual(["  time zone: Europe/Amsterdam (the job's cronTimezone)"]);
    expect(fresh.slice(-2)).toEqual(['Next runs: none (the schedule matches no future time)', 'Last runs: none yet']);
  });

  it('says when a newly scheduled job runs next', () => {
    expect(formatScheduled(sampleCron())).toBe("Schedule '0 * * * *' in UTC (the cluster's time zone); next run 2024-01-01T03:00:00.000Z");
    expect(formatScheduled(sampleCron({ nextRuns: [] }))).toBe("Schedule '0 * * * *' in UTC (the cluster's time zone); no future run");
  });
});
