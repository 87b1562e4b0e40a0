import { TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import type { JobSummary } from '../api/jobs-api.js';
import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * The current task of each instance: the newest one. A rescheduled instance's newest task is
 * its replacement; an instance that ended for good keeps its last (terminal) task.
 * Expects tasks sorted by instance, newest first, as storage lists them.
 */
export function currentTasks(tasks: readonly ScheduledTask[]): ScheduledTask[] {
  const seen = new Set<number>();
  return tasks.filter((t) => !seen.has(t.instance) && seen.add(t.instance));
}

export function taskCounts(tasks: readonly ScheduledTask[]): Partial<Record<TaskState, number>> {
  const counts: Partial<Record<TaskState, number>> = {};
  for (const t of currentTasks(tasks)) counts[t.state] = (counts[t.state] ?? 0) + 1;
  return counts;
}

export function hasActiveTasks(tasks: readonly ScheduledTask[]): boolean {
  return tasks.some((t) => !TERMINAL_STATES.has(t.state));
}

export function jobSummary(
  job: { readonly spec: JobSpec; readonly specHash: string; readonly createdAt: number },
  tasks: readonly ScheduledTask[],
  version: number,
): JobSummary {
  return {
    key: job.spec.key,
    instances: job.spec.instances,
    service: job.spec.service,
    cronSchedule: job.spec.cronSchedule,
    specHash: job.specHash,
    createdAt: job.createdAt,
    version,
    taskCounts: taskCounts(tasks),
  };
}
