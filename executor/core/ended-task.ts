import type { AgentTaskReport, ExecutorTaskState } from '../../scheduler/api/agent-protocol.js';
import type { Health } from '../../scheduler/api/task.js';
import { CheckpointError, TERMINAL_TASK_STATES } from './checkpoint.js';

/**
 * What an agent keeps of a task that had ended before it started: enough to report it until the
 * scheduler acknowledges it, and to collect its sandbox. Read from the checkpoint without
 * validating and replaying the whole stream (the assignment holds the whole job spec), because an
 * agent may find thousands of them at every start. Pure.
 */
export interface EndedTask {
  readonly taskId: string;
  readonly state: 'FINISHED' | 'FAILED' | 'KILLED';
  readonly message: string | null;
  readonly health: Health;
  readonly ports: Readonly<Record<string, number>>;
  readonly endedAt: number | null;
  /** When the agent learned the scheduler recorded the end (an ACKNOWLEDGED record); null if it did not. */
  readonly acknowledgedAt: number | null;
  /** The hash the scheduler named the spec by, when the checkpoint has it. */
  readonly specHash: string | null;
}

const HEALTH = new Set(['UNKNOWN', 'HEALTHY', 'UNHEALTHY']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The ended task a checkpoint describes, with its job spec as written (not validated: the caller
 * validates the few it keeps), or 'live' when the task has not ended (replay it fully then).
 * Throws CheckpointError where a full parse would: a line that is not JSON (a torn last line is
 * dropped), a stream that does not begin with the assignment, or fields of the wrong type among
 * those read here.
 */
export function readEndedTask(text: string): { readonly task: EndedTask; readonly job: unknown } | 'live' {
  const lines = text.split('\n');
  while (lines.length > 0 && (lines[lines.length - 1] as string).trim() === '') lines.pop();
  let state: ExecutorTaskState | null = null;
  let message: string | null = null;
  let endedAt: number | null = null;
  let health: Health = 'UNKNOWN';
  let acknowledgedAt: number | null = null;
  let first: Record<string, unknown> | null = null;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break;
      throw new CheckpointError(`checkpoint line ${i + 1} is not JSON`);
    }
    if (!isObject(r) || typeof r.type !== 'string' || !isTime(r.at)) throw new CheckpointError(`checkpoint line ${i + 1} is not a record`);
    if (first === null) {
      if (r.type !== 'ASSIGNED') throw new CheckpointError('checkpoint does not begin with the task assignment');
      first = r;
      continue;
    }
    switch (r.type) {
      case 'TASK_STATE': {
        if (typeof r.state !== 'string' || !(r.message === null || typeof r.message === 'string')) {
          throw new CheckpointError(`checkpoint line ${i + 1}: bad task state`);
        }
        state = r.state as ExecutorTaskState;
        message = r.message ?? message;
        if (TERMINAL_TASK_STATES.has(state)) endedAt = r.at;
        break;
      }
      case 'HEALTH':
        if (typeof r.health !== 'string' || !HEALTH.has(r.health)) throw new CheckpointError(`checkpoint line ${i + 1}: bad health`);
        health = r.health as Health;
        break;
      case 'ACKNOWLEDGED':
        acknowledgedAt ??= r.at;
        break;
      default:
        break;
    }
  }
  if (first === null) throw new CheckpointError('checkpoint does not begin with the task assignment');
  if (state === null || !TERMINAL_TASK_STATES.has(state)) return 'live';
  const assignment = first.assignment;
  if (!isObject(assignment) || typeof assignment.taskId !== 'string' || !isObject(assignment.ports)) {
    throw new CheckpointError('checkpoint line 1: bad assignment');
  }
  const ports: Record<string, number> = {};
  for (const [name, port] of Object.entries(assignment.ports)) {
    if (!Number.isInteger(port)) throw new CheckpointError(`checkpoint line 1: bad port ${name}`);
    ports[name] = port as number;
  }
  const task: EndedTask = {
    taskId: assignment.taskId,
    state: state as EndedTask['state'],
    message,
    health,
    ports,
    endedAt,
    acknowledgedAt,
    specHash: typeof first.specHash === 'string' ? first.specHash : null,
  };
  return { task, job: assignment.job };
}

/** The report of an ended task. */
export function endedTaskReport(task: EndedTask): AgentTaskReport {
  return { taskId: task.taskId, state: task.state, message: task.message, health: task.health, ports: { ...task.ports } };
}
