import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCheckpoint, replayCheckpoint, runningRuns, TERMINAL_TASK_STATES, type TaskRunState } from '../core/checkpoint.js';
import { RESOURCE_SAMPLE_FILE, ResourceSampleSchema, type ResourceSample } from '../core/resource-sample.js';
import { taskLimits } from '../core/resource-usage.js';
import { ApiError } from '../../scheduler/api/errors.js';
import { checkpointPath, isPlainName, sandboxDir, sandboxesDir } from '../runner/sandbox.js';
import {
  OBSERVER_PATHS,
  type ObservedProcess,
  type TaskDetailResponse,
  type TaskListQuery,
  type TaskListResponse,
  type TaskSummary,
} from './api.js';

/**
 * What the observer knows: only what the checkpoints, resource samples and files on disk say. It
 * never talks to the runner, so it shows the same whether the agent is up, restarting or gone.
 */

export interface ObservedTask {
  readonly state: TaskRunState;
  readonly sandbox: string;
  /** The latest resource sample, when the monitor wrote one. */
  readonly sample: ResourceSample | null;
}

interface CachedCheckpoint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly state: TaskRunState;
}

export function isFinished(task: ObservedTask): boolean {
  return TERMINAL_TASK_STATES.has(task.state.state);
}

/** Live tasks first, the latest started first; then finished tasks, the latest ended first. */
export function compareTasks(a: ObservedTask, b: ObservedTask): number {
  const fa = isFinished(a);
  const fb = isFinished(b);
  if (fa !== fb) return fa ? 1 : -1;
  if (fa) return (b.state.endedAt ?? 0) - (a.state.endedAt ?? 0) || a.state.taskId.localeCompare(b.state.taskId);
  return b.state.startedAt - a.state.startedAt || a.state.taskId.localeCompare(b.state.taskId);
}

/**
 * Reads tasks from a data dir. Replayed checkpoints are kept per store (one store per observer
 * app) and reused while the file's size and mtime are unchanged: a checkpoint only ever grows, so
 * a page over 1,000 finished tasks costs a stat per task, not a replay.
 */
export class TaskStore {
  private readonly cache = new Map<string, CachedCheckpoint>();

  constructor(readonly dataDir: string) {}

  /** Every task with a readable checkpoint, sorted by `compareTasks`. */
  async list(): Promise<ObservedTask[]> {
    let ids: string[];
    try {
      ids = await readdir(sandboxesDir(this.dataDir));
    } catch {
      return [];
    }
    const seen = new Set<string>();
    const tasks = await Promise.all(
      ids.filter(isPlainName).map(async (id) => {
        seen.add(id);
        try {
          return await this.read(id);
        } catch {
          // A checkpoint that cannot be read is left out of the list; its page says why.
          return null;
        }
      }),
    );
    for (const id of this.cache.keys()) if (!seen.has(id)) this.cache.delete(id);
    return tasks.filter((t): t is ObservedTask => t !== null).sort(compareTasks);
  }

  /** One task; TASK_NOT_FOUND or CHECKPOINT_UNREADABLE when it cannot be shown. */
  async get(taskId: string): Promise<ObservedTask> {
    if (!isPlainName(taskId)) throw new ApiError('INVALID_PATH', `'${taskId}' is not a task id`);
    let task: ObservedTask | null;
    try {
      task = await this.read(taskId, true);
    } catch (err) {
      // The system's code (EACCES, ELOOP), not its message: that names the file's path on the host.
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ApiError('CHECKPOINT_UNREADABLE', `The checkpoint of task ${taskId} cannot be read: ${why}`);
    }
    if (!task) throw new ApiError('TASK_NOT_FOUND', `No task ${taskId} on this host`);
    return task;
  }

  /** Null when the task has no checkpoint. Samples are read for live tasks, or for all with `anySample`. */
  private async read(taskId: string, anySample = false): Promise<ObservedTask | null> {
    const sandbox = sandboxDir(this.dataDir, taskId);
    const path = checkpointPath(sandbox);
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache.delete(taskId);
        return null;
      }
      throw err;
    }
    let cached = this.cache.get(taskId);
    if (!cached || cached.size !== info.size || cached.mtimeMs !== info.mtimeMs) {
      const text = await readFile(path, 'utf8');
      cached = { size: info.size, mtimeMs: info.mtimeMs, state: replayCheckpoint(parseCheckpoint(text)) };
      this.cache.set(taskId, cached);
    }
    const live = !TERMINAL_TASK_STATES.has(cached.state.state);
    const sample = live || anySample ? await readSample(sandbox) : null;
    return { state: cached.state, sandbox, sample };
  }
}

/** The sample in `<sandbox>/.resources.json`; null when there is none or it does not parse (mid-replace). */
export async function readSample(sandbox: string): Promise<ResourceSample | null> {
  try {
    const parsed = ResourceSampleSchema.safeParse(JSON.parse(await readFile(join(sandbox, RESOURCE_SAMPLE_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The page of tasks a list request asks for, with the counts of each kind. */
export function selectTasks(tasks: readonly ObservedTask[], query: TaskListQuery): TaskListResponse {
  const finished = tasks.filter(isFinished).length;
  const wanted = tasks.filter((t) => query.state === 'all' || (query.state === 'finished') === isFinished(t));
  const page = wanted.slice(query.offset, query.limit === undefined ? undefined : query.offset + query.limit);
  return { tasks: page.map(summarize), counts: { active: tasks.length - finished, finished } };
}

export function summarize(task: ObservedTask): TaskSummary {
  const s = task.state;
  const live = !TERMINAL_TASK_STATES.has(s.state);
  const sample = live ? task.sample : null;
  return {
    taskId: s.taskId,
    jobKey: s.assignment.jobKey,
    instance: s.assignment.instance,
    state: s.state,
    message: s.message,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    processCount: s.assignment.job.task.processes.length,
    runningProcessCount: runningRuns(s).length,
    ports: { ...s.assignment.ports },
    health: s.health,
    healthMessage: s.healthMessage,
    // What the agent limits it to (its usage is shown against this); the job shows what it asked for.
    resources: taskLimits(s.assignment),
    usage: sample ? { at: sample.at, cpu: sample.cpu, rssBytes: sample.rssBytes, diskBytes: sample.diskBytes, enforcement: sample.enforcement } : null,
  };
}

export function detail(task: ObservedTask): TaskDetailResponse {
  const s = task.state;
  const processes: ObservedProcess[] = s.assignment.job.task.processes.map((p) => {
    const runs = s.processes[p.name] ?? [];
    const latest = runs[runs.length - 1];
    return {
      name: p.name,
      cmdline: p.cmdline,
      daemon: p.daemon,
      ephemeral: p.ephemeral,
      final: p.final,
      maxFailures: p.maxFailures,
      state: latest?.state ?? 'WAITING',
      runs: runs.map((r) => ({
        run: r.run,
        state: r.state,
        pid: r.pid,
        pgid: r.pgid,
        exitCode: r.exitCode,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        cmdline: r.cmdline,
        message: r.message,
        logs: {
          stdout: OBSERVER_PATHS.log(s.taskId, p.name, r.run, 'stdout'),
          stderr: OBSERVER_PATHS.log(s.taskId, p.name, r.run, 'stderr'),
        },
      })),
      usage: latest?.state === 'RUNNING' ? (task.sample?.processes[p.name] ?? null) : null,
    };
  });
  return {
    ...summarize(task),
    host: s.host,
    sandbox: task.sandbox,
    processes,
    sample: task.sample,
    job: s.assignment.job,
  };
}
