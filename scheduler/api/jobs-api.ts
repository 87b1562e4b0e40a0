import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';
import { MAX_TASK_IDS_PER_QUERY, MAX_TASK_PAGE } from './constants.js';
import { ScheduledTaskSchema, TaskStateSchema } from './task.js';

/** Request and response bodies of the scheduler's `/api/v1` job and task routes. */

export const CreateJobRequestSchema = z.object({ spec: JobSpecSchema }).strict();
export type CreateJobRequest = z.infer<typeof CreateJobRequestSchema>;

export const JobSummarySchema = z
  .object({
    key: JobKeySchema,
    instances: z.number().int(),
    service: z.boolean(),
    cronSchedule: z.string().nullable(),
    specHash: z.string(),
    createdAt: z.number(),
    /**
     * Changes whenever the job or one of its tasks changes. Opaque: compare it for equality only
     * (a restarted scheduler numbers anew). `GET job?since=version&waitMs=N` waits for a change.
     */
    version: z.number().int(),
    /** Count of the job's current tasks by state. */
    taskCounts: z.partialRecord(TaskStateSchema, z.number().int()),
  })
  .strict();
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const CreateJobResponseSchema = z.object({ job: JobSummarySchema, taskIds: z.array(z.string()) }).strict();
export type CreateJobResponse = z.infer<typeof CreateJobResponseSchema>;

export const ListJobsResponseSchema = z.object({ jobs: z.array(JobSummarySchema) }).strict();

/** `true`/`false` in a query string. */
const queryFlag = z.enum(['true', 'false']).transform((v) => v === 'true');

export { DEFAULT_TASK_PAGE, MAX_JOB_WAIT_MS, MAX_TASK_IDS_PER_QUERY, MAX_TASK_PAGE } from './constants.js';

export const GetJobQuerySchema = z
  .object({
    /** Also list the job's ended tasks that are no longer current (bounded by the scheduler's history limits). */
    history: queryFlag.optional(),
    /** With `waitMs`: answer once the job's `version` differs from this, or when the wait is over. */
    since: z.coerce.number().int().optional(),
    waitMs: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();
export type GetJobQuery = z.infer<typeof GetJobQuerySchema>;


const stateList = z
  .string()
  .describe('One task state or several, comma-separated: PENDING,ASSIGNED')
  .transform((s) => s.split(','))
  .pipe(z.array(TaskStateSchema));

export const ListTasksQuerySchema = z
  .object({
    role: z.string().optional(),
    environment: z.string().optional(),
    name: z.string().optional(),
    instance: z.coerce.number().int().nonnegative().optional(),
    state: stateList.optional(),
    taskId: z
      .string()
      .describe(`Task ids, comma-separated (at most ${MAX_TASK_IDS_PER_QUERY})`)
      .transform((s) => s.split(',').filter((id) => id !== ''))
      .pipe(z.array(z.string()).max(MAX_TASK_IDS_PER_QUERY, `at most ${MAX_TASK_IDS_PER_QUERY} task ids per query`))
      .optional(),
    /**
     * Also list ended tasks that are no longer the current task of their instance, and the tasks
     * of removed jobs. Without it a listing holds each live job's current tasks only.
     */
    history: queryFlag.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_TASK_PAGE).optional(),
    offset: z.coerce.number().int().nonnegative().optional(),
  })
  .strict();
export type ListTasksQuery = z.infer<typeof ListTasksQuerySchema>;
export type ListJobsResponse = z.infer<typeof ListJobsResponseSchema>;

export const JobDetailSchema = z
  .object({
    summary: JobSummarySchema,
    spec: JobSpecSchema,
    /** The current task of each instance; with `history=true` also its earlier ended tasks, newest first per instance. */
    tasks: z.array(ScheduledTaskSchema),
  })
  .strict();
export type JobDetail = z.infer<typeof JobDetailSchema>;

export const GetJobResponseSchema = z.object({ job: JobDetailSchema }).strict();
export type GetJobResponse = z.infer<typeof GetJobResponseSchema>;

export const KillJobRequestSchema = z
  .object({
    /** Instances to kill; absent kills every instance and removes the job. */
    instances: z.array(z.number().int().nonnegative()).optional(),
    message: z.string().optional(),
  })
  .strict();
export type KillJobRequest = z.infer<typeof KillJobRequestSchema>;

export const KillJobResponseSchema = z
  .object({
    /** Tasks that are now KILLING or KILLED. */
    killed: z.array(z.string()),
    /** True when no instance is left and the job was removed. */
    jobRemoved: z.boolean(),
  })
  .strict();
export type KillJobResponse = z.infer<typeof KillJobResponseSchema>;

export const ListTasksResponseSchema = z
  .object({
    /** One page, sorted by job, instance, newest task first. */
    tasks: z.array(ScheduledTaskSchema),
    /** How many tasks match, over all pages. */
    total: z.number().int().nonnegative(),
  })
  .strict();
export type ListTasksResponse = z.infer<typeof ListTasksResponseSchema>;

export const HealthResponseSchema = z.object({ status: z.literal('OK'), cluster: z.string(), version: z.string() }).strict();
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/**
 * `aurora-admin prune_tasks`: deletes ended tasks from the history (Aurora's pruneTasks), the
 * oldest first, an instance's last ended task included; a job left with no task goes with them.
 */
export const PruneTasksRequestSchema = z
  .object({
    /** Ended states only; absent means every ended state. */
    states: z.array(TaskStateSchema).optional(),
    role: z.string().optional(),
    environment: z.string().optional(),
    name: z.string().optional(),
    /** The most tasks to prune, oldest first. */
    limit: z.number().int().positive().optional(),
  })
  .strict();
export type PruneTasksRequest = z.infer<typeof PruneTasksRequestSchema>;

export const PruneTasksResponseSchema = z
  .object({
    pruned: z.number().int().nonnegative(),
    taskIds: z.array(z.string()),
  })
  .strict();
export type PruneTasksResponse = z.infer<typeof PruneTasksResponseSchema>;
