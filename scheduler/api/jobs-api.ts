import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';
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
    /** Count of the job's current tasks by state. */
    taskCounts: z.partialRecord(TaskStateSchema, z.number().int()),
  })
  .strict();
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const CreateJobResponseSchema = z.object({ job: JobSummarySchema, taskIds: z.array(z.string()) }).strict();
export type CreateJobResponse = z.infer<typeof CreateJobResponseSchema>;

export const ListJobsResponseSchema = z.object({ jobs: z.array(JobSummarySchema) }).strict();
export type ListJobsResponse = z.infer<typeof ListJobsResponseSchema>;

export const JobDetailSchema = z
  .object({
    summary: JobSummarySchema,
    spec: JobSpecSchema,
    /** The current task of each instance, plus finished history, newest first per instance. */
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

export const ListTasksResponseSchema = z.object({ tasks: z.array(ScheduledTaskSchema) }).strict();
export type ListTasksResponse = z.infer<typeof ListTasksResponseSchema>;

export const HealthResponseSchema = z.object({ status: z.literal('OK'), cluster: z.string(), version: z.string() }).strict();
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
