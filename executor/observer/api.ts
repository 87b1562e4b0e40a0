import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema, ResourcesSpecSchema } from '../../dsl/jobspec.js';
import { ExecutorTaskStateSchema } from '../../scheduler/api/agent-protocol.js';
import { HealthSchema } from '../../scheduler/api/task.js';
import { ProcessUsageSchema, ResourceSampleSchema } from '../core/resource-sample.js';

/**
 * The observer's JSON API: what it serves under `/api`, for tests, tools and the scheduler UI's
 * links. Everything here is read from checkpoints, the resource sample and files in sandboxes.
 * docs/OBSERVER.md describes every route.
 */

type Stream = 'stdout' | 'stderr';
const enc = encodeURIComponent;
const logTail = (process: string, run: number, stream: Stream) => `${enc(process)}/${run}/${stream}`;
const pathQuery = (path: string) => (path === '' ? '' : `?path=${enc(path)}`);

export const OBSERVER_PATHS = {
  /** HTML: the tasks on this host; `?finished=all` lists every finished task, not only the latest. */
  index: '/',
  /** HTML: one task with its processes, runs, resources, health, config and log tails. */
  task: (taskId: string) => `/task/${enc(taskId)}`,
  /** text/plain: a log, `?tail=BYTES` for its end only, `?download=1` as an attachment. */
  log: (taskId: string, process: string, run: number, stream: Stream) => `/task/${enc(taskId)}/logs/${logTail(process, run, stream)}`,
  /** HTML: a log's tail that follows as the process writes. */
  logPage: (taskId: string, process: string, run: number, stream: Stream) => `/task/${enc(taskId)}/tail/${logTail(process, run, stream)}`,
  /** HTML: the sandbox browser, a directory listing or a file's text (`path` relative to the sandbox). */
  files: (taskId: string, path = '') => `/task/${enc(taskId)}/files${pathQuery(path)}`,
  /** The bytes of a sandbox file as an attachment. */
  download: (taskId: string, path: string) => `/task/${enc(taskId)}/download${pathQuery(path)}`,
  /** JSON: TaskListResponse; `?state=active|finished`, `?limit=N&offset=N`. */
  apiTasks: '/api/tasks',
  /** JSON: TaskDetailResponse. */
  apiTask: (taskId: string) => `/api/tasks/${enc(taskId)}`,
  /** text/plain: a log, `?tail=BYTES` for its end only. */
  apiLog: (taskId: string, process: string, run: number, stream: Stream) => `/api/tasks/${enc(taskId)}/logs/${logTail(process, run, stream)}`,
  /** JSON: LogDataResponse, a byte range of a log (`?offset=&length=`; no offset: the tail). */
  apiLogData: (taskId: string, process: string, run: number, stream: Stream) =>
    `/api/tasks/${enc(taskId)}/logdata/${logTail(process, run, stream)}`,
  /** JSON: SandboxListingResponse. */
  apiFiles: (taskId: string, path = '') => `/api/tasks/${enc(taskId)}/files${pathQuery(path)}`,
  /** JSON: FileDataResponse, a byte range of a sandbox file (`?path=&offset=&length=`). */
  apiFileData: (taskId: string, path: string) => `/api/tasks/${enc(taskId)}/filedata${pathQuery(path)}`,
} as const;

/** Bytes a byte-range read returns when the request names no length, and the most it may ask. */
export const DEFAULT_READ_LENGTH = 64 * 1024;
export const MAX_READ_LENGTH = 1024 * 1024;

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
    /** Its use at the latest resource sample; null when it was not running then or nothing was sampled. */
    usage: ProcessUsageSchema.nullable(),
  })
  .strict();
export type ObservedProcess = z.infer<typeof ObservedProcessSchema>;

/** The task's use at the latest sample, without the per-process breakdown. */
export const TaskUsageSchema = ResourceSampleSchema.omit({ processes: true });
export type TaskUsage = z.infer<typeof TaskUsageSchema>;

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
    /** UNKNOWN until a health check answered. */
    health: HealthSchema,
    healthMessage: z.string().nullable(),
    /**
     * What the task holds and is limited to: its resources and the executor allowance of its
     * launch (its JobSpec has what it asked for).
     */
    resources: ResourcesSpecSchema,
    /** The latest resource sample of a live task; null for a finished task or when none was taken. */
    usage: TaskUsageSchema.nullable(),
  })
  .strict();
export type TaskSummary = z.infer<typeof TaskSummarySchema>;

export const TaskListResponseSchema = z
  .object({
    tasks: z.array(TaskSummarySchema),
    /** How many tasks of each kind the host has, whatever the filter and page. */
    counts: z.object({ active: z.number().int().nonnegative(), finished: z.number().int().nonnegative() }).strict(),
  })
  .strict();
export type TaskListResponse = z.infer<typeof TaskListResponseSchema>;

/** A query parameter given at most once (twice is a bad request). */
const once = (name: string) => z.string({ error: `give ${name} once` }).optional();

export const TaskParamsSchema = z.object({ taskId: z.string() }).strict();
export type TaskParams = z.infer<typeof TaskParamsSchema>;

/** A run's log: `:taskId/:process/:run/:stream`, checked against the sandbox when it is read. */
export const LogParamsSchema = z.object({ taskId: z.string(), process: z.string(), run: z.string(), stream: z.string() }).strict();
export type LogParams = z.infer<typeof LogParamsSchema>;

/** `?tail=BYTES` (the end of the log only) and `?download` (as an attachment, on the page route). */
export const LogQuerySchema = z.object({ tail: once('tail'), download: once('download') });
export type LogQuery = z.infer<typeof LogQuerySchema>;

/** `?offset=&length=` of a byte-range read, in bytes; no offset is the tail. */
export const ByteRangeQuerySchema = z.object({ offset: once('offset'), length: once('length') });
export type ByteRangeQuery = z.infer<typeof ByteRangeQuerySchema>;

/** `?path=` relative to the task's sandbox ('' or absent: the sandbox itself). */
export const SandboxPathQuerySchema = z.object({ path: once('path') });
export type SandboxPathQuery = z.infer<typeof SandboxPathQuerySchema>;

export const FileDataQuerySchema = SandboxPathQuerySchema.extend(ByteRangeQuerySchema.shape);
export type FileDataQuery = z.infer<typeof FileDataQuerySchema>;

/** The tasks page: `?job=TEXT` keeps the tasks whose key or id holds TEXT, `?finished=all` lists every finished one. */
export const TasksPageQuerySchema = z.object({ job: once('job'), finished: once('finished') });
export type TasksPageQuery = z.infer<typeof TasksPageQuerySchema>;

export const TaskListQuerySchema = z
  .object({
    state: z.enum(['active', 'finished', 'all']).default('all'),
    limit: z.coerce.number().int().min(1).optional(),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type TaskListQuery = z.infer<typeof TaskListQuerySchema>;

export const TaskDetailResponseSchema = TaskSummarySchema.extend({
  host: z.string(),
  sandbox: z.string(),
  processes: z.array(ObservedProcessSchema),
  /** The full latest sample, per process too. */
  sample: ResourceSampleSchema.nullable(),
  /** The compiled JobSpec the task was assigned with. */
  job: JobSpecSchema,
}).strict();
export type TaskDetailResponse = z.infer<typeof TaskDetailResponseSchema>;

/** A byte range of a file, decoded as UTF-8 (a range never ends inside a character). */
export const ByteRangeSchema = z
  .object({
    /** Where `data` begins in the file. */
    offset: z.number().int().nonnegative(),
    /** Where `data` ends: the offset to ask for next. */
    next: z.number().int().nonnegative(),
    /** The file's size when it was read. */
    size: z.number().int().nonnegative(),
    data: z.string(),
  })
  .strict();
export type ByteRange = z.infer<typeof ByteRangeSchema>;

export const LogDataResponseSchema = ByteRangeSchema.extend({
  /** The state of the run the log belongs to: a follower stops once it is no longer RUNNING. */
  runState: ProcessRunStateSchema,
}).strict();
export type LogDataResponse = z.infer<typeof LogDataResponseSchema>;

export const SandboxEntrySchema = z
  .object({
    name: z.string(),
    /** Relative to the sandbox, `/`-separated. */
    path: z.string(),
    /** A symlink is listed as one; following it outside the sandbox is refused. */
    type: z.enum(['directory', 'file', 'symlink', 'other']),
    size: z.number().int().nonnegative(),
    /** Last modification, ms since the epoch. */
    mtime: z.number(),
  })
  .strict();
export type SandboxEntry = z.infer<typeof SandboxEntrySchema>;

export const SandboxListingResponseSchema = z
  .object({
    taskId: z.string(),
    /** The directory listed, relative to the sandbox ('' is the sandbox itself). */
    path: z.string(),
    /** Directories first, then by name. */
    entries: z.array(SandboxEntrySchema),
    /** True when the directory holds more entries than listed. */
    truncated: z.boolean(),
  })
  .strict();
export type SandboxListingResponse = z.infer<typeof SandboxListingResponseSchema>;

export const FileDataResponseSchema = ByteRangeSchema.extend({ taskId: z.string(), path: z.string() }).strict();
export type FileDataResponse = z.infer<typeof FileDataResponseSchema>;

/*
 * Errors are the scheduler's: one catalog (scheduler/api/errors.ts, ApiErrorBodySchema), one body
 * `{ error: { code, message, details? } }`. The observer answers TASK_NOT_FOUND, LOG_NOT_FOUND,
 * PATH_NOT_FOUND, INVALID_PATH, INVALID_REQUEST, CHECKPOINT_UNREADABLE, NOT_FOUND and INTERNAL.
 */
