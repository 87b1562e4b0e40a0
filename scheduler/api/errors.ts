import { z } from 'zod';

/** One catalog of the scheduler's error codes, their HTTP status, for server and client alike. */
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
  /** The request body is over the route's limit. */
  BODY_TOO_LARGE: 413,
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
