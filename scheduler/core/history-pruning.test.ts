import { describe, expect, it } from 'vitest';
import { expiredTasks, overJobLimit, type HistoryPolicy } from './history-pruning.js';

const policy: HistoryPolicy = { maxPerJob: 2, pruneThresholdMs: 1_000, minRetentionMs: 100 };
const ended = (...times: number[]) => times.map((endedAt, i) => ({ taskId: `t${i}`, endedAt }));

describe('history bounds', () => {
  it.each([
    { what: 'within the bound, nothing goes', times: [10, 20], now: 5_000, gone: [] },
    { what: 'beyond it, the oldest go', times: [10, 20, 30, 40], now: 5_000, gone: ['t0', 't1'] },
    { what: 'but none younger than the minimum retention', times: [10, 4_950, 4_960, 4_970], now: 5_000, gone: ['t0'] },
    { what: 'all too young: none', times: [4_950, 4_960, 4_970], now: 5_000, gone: [] },
  ])('per job: $what', ({ times, now, gone }) => {
    expect(overJobLimit(ended(...times), times.length, now, policy)).toEqual(gone);
  });

  it.each([
    { what: 'past the threshold they go, from the front', times: [10, 20, 4_500], now: 1_500, gone: ['t0', 't1'] },
    { what: 'the first not due stops the reading', times: [10, 2_000, 20], now: 1_500, gone: ['t0'] },
    { what: 'nothing before the threshold', times: [10], now: 1_000, gone: [] },
  ])('expiry: $what', ({ times, now, gone }) => {
    expect(expiredTasks(ended(...times), now, policy)).toEqual(gone);
  });

  it('expiry never comes before the minimum retention, whatever the threshold', () => {
    const short = { maxPerJob: 2, pruneThresholdMs: 10, minRetentionMs: 100 };
    expect(expiredTasks(ended(10), 100, short)).toEqual([]);
    expect(expiredTasks(ended(10), 110, short)).toEqual(['t0']);
  });

  it('expires at most as many as asked', () => {
    expect(expiredTasks(ended(1, 2, 3), 10_000, policy, 2)).toEqual(['t0', 't1']);
  });
});
