import { describe, expect, it } from 'vitest';
import { testClock } from '../testing/test-clock.js';
import { sink } from '../testing/temp-dir.js';
import { CommandContext } from './context.js';
import { watchUntil } from './wait.js';

function context() {
  const clock = testClock(0);
  const sleeps: number[] = [];
  const ctx = new CommandContext({
    argv: [],
    stdout: sink(),
    stderr: sink(),
    now: () => clock.now(),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  return { ctx, clock, sleeps };
}

describe('watchUntil', () => {
  it('reads again at once after a read the scheduler held, and says what changed', async () => {
    const { ctx, clock, sleeps } = context();
    const states = ['PENDING', 'PENDING', 'RUNNING'];
    const asked: [number | undefined, number][] = [];
    const printed: string[] = [];
    const r = await watchUntil(ctx, {
      since: 1,
      sinceLine: 'PENDING',
      read: async (since, waitMs) => {
        asked.push([since, waitMs]);
        clock.advance(waitMs); // held until its time was up, with no change...
        const state = states[asked.length - 1] as string;
        return { version: state === 'RUNNING' ? 2 : 1, value: state }; // ...then a change
      },
      settled: (s) => s === 'RUNNING',
      progress: (s) => s,
      print: (l) => printed.push(l),
      timeoutMs: 100_000,
    });
    expect(r).toEqual({ value: 'RUNNING', timedOut: false });
    expect(printed).toEqual(['PENDING', 'RUNNING']);
    expect(asked).toEqual([
      [1, 30_000],
      [1, 30_000],
      [1, 30_000],
    ]);
    expect(sleeps).toEqual([]);
  });

  it('backs off instead of spinning when reads cannot wait, and still stops at the timeout', async () => {
    const { ctx, sleeps } = context();
    const r = await watchUntil(ctx, {
      since: 1,
      // A scheduler that answers at once, unchanged: one that does not hold reads, or is shutting down.
      read: async () => ({ version: 1, value: 'KILLING' }),
      settled: () => false,
      progress: (s) => s,
      print: () => undefined,
      timeoutMs: 2000,
    });
    expect(r.timedOut).toBe(true);
    expect(sleeps.slice(0, 4)).toEqual([50, 75, 113, 170]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(500);
  });

  it('pauses between reads of a job that is gone (nothing to wait on)', async () => {
    const { ctx, sleeps } = context();
    let reads = 0;
    const r = await watchUntil(ctx, {
      read: async () => ({ version: undefined, value: ++reads }),
      settled: (n) => n === 3,
      progress: (n) => String(n),
      print: () => undefined,
      timeoutMs: 60_000,
    });
    expect(r).toEqual({ value: 3, timedOut: false });
    expect(sleeps).toEqual([50, 75]);
  });
});
