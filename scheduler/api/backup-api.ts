import { z } from 'zod';
import { TaskStateSchema } from './task.js';

/** Backups and recovery (aurora_admin scheduler_backup_now, scheduler_*_recovery): requests and answers. */

const CountsSchema = z
  .object({
    specs: z.number().int(),
    jobs: z.number().int(),
    tasks: z.number().int(),
    agents: z.number().int(),
    quotas: z.number().int(),
    updates: z.number().int(),
    cronJobs: z.number().int(),
    maintenance: z.number().int(),
  })
  .strict();

export const BackupSummarySchema = z
  .object({
    /** `scheduler-backup-YYYY-MM-DD-HH-mm`, the id the recovery verbs take. */
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    createdAt: z.number(),
    counts: CountsSchema,
  })
  .strict();
export type BackupSummary = z.infer<typeof BackupSummarySchema>;

export const BackupNowResponseSchema = z.object({ backup: BackupSummarySchema }).strict();
export type BackupNowResponse = z.infer<typeof BackupNowResponseSchema>;

export const ListBackupsResponseSchema = z
  .object({ backups: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative() }).strict()) })
  .strict();
export type ListBackupsResponse = z.infer<typeof ListBackupsResponseSchema>;

export const StageRecoveryRequestSchema = z.object({ backup: z.string().min(1).max(200) }).strict();
export type StageRecoveryRequest = z.infer<typeof StageRecoveryRequestSchema>;

export const RecoveryStatusSchema = z
  .object({
    staged: z
      .object({ backup: z.string(), createdAt: z.number(), writtenBy: z.string(), counts: CountsSchema })
      .strict()
      .nullable(),
  })
  .strict();
export type RecoveryStatus = z.infer<typeof RecoveryStatusSchema>;

/** `a,b,c` in a query string. */
const commaSeparated = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

export const RecoveryTasksQuerySchema = z
  .object({
    taskIds: commaSeparated.pipe(z.array(z.string()).max(10_000)).optional(),
    role: z.string().optional(),
    environment: z.string().optional(),
    name: z.string().optional(),
    /** Default: the states that are not ended (what Aurora's scheduler_print_recovery_tasks lists). */
    states: commaSeparated.pipe(z.array(TaskStateSchema)).optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional(),
  })
  .strict();
export type RecoveryTasksQuery = z.infer<typeof RecoveryTasksQuerySchema>;

export const RecoveryTaskSchema = z
  .object({
    taskId: z.string(),
    role: z.string(),
    environment: z.string(),
    name: z.string(),
    instance: z.number().int(),
    state: TaskStateSchema,
    host: z.string().nullable(),
  })
  .strict();

export const RecoveryTasksResponseSchema = z
  .object({ backup: z.string(), total: z.number().int(), tasks: z.array(RecoveryTaskSchema) })
  .strict();
export type RecoveryTasksResponse = z.infer<typeof RecoveryTasksResponseSchema>;

export const DeleteRecoveryTasksRequestSchema = z.object({ taskIds: z.array(z.string().min(1)).min(1).max(10_000) }).strict();
export type DeleteRecoveryTasksRequest = z.infer<typeof DeleteRecoveryTasksRequestSchema>;

export const DeleteRecoveryTasksResponseSchema = z.object({ deleted: z.array(z.string()), missing: z.array(z.string()) }).strict();
export type DeleteRecoveryTasksResponse = z.infer<typeof DeleteRecoveryTasksResponseSchema>;

export const SnapshotResponseSchema = z.object({ message: z.string() }).strict();
export type SnapshotResponse = z.infer<typeof SnapshotResponseSchema>;
