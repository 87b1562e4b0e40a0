import { describe, expect, it } from 'vitest';
import type { ScheduledTask, TaskState } from '../../scheduler/api/task.js';
import { formatInstances } from './job.js';
import { assessGoal, assessKill, currentTasks, formatCounts } from './tasks.js';

function task(instance: number, states: TaskState[], start = 0, message: string | null = null): ScheduledTask {
  return {
    taskId: `t${instance}-${start}`,
    jobKey: { cluster: 'c', role: 'r', environment: 'prod', name: 'n' },
    instance,
    state: states[states.length - 1] as TaskState,
    specHash: 'h',
    agentId: null,
    host: null,
    observerUrl: null,
    ports: {},
    health: 'UNKNOWN',
    failureCount: 0,
    pendingReason: null,
    events: states.map((state, i) => ({ state, at: start + i, message: i === states.length - 1 ? message : null })),
  };
}

describe('task assessment', () => {
  it("takes each instance's newest task as its current one, whatever the order", () => {
    const old = task(0, ['PENDING', 'RUNNING', 'FAILED'], 0);
    const now = task(0, ['PENDING'], 100);
    expect(currentTasks([old, now]).get(0)).toBe(now);
    expect(currentTasks([now, old]).get(0)).toBe(now);
  });

  it('is settled for RUNNING when every instance runs (or ran and finished)', () => {
    const tasks = [task(0, ['PENDING', 'RUNNING']), task(1, ['PENDING', 'RUNNING', 'FINISHED'])];
    expect(assessGoal(tasks, 2, 'RUNNING')).toMatchObject({ settled: true, failed: [] });
    expect(assessGoal(tasks, 3, 'RUNNING').settled).toBe(false);
    expect(assessGoal(tasks, 2, 'FINISHED').settled).toBe(false);
  });

  it('names the instances that ended FAILED, KILLED or LOST instead', () => {
    const lost = task(1, ['PENDING', 'LOST'], 0, 'agent host1 stopped syncing');
    const p = assessGoal([task(0, ['PENDING', 'RUNNING', 'FINISHED']), lost], 2, 'FINISHED');
    expect(p.settled).toBe(true);
    expect(p.failed).toEqual([lost]);
    expect(formatCounts(p.counts)).toBe('1 FINISHED, 1 LOST');
  });

  it('counts killed tasks the scheduler no longer lists as gone', () => {
    expect(assessKill(['a', 'b'], []).settled).toBe(true);
    const killing = { ...task(0, ['RUNNING', 'KILLING']), taskId: 'a' };
    expect(assessKill(['a'], [killing])).toMatchObject({ settled: false, remaining: [killing] });
  });

  it('prints instance lists as ranges', () => {
    expect(formatInstances([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(formatInstances([3])).toBe('3');
  });
});
