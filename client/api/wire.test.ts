import { describe, expect, it } from 'vitest';
import * as jobsApi from '../../scheduler/api/jobs-api.js';
import * as task from '../../scheduler/api/task.js';
import { MAX_JOB_WAIT_MS, MAX_TASK_IDS_PER_QUERY, MAX_TASK_PAGE, TASK_STATES, TERMINAL_STATES, isTaskState } from './wire.js';

describe('the zod-free copies of contract values', () => {
  it('equal their originals in scheduler/api', () => {
    expect(TASK_STATES).toEqual(task.TaskStateSchema.options);
    expect([...TERMINAL_STATES].sort()).toEqual([...task.TERMINAL_STATES].sort());
    expect(MAX_JOB_WAIT_MS).toBe(jobsApi.MAX_JOB_WAIT_MS);
    expect(MAX_TASK_PAGE).toBe(jobsApi.MAX_TASK_PAGE);
    expect(MAX_TASK_IDS_PER_QUERY).toBe(jobsApi.MAX_TASK_IDS_PER_QUERY);
  });

  it('knows a task state from another word', () => {
    expect(isTaskState('KILLED')).toBe(true);
    expect(isTaskState('killed')).toBe(false);
  });
});
