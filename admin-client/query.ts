/**
 * `aurora-admin query [-l FORMAT] [--shards=N,M] [--states=S,...] [--force] CLUSTER [ROLE [JOB]]`:
 * a job's tasks, one line each, as Aurora's admin query prints them. Loaded when it runs.
 */
import type { ScheduledTask, TaskState } from '../scheduler/api/task.js';
import { isTaskState, TASK_STATES, TERMINAL_STATES } from '../client/api/wire.js';
import type { CommandContext } from '../client/cli/context.js';
import { terminalSafe } from '../client/cli/terminal-text.js';
import { InvalidParameterError } from '../client/errors.js';

/** Aurora's default `--listformat`. */
export const DEFAULT_LISTFORMAT = '%role%/%jobName%/%instanceId% %status%';
/** Aurora's default `--states`. */
export const DEFAULT_QUERY_STATES = 'RUNNING';

/**
 * What each `%key%` stands for: Aurora's names (its ScheduledTask flattened: slaveHost,
 * instanceId, jobName, ...) and the short ones (host, shard, name).
 */
const FIELDS: Readonly<Record<string, (t: ScheduledTask) => string>> = {
  taskId: (t) => t.taskId,
  host: (t) => t.host ?? '',
  slaveHost: (t) => t.host ?? '',
  slaveId: (t) => t.agentId ?? '',
  shard: (t) => String(t.instance),
  instanceId: (t) => String(t.instance),
  role: (t) => t.jobKey.role,
  environment: (t) => t.jobKey.environment,
  name: (t) => t.jobKey.name,
  jobName: (t) => t.jobKey.name,
  status: (t) => t.state,
  failureCount: (t) => String(t.failureCount),
};

export function knownPlaceholders(): string[] {
  return Object.keys(FIELDS).map((k) => `%${k}%`);
}

export type ListFormat = (t: ScheduledTask) => string;

/**
 * A `--listformat` as a function of a task: each `%key%` replaced by the task's value, other text
 * as it is. An unknown key is an InvalidParameterError (exit 6) naming the known ones. Pure.
 */
export function parseListFormat(format: string): ListFormat {
  const unknown = [...format.matchAll(/%(\w+)%/g)].map((m) => m[1] ?? '').filter((k) => !Object.hasOwn(FIELDS, k));
  if (unknown.length > 0) {
    throw new InvalidParameterError(
      `unknown ${unknown.length === 1 ? 'placeholder' : 'placeholders'} ${[...new Set(unknown)].map((k) => `%${k}%`).join(', ')} in --listformat; known: ${knownPlaceholders().join(', ')}`,
    );
  }
  return (t) => format.replace(/%(\w+)%/g, (_, k: string) => terminalSafe((FIELDS[k] as (t: ScheduledTask) => string)(t)));
}

/** `--states=RUNNING,PENDING` as states; an unknown one is an InvalidParameterError naming the valid ones. Pure. */
export function parseQueryStates(text: string): TaskState[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidParameterError(`--states is empty; give one or more of ${TASK_STATES.join(', ')}`);
  for (const n of names) {
    if (!isTaskState(n)) throw new InvalidParameterError(`unknown state '${n}'; valid states are ${TASK_STATES.join(', ')}`);
  }
  return [...new Set(names as TaskState[])];
}

/** `--shards=0,2` as instance numbers. Pure. */
export function parseShards(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !/^\d+$/.test(p));
  if (bad.length > 0 || parts.length === 0) throw new InvalidParameterError(`--shards takes instance numbers, comma-separated, such as 0,2; not '${text}'`);
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

export interface QueryArgs {
  readonly cluster: string;
  readonly role?: string | undefined;
  readonly job?: string | undefined;
  readonly listformat: string;
  readonly shards?: string | undefined;
  readonly states: string;
  readonly force: boolean;
}

export async function query(ctx: CommandContext, a: QueryArgs): Promise<void> {
  const format = parseListFormat(a.listformat);
  const states = parseQueryStates(a.states);
  const shards = a.shards === undefined || a.shards === '' ? undefined : parseShards(a.shards);
  // Aurora's guard against expensive queries.
  if (!a.force) {
    if (a.role === undefined) throw new InvalidParameterError('--force is required for expensive queries (no role specified)');
    if (a.job === undefined) throw new InvalidParameterError('--force is required for expensive queries (no job specified)');
    const ended = states.filter((s) => TERMINAL_STATES.has(s));
    if (ended.length > 0) throw new InvalidParameterError(`--force is required for expensive queries (states outside the active ones: ${ended.join(', ')})`);
  }
  const client = ctx.client(a.cluster);
  const tasks = await client.allTasks({
    ...(a.role !== undefined ? { role: a.role } : {}),
    ...(a.job !== undefined ? { name: a.job } : {}),
    ...(shards?.length === 1 ? { instance: shards[0] } : {}),
    states,
    // Ended tasks that are no longer their instance's current one are in the history.
    ...(states.some((s) => TERMINAL_STATES.has(s)) ? { history: true } : {}),
  });
  const wanted = shards ? new Set(shards) : undefined;
  const lines = tasks.filter((t) => !wanted || wanted.has(t.instance)).map(format);
  ctx.outLines(lines);
}
