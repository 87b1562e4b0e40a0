import { describe, expect, it } from 'vitest';
import { flappingPenaltyMs, ranForMs, type FlappingPolicy } from './flapping.js';

const policy: FlappingPolicy = { thresholdMs: 60_000, initialDelayMs: 1_000, maxDelayMs: 5_000, lostInitialDelayMs: 300 };

describe('flapping penalty', () => {
  it('holds a task that failed soon after starting for the initial delay', () => {
    expect(flappingPenaltyMs({ endedAs: 'FAILED', ranForMs: 2_000, previousPenaltyMs: 0 }, policy)).toBe(1_000);
  });

  it('doubles while the instance keeps flapping, up to the maximum', () => {
    expect(flappingPenaltyMs({ endedAs: 'FAILED', ranForMs: 0, previousPenaltyMs: 1_000 }, policy)).toBe(2_000);
    expect(flappingPenaltyMs({ endedAs: 'FINISHED', ranForMs: 0, previousPenaltyMs: 4_000 }, policy)).toBe(5_000);
  });

  it('does not hold a task that ran past the threshold', () => {
    expect(flappingPenaltyMs({ endedAs: 'FAILED', ranForMs: 60_000, previousPenaltyMs: 4_000 }, policy)).toBe(0);
  });

  it('does not hold tasks killed by something other than their own end', () => {
    expect(flappingPenaltyMs({ endedAs: 'KILLED', ranForMs: 0, previousPenaltyMs: 0 }, policy)).toBe(0);
  });

  it('backs off an instance whose tasks keep being LOST soon after assignment, from its own first delay', () => {
    expect(flappingPenaltyMs({ endedAs: 'LOST', ranForMs: 1_000, previousPenaltyMs: 0 }, policy)).toBe(300);
    expect(flappingPenaltyMs({ endedAs: 'LOST', ranForMs: 0, previousPenaltyMs: 300 }, policy)).toBe(600);
    expect(flappingPenaltyMs({ endedAs: 'LOST', ranForMs: 0, previousPenaltyMs: 4_000 }, policy)).toBe(5_000);
    // A task that ran a long time before its agent went away is replaced at once.
    expect(flappingPenaltyMs({ endedAs: 'LOST', ranForMs: 60_000, previousPenaltyMs: 4_000 }, policy)).toBe(0);
  });

  it('measures the run from the first RUNNING event', () => {
    const events = [
      { state: 'PENDING', at: 0 },
      { state: 'RUNNING', at: 1_000 },
      { state: 'FAILED', at: 4_000 },
    ];
    expect(ranForMs(events, 4_000)).toBe(3_000);
    expect(ranForMs([{ state: 'PENDING', at: 0 }], 4_000)).toBe(0);
    expect(ranForMs([{ state: 'ASSIGNED', at: 500 }, ...events.slice(1)], 4_000, 'ASSIGNED')).toBe(3_500);
  });
});
