import { describe, expect, it } from 'vitest';
import type { SlaPolicySpec } from '../../../dsl/jobspec.js';
import { MAX_SLA_HOLD_REASON } from '../../api/updates-api.js';
import type { InstanceObservation } from './observation.js';
import { slaAllowsTakeDown, slaCheckApplies, slaRequirement } from './sla.js';
import { obs, T0 } from './testing/fake-job.js';

const count = (n: number, durationSecs = 60): SlaPolicySpec => ({ kind: 'count', count: n, durationSecs });
const percentage = (p: number, durationSecs = 60): SlaPolicySpec => ({ kind: 'percentage', percentage: p, durationSecs });

/** Instances by how long their task has run at T0 (seconds); null: not running. */
function job(ranSecs: (number | null)[]): Map<number, InstanceObservation> {
  return new Map(ranSecs.map((s, i) => [i, s === null ? obs.in('PENDING', `t${i}`, 'x') : obs.running(`t${i}`, 'x', T0 - s * 1000)]));
}

describe('SLA requirement', () => {
  it.each<{ policy: SlaPolicySpec | null; instanceCount: number; running: number | null }>([
    { policy: count(2), instanceCount: 5, running: 2 },
    { policy: percentage(50), instanceCount: 6, running: 3 },
    { policy: percentage(50), instanceCount: 5, running: 3 },
    { policy: percentage(33.3), instanceCount: 3, running: 1 },
    { policy: percentage(95), instanceCount: 20, running: 19 },
    { policy: percentage(10), instanceCount: 30, running: 3 },
    { policy: { kind: 'coordinator', coordinatorUrl: 'http://c', statusKey: 'drain' }, instanceCount: 5, running: null },
    { policy: null, instanceCount: 5, running: null },
  ])('$policy of $instanceCount: $running running', ({ policy, instanceCount, running }) => {
    expect(slaRequirement({ policy, instanceCount })?.running ?? null).toBe(running);
  });
});

describe('taking an instance down under an SLA', () => {
  const ONE_OF_TWO = 'count policy needs 2 other instances RUNNING for 60s, 1 is';
  it.each<{ name: string; policy: SlaPolicySpec; ran: (number | null)[]; goingDown?: number[]; verdict: ReturnType<typeof slaAllowsTakeDown> }>([
    { name: 'the others meet the count', policy: count(2), ran: [600, 600, 600], verdict: { ok: true } },
    { name: 'one other too few', policy: count(3), ran: [600, 600, 600], verdict: { ok: false, wakeAt: null, reason: 'count policy needs 3 other instances RUNNING for 60s, 2 are' } },
    { name: 'one taken down in the same step', policy: count(2), ran: [600, 600, 600], goingDown: [1], verdict: { ok: false, wakeAt: null, reason: ONE_OF_TWO } },
    { name: 'an instance not running does not count', policy: count(2), ran: [600, null, 600], verdict: { ok: false, wakeAt: null, reason: ONE_OF_TWO } },
    {
      name: 'one has not run long enough: wait for it',
      policy: count(2),
      ran: [600, 600, 20, 50],
      // The reason stays as it is while time passes: no countdown in it.
      verdict: { ok: false, wakeAt: T0 + 10_000, reason: ONE_OF_TWO },
    },
    { name: 'exactly durationSecs counts', policy: count(2), ran: [600, 60, 60], verdict: { ok: true } },
    { name: '50% of 4: the other three keep it', policy: percentage(50), ran: [600, 600, null, 600], verdict: { ok: true } },
    {
      name: '75% of 4: two others are not enough',
      policy: percentage(75),
      ran: [600, 600, null, 600],
      goingDown: [3],
      verdict: { ok: false, wakeAt: null, reason: 'percentage policy (75% of 4) needs 3 other instances RUNNING for 60s, 1 is' },
    },
  ])('$name', ({ policy, ran, goingDown, verdict }) => {
    const sla = { policy, instanceCount: ran.length, production: true, minRequiredInstances: 1 };
    expect(slaAllowsTakeDown(sla, job(ran), 0, new Set(goingDown ?? []), T0)).toEqual(verdict);
  });
});

describe('which jobs an SLA policy holds (Aurora\'s SlaManager.skipSla, shared with drains)', () => {
  const coordinator: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: 'http://c/sla', statusKey: 'drain' };
  /** Three RUNNING instances, where count 3 leaves too few once instance 0 goes. */
  const three = job([600, 600, 600]);
  it.each<{ name: string; policy: SlaPolicySpec | null; production: boolean; min: number; applies: boolean }>([
    { name: 'a production job at the minimum: checked', policy: count(3), production: true, min: 3, applies: true },
    { name: 'a production job above the minimum: checked', policy: percentage(90), production: true, min: 2, applies: true },
    { name: 'a production job below the minimum: not checked', policy: count(3), production: true, min: 4, applies: false },
    { name: 'a non-production job: not checked, however large', policy: count(3), production: false, min: 1, applies: false },
    { name: 'a coordinator policy of a small non-production job: checked', policy: coordinator, production: false, min: 20, applies: true },
    { name: 'no policy: nothing to check', policy: null, production: true, min: 1, applies: false },
  ])('$name', ({ policy, production, min, applies }) => {
    expect(slaCheckApplies(policy, production, three, min)).toBe(applies);
  });

  it('counts only active instances toward the minimum', () => {
    const ended = new Map([...three, [3, obs.in('FINISHED', 't3', 'x')], [4, obs.in('KILLED', 't4', 'x')]]);
    expect(slaCheckApplies(count(1), true, ended, 4)).toBe(false);
    expect(slaCheckApplies(count(1), true, new Map([...ended, [5, obs.in('PENDING', 't5', 'x')]]), 4)).toBe(true);
  });

  it.each<{ name: string; production: boolean; min: number; held: boolean }>([
    { name: 'a non-production job goes at once', production: false, min: 1, held: false },
    { name: 'a production job below the minimum goes at once', production: true, min: 20, held: false },
    { name: 'a production job at the minimum is held', production: true, min: 3, held: true },
  ])('a count policy: $name', ({ production, min, held }) => {
    const verdict = slaAllowsTakeDown({ policy: count(3), instanceCount: 3, production, minRequiredInstances: min }, three, 0, new Set(), T0);
    expect(verdict.ok).toBe(!held);
  });

  it('a coordinator policy holds a small non-production job still', () => {
    const verdict = slaAllowsTakeDown({ policy: coordinator, instanceCount: 3, production: false, minRequiredInstances: 20 }, three, 0, new Set(), T0);
    expect(verdict).toMatchObject({ ok: false, reason: 'waiting for SLA coordinator http://c/sla to answer' });
  });
});

describe('taking an instance down under a coordinator policy', () => {
  const policy: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: 'http://c/sla', statusKey: 'drain' };
  const ASK = { taskId: 't0', coordinatorUrl: 'http://c/sla', statusKey: 'drain', params: {} };
  const WAITING = 'waiting for SLA coordinator http://c/sla to answer';
  const SAID_NO = 'SLA coordinator http://c/sla said no ({"drain": false})';
  // Coordinator policies apply whatever the job's tier and size.
  const sla = (answers: [string, { allowed: boolean; at: number }][]) => ({
    policy,
    instanceCount: 2,
    production: false,
    minRequiredInstances: 20,
    coordinatorAnswers: new Map(answers.map(([id, a]) => [id, { ...a, detail: `{"drain": ${a.allowed}}` }])),
    coordinatorAnswerTtlMs: 30_000,
  });

  it.each<{ name: string; answers: [string, { allowed: boolean; at: number }][]; verdict: ReturnType<typeof slaAllowsTakeDown> }>([
    { name: 'no answer: wait, and ask about the task (no params for an update, as Aurora)', answers: [], verdict: { ok: false, wakeAt: null, reason: WAITING, awaitingAnswer: true, ask: ASK } },
    { name: 'yes: go', answers: [['t0', { allowed: true, at: T0 }]], verdict: { ok: true } },
    { name: 'a yes about another task counts for nothing', answers: [['t1', { allowed: true, at: T0 }]], verdict: { ok: false, wakeAt: null, reason: WAITING, awaitingAnswer: true, ask: ASK } },
    { name: 'no: wait until the answer runs out', answers: [['t0', { allowed: false, at: T0 - 5_000 }]], verdict: { ok: false, wakeAt: T0 + 25_000, reason: SAID_NO } },
    // Asked again, the last no stands as the reason: it does not flap to waiting and back.
    { name: 'a no that ran out: ask again, still held for it', answers: [['t0', { allowed: false, at: T0 - 30_000 }]], verdict: { ok: false, wakeAt: null, reason: SAID_NO, ask: ASK } },
    { name: 'a yes that ran out: ask again', answers: [['t0', { allowed: true, at: T0 - 30_000 }]], verdict: { ok: false, wakeAt: null, reason: WAITING, awaitingAnswer: true, ask: ASK } },
  ])('$name', ({ answers, verdict }) => {
    expect(slaAllowsTakeDown(sla(answers), job([600, 600]), 0, new Set(), T0)).toEqual(verdict);
  });

  it('a reason is cut to MAX_SLA_HOLD_REASON characters, however long the coordinator URL', () => {
    const long: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: `http://c/${'x'.repeat(1000)}`, statusKey: 'drain' };
    const verdict = slaAllowsTakeDown({ policy: long, instanceCount: 2, production: false, minRequiredInstances: 20 }, job([600, 600]), 0, new Set(), T0);
    expect(verdict.ok).toBe(false);
    const reason = verdict.ok ? '' : verdict.reason;
    expect(reason).toHaveLength(MAX_SLA_HOLD_REASON);
    expect(reason).toMatch(/^waiting for SLA coordinator http:\/\/c\/x+\.\.\.$/);
  });
});
