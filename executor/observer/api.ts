import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { ResourcesSpecSchema } from '../../dsl/jobspec.js';
import { ExecutorTaskStateSchema } from '../../scheduler/api/agent-protocol.js';

/**
 * The observer's JSON API: what it serves under `/api`, for tests, tools and the scheduler UI's
 * links. Everything here is read from checkpoints and log files.
 */

export const OBSERVER_PATHS = {
  /** HTML: every task on this host. */
  index: '/',
  /** HTML: one task with its processes, runs and log tails. */
  task: (taskId: string) => `/task/${encodeURIComponent(taskId)}`,
  /** text/plain: a log, `?tail=BYTES` for its end only. */
  log: (taskId: string, process: string, run: number, stream: 'stdout' | 'stderr') =>
    `/task/${encodeURIComponent(taskId)}/logs/${encodeURIComponent(process)}/${run}/${stream}`,
  /** JSON: TaskListResponse. */
  apiTasks: '/api/tasks',
  /** JSON: TaskDetailResponse. */
  apiTask: (taskId: string) => `/api/tasks/${encodeURIComponent(taskId)}`,
  /** text/plain: a log, `?tail=BYTES` for its end only. */
  apiLog: (taskId: string, process: string, run: number, stream: 'stdout' | 'stderr') =>
    `/api/tasks/${encodeURIComponent(taskId)}/logs/${encodeURIComponent(process)}/${run}/${stream}`,
} as const;

export const ProcessRunStateSchema = z.enum(['RUNNING', 'SUCCESS', 'FAILED', 'KILLED', 'LOST']);

export const ObservedRunSchema = z
  .object({
    run: z.number().int().nonnegative(),
    state: ProcessRunStateSchema,
    pid: z.number().int(),
    pgid: z.number().int(),
    exitCode: z.number().int().nullable(),
    /** Milliseconds since the epoch. */
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    /** The command line as run, after binding. */
    cmdline: z.string(),
    message: z.string().nullable(),
    /** Paths (on this observer) of the run's logs as text/plain. */
    logs: z.object({ stdout: z.string(), stderr: z.string() }).strict(),
  })
  .strict();
export type ObservedRun = z.infer<typeof ObservedRunSchema>;

export const ObservedProcessSchema = z
  .object({
    name: z.string(),
    /** The command line as configured, templates unbound. */
    cmdline: z.string(),
    daemon: z.boolean(),
    ephemeral: z.boolean(),
    final: z.boolean(),
    maxFailures: z.number().int().nonnegative(),
    /** The state of its latest run; WAITING before the first. */
    state: z.union([ProcessRunStateSchema, z.literal('WAITING')]),
    runs: z.array(ObservedRunSchema),
  })
  .strict();
export type ObservedProcess = z.infer<typeof ObservedProcessSchema>;

export const TaskSummarySchema = z
  .object({
    taskId: z.string(),
    jobKey: JobKeySchema,
    instance: z.number().int().nonnegative(),
    state: ExecutorTaskStateSchema,
    message: z.string().nullable(),
    /** When the agent received the task (ms since the epoch). */
    startedAt: z.number(),
    endedAt: z.number().nullable(),
    processCount: z.number().int().nonnegative(),
    runningProcessCount: z.number().int().nonnegative(),
    ports: z.record(z.string(), z.number().int()),
  })
  .strict();
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const TaskListResponseSchema = z.object({ tasks: z.array(TaskSummarySchema) }).strict();
export type TaskListResponse = z.infer<typeof TaskListResponseSchema>;

export const TaskDetailResponseSchema = TaskSummarySchema.extend({
  host: z.string(),
  sandbox: z.string(),
  resources: ResourcesSpecSchema,
  processes: z.array(ObservedProcessSchema),
}).strict();
export type TaskDetailResponse = z.infer<typeof TaskDetailResponseSchema>;

/** Errors, in the scheduler's shape: `{ error: { code, message } }`. */
export const ObserverErrorCodeSchema = z.enum(['TASK_NOT_FOUND', 'LOG_NOT_FOUND', 'INVALID_PATH', 'INVALID_REQUEST', 'CHECKPOINT_UNREADABLE']);
export type ObserverErrorCode = z.infer<typeof ObserverErrorCodeSchema>;
export const ObserverErrorBodySchema = z
  .object({ error: z.object({ code: ObserverErrorCodeSchema, message: z.string() }).strict() })
  .strict();
export type ObserverErrorBody = z.infer<typeof ObserverErrorBodySchema>;
