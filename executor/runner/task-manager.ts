import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JobSpecSchema, specHash, type JobSpec } from '../../dsl/jobspec.js';
import { upgradeJobSpecJson } from '../../dsl/jobspec-upgrade.js';
import type { AgentTaskReport, TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import {
  formatRecord,
  parseCheckpoint,
  replayCheckpoint,
  TERMINAL_TASK_STATES,
  type CheckpointRecord,
  type TaskRunState,
} from '../core/checkpoint.js';
import { endedTaskReport, readEndedTask, type EndedTask } from '../core/ended-task.js';
import type { SetupStep } from '../core/spawn-protocol.js';
import type { BindingContext } from '../core/bindings.js';
import { selectReports, taskReport } from '../core/report.js';
import { taskLimits } from '../core/resource-usage.js';
import { MAX_ENDED_REPORTS_PER_SYNC } from '../../scheduler/api/agent-protocol.js';
import { sandboxesToCollect, type GcPolicy, type SandboxInfo } from '../core/sandbox-gc.js';
import { TaskCgroup, type CgroupSupport } from './cgroups.js';
import { readTaskRunState, readTaskRunStateSync } from './checkpoint-file.js';
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
  /** Processes the spawn helper makes ahead for bursts of launches. @default DEFAULT_SPARES (4) */
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

/** A live task as a command run in it sees it (TaskManager.commandTarget). */
export interface CommandTarget {
  readonly sandbox: string;
  readonly binding: BindingContext;
  readonly env: Readonly<Record<string, string>>;
  readonly runAs: UnixUser | null;
}

export const DEFAULT_RETENTION_MS = 10 * 60 * 1000;

const TERMINAL_REPORT_STATES: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

/** Finished sandboxes go after 3 days, or sooner when all sandboxes hold more than 10 GiB; looked at every minute. */
export const DEFAULT_GC = { maxAgeMs: 3 * 24 * 3600 * 1000, maxTotalBytes: 10 * 1024 ** 3, intervalMs: 60_000 } as const;

/** Specs of ended tasks a starting agent hands to the spec cache at most (its capacity). */
const RECOVERED_SPECS = 256;

export class TaskManager {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private launching = true;
  /** Tasks that could not even get a sandbox, reported FAILED from memory. */
  private readonly failedLaunches = new Map<string, { report: AgentTaskReport; at: number }>();
  /** Ended tasks the scheduler has recorded; they are no longer reported. */
  private readonly acknowledged = new Set<string>();
  /**
   * Tasks that had ended before this agent started, as little of each as reporting and garbage
   * collection need (an agent may find thousands at every start).
   */
  private readonly ended = new Map<string, EndedTask>();
  /** Disk use of ended tasks' sandboxes, which no longer change: measured once. */
  private readonly endedBytes = new Map<string, number>();
  /** Specs of recovered ended tasks by hash, for the spec cache. */
  private readonly recoveredSpecs = new Map<string, JobSpec>();
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

  /**
   * A new task's cgroups and the steps that make them, which the launcher takes before a process
   * runs its command (the spawn helper, off the agent's thread); null when there are none.
   */
  private newCgroup(assignment: TaskAssignment, user: UnixUser | null): { cgroup: TaskCgroup; cgroupSetup: SetupStep[] } | null {
    const support = this.options.cgroups;
    if (!support) return null;
    const cgroup = new TaskCgroup(support, assignment.taskId);
    // The limits are what the scheduler placed: the task's resources and the launch's executor allowance.
    return { cgroup, cgroupSetup: cgroup.setupSteps(taskLimits(assignment), user) };
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

  /**
   * Re-attaches to every task found in the data dir; returns how many still run. Ended tasks are
   * read without replaying their whole checkpoint and kept as a few fields (EndedTask).
   */
  async recover(): Promise<number> {
    const dir = sandboxesDir(this.options.dataDir);
    this.prepareDataDir();
    // An agent that starts: the spawn helper gets ready (and forks its spares) before launches come.
    this.launcher.start();
    const ids = (await readdir(dir)).filter((id) => isPlainName(id) && !this.runners.has(id) && !this.ended.has(id)).sort();
    const endedSpecs = new Map<string, { endedAt: number; job: unknown }>();
    let live = 0;
    // Read one after the other, synchronously: the agent has nothing else to do yet, and a read
    // handed to the thread pool costs a wake-up of a thread, more than a small file's read
    // (10,000 checkpoints: ~0.6 s this way, ~1.3 s through fs/promises 32 at a time).
    for (const taskId of ids) {
      let text: string;
      try {
        text = readFileSync(checkpointPath(sandboxDir(this.options.dataDir, taskId)), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`task ${taskId}: checkpoint unreadable, not recovered: ${(err as Error).message}`);
        continue;
      }
      let state: TaskRunState;
      try {
        const found = readEndedTask(text);
        if (found !== 'live') {
          const { task, job } = found;
          this.ended.set(taskId, task);
          if (task.acknowledgedAt !== null) this.acknowledged.add(taskId);
          const seen = task.specHash ? endedSpecs.get(task.specHash) : undefined;
          if (task.specHash && (!seen || seen.endedAt < (task.endedAt ?? 0))) endedSpecs.set(task.specHash, { endedAt: task.endedAt ?? 0, job });
          continue;
        }
        state = replayCheckpoint(parseCheckpoint(text));
      } catch (err) {
        this.log(`task ${taskId}: checkpoint unreadable, not recovered: ${(err as Error).message}`);
        continue;
      }
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
    // The newest ended specs, oldest first, so the cache keeps the newest if it must drop some.
    const newest = [...endedSpecs].sort((a, b) => a[1].endedAt - b[1].endedAt).slice(-RECOVERED_SPECS);
    for (const [hash, { job }] of newest) {
      const parsed = JobSpecSchema.safeParse(upgradeJobSpecJson(job));
      if (parsed.success) this.recoveredSpecs.set(hash, parsed.data);
    }
    if (live > 0) this.log(`re-attached to ${live} running task(s)`);
    if (this.ended.size > 0) this.log(`found ${this.ended.size} ended task(s), ${[...this.ended.keys()].filter((id) => !this.acknowledged.has(id)).length} not yet acknowledged by the scheduler`);
    return live;
  }

  /**
   * The job specs this agent holds by hash (its tasks', and recovered ended tasks'), the newest
   * last: a restarted agent hands them to its spec cache rather than fetch them again.
   */
  knownSpecs(): [string, JobSpec][] {
    const out = new Map(this.recoveredSpecs);
    for (const r of this.runners.values()) {
      const { job } = r.state.assignment;
      const hash = r.state.specHash ?? specHash(job);
      out.delete(hash);
      out.set(hash, job);
    }
    return [...out];
  }

  /**
   * Starts a task; an id this agent already has (running or not) is left alone. `specHash` is the
   * hash the scheduler named its spec by (kept in the checkpoint for a restarted agent).
   */
  launch(assignment: TaskAssignment, specHash?: string): void {
    const { taskId } = assignment;
    if (this.runners.has(taskId) || this.ended.has(taskId) || this.failedLaunches.has(taskId)) return;
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
      const cgroup = this.newCgroup(assignment, user) ?? { cgroup: null };
      runner = TaskRunner.launch(assignment, this.options.host, this.runnerOptions(taskId, { runAs: user, ...cgroup }), specHash);
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

  /** A task's state; one that had ended before the agent started is read from its checkpoint. */
  get(taskId: string): TaskRunState | undefined {
    const runner = this.runners.get(taskId);
    if (runner) return runner.state;
    if (!this.ended.has(taskId)) return undefined;
    try {
      return readTaskRunStateSync(checkpointPath(sandboxDir(this.options.dataDir, taskId))) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Where and how a command a user runs in a live task goes (aurora task run, scp): its sandbox,
   * bindings, environment and user; undefined when this agent runs no such task now.
   */
  commandTarget(taskId: string): CommandTarget | undefined {
    const runner = this.runners.get(taskId);
    if (!runner || runner.terminal) return undefined;
    return { sandbox: runner.sandbox, ...runner.commandContext() };
  }

  /** The tasks this agent supervises, and those that ended since it started (not the ones it found ended). */
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
    const tasks: (TaskRunState | EndedTask)[] = [...this.tasks(), ...this.ended.values()];
    const toReport = (t: TaskRunState | EndedTask) => ('assignment' in t ? taskReport(t) : endedTaskReport(t));
    const reports = selectReports(tasks, toReport, now, retention, this.acknowledged);
    const room = MAX_ENDED_REPORTS_PER_SYNC - reports.filter((r) => TERMINAL_REPORT_STATES.has(r.state)).length;
    const failed = [...this.failedLaunches.values()]
      .filter((f) => now - f.at < retention && !this.acknowledged.has(f.report.taskId))
      .slice(0, Math.max(0, room))
      .map((f) => f.report);
    return [...reports, ...failed];
  }

  /**
   * The scheduler recorded these ended tasks; ids of live or unknown tasks are ignored. Each gets
   * an ACKNOWLEDGED record in its checkpoint, so a restarted agent does not report it again
   * (synchronous appends: at most 500 a sync, and cheaper than handing each to the thread pool).
   */
  acknowledge(taskIds: readonly string[]): void {
    const record: CheckpointRecord = { type: 'ACKNOWLEDGED', at: this.now() };
    const toRecord: string[] = [];
    for (const id of taskIds) {
      if (this.acknowledged.has(id)) continue;
      const runner = this.runners.get(id);
      const known = (runner && runner.terminal) || this.ended.has(id);
      if (!known && !this.failedLaunches.has(id)) continue;
      this.acknowledged.add(id);
      if (known) toRecord.push(id);
    }
    const line = formatRecord(record);
    let failures = 0;
    for (const id of toRecord) {
      try {
        appendFileSync(checkpointPath(sandboxDir(this.options.dataDir, id)), line);
      } catch (err) {
        // A sandbox collected meanwhile has nothing left to mark.
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'ENOENT' && failures++ === 0) this.log(`task ${id}: could not record its acknowledgement: ${e.message}`);
      }
    }
  }

  /** Resolves once the task is terminal. */
  async waitFor(taskId: string): Promise<TaskRunState> {
    const runner = this.runners.get(taskId);
    if (runner) return runner.done;
    const ended = this.get(taskId);
    if (!ended) throw new Error(`no task ${taskId} on this agent`);
    return ended;
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
      let state: { state: TaskRunState['state']; endedAt: number | null } | null | undefined = this.runners.get(taskId)?.state ?? this.ended.get(taskId);
      if (!state) state = await readTaskRunState(checkpointPath(sandbox)).catch(() => null);
      // Without a readable checkpoint nobody can tell whether it runs: leave it.
      if (!state) continue;
      const terminal = TERMINAL_TASK_STATES.has(state.state);
      let bytes = this.endedBytes.get(taskId);
      if (bytes === undefined) {
        bytes = await diskUsage(sandbox);
        if (terminal) this.endedBytes.set(taskId, bytes);
      }
      infos.push({ taskId, terminal, endedAt: terminal ? state.endedAt : null, bytes });
    }
    const chosen = sandboxesToCollect(infos, this.now(), policy);
    for (const { taskId, why } of chosen) {
      const runner = this.runners.get(taskId);
      if (runner && !runner.terminal) continue;
      await rm(sandboxDir(this.options.dataDir, taskId), { recursive: true, force: true });
      this.runners.delete(taskId);
      this.ended.delete(taskId);
      this.endedBytes.delete(taskId);
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
