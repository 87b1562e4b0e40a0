import { describe, expect, it } from 'vitest';
import type { SlaPolicySpec } from '../../dsl/jobspec.js';
import type { CoordinatorAnswer } from './sla-coordinator.js';
import { decideDrain, type DrainCandidate } from './sla-drain.js';
import type { InstanceObservation } from './update/observation.js';

const T = 1_000_000;
const running = (taskId: string, since: number): InstanceObservation => ({ taskId, specHash: 'h', state: 'RUNNING', runningSince: since, healthy: true });
const count = (n: number, secs = 60): SlaPolicySpec => ({ kind: 'count', count: n, durationSecs: secs });

function candidate(instance: number, policy: SlaPolicySpec | null, production = true, instanceCount = 2): DrainCandidate {
  return { taskId: `t${instance}`, jobPath: 'r/prod/j', instance, production, policy, instanceCount };
}

function decide(
  candidates: DrainCandidate[],
  observed: Map<number, InstanceObservation>,
  opts: { now?: number; forceAt?: number | null; min?: number; down?: number[]; answers?: Map<string, CoordinatorAnswer> } = {},
) {
  return decideDrain({
    candidates,
    jobs: new Map([['r/prod/j', observed]]),
    goingDown: new Map([['r/prod/j', new Set(opts.down ?? [])]]),
    now: opts.now ?? T,
    forceAt: opts.forceAt === undefined ? T + 3_600_000 : opts.forceAt,
    minRequiredInstances: opts.min ?? 1,
    coordinatorAnswers: opts.answers ?? new Map(),
    coordinatorAnswerTtlMs: 30_000,
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

  it('moves everything once forced (0s forces at once)', () => {
    expect(decide([candidate(0, count(2)), candidate(1, count(2))], both(), { forceAt: T }).move).toEqual(['t0', 't1']);
  });
});

describe('SLA-aware drains under a coordinator policy', () => {
  const coord: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: 'http://coord/sla', statusKey: 'ok' };
  const both = () => new Map([[0, running('t0', T - 120_000)], [1, running('t1', T - 120_000)]]);
  const yes = (at = T): CoordinatorAnswer => ({ allowed: true, at, detail: '{"ok": true}' });
  const no = (at = T, detail = '{"ok": false}'): CoordinatorAnswer => ({ allowed: false, at, detail });

  it("asks the coordinator about each task without an answer, with Aurora's countdown to the force time", () => {
    const d = decide([candidate(0, coord), candidate(1, coord)], both(), { forceAt: T + 60_000 });
    expect(d.move).toEqual([]);
    expect(d.ask).toEqual([
      { taskId: 't0', coordinatorUrl: 'http://coord/sla', statusKey: 'ok', params: { forceMaintenanceCountdownMs: '60000' } },
      { taskId: 't1', coordinatorUrl: 'http://coord/sla', statusKey: 'ok', params: { forceMaintenanceCountdownMs: '60000' } },
    ]);
    expect(d.wait.map((w) => w.reason)).toEqual(Array(2).fill("waiting for its job's SLA coordinator http://coord/sla to answer"));
  });

  it('moves a task the coordinator said yes to, and holds one it said no to until the answer runs out', () => {
    const d = decide([candidate(0, coord), candidate(1, coord)], both(), { answers: new Map([['t0', yes()], ['t1', no(T - 10_000, 'HTTP 500')]]) });
    expect(d.move).toEqual(['t0']);
    expect(d.ask).toEqual([]);
    expect(d.wait).toEqual([{ taskId: 't1', reason: "its job's SLA coordinator http://coord/sla said no (HTTP 500); asked again 30 s after" }]);
    expect(d.wakeAt).toBe(T + 20_000);
    // Once the no is 30 s old, the coordinator is asked again.
    expect(decide([candidate(1, coord)], both(), { now: T + 20_000, answers: new Map([['t1', no(T - 10_000)]]) }).ask.map((q) => q.taskId)).toEqual(['t1']);
  });

  it.each([
    ['a non-production job', candidate(0, coord, false)],
    ['a job under the minimum instance count', candidate(0, coord, true, 2)],
  ])('applies to every tier and size: %s', (_what, c) => {
    const d = decide([c], both(), { min: 20 });
    expect(d.move).toEqual([]);
    expect(d.ask.map((q) => q.taskId)).toEqual(['t0']);
  });

  it('asks nothing once the drain is forced: everything moves', () => {
    const d = decide([candidate(0, coord), candidate(1, coord)], both(), { forceAt: T, answers: new Map([['t0', no()]]) });
    expect(d).toMatchObject({ move: ['t0', 't1'], wait: [], ask: [] });
  });
});
