import { describe, expect, it } from 'vitest';
import { flappingPenaltyMs, ranForMs, type FlappingPolicy } from './flapping.js';

const policy: FlappingPolicy = { thresholdMs: 60_000, initialDelayMs: 1_000, maxDelayMs: 5_000 };

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

  it('does not hold tasks lost or killed by the infrastructure', () => {
    expect(flappingPenaltyMs({ endedAs: 'LOST', ranForMs: 0, previousPenaltyMs: 0 }, policy)).toBe(0);
    expect(flappingPenaltyMs({ endedAs: 'KILLED', ranForMs: 0, previousPenaltyMs: 0 }, policy)).toBe(0);
  });

  it('measures the run from the first RUNNING event', () => {
    const events = [
      { state: 'PENDING', at: 0 },
      { state: 'RUNNING', at: 1_000 },
      { state: 'FAILED', at: 4_000 },
    ];
    expect(ranForMs(events, 4_000)).toBe(3_000);
    expect(ranForMs([{ state: 'PENDING', at: 0 }], 4_000)).toBe(0);
  });
});
