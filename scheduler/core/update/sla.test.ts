import { describe, expect, it } from 'vitest';
import type { SlaPolicySpec } from '../../../dsl/jobspec.js';
import { MAX_SLA_HOLD_REASON } from '../../api/updates-api.js';
import type { InstanceObservation } from './observation.js';
import { slaAllowsTakeDown, slaRequirement } from './sla.js';
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
    expect(slaAllowsTakeDown({ policy, instanceCount: ran.length }, job(ran), 0, new Set(goingDown ?? []), T0)).toEqual(verdict);
  });

});

describe('taking an instance down under a coordinator policy', () => {
  const policy: SlaPolicySpec = { kind: 'coordinator', coordinatorUrl: 'http://c/sla', statusKey: 'drain' };
  const ASK = { taskId: 't0', coordinatorUrl: 'http://c/sla', statusKey: 'drain', params: {} };
  const WAITING = 'waiting for SLA coordinator http://c/sla to answer';
  const SAID_NO = 'SLA coordinator http://c/sla said no ({"drain": false})';
  const sla = (answers: [string, { allowed: boolean; at: number }][]) => ({
    policy,
    instanceCount: 2,
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
    const verdict = slaAllowsTakeDown({ policy: long, instanceCount: 2 }, job([600, 600]), 0, new Set(), T0);
    expect(verdict.ok).toBe(false);
    const reason = verdict.ok ? '' : verdict.reason;
    expect(reason).toHaveLength(MAX_SLA_HOLD_REASON);
    expect(reason).toMatch(/^waiting for SLA coordinator http:\/\/c\/x+\.\.\.$/);
  });
});
