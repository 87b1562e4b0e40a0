import type { ScheduledTask, TaskState } from '../api/task.js';
import type { LoadedState } from '../storage/storage.js';

/**
 * Queries over a staged recovery's tasks (Aurora's TaskQuery on its temporary storage): which
 * tasks a filter picks, and the state without some tasks. Pure.
 */

export interface RecoveryTaskFilter {
  readonly taskIds?: readonly string[];
  readonly role?: string;
  readonly environment?: string;
  readonly name?: string;
  readonly states?: readonly TaskState[];
}

/** The tasks the filter picks, in the backup's order. */
export function filterRecoveryTasks(tasks: readonly ScheduledTask[], filter: RecoveryTaskFilter): ScheduledTask[] {
  const ids = filter.taskIds ? new Set(filter.taskIds) : null;
  const states = filter.states ? new Set(filter.states) : null;
  return tasks.filter(
    (t) =>
      (ids === null || ids.has(t.taskId)) &&
      (states === null || states.has(t.state)) &&
      (filter.role === undefined || t.jobKey.role === filter.role) &&
      (filter.environment === undefined || t.jobKey.environment === filter.environment) &&
      (filter.name === undefined || t.jobKey.name === filter.name),
  );
}

/** The state without the named tasks; which ids were deleted and which the state did not hold. */
export function withoutTasks(state: LoadedState, taskIds: readonly string[]): { state: LoadedState; deleted: string[]; missing: string[] } {
  const wanted = new Set(taskIds);
  const deleted: string[] = [];
  const tasks = state.tasks.filter((t) => {
    if (!wanted.has(t.taskId)) return true;
    deleted.push(t.taskId);
    return false;
  });
  const found = new Set(deleted);
  const missing = [...wanted].filter((id) => !found.has(id));
  // Specs stay: the scheduler collects those nothing refers to once it has loaded the state.
  return { state: deleted.length === 0 ? state : { ...state, tasks }, deleted, missing };
}
