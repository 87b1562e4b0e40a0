import { z } from 'zod';

/**
 * `aurora task run`, `aurora task scp` and `aurora task ssh` through the scheduler. A user asks
 * the scheduler (authenticated and authorized like any write to the job); the scheduler queues a
 * command for the task's agent and wakes its held sync; the agent runs it in the task's sandbox,
 * as the task's user, and posts the result back on an agent route; the scheduler answers the
 * user. The agent takes no request from a user itself. Everything is bounded: the command line,
 * the time, the output, the file size and the commands queued per agent.
 */

/** The longest command line: the limit of command lines in job specs (a shell reads it as one argument). */
export const MAX_TASK_COMMAND_BYTES = 64 * 1024;
/** How long a command may run unless the request says otherwise; then it is killed (its process group). */
export const DEFAULT_TASK_COMMAND_TIMEOUT_MS = 60_000;
export const MAX_TASK_COMMAND_TIMEOUT_MS = 10 * 60_000;
/** Output kept per instance (stdout and stderr together, as they came); the rest is dropped and the answer says so. */
export const MAX_TASK_COMMAND_OUTPUT_BYTES = 1024 * 1024;
/** The largest file `aurora task scp` copies, either way. */
export const MAX_TASK_FILE_BYTES = 16 * 1024 * 1024;
/** Commands queued for one agent or running on it, at most; more are refused with AGENT_BUSY. */
export const MAX_COMMANDS_PER_AGENT = 16;
/** A path in a sandbox as a request names it. */
export const MAX_TASK_PATH_BYTES = 4096;

/** Base64 of at most `bytes` bytes. */
const base64Of = (bytes: number) =>
  z
    .string()
    .max(Math.ceil(bytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const TaskPathSchema = z.string().max(MAX_TASK_PATH_BYTES);
/** A file's permission bits (as `stat` gives them, 0 to 0o7777). */
const ModeSchema = z.number().int().min(0).max(0o7777);

// ---- the user's side ---------------------------------------------------------------------

export const RunTaskCommandRequestSchema = z
  .object({
    /**
     * A shell command line (bash -c), with Aurora's bindings: {{thermos.ports[NAME]}},
     * {{mesos.instance}}, {{mesos.hostname}}, {{thermos.task_id}}, and the older %port:NAME%,
     * %shard_id%, %task_id%, %host%.
     */
    command: z.string().min(1).refine((c) => Buffer.byteLength(c, 'utf8') <= MAX_TASK_COMMAND_BYTES, `the command line must be at most ${MAX_TASK_COMMAND_BYTES} bytes`),
    /** @default DEFAULT_TASK_COMMAND_TIMEOUT_MS */
    timeoutMs: z.number().int().positive().max(MAX_TASK_COMMAND_TIMEOUT_MS).optional(),
  })
  .strict();
export type RunTaskCommandRequest = z.infer<typeof RunTaskCommandRequestSchema>;

/** Which task of the instance the answer is about, and where it runs. */
const TaskWhereSchema = z.object({
  instance: z.number().int().nonnegative(),
  taskId: z.string(),
  host: z.string(),
});

export const RunTaskCommandResponseSchema = TaskWhereSchema.extend({
  /** The command's exit status (128+N after signal N), or null when it was killed for its time. */
  exitCode: z.number().int().nullable(),
  /** stdout and stderr together, as UTF-8 text, at most MAX_TASK_COMMAND_OUTPUT_BYTES. */
  output: z.string(),
  /** Output was cut at the limit. */
  truncated: z.boolean(),
  /** The command ran out of time and was killed. */
  timedOut: z.boolean(),
}).strict();
export type RunTaskCommandResponse = z.infer<typeof RunTaskCommandResponseSchema>;

export const ReadTaskFileRequestSchema = z.object({ path: TaskPathSchema }).strict();
export type ReadTaskFileRequest = z.infer<typeof ReadTaskFileRequestSchema>;

export const ReadTaskFileResponseSchema = TaskWhereSchema.extend({
  /** The file's path relative to the sandbox. */
  path: z.string(),
  size: z.number().int().nonnegative(),
  mode: ModeSchema,
  /** The file's bytes, base64. */
  data: base64Of(MAX_TASK_FILE_BYTES),
}).strict();
export type ReadTaskFileResponse = z.infer<typeof ReadTaskFileResponseSchema>;

export const WriteTaskFileRequestSchema = z
  .object({
    /** Where in the sandbox ('' is the sandbox itself). A directory takes the file under `name`. */
    path: TaskPathSchema,
    /** The file's own name (its source's), used when `path` is a directory. */
    name: z.string().min(1).max(255).regex(/^[^/\0]+$/, 'must be one file name').refine((n) => n !== '.' && n !== '..', 'must be a file name'),
    data: base64Of(MAX_TASK_FILE_BYTES),
    /** @default 0o644 */
    mode: ModeSchema.optional(),
  })
  .strict();
export type WriteTaskFileRequest = z.infer<typeof WriteTaskFileRequestSchema>;

export const WriteTaskFileResponseSchema = TaskWhereSchema.extend({
  /** Where the file went, relative to the sandbox. */
  path: z.string(),
  size: z.number().int().nonnegative(),
}).strict();
export type WriteTaskFileResponse = z.infer<typeof WriteTaskFileResponseSchema>;

/** Where an instance's task runs, for `aurora task ssh`. */
export const TaskSandboxResponseSchema = TaskWhereSchema.extend({
  /** The Unix user the task runs as (its role) and `ssh` logs in as by default. */
  user: z.string(),
  /** The sandbox's absolute path on the host, or null when the agent did not say (an older agent). */
  sandbox: z.string().nullable(),
  ports: z.record(z.string(), z.number().int()),
}).strict();
export type TaskSandboxResponse = z.infer<typeof TaskSandboxResponseSchema>;

// ---- the agent's side ---------------------------------------------------------------------

/** What the scheduler asks an agent to do in one of its tasks' sandboxes (in a sync's answer). */
export const AgentCommandSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('run'),
      commandId: z.string(),
      taskId: z.string(),
      command: z.string(),
      timeoutMs: z.number().int().positive(),
      maxOutputBytes: z.number().int().positive(),
    })
    .strict(),
  z.object({ kind: z.literal('read'), commandId: z.string(), taskId: z.string(), path: z.string(), maxBytes: z.number().int().positive() }).strict(),
  /** The bytes are fetched from the scheduler (PATHS.agentCommandUpload), so syncs stay small. */
  z
    .object({
      kind: z.literal('write'),
      commandId: z.string(),
      taskId: z.string(),
      path: z.string(),
      name: z.string(),
      mode: ModeSchema,
      size: z.number().int().nonnegative(),
    })
    .strict(),
]);
export type AgentCommand = z.infer<typeof AgentCommandSchema>;

/** Why an agent could not do a command. */
export const AgentCommandErrorCodeSchema = z.enum([
  /** The agent runs no such live task. */
  'TASK_NOT_FOUND',
  /** The path leaves the sandbox ('..', an absolute path elsewhere, a symlink out) or is malformed. */
  'INVALID_PATH',
  'PATH_NOT_FOUND',
  /** A directory where a file was wanted. */
  'NOT_A_FILE',
  'FILE_TOO_LARGE',
  /** A binding in the command has no value in this task ({{thermos.ports[x]}} of a port it lacks). */
  'UNBOUND_TEMPLATE',
  /** Anything else (the command could not start, the disk is full). */
  'FAILED',
]);
export type AgentCommandErrorCode = z.infer<typeof AgentCommandErrorCodeSchema>;

export const AgentCommandResultSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('run'),
      exitCode: z.number().int().nullable(),
      output: z.string(),
      truncated: z.boolean(),
      timedOut: z.boolean(),
    })
    .strict(),
  z.object({ kind: z.literal('read'), path: z.string(), size: z.number().int().nonnegative(), mode: ModeSchema, data: base64Of(MAX_TASK_FILE_BYTES) }).strict(),
  z.object({ kind: z.literal('write'), path: z.string(), size: z.number().int().nonnegative() }).strict(),
  z.object({ kind: z.literal('error'), code: AgentCommandErrorCodeSchema, message: z.string().max(4096) }).strict(),
]);
export type AgentCommandResult = z.infer<typeof AgentCommandResultSchema>;

export const AgentCommandUploadResponseSchema = z.object({ data: base64Of(MAX_TASK_FILE_BYTES) }).strict();
export type AgentCommandUploadResponse = z.infer<typeof AgentCommandUploadResponseSchema>;

/** Bodies that carry a file (base64) with room for the JSON around it. */
export const FILE_BODY_LIMIT = Math.ceil(MAX_TASK_FILE_BYTES / 3) * 4 + 64 * 1024;
