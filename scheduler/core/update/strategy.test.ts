import { describe, expect, it } from 'vitest';
import type { UpdateStrategySettings } from '../../api/updates-api.js';
import { applyUserAction } from './job-updater.js';
import { batchSize, startCount } from './strategy.js';
import { FakeJob, settings, T0 } from './testing/fake-job.js';

/** The instances each step takes down, rolling a job of `instances` out with `strategy`. */
function rounds(strategy: UpdateStrategySettings, instances: number): { rounds: number[][]; batchesStarted: number; status: string } {
  const job = new FakeJob({ instances });
  job.plan({ settings: settings({ strategy }) });
  const r = job.rollOut(T0);
  return { rounds: r, batchesStarted: job.update.batchesStarted, status: job.update.status };
}

describe('update strategies', () => {
  it.each<{ name: string; strategy: UpdateStrategySettings; rounds: number[][]; batchesStarted: number }>([
    { name: 'queue of 1', strategy: { kind: 'queue', groupSize: 1 }, rounds: [[0], [1], [2], [3]], batchesStarted: 0 },
    { name: 'queue of 3', strategy: { kind: 'queue', groupSize: 3 }, rounds: [[0, 1, 2], [3]], batchesStarted: 0 },
    { name: 'batch of 3', strategy: { kind: 'batch', batchSize: 3, autopauseAfterBatch: false }, rounds: [[0, 1, 2], [3]], batchesStarted: 2 },
    {
      name: 'variable [1, 2, 3] on 7',
      strategy: { kind: 'variable', batchSizes: [1, 2, 3], autopauseAfterBatch: false },
      rounds: [[0], [1, 2], [3, 4, 5], [6]],
      batchesStarted: 4,
    },
    {
      name: 'variable [2, 1]: the last size repeats',
      strategy: { kind: 'variable', batchSizes: [2, 1], autopauseAfterBatch: false },
      rounds: [[0, 1], [2], [3]],
      batchesStarted: 3,
    },
  ])('$name: instances go up in order', ({ name, strategy, rounds: expected, batchesStarted }) => {
    const r = rounds(strategy, name.endsWith('on 7') ? 7 : 4);
    expect(r.rounds).toEqual(expected);
    expect(r.batchesStarted).toBe(batchesStarted);
    expect(r.status).toBe('ROLLED_FORWARD');
  });

  it.each<{ strategy: UpdateStrategySettings; afterFirstEnds: string[] }>([
    // A queue refills as soon as one instance is done...
    { strategy: { kind: 'queue', groupSize: 2 }, afterFirstEnds: ['replace 2'] },
    // ...a batch waits for all of its instances.
    { strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false }, afterFirstEnds: [] },
  ])('$strategy.kind: what starts when one of two updating instances is done', ({ strategy, afterFirstEnds }) => {
    const job = new FakeJob({ instances: 4 });
    job.plan({ settings: settings({ strategy }) });
    job.step(T0);
    expect(job.log).toEqual(['replace 0', 'replace 1']);
    job.start(0, T0 + 1);
    job.step(T0 + 1);
    expect(job.log.slice(2)).toEqual(afterFirstEnds);
    job.start(1, T0 + 2);
    job.step(T0 + 2);
    expect(job.log).toContain('replace 3');
  });

  it('autopause: paused after each batch but the last; resume starts the next', () => {
    const job = new FakeJob({ instances: 4 });
    job.plan({ settings: settings({ strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: true } }) });
    job.step(T0);
    job.startAll(T0);
    const paused = job.step(T0 + 1);
    expect(paused.update.status).toBe('ROLL_FORWARD_PAUSED');
    expect(paused.actions).toEqual([]);
    expect(paused.update.events.at(-1)).toMatchObject({ user: null, message: 'batch 1 finished; paused after it (autopauseAfterBatch)' });

    // Paused: nothing more, however long it waits.
    expect(job.step(T0 + 60_000).actions).toEqual([]);

    const resumed = applyUserAction(job.update, 'resume', 'alice', null, T0 + 2);
    if ('error' in resumed) throw new Error(resumed.error);
    job.update = resumed.update;
    expect(job.step(T0 + 2).actions.map((a) => a.instance)).toEqual([2, 3]);
    job.startAll(T0 + 2);
    // The last batch finished: the update is done, not paused.
    expect(job.step(T0 + 3).update.status).toBe('ROLLED_FORWARD');
  });

  it.each([
    { sizes: [1, 2, 3], index: 0, size: 1 },
    { sizes: [1, 2, 3], index: 2, size: 3 },
    { sizes: [1, 2, 3], index: 9, size: 3 },
  ])('variable batch $index of $sizes has $size instances', ({ sizes, index, size }) => {
    expect(batchSize({ kind: 'variable', batchSizes: sizes, autopauseAfterBatch: false }, index)).toBe(size);
  });

  it.each<{ strategy: UpdateStrategySettings; updating: number; pending: number; start: number }>([
    { strategy: { kind: 'queue', groupSize: 3 }, updating: 1, pending: 5, start: 2 },
    { strategy: { kind: 'queue', groupSize: 3 }, updating: 0, pending: 1, start: 1 },
    { strategy: { kind: 'batch', batchSize: 3, autopauseAfterBatch: false }, updating: 1, pending: 5, start: 0 },
    { strategy: { kind: 'batch', batchSize: 3, autopauseAfterBatch: false }, updating: 0, pending: 5, start: 3 },
  ])('$strategy.kind with $updating updating and $pending pending starts $start', ({ strategy, updating, pending, start }) => {
    expect(startCount(strategy, updating, 0, pending)).toBe(start);
  });
});
