import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JobSpec } from '../dsl/jobspec.js';
import type { TaskAssignment } from '../scheduler/api/agent-protocol.js';
import type { TaskRunState } from './core/checkpoint.js';
import { freePort } from './runner/free-port.js';
import { sandboxDir, type LogStream } from './runner/sandbox.js';
import { TaskManager } from './runner/task-manager.js';

/**
 * The executor's one entry for running a task on this machine without a scheduler or an agent
 * daemon (`aurora task run-local`): the task runs as an agent runs it (a sandbox, processes in
 * order with their retries, logs, health checks, the checkpoint), and the caller learns of every
 * change through callbacks. Nothing else of executor/ is for the client.
 */

export type { TaskRunState } from './core/checkpoint.js';
export type { LogStream } from './runner/sandbox.js';

export interface LocalTask {
  readonly taskId: string;
  /** The task's sandbox; it stays once the task ended. */
  readonly sandbox: string;
  /** The port the task got for each port name its job asks for. */
  readonly ports: Readonly<Record<string, number>>;
}

export interface LocalTaskOptions {
  /** Which instance of the job to run (bound to `{{mesos.instance}}`). */
  readonly instance: number;
  /** Where the sandbox goes: `<dataDir>/sandboxes/<taskId>`. */
  readonly dataDir: string;
  /** Between SIGTERM and SIGKILL when the task is killed. */
  readonly killGraceMs: number;
  /** @default `<role>-<environment>-<name>-<instance>-local-<8 hex digits>` */
  readonly taskId?: string;
  /** @default a port free on loopback for each port name the job asks for */
  readonly ports?: Readonly<Record<string, number>>;
  /** Bound to `{{mesos.hostname}}`. @default os.hostname() */
  readonly host?: string;
  /** Called once the task id, sandbox and ports are known, before anything runs. */
  readonly onStart?: (task: LocalTask) => void;
  /** Every change of the task's state: a process started or ended, health, the task's own state. */
  readonly onChange?: (state: TaskRunState) => void;
  /** Each line a process writes, for processes whose logger sends them to the console (`console`, `both`). */
  readonly onOutput?: (process: string, stream: LogStream, line: string) => void;
  /** The executor's own lines about the task (a process that could not start, a kill that failed). */
  readonly onLog?: (line: string) => void;
  /** Aborting kills the task, which then ends KILLED. */
  readonly signal?: AbortSignal;
  /** The kill's message when `signal` aborts. @default 'Interrupted' */
  readonly interruptReason?: string;
}

export interface LocalTaskResult extends LocalTask {
  /** The task's last state: FINISHED, FAILED or KILLED. */
  readonly state: TaskRunState;
}

/** Runs one instance of a compiled job here and resolves once the task ended. */
export async function runTaskLocally(spec: JobSpec, options: LocalTaskOptions): Promise<LocalTaskResult> {
  const { instance } = options;
  if (!Number.isInteger(instance) || instance < 0 || instance >= spec.instances) {
    throw new RangeError(`instance must be 0 to ${spec.instances - 1}, not ${instance}`);
  }
  const key = spec.key;
  const taskId = options.taskId ?? `${key.role}-${key.environment}-${key.name}-${instance}-local-${randomBytes(4).toString('hex')}`;
  const ports: Record<string, number> = {};
  for (const name of spec.ports) ports[name] = options.ports?.[name] ?? (await freePort());
  const assignment: TaskAssignment = { taskId, jobKey: key, instance, ports, job: spec };
  const task: LocalTask = { taskId, sandbox: sandboxDir(options.dataDir, taskId), ports };

  const manager = new TaskManager({
    dataDir: options.dataDir,
    host: options.host ?? hostname(),
    killGraceMs: options.killGraceMs,
    tickMs: 100,
    sampleIntervalMs: 2000,
    gc: null,
    console: (_task, process, stream, line) => options.onOutput?.(process, stream, line),
    log: (line) => options.onLog?.(line),
  });
  const onAbort = () => manager.kill(taskId, options.interruptReason ?? 'Interrupted');
  // The runner's timers are unref'd and its processes detached (an agent must not be held up by
  // them); here the caller has to stay alive until the task ends.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    options.onStart?.(task);
    manager.onChange(() => {
      const state = manager.get(taskId);
      if (state) options.onChange?.(state);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    manager.startMonitoring();
    manager.launch(assignment);
    if (options.signal?.aborted) onAbort();
    const state = await manager.waitFor(taskId);
    return { ...task, state };
  } finally {
    clearInterval(keepAlive);
    options.signal?.removeEventListener('abort', onAbort);
    manager.close();
  }
}
