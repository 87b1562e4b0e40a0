import { describe, expect, it } from 'vitest';
import { MAX_CRON_RUNS, type CronJob, type CronRun } from '../../api/cron-api.js';
import { sampleJobSpec } from '../../../dsl/testing/sample-spec.js';
import { missedRuns, recordRuns } from './cron-runs.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function cronJob(overrides: Partial<CronJob> = {}): CronJob {
  return { spec: sampleJobSpec(), specHash: 'h', scheduledBy: 'alice', scheduledAt: T0, lastTickAt: T0, runs: [], ...overrides };
}

function started(scheduledFor: number | null, at: number, user: string | null = null): CronRun {
  return { scheduledFor, at, outcome: 'STARTED', user, taskIds: [`task-${at}`] };
}

describe('recordRuns', () => {
  it('appends a tick’s run and advances lastTickAt to the tick', () => {
    const job = cronJob();
    const after = recordRuns(job, [started(T0 + HOUR, T0 + HOUR + 50)], T0 + HOUR);
    expect(after.lastTickAt).toBe(T0 + HOUR);
    expect(after.runs).toEqual([started(T0 + HOUR, T0 + HOUR + 50)]);
    // The record given is left as it was.
    expect(job.runs).toEqual([]);
    expect(job.lastTickAt).toBe(T0);
  });

  it('puts missed ticks before the run, oldest first, whatever order they come in', () => {
    const now = T0 + 3 * HOUR + 10;
    const runs = [started(T0 + 3 * HOUR, now), ...missedRuns([T0 + 2 * HOUR, T0 + HOUR], now)];
    const after = recordRuns(cronJob(), runs, T0 + 3 * HOUR);
    expect(after.runs.map((r) => [r.scheduledFor, r.outcome])).toEqual([
      [T0 + HOUR, 'MISSED'],
      [T0 + 2 * HOUR, 'MISSED'],
      [T0 + 3 * HOUR, 'STARTED'],
    ]);
    expect(after.runs[0]).toEqual({ scheduledFor: T0 + HOUR, at: now, outcome: 'MISSED', user: null, taskIds: [] });
  });

  it('records a manual start without moving lastTickAt', () => {
    const job = cronJob({ lastTickAt: T0 + HOUR, runs: [started(T0 + HOUR, T0 + HOUR)] });
    const after = recordRuns(job, [started(null, T0 + HOUR + 5 * 60_000, 'bob')], null);
    expect(after.lastTickAt).toBe(T0 + HOUR);
    expect(after.runs.map((r) => r.user)).toEqual([null, 'bob']);
  });

  it('never moves lastTickAt backwards', () => {
    expect(recordRuns(cronJob({ lastTickAt: T0 + 2 * HOUR }), [], T0 + HOUR).lastTickAt).toBe(T0 + 2 * HOUR);
  });

  it('keeps the newest MAX_CRON_RUNS runs', () => {
    const old = Array.from({ length: MAX_CRON_RUNS - 1 }, (_, i) => started(T0 + i * HOUR, T0 + i * HOUR));
    const tick = T0 + 100 * HOUR;
    const after = recordRuns(cronJob({ runs: old }), [started(tick, tick), ...missedRuns([tick - 2, tick - 1], tick)], tick);
    expect(after.runs).toHaveLength(MAX_CRON_RUNS);
    expect(after.runs[0]).toEqual(old[2]);
    expect(after.runs.at(-1)).toEqual(started(tick, tick));
  });

  it('returns the same record when nothing changes', () => {
    const job = cronJob({ lastTickAt: T0 + HOUR });
    expect(recordRuns(job, [], null)).toBe(job);
    expect(recordRuns(job, [], T0)).toBe(job);
    expect(recordRuns(job, [], T0 + 2 * HOUR)).not.toBe(job);
  });
});
