import type { ScheduledTask, TaskState } from '../../scheduler/api/task.js';
import { TASK_STATES, TERMINAL_STATES } from '../api/wire.js';

/** Pure helpers over the tasks the scheduler returns. No zod: they run on the CLI's fast paths. */

function createdAt(t: ScheduledTask): number {
  return t.events.reduce((min, e) => Math.min(min, e.at), Number.POSITIVE_INFINITY);
}

/**
 * The current (newest) task of each instance. The API lists newest first per instance; this
 * also holds when it does not, by the task's first event.
 */
export function currentTasks(tasks: readonly ScheduledTask[]): Map<number, ScheduledTask> {
  const out = new Map<number, ScheduledTask>();
  for (const t of tasks) {
    const seen = out.get(t.instance);
    if (!seen || createdAt(t) > createdAt(seen)) out.set(t.instance, t);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a - b));
}

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

export type StateCounts = Partial<Record<TaskState, number>>;

export function countStates(tasks: Iterable<ScheduledTask>): StateCounts {
  const counts: StateCounts = {};
  for (const t of tasks) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

/** `1 PENDING, 2 RUNNING` in the order of the task life cycle; `no tasks` when empty. */
export function formatCounts(counts: StateCounts): string {
  const parts = TASK_STATES.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no tasks';
}

export function lastEvent(t: ScheduledTask): ScheduledTask['events'][number] | undefined {
  return t.events.reduce<ScheduledTask['events'][number] | undefined>((last, e) => (!last || e.at >= last.at ? e : last), undefined);
}

/** Why a task is where it is, in words: its pending reason or its last event's message. */
export function taskReason(t: ScheduledTask): string | undefined {
  if (t.state === 'PENDING' && t.pendingReason) return t.pendingReason;
  return lastEvent(t)?.message ?? t.pendingReason ?? undefined;
}

export type WaitGoal = 'RUNNING' | 'FINISHED';

/** Where waiting for a goal stands. */
export interface GoalProgress {
  /** Every instance reached the goal or failed. */
  readonly settled: boolean;
  /** Instances whose task ended FAILED, KILLED or LOST (or FINISHED before RUNNING was seen, for RUNNING). */
  readonly failed: readonly ScheduledTask[];
  readonly counts: StateCounts;
  readonly current: ReadonlyMap<number, ScheduledTask>;
}

function reachedRunning(t: ScheduledTask): boolean {
  return t.state === 'RUNNING' || (t.state === 'FINISHED' && t.events.some((e) => e.state === 'RUNNING'));
}

/** How far a job's `instances` are towards `goal`. Pure. */
export function assessGoal(tasks: readonly ScheduledTask[], instances: number, goal: WaitGoal): GoalProgress {
  const current = currentTasks(tasks);
  const failed: ScheduledTask[] = [];
  let settled = true;
  for (let i = 0; i < instances; i++) {
    const t = current.get(i);
    if (!t) {
      settled = false;
      continue;
    }
    const reached = goal === 'RUNNING' ? reachedRunning(t) : isTerminal(t.state) && t.state === 'FINISHED';
    if (reached) continue;
    if (isTerminal(t.state)) failed.push(t);
    else settled = false;
  }
  return { settled, failed, counts: countStates(current.values()), current };
}

/** How far the killed tasks are towards terminal states; tasks the scheduler no longer lists count as gone. Pure. */
export function assessKill(
  killed: readonly string[],
  tasks: readonly ScheduledTask[],
): { settled: boolean; counts: StateCounts; remaining: readonly ScheduledTask[]; tasks: readonly ScheduledTask[] } {
  const wanted = new Set(killed);
  const mine = tasks.filter((t) => wanted.has(t.taskId));
  const remaining = mine.filter((t) => !isTerminal(t.state));
  return { settled: remaining.length === 0, counts: countStates(mine), remaining, tasks: mine };
}
