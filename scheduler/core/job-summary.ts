import type { ScheduledTask } from '../api/task.js';

/**
 * The current task of each instance: the newest one. A rescheduled instance's newest task is
 * its replacement; an instance that ended for good keeps its last (terminal) task.
 * Expects tasks sorted by instance, newest first, as the API lists them.
 */
export function currentTasks(tasks: readonly ScheduledTask[]): ScheduledTask[] {
  const seen = new Set<number>();
  return tasks.filter((t) => !seen.has(t.instance) && seen.add(t.instance));
}
