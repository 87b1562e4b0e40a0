import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import type { AgentTaskReport, TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import type { TaskRunState } from '../core/checkpoint.js';
import { shouldReport, taskReport } from '../core/report.js';
import { readTaskRunState } from './checkpoint-file.js';
import { checkpointPath, isPlainName, sandboxDir, sandboxesDir } from './sandbox.js';
import { TaskRunner } from './task-runner.js';

/**
 * Every task of this agent: launches and kills on the scheduler's word, rebuilds the tasks from
 * their checkpoints when the agent starts, and says what to report.
 */

export interface TaskManagerOptions {
  readonly dataDir: string;
  /** The host name the agent advertises; bound as `{{mesos.hostname}}`. */
  readonly host: string;
  readonly killGraceMs: number;
  /** How long a terminal task is still reported. @default 600000 (10 minutes) */
  readonly retentionMs?: number;
  /** @default 250 */
  readonly tickMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  readonly log?: (line: string) => void;
}

export const DEFAULT_RETENTION_MS = 10 * 60 * 1000;

export class TaskManager {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private launching = true;
  /** Tasks that could not even get a sandbox, reported FAILED from memory. */
  private readonly failedLaunches = new Map<string, { report: AgentTaskReport; at: number }>();

  constructor(private readonly options: TaskManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Calls `listener` after any state change of any task. Returns a function that unsubscribes. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed = (): void => {
    for (const l of this.listeners) l();
  };

  private log(line: string): void {
    this.options.log?.(line);
  }

  private runnerOptions(taskId: string) {
    const o = this.options;
    return {
      sandbox: sandboxDir(o.dataDir, taskId),
      killGraceMs: o.killGraceMs,
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.baseEnv ? { baseEnv: o.baseEnv } : {}),
      ...(o.log ? { log: o.log } : {}),
      onChange: this.changed,
    };
  }

  /** Re-attaches to every task found in the data dir; returns how many still run. */
  async recover(): Promise<number> {
    const dir = sandboxesDir(this.options.dataDir);
    await mkdir(dir, { recursive: true });
    let live = 0;
    for (const taskId of (await readdir(dir)).sort()) {
      if (!isPlainName(taskId) || this.runners.has(taskId)) continue;
      let state: TaskRunState | null;
      try {
        state = await readTaskRunState(checkpointPath(sandboxDir(this.options.dataDir, taskId)));
      } catch (err) {
        this.log(`task ${taskId}: checkpoint unreadable, not recovered: ${(err as Error).message}`);
        continue;
      }
      if (!state) continue;
      const runner = TaskRunner.recover(state, this.runnerOptions(taskId));
      this.runners.set(taskId, runner);
      if (!runner.terminal) {
        live++;
        runner.start();
      }
    }
    if (live > 0) this.log(`re-attached to ${live} running task(s)`);
    return live;
  }

  /** Starts a task; an id this agent already has (running or not) is left alone. */
  launch(assignment: TaskAssignment): void {
    const { taskId } = assignment;
    if (this.runners.has(taskId) || this.failedLaunches.has(taskId)) return;
    if (!this.launching) {
      this.log(`task ${taskId}: not launched, the agent is shutting down`);
      return;
    }
    if (!isPlainName(taskId)) {
      this.log(`refusing task id '${taskId}': it cannot name a sandbox`);
      return;
    }
    const options = this.runnerOptions(taskId);
    if (existsSync(checkpointPath(options.sandbox))) {
      this.log(`task ${taskId}: a sandbox with this id exists already; not launching it again`);
      return;
    }
    this.log(`task ${taskId}: launching`);
    let runner: TaskRunner;
    try {
      runner = TaskRunner.launch(assignment, this.options.host, options);
    } catch (err) {
      const message = `The agent could not set up the task's sandbox: ${(err as Error).message}`;
      this.log(`task ${taskId}: ${message}`);
      this.failedLaunches.set(taskId, {
        report: { taskId, state: 'FAILED', message, health: 'UNKNOWN', ports: { ...assignment.ports } },
        at: this.now(),
      });
      this.changed();
      return;
    }
    this.runners.set(taskId, runner);
    runner.start();
    this.changed();
  }

  /** Kills a task this agent runs; unknown or finished ids are ignored. */
  kill(taskId: string, reason = 'Killed by the scheduler'): void {
    const runner = this.runners.get(taskId);
    if (!runner || runner.terminal) return;
    this.log(`task ${taskId}: killing (${reason})`);
    runner.kill(reason);
  }

  get(taskId: string): TaskRunState | undefined {
    return this.runners.get(taskId)?.state;
  }

  tasks(): TaskRunState[] {
    return [...this.runners.values()].map((r) => r.state);
  }

  /** What to tell the scheduler: every live task, and terminal ones within the retention. */
  reports(): AgentTaskReport[] {
    const retention = this.options.retentionMs ?? DEFAULT_RETENTION_MS;
    const now = this.now();
    const failed = [...this.failedLaunches.values()].filter((f) => now - f.at < retention).map((f) => f.report);
    return [
      ...this.tasks()
        .filter((t) => shouldReport(t, now, retention))
        .map(taskReport),
      ...failed,
    ];
  }

  /** Resolves once the task is terminal. */
  async waitFor(taskId: string): Promise<TaskRunState> {
    const runner = this.runners.get(taskId);
    if (!runner) throw new Error(`no task ${taskId} on this agent`);
    return runner.done;
  }

  /** Kills every live task and waits for them to end; launches no new ones from then on. */
  async killAll(reason: string): Promise<void> {
    this.launching = false;
    const live = [...this.runners.values()].filter((r) => !r.terminal);
    for (const r of live) r.kill(reason);
    await Promise.all(live.map((r) => r.done));
  }

  /** Stops supervising; processes keep running for the next agent to re-attach. */
  close(): void {
    for (const r of this.runners.values()) r.stop();
    this.listeners.clear();
  }
}
