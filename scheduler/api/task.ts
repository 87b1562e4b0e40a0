import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';

import { TASK_STATES } from './constants.js';

export { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES } from './constants.js';

/** Aurora's ScheduleStatus: the life of one task (one run of one instance). */
export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

export const TaskEventSchema = z
  .object({
    state: TaskStateSchema,
    /** Milliseconds since the epoch. */
    at: z.number(),
    message: z.string().nullable(),
  })
  .strict();
export type TaskEvent = z.infer<typeof TaskEventSchema>;

export const HealthSchema = z.enum(['HEALTHY', 'UNHEALTHY', 'UNKNOWN']);
export type Health = z.infer<typeof HealthSchema>;

/** A task as the scheduler stores and serves it. */
export const ScheduledTaskSchema = z
  .object({
    taskId: z.string(),
    jobKey: JobKeySchema,
    instance: z.number().int().nonnegative(),
    state: TaskStateSchema,
    /** Hash of the JobSpec this task runs (see specHash). */
    specHash: z.string(),
    agentId: z.string().nullable(),
    host: z.string().nullable(),
    /** The observer on the task's agent, for links to the task page. */
    observerUrl: z.string().nullable(),
    ports: z.record(z.string(), z.number().int()),
    health: HealthSchema,
    /** How many earlier runs of this instance failed. */
    failureCount: z.number().int().nonnegative(),
    /** Why the task is still PENDING, when it is. */
    pendingReason: z.string().nullable(),
    /** The flapping penalty this task was held THROTTLED for, and until when. */
    throttle: z.object({ penaltyMs: z.number().int().nonnegative(), until: z.number() }).strict().nullable().optional(),
    events: z.array(TaskEventSchema),
  })
  .strict();
export type ScheduledTask = z.infer<typeof ScheduledTaskSchema>;
