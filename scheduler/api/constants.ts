/**
 * Plain values of the scheduler's contract, without zod, for code that must start fast (the
 * CLI's warm path): the schemas in task.ts and jobs-api.ts are built from these.
 */

/** Aurora's ScheduleStatus, in the order of a task's life. */
export const TASK_STATES = [
  'PENDING',
  'THROTTLED',
  'ASSIGNED',
  'STARTING',
  'RUNNING',
  'KILLING',
  'RESTARTING',
  'PREEMPTING',
  'DRAINING',
  /** On an agent the scheduler cannot reach; replaced per the job's partition policy. */
  'PARTITIONED',
  'FINISHED',
  'FAILED',
  'KILLED',
  'LOST',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['FINISHED', 'FAILED', 'KILLED', 'LOST']);

/** States in which a task holds resources on an agent (PARTITIONED: as far as anyone knows). */
export const ACTIVE_ON_AGENT_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'ASSIGNED',
  'STARTING',
  'RUNNING',
  'KILLING',
  'RESTARTING',
  'PREEMPTING',
  'DRAINING',
  'PARTITIONED',
]);

/** The longest a `GET job?since=` waits, whatever `waitMs` asks for. */
export const MAX_JOB_WAIT_MS = 30_000;

/** Page size of task listings unless `limit` says otherwise, and the most one page holds. */
export const DEFAULT_TASK_PAGE = 1000;
export const MAX_TASK_PAGE = 10_000;
/** The most task ids one `taskId=` filter may name. */
export const MAX_TASK_IDS_PER_QUERY = 1000;

/**
 * The header a client (the CLI, a script) sends with every state-changing call, so that a page of
 * another origin cannot make a browser send one (browsers send it only with CORS, which the
 * scheduler does not grant). A JSON content type is accepted in its place.
 */
export const CLIENT_HEADER = 'x-aurora-client';

/**
 * Headers of every answer of the scheduler and the observer (one product, one policy): no
 * content sniffing, no framing, pages load only their own resources; the only scripts a page
 * may run are its own files and the inline scripts whose hashes are given
 * (`sha256-<base64>`).
 */
export function securityHeaders(inlineScriptHashes: readonly string[] = []): Record<string, string> {
  const scripts = ["'self'", ...inlineScriptHashes.map((h) => `'${h}'`)].join(' ');
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': `default-src 'self'; script-src ${scripts}; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    'referrer-policy': 'same-origin',
  };
}
