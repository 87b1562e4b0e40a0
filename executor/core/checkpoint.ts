import { z } from 'zod';
import { ExecutorTaskStateSchema, TaskAssignmentSchema, type ExecutorTaskState, type TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import { HealthSchema, type Health } from '../../scheduler/api/task.js';
import { upgradeJobSpecJson } from '../../dsl/jobspec-upgrade.js';
import { MAX_COMMAND_BYTES } from '../../dsl/jobspec.js';
import type { ProcessRunState, RunSummary, TaskOutcome } from './process-plan.js';

/**
 * The checkpoint stream of one task: one JSON record a line in `<sandbox>/.checkpoint.jsonl`,
 * appended by the runner at every task and process state change. The first record carries the
 * assignment, so the stream alone is enough to rebuild the task. Replay is pure.
 */

export const CHECKPOINT_VERSION = 1;

const at = z.number();

export const AssignedRecordSchema = z
  .object({
    type: z.literal('ASSIGNED'),
    at,
    version: z.literal(CHECKPOINT_VERSION),
    /** The host name the agent advertised (bound as `{{mesos.hostname}}`). */
    host: z.string(),
    assignment: TaskAssignmentSchema,
    /** The hash the scheduler named the job spec by, so a restarted agent need not fetch it again. */
    specHash: z.string().optional(),
  })
  .strict();

export const TaskStateRecordSchema = z
  .object({
    type: z.literal('TASK_STATE'),
    at,
    state: ExecutorTaskStateSchema,
    message: z.string().nullable(),
    /** On KILLING: the agent kills the task for a failure (health check, resource limit), so it ends FAILED. */
    failure: z.boolean().optional(),
  })
  .strict();

/** The regular processes are over; only final processes run from here, and the task ends as `outcome`. */
export const FinalizingRecordSchema = z
  .object({
    type: z.literal('FINALIZING'),
    at,
    outcome: z.object({ state: z.enum(['FINISHED', 'FAILED', 'KILLED']), reason: z.string() }).strict(),
  })
  .strict();

export const ProcessStartedRecordSchema = z
  .object({
    type: z.literal('PROCESS_STARTED'),
    at,
    process: z.string(),
    run: z.number().int().nonnegative(),
    pid: z.number().int().positive(),
    /** The process group every process of the run is in; signals go to it. */
    pgid: z.number().int().positive(),
    /** The command line after binding. */
    cmdline: z.string(),
    /**
     * The wrapper's start time in clock ticks since boot (/proc/<pid>/stat field 22): a
     * re-attaching agent compares it so that a reused pid is not taken for the run.
     */
    startTicks: z.number().int().nonnegative().optional(),
    /** The Unix user the run runs as, when the agent switched to the role's user. */
    user: z.string().optional(),
  })
  .strict();

export const ProcessEndedRecordSchema = z
  .object({
    type: z.literal('PROCESS_ENDED'),
    at,
    process: z.string(),
    run: z.number().int().nonnegative(),
    state: z.enum(['SUCCESS', 'FAILED', 'KILLED', 'LOST']),
    /** The exit status, 128+N for a signal; null when it is not known. */
    exitCode: z.number().int().nullable(),
    message: z.string().nullable(),
  })
  .strict();

/** The task's health changed (written on changes only, not on every check). */
export const HealthRecordSchema = z
  .object({ type: z.literal('HEALTH'), at, health: HealthSchema, message: z.string().nullable() })
  .strict();

/**
 * The scheduler recorded how the (ended) task ended: the agent stops reporting it, also after a
 * restart. Written after the terminal TASK_STATE, at most once.
 */
export const AcknowledgedRecordSchema = z.object({ type: z.literal('ACKNOWLEDGED'), at }).strict();

export const CheckpointRecordSchema = z.discriminatedUnion('type', [
  HealthRecordSchema,
  AcknowledgedRecordSchema,
  AssignedRecordSchema,
  TaskStateRecordSchema,
  FinalizingRecordSchema,
  ProcessStartedRecordSchema,
  ProcessEndedRecordSchema,
]);
export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;
export type AssignedRecord = z.infer<typeof AssignedRecordSchema>;

export interface ProcessRun extends RunSummary {
  /** 0 for the first run, as the log directory `.logs/<process>/<run>/` names it. */
  readonly run: number;
  readonly pid: number;
  readonly pgid: number;
  readonly cmdline: string;
  readonly message: string | null;
  /** See ProcessStartedRecordSchema.startTicks; absent in older checkpoints. */
  readonly startTicks?: number;
}

export const TERMINAL_TASK_STATES: ReadonlySet<ExecutorTaskState> = new Set(['FINISHED', 'FAILED', 'KILLED']);

export interface TaskRunState {
  readonly taskId: string;
  readonly assignment: TaskAssignment;
  readonly host: string;
  readonly state: ExecutorTaskState;
  readonly message: string | null;
  /** When the assignment arrived. */
  readonly startedAt: number;
  /** When the task became terminal. */
  readonly endedAt: number | null;
  /** Time of the last record. */
  readonly updatedAt: number;
  /** The kill reason, once the task was asked to die; `state` FAILED when the agent killed it for a failure. */
  readonly killRequested: { readonly reason: string; readonly at: number; readonly state?: 'KILLED' | 'FAILED' } | null;
  readonly finalizing: { readonly since: number; readonly outcome: TaskOutcome } | null;
  /** Every process of the spec by name, with its runs oldest first. */
  readonly processes: Readonly<Record<string, readonly ProcessRun[]>>;
  /** UNKNOWN until a health check has answered (or when the task has none). */
  readonly health: Health;
  /** What the last health change said ("GET /health answered 500"). */
  readonly healthMessage: string | null;
  /** The hash the scheduler named the job spec by, when the checkpoint recorded it. */
  readonly specHash: string | null;
  /** When the agent learned that the scheduler recorded the task's end; null until then. */
  readonly acknowledgedAt: number | null;
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/**
 * Parses the text of a checkpoint file. A torn last line (the writer died mid-append) is dropped;
 * any other line that does not parse is an error.
 */
export function parseCheckpoint(text: string): CheckpointRecord[] {
  const lines = text.split('\n');
  const records: CheckpointRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (isLast) return;
      throw new CheckpointError(`checkpoint line ${i + 1} is not JSON`);
    }
    const { json: checked, restore } = setAsideLongCommands(upgradeAssigned(json));
    const parsed = CheckpointRecordSchema.safeParse(checked);
    if (!parsed.success) {
      if (isLast) return;
      throw new CheckpointError(`checkpoint line ${i + 1}: ${parsed.error.issues.map((x) => x.message).join('; ')}`);
    }
    records.push(restore(parsed.data));
  });
  return records;
}

/**
 * The scheduler refuses command lines and shell checks over MAX_COMMAND_BYTES, but a task an
 * older scheduler assigned may hold one, and its processes may run: its checkpoint must stay
 * readable, or the task would be lost track of. Such commands are set aside while the record is
 * checked and put back after; the runner then fails what cannot start, with the reason.
 */
function setAsideLongCommands(json: unknown): { json: unknown; restore: (r: CheckpointRecord) => CheckpointRecord } {
  const keep = { json, restore: (r: CheckpointRecord) => r };
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== 'ASSIGNED') return keep;
  const job = (json as { assignment?: { job?: unknown } }).assignment?.job as
    | { task?: { processes?: unknown }; healthCheck?: { checker?: { kind?: unknown; command?: unknown } } }
    | undefined;
  if (typeof job !== 'object' || job === null) return keep;
  const tooLong = (s: unknown): s is string => typeof s === 'string' && Buffer.byteLength(s) > MAX_COMMAND_BYTES;
  const processes = Array.isArray(job.task?.processes) ? (job.task.processes as unknown[]) : [];
  const longCmdlines = new Map<number, string>();
  processes.forEach((p, i) => {
    const cmdline = (p as { cmdline?: unknown } | null)?.cmdline;
    if (tooLong(cmdline)) longCmdlines.set(i, cmdline);
  });
  const checker = job.healthCheck?.checker;
  const longCheck = checker?.kind === 'shell' && tooLong(checker.command) ? checker.command : null;
  if (longCmdlines.size === 0 && longCheck === null) return keep;
  const record = json as { assignment: { job: Record<string, unknown> } };
  const shortJob: Record<string, unknown> = {
    ...job,
    task: { ...job.task, processes: processes.map((p, i) => (longCmdlines.has(i) ? { ...(p as object), cmdline: 'true' } : p)) },
    ...(longCheck !== null ? { healthCheck: { ...job.healthCheck, checker: { ...checker, command: 'true' } } } : {}),
  };
  return {
    json: { ...record, assignment: { ...record.assignment, job: shortJob } },
    restore: (r) => {
      if (r.type !== 'ASSIGNED') return r;
      const j = r.assignment.job;
      const task = { ...j.task, processes: j.task.processes.map((p, i) => ({ ...p, cmdline: longCmdlines.get(i) ?? p.cmdline })) };
      const healthCheck =
        longCheck !== null && j.healthCheck.checker.kind === 'shell' ? { ...j.healthCheck, checker: { ...j.healthCheck.checker, command: longCheck } } : j.healthCheck;
      return { ...r, assignment: { ...r.assignment, job: { ...j, task, healthCheck } } };
    },
  };
}

/** A task assigned before update strategies keeps its checkpoint readable across an agent upgrade. */
function upgradeAssigned(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || (json as { type?: unknown }).type !== 'ASSIGNED') return json;
  const record = json as { assignment?: unknown };
  if (typeof record.assignment !== 'object' || record.assignment === null) return json;
  const assignment = record.assignment as { job?: unknown };
  return { ...record, assignment: { ...assignment, job: upgradeJobSpecJson(assignment.job) } };
}

/** One line of the stream, newline included. */
export function formatRecord(record: CheckpointRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Rebuilds a task from its records. Throws CheckpointError if the stream does not begin with ASSIGNED. */
export function replayCheckpoint(records: readonly CheckpointRecord[]): TaskRunState {
  const first = records[0];
  if (first?.type !== 'ASSIGNED') throw new CheckpointError('checkpoint does not begin with the task assignment');
  const processes: Record<string, ProcessRun[]> = {};
  for (const p of first.assignment.job.task.processes) processes[p.name] = [];
  let state: TaskRunState = {
    taskId: first.assignment.taskId,
    assignment: first.assignment,
    host: first.host,
    state: 'STARTING',
    message: null,
    startedAt: first.at,
    endedAt: null,
    updatedAt: first.at,
    killRequested: null,
    finalizing: null,
    processes,
    health: 'UNKNOWN',
    healthMessage: null,
    specHash: first.specHash ?? null,
    acknowledgedAt: null,
  };
  for (const r of records.slice(1)) state = apply(state, r);
  return state;
}

/** The task after one more record. */
export function apply(state: TaskRunState, r: CheckpointRecord): TaskRunState {
  const next = { ...state, updatedAt: Math.max(state.updatedAt, r.at) };
  switch (r.type) {
    case 'ASSIGNED':
      return next;
    case 'TASK_STATE': {
      const terminal = TERMINAL_TASK_STATES.has(r.state);
      return {
        ...next,
        state: r.state,
        message: r.message ?? state.message,
        endedAt: terminal ? r.at : state.endedAt,
        killRequested:
          r.state === 'KILLING' && !state.killRequested
            ? { reason: r.message ?? 'Task killed', at: r.at, state: r.failure ? 'FAILED' : 'KILLED' }
            : state.killRequested,
      };
    }
    case 'FINALIZING':
      return { ...next, finalizing: { since: r.at, outcome: r.outcome } };
    case 'HEALTH':
      return { ...next, health: r.health, healthMessage: r.message };
    case 'ACKNOWLEDGED':
      return { ...next, acknowledgedAt: state.acknowledgedAt ?? r.at };
    case 'PROCESS_STARTED': {
      const run: ProcessRun = {
        run: r.run,
        state: 'RUNNING',
        pid: r.pid,
        pgid: r.pgid,
        cmdline: r.cmdline,
        ...(r.startTicks !== undefined ? { startTicks: r.startTicks } : {}),
        startedAt: r.at,
        endedAt: null,
        exitCode: null,
        message: null,
      };
      const runs = (state.processes[r.process] ?? []).filter((x) => x.run !== r.run);
      return { ...next, processes: { ...state.processes, [r.process]: [...runs, run] } };
    }
    case 'PROCESS_ENDED': {
      const runs = state.processes[r.process] ?? [];
      const updated = runs.map((x) =>
        x.run === r.run ? { ...x, state: r.state as ProcessRunState, endedAt: r.at, exitCode: r.exitCode, message: r.message } : x,
      );
      return { ...next, processes: { ...state.processes, [r.process]: updated } };
    }
  }
}

/** The runs of one process that is running now, if any. */
export function runningRuns(state: TaskRunState): { process: string; run: ProcessRun }[] {
  return Object.entries(state.processes).flatMap(([process, runs]) =>
    runs.filter((r) => r.state === 'RUNNING').map((run) => ({ process, run })),
  );
}
