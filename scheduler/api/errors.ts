import { z } from 'zod';

/**
 * One catalog of error codes and their HTTP status, for the scheduler, the agent's observer and
 * their clients alike.
 */
export const API_ERRORS = {
  INVALID_REQUEST: 400,
  INVALID_JOB_SPEC: 400,
  WRONG_CLUSTER: 400,
  UNAUTHENTICATED: 401,
  /** An agent without the cluster's agent secret, with a token not its own, or a replayed sync. */
  AGENT_UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  /** A state-changing request from a page of another origin (or without JSON or the client header). */
  CROSS_SITE_REQUEST: 403,
  JOB_NOT_FOUND: 404,
  AGENT_UNKNOWN: 404,
  SPEC_NOT_FOUND: 404,
  NOT_FOUND: 404,
  JOB_EXISTS: 409,
  /** A production job would hold more than its role's quota; the message has the numbers. */
  INSUFFICIENT_QUOTA: 400,
  CRON_JOB_NEEDS_CRON_COMMAND: 400,
  /** The job has an active update already; the message names it. */
  UPDATE_IN_PROGRESS: 409,
  /** The job has no active update (pause, resume, abort, rollback, pulse, or reading the active one). */
  NO_ACTIVE_UPDATE: 404,
  UPDATE_NOT_FOUND: 404,
  /** The action does not apply to the update in its status (resume of an update that is not paused, say). */
  INVALID_UPDATE_ACTION: 409,
  CRON_JOB_NOT_FOUND: 404,
  /** `aurora cron schedule` of a job without a cron schedule, or of a name a plain job has. */
  NOT_A_CRON_JOB: 400,
  /** aurora task run|scp|ssh: the instance has no task running on an agent now (PENDING, ended, or not on its agent). */
  TASK_NOT_RUNNING: 409,
  /** A file over the size `aurora task scp` copies. */
  FILE_TOO_LARGE: 413,
  /** The task's agent cannot take the command: LOST, too old, or with too many commands queued. */
  AGENT_UNAVAILABLE: 503,
  /** The task's agent did not answer in time (the command may still have run). */
  AGENT_TIMEOUT: 504,
  /** The task's agent tried and could not (the disk is full, the command could not start). */
  AGENT_FAILED: 502,
  /** An agent's answer to a command the scheduler no longer waits for, or that is not its own. */
  COMMAND_NOT_FOUND: 404,
  /** The request body is over the route's limit. */
  BODY_TOO_LARGE: 413,
  /** The observer: no task with this id on the agent's host. */
  TASK_NOT_FOUND: 404,
  /** The observer: the task has no such process, run or log. */
  LOG_NOT_FOUND: 404,
  /** The observer: no such file or directory in the task's sandbox. */
  PATH_NOT_FOUND: 404,
  /** The observer: a path that is absolute, holds '..' or a NUL, or leads outside the task's sandbox. */
  INVALID_PATH: 400,
  /** The observer: the task's checkpoint cannot be read. */
  CHECKPOINT_UNREADABLE: 500,
  /** No backup of that name in the backup dir (or no backup dir). */
  BACKUP_NOT_FOUND: 404,
  /** The backup cannot be restored: damaged, of another cluster, or of a newer format; the message says which. */
  INVALID_BACKUP: 400,
  /** A backup could not be written (a full disk, an unwritable dir). */
  BACKUP_FAILED: 500,
  /** A recovery is staged already (stage), or being staged. */
  RECOVERY_CONFLICT: 409,
  /** The recovery verbs need a staged backup first. */
  NO_RECOVERY_STAGED: 409,
  /** A recovery was committed: the scheduler is starting again from the store and takes no changes meanwhile. */
  RECOVERING: 503,
  INTERNAL: 500,
  /** The store could not commit the change (a full disk, say); nothing of it was kept. */
  STORAGE_UNAVAILABLE: 503,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export const ApiErrorBodySchema = z
  .object({
    error: z
      .object({
        code: z.string(),
        message: z.string(),
        /** Field-level problems (path and message) for INVALID_* codes. */
        details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      })
      .strict(),
  })
  .strict();
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
  }
  get status(): number {
    return API_ERRORS[this.code];
  }
  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
