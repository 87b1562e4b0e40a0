import { describe, expect, it } from 'vitest';
import { processSpec, taskSpec } from '../testing/fixtures.js';
import { findCycle, planTask, ScheduleCycleError, type PlanInput, type RunSummary } from './process-plan.js';

const T0 = 1_700_000_000_000;

const ok = (startedAt = T0, endedAt = T0 + 1000): RunSummary => ({ state: 'SUCCESS', startedAt, endedAt, exitCode: 0 });
const failed = (startedAt = T0, code = 1): RunSummary => ({ state: 'FAILED', startedAt, endedAt: startedAt + 500, exitCode: code });
const running = (startedAt = T0): RunSummary => ({ state: 'RUNNING', startedAt, endedAt: null, exitCode: null });

function input(task: PlanInput['task'], runs: PlanInput['runs'] = {}, extra: Partial<PlanInput> = {}): PlanInput {
  return { task, runs, now: T0 + 10_000, killRequested: null, finalizingSince: null, decided: null, ...extra };
}

describe('planTask', () => {
  it('starts every unordered process at once', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y')]);
    expect(planTask(input(task)).start).toEqual(['a', 'b']);
  });

  it('starts a process only after the one ordered before it succeeded', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y'), processSpec('c', 'z')], {
      constraints: [{ order: ['a', 'b', 'c'] }],
    });
    expect(planTask(input(task)).start).toEqual(['a']);
    expect(planTask(input(task, { a: [running()] })).start).toEqual([]);
    expect(planTask(input(task, { a: [ok()] })).start).toEqual(['b']);
    expect(planTask(input(task, { a: [ok()], b: [ok()] })).start).toEqual(['c']);
  });

  it('starts no more than maxConcurrency processes', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y'), processSpec('c', 'z')], { maxConcurrency: 2 });
    expect(planTask(input(task)).start).toEqual(['a', 'b']);
    expect(planTask(input(task, { a: [running()], b: [ok()] })).start).toEqual(['c']);
    expect(planTask(input(task, { a: [running()], b: [running()] })).start).toEqual([]);
  });

  it('retries a failed process while it has failures left, not before its min duration', () => {
    const task = taskSpec([processSpec('a', 'x', { maxFailures: 3, minDurationSecs: 5 })]);
    const early = planTask(input(task, { a: [failed(T0)] }, { now: T0 + 2000 }));
    expect(early.start).toEqual([]);
    expect(early.wakeAt).toBe(T0 + 5000);
    expect(early.outcome).toBeNull();
    expect(planTask(input(task, { a: [failed(T0)] }, { now: T0 + 5000 })).start).toEqual(['a']);
  });

  it('fails the task when a process used up its failures, saying why', () => {
    const task = taskSpec([processSpec('hello', 'x', { maxFailures: 1 })]);
    const plan = planTask(input(task, { hello: [failed()] }));
    expect(plan.outcome).toEqual({ state: 'FAILED', reason: 'Process hello failed 1 time(s) (exit status 1)' });
    expect(plan.done).toBe(true);
    expect(plan.start).toEqual([]);
  });

  it('retries forever when maxFailures is 0', () => {
    const task = taskSpec([processSpec('a', 'x', { maxFailures: 0 })]);
    const runs = Array.from({ length: 50 }, (_, i) => failed(T0 + i));
    expect(planTask(input(task, { a: runs })).start).toEqual(['a']);
  });

  it("tolerates as many failed processes as the task's maxFailures minus one", () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y'), processSpec('c', 'z')], { maxFailures: 2 });
    const one = planTask(input(task, { a: [failed()], b: [running()], c: [ok()] }));
    expect(one.outcome).toBeNull();
    const two = planTask(input(task, { a: [failed()], b: [failed()], c: [ok()] }));
    expect(two.outcome?.state).toBe('FAILED');
  });

  it('succeeds when every non-ephemeral process succeeded, and kills the ephemeral ones', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('sidecar', 'y', { ephemeral: true })]);
    const plan = planTask(input(task, { main: [ok()], sidecar: [running()] }));
    expect(plan.outcome).toEqual({ state: 'FINISHED', reason: 'Task finished successfully' });
    expect(plan.kill).toEqual(['sidecar']);
    expect(plan.done).toBe(false);
  });

  it('restarts a daemon process after it succeeded', () => {
    const task = taskSpec([processSpec('d', 'x', { daemon: true, minDurationSecs: 1 })]);
    const plan = planTask(input(task, { d: [ok(T0)] }, { now: T0 + 1000 }));
    expect(plan.start).toEqual(['d']);
    expect(plan.outcome).toBeNull();
  });

  it('runs final processes after the others have ended, in their own order', () => {
    const task = taskSpec(
      [processSpec('main', 'x'), processSpec('cleanup', 'y', { final: true }), processSpec('report', 'z', { final: true })],
      { constraints: [{ order: ['cleanup', 'report'] }] },
    );
    expect(planTask(input(task)).start).toEqual(['main']);
    const afterMain = planTask(input(task, { main: [ok()] }));
    expect(afterMain.finalizing).toBe(true);
    expect(afterMain.start).toEqual(['cleanup']);
    const afterCleanup = planTask(input(task, { main: [ok()], cleanup: [ok()] }, { finalizingSince: T0 }));
    expect(afterCleanup.start).toEqual(['report']);
    const all = planTask(input(task, { main: [ok()], cleanup: [ok()], report: [ok()] }, { finalizingSince: T0 }));
    expect(all.done).toBe(true);
    expect(all.outcome?.state).toBe('FINISHED');
  });

  it('kills final processes that outlive the finalization wait', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('cleanup', 'y', { final: true })], { finalizationWaitSecs: 30 });
    const plan = planTask(input(task, { main: [ok()], cleanup: [running()] }, { finalizingSince: T0, now: T0 + 30_000 }));
    expect(plan.kill).toEqual(['cleanup']);
  });

  it('on a kill, stops the regular processes first, then runs the final ones', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('cleanup', 'y', { final: true })]);
    const killRequested = { reason: 'Killed by the scheduler' };
    const first = planTask(input(task, { main: [running()] }, { killRequested }));
    expect(first.kill).toEqual(['main']);
    expect(first.start).toEqual([]);
    const then = planTask(input(task, { main: [{ ...running(), state: 'KILLED', endedAt: T0 + 1 }] }, { killRequested }));
    expect(then.start).toEqual(['cleanup']);
    expect(then.outcome).toEqual({ state: 'KILLED', reason: 'Killed by the scheduler' });
  });

  it('keeps an outcome once finalizing began, even if a kill comes later', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('cleanup', 'y', { final: true })]);
    const decided = { state: 'FINISHED' as const, reason: 'Task finished successfully' };
    const plan = planTask(
      input(task, { main: [ok()], cleanup: [ok()] }, { decided, finalizingSince: T0, killRequested: { reason: 'late' } }),
    );
    expect(plan.outcome).toEqual(decided);
    expect(plan.done).toBe(true);
  });

  it('fails a task whose processes wait on one that can never succeed', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y')], {
      constraints: [{ order: ['a', 'b'] }],
      maxFailures: 0,
    });
    const plan = planTask(input(task, { a: [failed()] }));
    expect(plan.outcome?.state).toBe('FAILED');
    expect(plan.outcome?.reason).toContain('Process a failed 1 time(s)');
  });

  it('reports a cycle in the ordering constraints', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y')], { constraints: [{ order: ['a', 'b', 'a'] }] });
    expect(findCycle(task)).toEqual(['a', 'b', 'a']);
    expect(() => planTask(input(task))).toThrow(ScheduleCycleError);
    expect(() => planTask(input(task))).toThrow('Cycles detected in the task schedule: a -> b -> a');
  });

  it('finds longer cycles across constraints', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y'), processSpec('c', 'z')], {
      constraints: [{ order: ['a', 'b'] }, { order: ['b', 'c'] }, { order: ['c', 'a'] }],
    });
    const cycle = findCycle(task);
    expect(cycle).toHaveLength(4);
    expect(cycle?.[0]).toBe(cycle?.[3]);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('ends FAILED when the agent killed the task for a failure', () => {
    const task = taskSpec([processSpec('main', 'x')]);
    const killRequested = { reason: 'exceeded ram limit 128 MiB (used 131 MiB)', state: 'FAILED' as const };
    const plan = planTask(input(task, { main: [{ ...running(), state: 'KILLED', endedAt: T0 + 1 }] }, { killRequested }));
    expect(plan.outcome).toEqual({ state: 'FAILED', reason: 'exceeded ram limit 128 MiB (used 131 MiB)' });
    expect(plan.done).toBe(true);
  });

  it('runs a sequential task one process at a time, in order', () => {
    // SequentialTask compiles to one order constraint over every process.
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y'), processSpec('c', 'z')], { constraints: [{ order: ['a', 'b', 'c'] }] });
    expect(planTask(input(task, { a: [ok()] })).start).toEqual(['b']);
    expect(planTask(input(task, { a: [ok()], b: [running()] })).start).toEqual([]);
    // A failed predecessor that may retry is retried; the successor keeps waiting.
    const retried = taskSpec(task.processes.map((p) => ({ ...p, maxFailures: 2 })), { constraints: task.constraints });
    expect(planTask(input(retried, { a: [failed()] })).start).toEqual(['a']);
  });

  it('spaces the restarts of a daemon by its min duration', () => {
    const task = taskSpec([processSpec('d', 'x', { daemon: true, minDurationSecs: 5 })]);
    const early = planTask(input(task, { d: [ok(T0, T0 + 100)] }, { now: T0 + 1000 }));
    expect(early.start).toEqual([]);
    expect(early.wakeAt).toBe(T0 + 5000);
    expect(planTask(input(task, { d: [ok(T0, T0 + 100)] }, { now: T0 + 5000 })).start).toEqual(['d']);
  });

  it('a daemon that fails uses up its failures', () => {
    const task = taskSpec([processSpec('d', 'x', { daemon: true, maxFailures: 2 })]);
    expect(planTask(input(task, { d: [ok(), failed(T0 + 1)] })).start).toEqual(['d']);
    expect(planTask(input(task, { d: [failed(), ok(), failed(T0 + 2)] })).outcome?.state).toBe('FAILED');
  });

  it('an ephemeral process does not hold the task open, even while it waits to restart', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('side', 'y', { ephemeral: true, minDurationSecs: 60, maxFailures: 0 })]);
    const plan = planTask(input(task, { main: [ok()], side: [failed(T0 + 9000)] }));
    expect(plan.outcome?.state).toBe('FINISHED');
    expect(plan.done).toBe(true);
  });

  it('runs the final processes after a failure too, in order', () => {
    const task = taskSpec(
      [processSpec('main', 'x', { maxFailures: 1 }), processSpec('f1', 'y', { final: true }), processSpec('f2', 'z', { final: true })],
      { constraints: [{ order: ['f1', 'f2'] }] },
    );
    const plan = planTask(input(task, { main: [failed()] }));
    expect(plan.outcome?.state).toBe('FAILED');
    expect(plan.finalizing).toBe(true);
    expect(plan.start).toEqual(['f1']);
    const decided = plan.outcome;
    const last = planTask(input(task, { main: [failed()], f1: [ok()], f2: [ok()] }, { decided, finalizingSince: T0 }));
    expect(last).toMatchObject({ done: true, outcome: { state: 'FAILED' } });
  });

  it('gives up on final processes that have not started when the finalization wait is over', () => {
    const task = taskSpec([processSpec('main', 'x'), processSpec('f1', 'y', { final: true }), processSpec('f2', 'z', { final: true })], {
      constraints: [{ order: ['f1', 'f2'] }],
      finalizationWaitSecs: 10,
    });
    const decided = { state: 'FINISHED' as const, reason: 'Task finished successfully' };
    const waiting = planTask(input(task, { main: [ok()], f1: [running()] }, { decided, finalizingSince: T0, now: T0 + 5000 }));
    expect(waiting.wakeAt).toBe(T0 + 10_000);
    const over = planTask(input(task, { main: [ok()], f1: [{ ...running(), state: 'KILLED', endedAt: T0 + 10_001 }] }, { decided, finalizingSince: T0, now: T0 + 10_002 }));
    expect(over).toMatchObject({ done: true, start: [], outcome: decided });
  });

  it('with the task maxFailures 0, a failed process alone does not fail the task while others may still run', () => {
    const task = taskSpec([processSpec('a', 'x'), processSpec('b', 'y')], { maxFailures: 0 });
    const plan = planTask(input(task, { a: [failed()], b: [running()] }));
    expect(plan.outcome).toBeNull();
    const end = planTask(input(task, { a: [failed()], b: [ok()] }));
    expect(end.outcome).toEqual({ state: 'FAILED', reason: 'Process a failed 1 time(s) (exit status 1)' });
  });
});
