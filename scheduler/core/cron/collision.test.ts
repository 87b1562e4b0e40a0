import { describe, expect, it } from 'vitest';
import { decideCollision, type CollisionDecision } from './collision.js';

describe('decideCollision', () => {
  it.each<[string, 'KILL_EXISTING' | 'CANCEL_NEW', string[], CollisionDecision]>([
    ['KILL_EXISTING with nothing active starts', 'KILL_EXISTING', [], { kind: 'start' }],
    ['CANCEL_NEW with nothing active starts', 'CANCEL_NEW', [], { kind: 'start' }],
    ['KILL_EXISTING kills the previous run first', 'KILL_EXISTING', ['t-0', 't-1'], { kind: 'kill-then-start', taskIds: ['t-0', 't-1'] }],
    ['CANCEL_NEW skips the tick while any task is active', 'CANCEL_NEW', ['t-1'], { kind: 'cancel' }],
  ])('%s', (_what, policy, active, decision) => {
    expect(decideCollision(policy, active)).toEqual(decision);
  });

  it('does not hand back the caller’s array', () => {
    const active = ['t-0'];
    const decision = decideCollision('KILL_EXISTING', active);
    active.push('t-1');
    expect(decision).toEqual({ kind: 'kill-then-start', taskIds: ['t-0'] });
  });

  it('refuses RUN_OVERLAP and other policies that are not Aurora’s any more', () => {
    expect(() => decideCollision('RUN_OVERLAP' as 'CANCEL_NEW', ['t-0'])).toThrow(/unknown cron collision policy 'RUN_OVERLAP'/);
  });
});
