/**
 * The few values of the scheduler's contract (scheduler/api) that the CLI's fast paths need,
 * without zod: the modules that define them build zod schemas when they load. wire.test.ts
 * holds every value here equal to its original.
 */
import type { TaskState } from '../../scheduler/api/task.js';

/** TaskStateSchema's options, in the order of the task life cycle. */
export const TASK_STATES: readonly TaskState[] = [
  'PENDING',
  'THROTTLED',
  'ASSIGNED',
  'STARTING',
  'RUNNING',
  'KILLING',
  'RESTARTING',
  'PREEMPTING',
  'DRAINING',
  'PARTITIONED',
  'FINISHED',
  'FAILED',
  'KILLED',
  'LOST',
];

/** scheduler/api/task.ts TERMINAL_STATES. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['FINISHED', 'FAILED', 'KILLED', 'LOST']);

/** scheduler/api/jobs-api.ts: the longest a `GET job?since=` is held. */
export const MAX_JOB_WAIT_MS = 30_000;
/** scheduler/api/jobs-api.ts: the most tasks one page holds, and the most ids one `taskId=` names. */
export const MAX_TASK_PAGE = 10_000;
export const MAX_TASK_IDS_PER_QUERY = 1000;

export function isTaskState(s: string): s is TaskState {
  return (TASK_STATES as readonly string[]).includes(s);
}
