import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AgentTaskReport, TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import { TERMINAL_TASK_STATES, type TaskRunState } from '../core/checkpoint.js';
import { selectReports } from '../core/report.js';
import { MAX_ENDED_REPORTS_PER_SYNC } from '../../scheduler/api/agent-protocol.js';
import { sandboxesToCollect, type GcPolicy, type SandboxInfo } from '../core/sandbox-gc.js';
import { TaskCgroup, type CgroupSupport } from './cgroups.js';
import { readTaskRunState } from './checkpoint-file.js';
import type { DockerEngine } from './docker.js';
import { DirectLauncher, type ProcessLauncher } from './process-launcher.js';
import type { LogStream } from './sandbox.js';
import { ResourceMonitor, diskUsage } from './resource-monitor.js';
import { checkpointPath, isPlainName, sandboxDir, sandboxesDir } from './sandbox.js';
import { SpawnHelper } from './spawn-helper.js';
import { TaskRunner, type TaskRunnerOptions } from './task-runner.js';
import { canSwitchUser, lookupUser, type UnixUser } from './users.js';

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
  /** Run each task as its role's Unix user when the agent is root and the user exists. @default false */
  readonly runAsRole?: boolean;
  /** Per-task cgroups; null (or absent) leaves the limits to the resource monitor. */
  readonly cgroups?: CgroupSupport | null;
  /** Whether this host has a Docker engine. @default none */
  readonly docker?: DockerEngine;
  /** Where `console`/`both` loggers' lines go. @default none (dropped) */
  readonly console?: (taskId: string, process: string, stream: LogStream, line: string) => void;
  /** How often the resource monitor samples (and enforces) once `startMonitoring` ran. @default 5000 */
  readonly sampleIntervalMs?: number;
  /** Sandbox garbage collection once `startMonitoring` ran; null turns it off. @default DEFAULT_GC */
  readonly gc?: (GcPolicy & { readonly intervalMs: number }) | null;
  /** Run the jobs' health checks. @default true */
  readonly healthChecks?: boolean;
  /**
   * Start processes through the spawn helper (spawn-helper.ts) rather than by forking the agent.
   * @default true on Linux
   */
  readonly spawnHelper?: boolean;
  /** Processes the spawn helper forks ahead for bursts of launches. @default DEFAULT_SPARES (16) */
  readonly spawnSpares?: number;
  /** How processes are started; overrides `spawnHelper` (tests). */
  readonly launcher?: ProcessLauncher;
}

/** The first directory above `dir` that other users cannot pass through, or null. */
function closedAncestor(dir: string): string | null {
  for (let d = dirname(dir); ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return d;
    } catch {
      return d;
    }
    if (d === dirname(d)) return null;
  }
}

export const DEFAULT_RETENTION_MS = 10 * 60 * 1000;

const TERMINAL_REPORT_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** Finished sandboxes go after 3 days, or sooner when all sandboxes hold more than 10 GiB; looked at every minute. */
export const DEFAULT_GC = { maxAgeMs: 3 * 24 * 3600 * 1000, maxTotalBytes: 10 * 1024 ** 3, intervalMs: 60_000 } as const;

export class TaskManager {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private launching = true;
  /** Tasks that could not even get a sandbox, reported FAILED from memory. */
  private readonly failedLaunches = new Map<string, { report: AgentTaskReport; at: number }>();
  /** Ended tasks the scheduler has recorded; they are no longer reported. */
  private readonly acknowledged = new Set<string>();
  private monitor: ResourceMonitor | null = null;
  private gcTimer: NodeJS.Timeout | null = null;
  private collecting: Promise<string[]> | null = null;
  /** The environment processes inherit, read once: process.env is slow to copy at every start. */
  private readonly baseEnv: Readonly<Record<string, string>>;
  readonly launcher: ProcessLauncher;

  constructor(private readonly options: TaskManagerOptions) {
    this.now = options.now ?? Date.now;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.baseEnv ?? process.env)) if (v !== undefined) env[k] = v;
    this.baseEnv = env;
    const useHelper = (options.spawnHelper ?? true) && process.platform === 'linux';
    this.launcher =
      options.launcher ??
      (useHelper
        ? new SpawnHelper({ env, log: (l) => this.log(l), ...(options.spawnSpares !== undefined ? { spares: options.spawnSpares } : {}) })
        : new DirectLauncher());
  }

  /** How limits are enforced on this agent, as the resource samples say it. */
  get enforcement(): 'cgroup-v1' | 'cgroup-v2' | 'monitor' {
    const c = this.options.cgroups;
    return c ? (c.version === 'v1' ? 'cgroup-v1' : 'cgroup-v2') : 'monitor';
  }

  /** Starts the resource monitor and the sandbox garbage collector. */
  startMonitoring(): void {
    if (!this.monitor) {
      this.monitor = new ResourceMonitor({
        intervalMs: this.options.sampleIntervalMs ?? 5000,
        tasks: () => [...this.runners.values()].filter((r) => !r.terminal),
        log: (l) => this.log(l),
        ...(this.options.now ? { now: this.options.now } : {}),
      });
      this.monitor.start();
    }
    const gc = this.options.gc === undefined ? DEFAULT_GC : this.options.gc;
    if (gc && !this.gcTimer) {
      this.gcTimer = setInterval(() => void this.collectGarbage().catch((err: unknown) => this.log(`sandbox gc failed: ${(err as Error).message}`)), gc.intervalMs);
      this.gcTimer.unref();
    }
  }

  /** One resource sample of every live task now (tests; the monitor does it on its own). */
  async sampleResources(): Promise<void> {
    await this.monitor?.sample();
  }

  /** The Unix user a task of `role` runs as, or null for the agent's own. */
  private userFor(role: string): UnixUser | null {
    if (!this.options.runAsRole || !this.switchUsers || !canSwitchUser()) return null;
    return lookupUser(role);
  }

  /** A recovered task's cgroups, or null when it has none. */
  private existingCgroup(taskId: string): TaskCgroup | null {
    const support = this.options.cgroups;
    if (!support) return null;
    const cgroup = new TaskCgroup(support, taskId);
    return existsSync(cgroup.dirs[0] as string) ? cgroup : null;
  }

  /** Makes a new task's cgroups; resolves to null when there are none (the monitor enforces then). */
  private newCgroup(assignment: TaskAssignment, user: UnixUser | null): Promise<TaskCgroup | null> | null {
    const support = this.options.cgroups;
    if (!support) return null;
    const cgroup = new TaskCgroup(support, assignment.taskId);
    return cgroup.createAsync(assignment.job.task.resources, user).then(
      () => cgroup,
      (err: unknown) => {
        this.log(`task ${assignment.taskId}: no cgroup (${(err as Error).message}); the monitor enforces its limits`);
        cgroup.destroy();
        return null;
      },
    );
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

  private runnerOptions(taskId: string, extra: Partial<TaskRunnerOptions> = {}): TaskRunnerOptions {
    const o = this.options;
    const sink = o.console;
    return {
      sandbox: sandboxDir(o.dataDir, taskId),
      killGraceMs: o.killGraceMs,
      ...(o.tickMs !== undefined ? { tickMs: o.tickMs } : {}),
      ...(o.now ? { now: o.now } : {}),
      baseEnv: this.baseEnv,
      launcher: this.launcher,
      ...(o.log ? { log: o.log } : {}),
      ...(o.docker ? { docker: o.docker } : {}),
      ...(o.healthChecks !== undefined ? { healthChecks: o.healthChecks } : {}),
      console: sink ? (process, stream, line) => sink(taskId, process, stream, line) : null,
      onChange: this.changed,
      ...extra,
    };
  }

  private prepared = false;
  private switchUsers = true;

  /** With users switched, every sandbox's parents must let the task's user through. */
  private prepareDataDir(): void {
    if (this.prepared) return;
    this.prepared = true;
    const dir = sandboxesDir(this.options.dataDir);
    mkdirSync(dir, { recursive: true });
    if (!this.options.runAsRole || !canSwitchUser()) return;
    const closed = closedAncestor(resolve(this.options.dataDir));
    if (closed) {
      this.switchUsers = false;
      this.log(`tasks run as the agent's user: ${closed} does not let other users through (chmod o+x it to run tasks as their roles)`);
      return;
    }
    for (const d of [this.options.dataDir, dir]) {
      const mode = statSync(d).mode & 0o777;
      if ((mode & 0o001) === 0) chmodSync(d, mode | 0o001);
    }
  }

  /** Re-attaches to every task found in the data dir; returns how many still run. */
  async recover(): Promise<number> {
    const dir = sandboxesDir(this.options.dataDir);
    this.prepareDataDir();
    // An agent that starts: the spawn helper gets ready (and forks its spares) before launches come.
    this.launcher.start();
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
      const terminal = TERMINAL_TASK_STATES.has(state.state);
      const user = terminal ? null : this.userFor(state.assignment.jobKey.role);
      const cgroup = terminal ? null : this.existingCgroup(taskId);
      const runner = TaskRunner.recover(state, this.runnerOptions(taskId, { runAs: user, cgroup }));
      this.runners.set(taskId, runner);
      if (!runner.terminal) {
        live++;
        runner.start();
      }
    }
    if (live > 0) this.log(`re-attached to ${live} running task(s)`);
    return live;
  }

  /**
   * Starts a task; an id this agent already has (running or not) is left alone. `specHash` is the
   * hash the scheduler named its spec by (kept in the checkpoint for a restarted agent).
   */
  launch(assignment: TaskAssignment, specHash?: string): void {
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
    if (existsSync(checkpointPath(sandboxDir(this.options.dataDir, taskId)))) {
      this.log(`task ${taskId}: a sandbox with this id exists already; not launching it again`);
      return;
    }
    this.log(`task ${taskId}: launching`);
    let runner: TaskRunner;
    try {
      this.prepareDataDir();
      const user = this.userFor(assignment.jobKey.role);
      const cgroup = this.newCgroup(assignment, user);
      runner = TaskRunner.launch(assignment, this.options.host, this.runnerOptions(taskId, { runAs: user, cgroup }), specHash);
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

  /**
   * What to tell the scheduler: every live task, and ended ones until the scheduler acknowledges
   * them (within the retention), a bounded number per sync.
   */
  reports(): AgentTaskReport[] {
    const retention = this.options.retentionMs ?? DEFAULT_RETENTION_MS;
    const now = this.now();
    const reports = selectReports(this.tasks(), now, retention, this.acknowledged);
    const room = MAX_ENDED_REPORTS_PER_SYNC - reports.filter((r) => TERMINAL_REPORT_STATES.has(r.state)).length;
    const failed = [...this.failedLaunches.values()]
      .filter((f) => now - f.at < retention && !this.acknowledged.has(f.report.taskId))
      .slice(0, Math.max(0, room))
      .map((f) => f.report);
    return [...reports, ...failed];
  }

  /** The scheduler recorded these ended tasks; ids of live or unknown tasks are ignored. */
  acknowledge(taskIds: readonly string[]): void {
    for (const id of taskIds) {
      const runner = this.runners.get(id);
      if ((runner && runner.terminal) || this.failedLaunches.has(id)) this.acknowledged.add(id);
    }
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

  /**
   * Deletes the sandboxes of finished tasks by age and total disk use (see core/sandbox-gc.ts);
   * a running task's sandbox is never touched. Resolves to the task ids collected.
   */
  collectGarbage(policy?: GcPolicy): Promise<string[]> {
    const gc = policy ?? (this.options.gc === undefined ? DEFAULT_GC : this.options.gc);
    if (!gc) return Promise.resolve([]);
    this.collecting ??= this.collect(gc).finally(() => (this.collecting = null));
    return this.collecting;
  }

  private async collect(policy: GcPolicy): Promise<string[]> {
    const dir = sandboxesDir(this.options.dataDir);
    const infos: SandboxInfo[] = [];
    for (const taskId of await readdir(dir).catch(() => [] as string[])) {
      if (!isPlainName(taskId)) continue;
      const sandbox = sandboxDir(this.options.dataDir, taskId);
      let state: TaskRunState | null | undefined = this.runners.get(taskId)?.state;
      if (!state) state = await readTaskRunState(checkpointPath(sandbox)).catch(() => null);
      // Without a readable checkpoint nobody can tell whether it runs: leave it.
      if (!state) continue;
      const terminal = TERMINAL_TASK_STATES.has(state.state);
      infos.push({ taskId, terminal, endedAt: terminal ? state.endedAt : null, bytes: await diskUsage(sandbox) });
    }
    const chosen = sandboxesToCollect(infos, this.now(), policy);
    for (const { taskId, why } of chosen) {
      const runner = this.runners.get(taskId);
      if (runner && !runner.terminal) continue;
      await rm(sandboxDir(this.options.dataDir, taskId), { recursive: true, force: true });
      this.runners.delete(taskId);
      this.acknowledged.delete(taskId);
      if (this.options.cgroups) new TaskCgroup(this.options.cgroups, taskId).destroy();
      this.log(`task ${taskId}: sandbox removed (${why === 'age' ? 'finished long enough ago' : 'sandboxes use too much disk'})`);
    }
    return chosen.map((c) => c.taskId);
  }

  /** Stops supervising; processes keep running for the next agent to re-attach. */
  close(): void {
    for (const r of this.runners.values()) r.stop();
    if (!this.options.launcher) this.launcher.close();
    this.listeners.clear();
    void this.monitor?.stop();
    this.monitor = null;
    if (this.gcTimer) clearInterval(this.gcTimer);
    this.gcTimer = null;
  }
}
