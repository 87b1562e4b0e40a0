/**
 * The values of the scheduler's contract the CLI's fast paths need, from its zod-free module
 * (scheduler/api/constants.ts), so that loading them loads no schema.
 */
import { TASK_STATES, type TaskState } from '../../scheduler/api/constants.js';

export { MAX_JOB_WAIT_MS, MAX_TASK_IDS_PER_QUERY, MAX_TASK_PAGE, TASK_STATES, TERMINAL_STATES } from '../../scheduler/api/constants.js';

export function isTaskState(s: string): s is TaskState {
  return (TASK_STATES as readonly string[]).includes(s);
}
