import { describe, expect, it } from 'vitest';
import { TaskStateSchema, TERMINAL_STATES, type TaskState } from '../api/task.js';
import { LEGAL_TRANSITIONS, transition, type RescheduleContext } from './task-state-machine.js';

const batch: RescheduleContext = { service: false, maxTaskFailures: 1, failureCount: 0 };
const service: RescheduleContext = { service: true, maxTaskFailures: 1, failureCount: 0 };

function effectsOf(from: TaskState, to: TaskState, ctx = batch) {
  const result = transition(from, to, ctx);
  if (!result.ok) throw new Error(`expected ${from} → ${to} to be legal, got: ${result.reason}`);
  return result.effects;
}

describe('task state machine: legal transitions', () => {
  it('names the successors of every state', () => {
    expect(Object.keys(LEGAL_TRANSITIONS).sort()).toEqual([...TaskStateSchema.options].sort());
  });

  it('a PENDING task is assigned to an agent, or killed without ever running', () => {
    expect(effectsOf('PENDING', 'ASSIGNED')).toEqual([{ kind: 'SAVE_STATE' }]);
    expect(effectsOf('PENDING', 'KILLED', service)).toEqual([{ kind: 'SAVE_STATE' }, { kind: 'DELETE_IF_JOB_DONE' }]);
  });

  it('a PENDING task cannot start running before it is assigned', () => {
    expect(transition('PENDING', 'RUNNING', batch)).toEqual({
      ok: false,
      from: 'PENDING',
      to: 'RUNNING',
      reason: 'a PENDING task cannot become RUNNING',
    });
  });

  it.each(['ASSIGNED', 'STARTING', 'RUNNING'] as const)('a %s task moves to KILLING and its agent is told to kill it', (from) => {
    expect(effectsOf(from, 'KILLING')).toEqual([{ kind: 'SAVE_STATE' }, { kind: 'KILL' }]);
  });

  it('an assigned task goes through STARTING to RUNNING, or straight to RUNNING when the agent reports it so', () => {
    expect(transition('ASSIGNED', 'STARTING', batch).ok).toBe(true);
    expect(transition('STARTING', 'RUNNING', batch).ok).toBe(true);
    expect(transition('ASSIGNED', 'RUNNING', batch).ok).toBe(true);
  });

  it('a RUNNING task never goes back to STARTING or PENDING', () => {
    expect(transition('RUNNING', 'STARTING', batch).ok).toBe(false);
    expect(transition('RUNNING', 'PENDING', batch).ok).toBe(false);
  });

  it.each([...TERMINAL_STATES])('a %s task is final: it never changes state again', (from) => {
    for (const to of TaskStateSchema.options) {
      const result = transition(from, to, batch);
      expect(result.ok).toBe(false);
    }
  });

  it('refuses a transition to the state the task is already in, saying so', () => {
    const result = transition('RUNNING', 'RUNNING', batch);
    expect(result).toMatchObject({ ok: false, reason: 'task is already RUNNING' });
  });
});

describe('task state machine: rescheduling', () => {
  const rescheduled = (from: TaskState, to: TaskState, ctx: RescheduleContext) =>
    effectsOf(from, to, ctx).find((e) => e.kind === 'RESCHEDULE');

  it.each(['FINISHED', 'LOST'] as const)('a service task that ends %s is replaced, failure count carried', (to) => {
    expect(rescheduled('RUNNING', to, { ...service, failureCount: 2 })).toEqual({ kind: 'RESCHEDULE', failureCount: 2 });
  });

  it('a service task that FAILED is replaced with one more failure counted', () => {
    expect(rescheduled('RUNNING', 'FAILED', { ...service, failureCount: 2 })).toEqual({ kind: 'RESCHEDULE', failureCount: 3 });
  });

  it('a job task that FINISHED is done', () => {
    expect(effectsOf('RUNNING', 'FINISHED')).toEqual([{ kind: 'SAVE_STATE' }, { kind: 'DELETE_IF_JOB_DONE' }]);
  });

  it('a job task that FAILED is not retried when maxTaskFailures is 1 (the default)', () => {
    expect(rescheduled('RUNNING', 'FAILED', batch)).toBeUndefined();
  });

  it('a job task that FAILED is retried while the instance has failed fewer than maxTaskFailures times', () => {
    const ctx = { service: false, maxTaskFailures: 3, failureCount: 1 };
    expect(rescheduled('RUNNING', 'FAILED', ctx)).toEqual({ kind: 'RESCHEDULE', failureCount: 2 });
    expect(rescheduled('RUNNING', 'FAILED', { ...ctx, failureCount: 2 })).toBeUndefined();
  });

  it('a job task with maxTaskFailures -1 is retried forever', () => {
    expect(rescheduled('RUNNING', 'FAILED', { service: false, maxTaskFailures: -1, failureCount: 1000 })).toEqual({
      kind: 'RESCHEDULE',
      failureCount: 1001,
    });
  });

  it('a job task that was LOST is retried without counting a failure', () => {
    expect(rescheduled('RUNNING', 'LOST', batch)).toEqual({ kind: 'RESCHEDULE', failureCount: 0 });
  });

  it.each(['FINISHED', 'FAILED', 'KILLED', 'LOST'] as const)(
    'a task a user killed (KILLING) that ends %s is never rescheduled, even in a service',
    (to) => {
      expect(rescheduled('KILLING', to, service)).toBeUndefined();
    },
  );

  it('a service task killed by something other than a user (RUNNING → KILLED) is replaced', () => {
    expect(rescheduled('RUNNING', 'KILLED', service)).toEqual({ kind: 'RESCHEDULE', failureCount: 0 });
  });

  it('a task restarted on purpose (RESTARTING) runs again whatever its job', () => {
    expect(effectsOf('RUNNING', 'RESTARTING')).toContainEqual({ kind: 'KILL' });
    expect(rescheduled('RESTARTING', 'KILLED', batch)).toEqual({ kind: 'RESCHEDULE', failureCount: 0 });
  });

  it('a task on an unreachable agent goes PARTITIONED and comes back RUNNING when the agent does', () => {
    for (const from of ['ASSIGNED', 'STARTING', 'RUNNING'] as const) expect(transition(from, 'PARTITIONED', batch).ok).toBe(true);
    expect(effectsOf('PARTITIONED', 'RUNNING')).toEqual([{ kind: 'SAVE_STATE' }]);
    expect(transition('KILLING', 'PARTITIONED', batch).ok).toBe(false);
  });

  it('a PARTITIONED task given up (LOST) is rescheduled; one killed by a user through KILLING is not', () => {
    expect(effectsOf('PARTITIONED', 'LOST').map((e) => e.kind)).toContain('RESCHEDULE');
    expect(effectsOf('PARTITIONED', 'KILLING').map((e) => e.kind)).toEqual(['SAVE_STATE', 'KILL']);
    expect(effectsOf('KILLING', 'KILLED').map((e) => e.kind)).not.toContain('RESCHEDULE');
  });
});
