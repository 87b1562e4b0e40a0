import { createReadStream, type ReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { runningRuns, TERMINAL_TASK_STATES, type TaskRunState } from '../core/checkpoint.js';
import { readTaskRunState } from '../runner/checkpoint-file.js';
import { checkpointPath, isPlainName, logPath, LOG_STREAMS, sandboxDir, sandboxesDir, type LogStream } from '../runner/sandbox.js';
import { OBSERVER_PATHS, type ObservedProcess, type ObserverErrorCode, type TaskDetailResponse, type TaskSummary } from './api.js';

/**
 * What the observer knows: only what the checkpoints and log files on disk say. It never talks
 * to the runner, so it shows the same whether the agent is up, restarting or gone.
 */

export class ObserverError extends Error {
  override readonly name = 'ObserverError';
  constructor(
    readonly code: ObserverErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): number {
    if (this.code === 'CHECKPOINT_UNREADABLE') return 500;
    return this.code === 'TASK_NOT_FOUND' || this.code === 'LOG_NOT_FOUND' ? 404 : 400;
  }
}

export interface ObservedTask {
  readonly state: TaskRunState;
  readonly sandbox: string;
}

export async function listTasks(dataDir: string): Promise<ObservedTask[]> {
  let ids: string[];
  try {
    ids = await readdir(sandboxesDir(dataDir));
  } catch {
    return [];
  }
  const tasks: ObservedTask[] = [];
  for (const id of ids) {
    if (!isPlainName(id)) continue;
    const sandbox = sandboxDir(dataDir, id);
    try {
      const state = await readTaskRunState(checkpointPath(sandbox));
      if (state) tasks.push({ state, sandbox });
    } catch {
      // A checkpoint that cannot be read is left out of the list; its page says why.
    }
  }
  // Live tasks first, then the most recent.
  return tasks.sort((a, b) => {
    const live = Number(TERMINAL_TASK_STATES.has(a.state.state)) - Number(TERMINAL_TASK_STATES.has(b.state.state));
    return live !== 0 ? live : b.state.startedAt - a.state.startedAt;
  });
}

export async function getTask(dataDir: string, taskId: string): Promise<ObservedTask> {
  if (!isPlainName(taskId)) throw new ObserverError('INVALID_PATH', `'${taskId}' is not a task id`);
  const sandbox = sandboxDir(dataDir, taskId);
  let state: TaskRunState | null;
  try {
    state = await readTaskRunState(checkpointPath(sandbox));
  } catch (err) {
    throw new ObserverError('CHECKPOINT_UNREADABLE', `The checkpoint of task ${taskId} cannot be read: ${(err as Error).message}`);
  }
  if (!state) throw new ObserverError('TASK_NOT_FOUND', `No task ${taskId} on this host`);
  return { state, sandbox };
}

export function summarize(task: ObservedTask): TaskSummary {
  const s = task.state;
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
  };
}

export function detail(task: ObservedTask): TaskDetailResponse {
  const s = task.state;
  const processes: ObservedProcess[] = s.assignment.job.task.processes.map((p) => {
    const runs = s.processes[p.name] ?? [];
    return {
      name: p.name,
      cmdline: p.cmdline,
      daemon: p.daemon,
      ephemeral: p.ephemeral,
      final: p.final,
      maxFailures: p.maxFailures,
      state: runs[runs.length - 1]?.state ?? 'WAITING',
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
    };
  });
  return {
    ...summarize(task),
    host: s.host,
    sandbox: task.sandbox,
    resources: s.assignment.job.task.resources,
    processes,
  };
}

export interface LogRef {
  readonly taskId: string;
  readonly process: string;
  readonly run: string;
  readonly stream: string;
}

/**
 * The file of a log, checked: each path component must be a plain name, and the file must
 * resolve (symlinks followed) inside the task's sandbox.
 */
export async function resolveLog(dataDir: string, ref: LogRef): Promise<{ path: string; task: ObservedTask; stream: LogStream }> {
  for (const [what, value] of [
    ['task id', ref.taskId],
    ['process', ref.process],
    ['run', ref.run],
    ['stream', ref.stream],
  ] as const) {
    if (!isPlainName(value)) throw new ObserverError('INVALID_PATH', `'${value}' is not a valid ${what}`);
  }
  if (!/^\d+$/.test(ref.run)) throw new ObserverError('INVALID_PATH', `'${ref.run}' is not a run number`);
  if (!(LOG_STREAMS as readonly string[]).includes(ref.stream)) {
    throw new ObserverError('INVALID_PATH', `'${ref.stream}' is not a log stream: use stdout or stderr`);
  }
  const stream = ref.stream as LogStream;
  const task = await getTask(dataDir, ref.taskId);
  if (!(ref.process in task.state.processes)) {
    throw new ObserverError('LOG_NOT_FOUND', `Task ${ref.taskId} has no process ${ref.process}`);
  }
  const wanted = logPath(task.sandbox, ref.process, ref.run, stream);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    throw new ObserverError('LOG_NOT_FOUND', `No ${stream} for run ${ref.run} of process ${ref.process}`);
  }
  const root = await realpath(task.sandbox);
  if (!real.startsWith(root + sep)) throw new ObserverError('INVALID_PATH', 'That log is outside the task sandbox');
  return { path: real, task, stream };
}

/** The last `bytes` bytes of a file (all of it if shorter), as text. */
export async function readTail(path: string, bytes: number): Promise<{ text: string; truncated: boolean; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return { text: buffer.toString('utf8'), truncated: length < size, size };
  } finally {
    await handle.close();
  }
}

/** The whole file as a stream. */
export async function readWhole(path: string): Promise<ReadStream> {
  await stat(path);
  return createReadStream(path);
}
