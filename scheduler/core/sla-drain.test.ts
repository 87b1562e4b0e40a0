import { describe, expect, it } from 'vitest';
import type { SlaPolicySpec } from '../../dsl/jobspec.js';
import { decideDrain, type DrainCandidate } from './sla-drain.js';
import type { InstanceObservation } from './update/observation.js';

const T = 1_000_000;
const running = (taskId: string, since: number): InstanceObservation => ({ taskId, specHash: 'h', state: 'RUNNING', runningSince: since, healthy: true });
const count = (n: number, secs = 60): SlaPolicySpec => ({ kind: 'count', count: n, durationSecs: secs });

function candidate(instance: number, policy: SlaPolicySpec | null, production = true, instanceCount = 2): DrainCandidate {
  return { taskId: `t${instance}`, jobPath: 'r/prod/j', instance, production, policy, instanceCount };
}

function decide(candidates: DrainCandidate[], observed: Map<number, InstanceObservation>, opts: { now?: number; forceAt?: number | null; min?: number; down?: number[] } = {}) {
  return decideDrain({
    candidates,
    jobs: new Map([['r/prod/j', observed]]),
    goingDown: new Map([['r/prod/j', new Set(opts.down ?? [])]]),
    now: opts.now ?? T,
    forceAt: opts.forceAt === undefined ? T + 3_600_000 : opts.forceAt,
    minRequiredInstances: opts.min ?? 1,
  });
}

describe('SLA-aware drains', () => {
  const both = () => new Map([[0, running('t0', T - 120_000)], [1, running('t1', T - 120_000)]]);

  it('moves one of two instances under a count-1 policy, and holds the other with the reason', () => {
    const d = decide([candidate(0, count(1)), candidate(1, count(1))], both());
    expect(d.move).toEqual(['t0']);
    expect(d.wait).toEqual([{ taskId: 't1', reason: 'r/prod/j must keep 1 instance(s) RUNNING for 60 s' }]);
    expect(d.wakeAt).toBe(T + 3_600_000);
  });

  it('counts an instance already on its way out as down', () => {
    expect(decide([candidate(1, count(1))], both(), { down: [0] }).move).toEqual([]);
  });

  it('waits for a replacement to have run the policy duration, and says when to look again', () => {
    const observed = new Map([[0, running('t0', T - 120_000)], [1, running('t1b', T - 10_000)]]);
    const d = decide([candidate(0, count(1))], observed);
    expect(d.move).toEqual([]);
    expect(d.wakeAt).toBe(T + 50_000);
  });

  it.each([
    ['no policy', candidate(0, null)],
    ['a non-production job', candidate(0, count(2), false)],
    ['a job under the minimum instance count', candidate(0, count(2))],
  ])('moves at once: %s', (_what, c) => {
    expect(decide([c], both(), { min: 3 }).move).toEqual(['t0']);
  });

  it('applies percentage policies of the instance count', () => {
    const four = new Map([0, 1, 2, 3].map((i) => [i, running(`t${i}`, T - 120_000)] as const));
    const pct: SlaPolicySpec = { kind: 'percentage', percentage: 75, durationSecs: 60 };
    const d = decide([0, 1, 2, 3].map((i) => candidate(i, pct, true, 4)), four);
    expect(d.move).toEqual(['t0']);
    expect(d.wait.map((w) => w.taskId)).toEqual(['t1', 't2', 't3']);
  });

  it('holds coordinator policies until forced, and moves everything once forced (0s forces at once)', () => {
    const coord: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: 'http://coord', statusKey: 'drain' };
    expect(decide([candidate(0, coord)], both()).wait[0]?.reason).toContain('coordinator');
    expect(decide([candidate(0, count(2)), candidate(1, count(2))], both(), { forceAt: T }).move).toEqual(['t0', 't1']);
  });
});
