import { chownSync, mkdirSync } from 'node:fs';
import type { TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import { bindCmdline, bindingEnv, type BindingContext } from '../core/bindings.js';
import {
  apply,
  CHECKPOINT_VERSION,
  replayCheckpoint,
  runningRuns,
  TERMINAL_TASK_STATES,
  type CheckpointRecord,
  type ProcessRun,
  type TaskRunState,
} from '../core/checkpoint.js';
import { CONTAINER_SANDBOX, dockerContainerOf, dockerExecCmdline } from '../core/docker.js';
import { activeChecker, INITIAL_HEALTH_TRACK, nextCheckAt, nextHealth, type HealthTrack } from '../core/health.js';
import { describeExit, findCycle, planTask, type Plan, type RunSummary, type TaskOutcome } from '../core/process-plan.js';
import { limitExceeded } from '../core/resource-usage.js';
import type { SetupStep } from '../core/spawn-protocol.js';
import type { TaskCgroup } from './cgroups.js';
import { CheckpointWriter } from './checkpoint-file.js';
import { dockerProblem, removeContainer, startContainer, type DockerEngine } from './docker.js';
import { runHealthCheck } from './health-check.js';
import { gracefulShutdown, lifecyclePlan } from './lifecycle.js';
import { LogPump, type ConsoleSink, type PumpedRun } from './log-pump.js';
import { DirectLauncher, readExitStatus, type ExitListener, type PreparedProcess, type ProcessLauncher } from './process-launcher.js';
import { signalGroup, terminateGroup } from './process-group.js';
import { isSameProcess } from './proc.js';
import { checkpointPath, isPlainName } from './sandbox.js';
import type { UnixUser } from './users.js';

/**
 * Supervises one task: a timer (and every child exit) asks the planner what to do, and the
 * runner does it, appending each state change to the checkpoint stream. The processes do not
 * depend on the runner: a runner rebuilt from the checkpoint (`recover`) picks them up again.
 */

export interface TaskRunnerOptions {
  readonly sandbox: string;
  /** Time between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** How often to look at the task without being woken. @default 250 */
  readonly tickMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** The environment processes inherit, before the task's bindings. @default process.env */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Called after every state change. */
  readonly onChange?: (state: TaskRunState) => void;
  /** One line for the agent's log. */
  readonly log?: (line: string) => void;
  /** Run the processes (and shell health checks) as this user; null runs them as the agent's. */
  readonly runAs?: UnixUser | null;
  /** The task's cgroups; null when the monitor enforces the limits. */
  readonly cgroup?: TaskCgroup | null;
  /**
   * The steps that make `cgroup` and set its limits, taken by the launcher before a process runs
   * its command (and after its start is recorded: making a memory cgroup can cost the kernel a
   * millisecond or more); absent when the cgroup exists already.
   */
  readonly cgroupSetup?: readonly SetupStep[];
  /** Whether this agent has a Docker engine. @default none (`no /var/run/docker.sock`) */
  readonly docker?: DockerEngine;
  /** Where `console`/`both` loggers send lines; null drops them. */
  readonly console?: ConsoleSink | null;
  /** Run the job's health checks. @default true */
  readonly healthChecks?: boolean;
  /** How processes are started. @default node's own spawn (a DirectLauncher) */
  readonly launcher?: ProcessLauncher;
}

const NO_DOCKER: DockerEngine = { available: false, why: 'no /var/run/docker.sock' };
const DIRECT = new DirectLauncher();

const runKey = (process: string, run: number) => `${process}/${run}`;

export class TaskRunner {
  private current: TaskRunState;
  private readonly writer: CheckpointWriter;
  /** Runs whose end the launcher reports; the others are watched through their exit files. */
  private readonly tracked = new Set<string>();
  /** Processes whose start is being prepared: not in the checkpoint yet, and not to be started again. */
  private readonly launching = new Set<string>();
  /** Runs being terminated by us; they end KILLED. */
  private readonly killing = new Set<string>();
  /** Processes whose spawn failed; never tried again. */
  private readonly unstartable = new Set<string>();
  /** A failure outside any process (e.g. a spawn error) that ends the task. */
  private fatal: TaskOutcome | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  /** The lifecycle's graceful shutdown under way; no signals until it is over. */
  private graceful: Promise<void> | null = null;
  /** The task's container being started; no process starts before. */
  private preparing: Promise<void> | null = null;
  private health: HealthTrack;
  private checking = false;
  /** When the task began running, for the health checks' initial interval. */
  private runningSince: number | null = null;
  private oomKillsSeen = 0;
  /** The task's cgroups once made. */
  private cgroupNow: TaskCgroup | null = null;
  /** Something changed since the last plan; otherwise a tick plans only once `nextPlanAt` passed. */
  private dirty = true;
  private nextPlanAt: number | null = null;
  private readonly pump: LogPump | null;
  private cleanedUp = false;
  /** The last checkpoint append failed (logged once until one succeeds). */
  private checkpointFailing = false;
  private readonly now: () => number;
  private resolveDone!: (state: TaskRunState) => void;
  /** Resolves with the terminal state once the task ended. */
  readonly done: Promise<TaskRunState>;

  private constructor(
    state: TaskRunState,
    private readonly options: TaskRunnerOptions,
  ) {
    this.current = state;
    this.writer = new CheckpointWriter(checkpointPath(options.sandbox));
    this.now = options.now ?? Date.now;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.health = { ...INITIAL_HEALTH_TRACK, health: state.health, everHealthy: state.health === 'HEALTHY' };
    const starts = Object.values(state.processes).flatMap((runs) => runs.map((r) => r.startedAt));
    this.runningSince = starts.length > 0 ? Math.min(...starts) : null;
    this.useCgroup(options.cgroup ?? null);

    const needsPump = state.assignment.job.task.processes.some((p) => LogPump.needed(p.logger));
    this.pump = needsPump ? new LogPump(options.sandbox, options.console ?? null) : null;
    if (TERMINAL_TASK_STATES.has(state.state)) this.resolveDone(state);
  }

  /**
   * A new task: creates its sandbox, writes the assignment as the first checkpoint record.
   * `specHash` is the hash the scheduler named the job spec by, kept so a restarted agent knows it.
   */
  static launch(assignment: TaskAssignment, host: string, options: TaskRunnerOptions, specHash?: string): TaskRunner {
    mkdirSync(options.sandbox, { recursive: true });
    if (options.runAs) chownSync(options.sandbox, options.runAs.uid, options.runAs.gid);
    const now = (options.now ?? Date.now)();
    const assigned: CheckpointRecord = {
      type: 'ASSIGNED',
      at: now,
      version: CHECKPOINT_VERSION,
      host,
      assignment,
      ...(specHash !== undefined ? { specHash } : {}),
    };
    const runner = new TaskRunner(replayCheckpoint([assigned]), options);
    // One write for both records: fewer system calls per launch when a hundred arrive at once.
    runner.record(assigned, { type: 'TASK_STATE', at: now, state: 'STARTING', message: null });
    const problem = runner.launchProblem();
    if (problem) runner.record({ type: 'TASK_STATE', at: now, state: 'FAILED', message: problem });
    else if (assignment.job.container) runner.prepareContainer();
    return runner;
  }

  /** A task known from its checkpoint, whose processes may still run (the agent restarted). */
  static recover(state: TaskRunState, options: TaskRunnerOptions): TaskRunner {
    return new TaskRunner(state, options);
  }

  get state(): TaskRunState {
    return this.current;
  }

  get taskId(): string {
    return this.current.taskId;
  }

  get terminal(): boolean {
    return TERMINAL_TASK_STATES.has(this.current.state);
  }

  /**
   * Starts supervising, with a first look at once: a launch goes to the launcher now, so the
   * launcher works on it while the agent sets up the next task that arrived in the same sync.
   */
  start(): void {
    if (this.terminal || this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.timer.unref();
    this.tick();
  }

  /** Stops supervising and leaves the processes running (for a later `recover`). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  /**
   * Asks the task to die: the lifecycle's graceful shutdown when it has one, then SIGTERM to each
   * running process group and SIGKILL after the grace period. With `failure` (a failed health
   * check, a resource limit) the task ends FAILED rather than KILLED.
   */
  kill(reason: string, failure = false): void {
    if (this.terminal || this.current.killRequested) return;
    this.record({ type: 'TASK_STATE', at: this.now(), state: 'KILLING', message: reason, ...(failure ? { failure: true } : {}) });
    const a = this.current.assignment;
    const lifecycle = lifecyclePlan(a.job, a.ports);
    if (lifecycle && runningRuns(this.current).length > 0 && !this.stopped) {
      this.log(`graceful shutdown through port ${lifecycle.port}`);
      this.graceful = gracefulShutdown(lifecycle, () => runningRuns(this.current).length > 0, (l) => this.log(l)).finally(() => {
        this.graceful = null;
        this.wake();
      });
    }
    this.wake();
  }

  /** Kills the task for a failure; it ends FAILED with `reason`. */
  fail(reason: string): void {
    this.kill(reason, true);
  }

  /** The task's cgroups, if it has any (for the resource monitor). */
  get cgroup(): TaskCgroup | null {
    return this.cgroupNow;
  }

  get sandbox(): string {
    return this.options.sandbox;
  }

  /**
   * What a command a user runs in this task gets (aurora task run): the task's bindings, the
   * environment its processes get, and its user (null: the agent's own).
   */
  commandContext(): { readonly binding: BindingContext; readonly env: Record<string, string>; readonly runAs: UnixUser | null } {
    const binding = this.bindingContext();
    return { binding, env: { ...this.processEnv(), ...bindingEnv(binding) }, runAs: this.options.runAs ?? null };
  }

  /** The task's cgroups could not be made: the monitor enforces its limits. */
  private cgroupFailed(message: string): void {
    const cgroup = this.cgroupNow;
    if (!cgroup) return;
    this.log(`no cgroup (${message}); the monitor enforces its limits`);
    this.useCgroup(null);
    cgroup.destroy();
  }

  private useCgroup(cgroup: TaskCgroup | null): void {
    this.cgroupNow = cgroup;
    this.oomKillsSeen = cgroup?.oomKills() ?? 0;
  }

  /** Starts the task's container (after its cgroups, if they are being made); processes wait for it. */
  private prepareContainer(): void {
    const a = this.current.assignment;
    const runnable = a.job.container ? dockerContainerOf(a.job.container) : undefined;
    if (!runnable?.ok) return;
    const container = runnable.container;
    const env = bindingEnv({ ...this.bindingContext(), sandbox: CONTAINER_SANDBOX });
    this.log(`starting container ${container.docker.image}`);
    const before = this.preparing ?? Promise.resolve();
    this.preparing = before.then(() => startContainer({ taskId: a.taskId, container, sandbox: this.options.sandbox, ports: a.ports, env })).then(
      () => {
        this.preparing = null;
        this.wake();
      },
      (err: unknown) => {
        this.preparing = null;
        this.fatal ??= { state: 'FAILED', reason: `Could not start the container of image ${container.docker.image}: ${(err as Error).message}` };
        this.wake();
      },
    );
  }

  /** Runs a tick soon. */
  private wake(): void {
    this.dirty = true;
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.tick();
    });
  }

  /** Appends records (in one write) and applies them. */
  private record(...records: CheckpointRecord[]): void {
    this.dirty = true;
    try {
      this.writer.append(...records);
      this.checkpointFailing = false;
    } catch (err) {
      // A full disk (or a sandbox removed by hand) must not crash the agent, which records from
      // exit events and timers: the task goes on in memory, and the log says what was not kept.
      if (!this.checkpointFailing) this.log(`could not write its checkpoint (${(err as Error).message}); going on without it`);
      this.checkpointFailing = true;
    }
    for (const r of records) {
      this.current = apply(this.current, r);
      if (r.type === 'TASK_STATE' && r.state === 'RUNNING') this.runningSince ??= r.at;
    }
    if (TERMINAL_TASK_STATES.has(this.current.state)) {
      this.stop();
      this.cleanUp();
      this.resolveDone(this.current);
    }
    this.options.onChange?.(this.current);
  }

  /** Once the task is over: its cgroups and container go (the sandbox stays until garbage collection). */
  cleanUp(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.pumpLogs(true);
    this.forgetLogs();
    const cgroup = this.cgroupNow;
    const signalAll = (signal: NodeJS.Signals): number => {
      let signalled = 0;
      for (const pid of cgroup?.pids() ?? []) {
        try {
          process.kill(pid, signal);
          signalled++;
        } catch {
          // gone
        }
      }
      return signalled;
    };
    const destroy = () => {
      if (!cgroup) return;
      cgroup.destroy();
      // Once more later: a launcher may still be taking a cancelled launch's setup steps.
      setTimeout(() => cgroup.destroy(), 2000).unref();
    };
    // Whatever escaped its process group (setsid, double fork: daemons) is still in the cgroup. As
    // Thermos does, it gets SIGTERM and the grace period to exit on its own, then SIGKILL: no
    // orphan survives. Without cgroups such escapees cannot be found (see docs/CONFIGURATION.md).
    if (cgroup && signalAll('SIGTERM') > 0) {
      const graceEnd = Date.now() + this.options.killGraceMs;
      const poll = setInterval(() => {
        if (cgroup.pids().length > 0 && Date.now() < graceEnd) return;
        clearInterval(poll);
        signalAll('SIGKILL');
        destroy();
      }, 50);
      poll.unref();
    } else {
      destroy();
    }
    if (this.current.assignment.job.container) void removeContainer(this.taskId);
  }

  private log(line: string): void {
    this.options.log?.(`task ${this.taskId}: ${line}`);
  }

  private bindingContext(): BindingContext {
    const a = this.current.assignment;
    return { taskId: a.taskId, instance: a.instance, hostname: this.current.host, ports: a.ports, sandbox: this.options.sandbox };
  }

  /** Why the task cannot even begin (a cycle in its order, a template with no value), or null. */
  private launchProblem(): string | null {
    const job = this.current.assignment.job;
    const task = job.task;
    const cycle = findCycle(task);
    if (cycle) return `Cycles detected in the task schedule: ${cycle.join(' -> ')}`;
    if (job.container) {
      const runnable = dockerContainerOf(job.container);
      const problem = runnable.ok ? dockerProblem(this.options.docker ?? NO_DOCKER, runnable.container.docker.image) : runnable.reason;
      if (problem) return problem;
    }
    for (const p of task.processes) {
      if (!isPlainName(p.name)) return `Process name '${p.name}' cannot name a log directory`;
      const { unbound } = bindCmdline(p.cmdline, this.bindingContext());
      if (unbound.length > 0) return `Process ${p.name} cannot start: ${unbound.join(', ')} has no value on this agent`;
    }
    return null;
  }

  /**
   * One look at the task. Whatever goes wrong in it fails the task with the reason and never
   * reaches the agent's event loop: nothing a task brings may crash the agent (which would meet
   * the same task again once it restarted).
   */
  private tick(): void {
    try {
      this.look();
    } catch (err) {
      const reason = `The agent could not supervise the task: ${(err as Error).message}`;
      this.log(reason);
      if (this.fatal || this.terminal) return;
      this.fatal = { state: 'FAILED', reason };
      this.wake();
    }
  }

  /** One look at the task: learn what ended, ask the planner, act. */
  private look(): void {
    if (this.stopped || this.terminal) return;
    this.observeExits();
    this.pumpLogs(false);
    if (this.terminal || this.preparing || this.graceful) return;
    this.checkHealth();
    // The plan changes only with a record, a wake-up or the time it named: most ticks of a
    // steady task need no planning (a hundred tasks tick four times a second each).
    if (!this.dirty && (this.nextPlanAt === null || this.now() < this.nextPlanAt)) return;
    this.dirty = false;
    // Recording FINALIZING changes the plan, so plan again once when it happens.
    for (let i = 0; i < 2; i++) {
      const plan = this.plan();
      if (plan.finalizing && !this.current.finalizing && plan.outcome) {
        this.record({ type: 'FINALIZING', at: this.now(), outcome: plan.outcome });
        continue;
      }
      this.nextPlanAt = plan.wakeAt;
      this.act(plan);
      return;
    }
  }

  private plan(): Plan {
    const runs: Record<string, RunSummary[]> = {};
    for (const [name, list] of Object.entries(this.current.processes)) runs[name] = [...list];
    // A start being prepared counts as running: it holds its concurrency slot and is not started twice.
    for (const name of this.launching) {
      (runs[name] ??= []).push({ state: 'RUNNING', startedAt: this.now(), endedAt: null, exitCode: null });
    }
    return planTask({
      task: this.current.assignment.job.task,
      runs,
      now: this.now(),
      killRequested: this.current.killRequested,
      finalizingSince: this.current.finalizing?.since ?? null,
      decided: this.current.finalizing?.outcome ?? this.fatal,
    });
  }

  private act(plan: Plan): void {
    for (const name of plan.kill) {
      const run = this.runningRun(name);
      if (run) this.terminate(name, run);
    }
    for (const name of plan.start) {
      if (this.unstartable.has(name) || this.launching.has(name)) continue;
      this.startProcess(name);
      if (this.terminal) return;
    }
    if (this.current.state === 'STARTING' && runningRuns(this.current).length > 0) {
      this.record({ type: 'TASK_STATE', at: this.now(), state: 'RUNNING', message: null });
    }
    if (plan.done && plan.outcome) {
      this.record({ type: 'TASK_STATE', at: this.now(), state: plan.outcome.state, message: plan.outcome.reason });
      this.log(`${plan.outcome.state}: ${plan.outcome.reason}`);
    }
  }

  /**
   * Rotates and forwards the logs of the running runs and of each process's latest run; a run a
   * newer one superseded is pumped a last time and forgotten. At the end, flushes every run.
   */
  private pumpLogs(final: boolean): void {
    const pump = this.pump;
    if (!pump) return;
    const specs = new Map(this.current.assignment.job.task.processes.map((p) => [p.name, p]));
    const runs: PumpedRun[] = [];
    const superseded: PumpedRun[] = [];
    for (const [process, list] of Object.entries(this.current.processes)) {
      for (const r of list) {
        const fromStart = this.tracked.has(runKey(process, r.run)) || r.state !== 'RUNNING';
        const pumped: PumpedRun = { process, run: r.run, logger: specs.get(process)!.logger, fromStart };
        if (final || r.state === 'RUNNING' || r === list[list.length - 1]) runs.push(pumped);
        else if (pump.holds(process, r.run)) superseded.push(pumped);
      }
    }
    try {
      pump.pump(runs, final);
      if (superseded.length > 0) pump.finish(superseded);
    } catch (err) {
      this.log(`log rotation failed: ${(err as Error).message}`);
    }
  }

  /**
   * The task is over and its logs were pumped a last time: the pump forgets every run. An ended
   * task's runner stays (for its reports and the observer's sake) until its sandbox is collected,
   * days later on a busy agent; it must not keep its log state that long.
   */
  private forgetLogs(): void {
    if (!this.pump) return;
    for (const [process, list] of Object.entries(this.current.processes)) for (const r of list) this.pump.forget(process, r.run);
  }

  /** Entries the log pump keeps for this task's runs (0 once the task ended): for tests and figures. */
  get logPumpEntries(): number {
    return this.pump?.entries ?? 0;
  }

  /** Starts a health check when one is due. */
  private checkHealth(): void {
    if (this.options.healthChecks === false || this.checking || this.current.state !== 'RUNNING' || this.current.killRequested) return;
    const a = this.current.assignment;
    const checker = activeChecker(a.job, a.ports);
    if (!checker) return;
    const spec = a.job.healthCheck;
    const since = this.runningSince ?? this.now();
    if (this.now() < nextCheckAt(this.health, since, spec)) return;
    this.checking = true;
    const ctx = this.bindingContext();
    // runHealthCheck never rejects; a check that cannot start is a failed check with the reason.
    void runHealthCheck(checker, {
      ports: a.ports,
      sandbox: this.options.sandbox,
      env: { ...this.processEnv(), ...bindingEnv(ctx) },
      timeoutMs: spec.timeoutSecs * 1000,
      runAs: this.options.runAs ?? null,
    })
      .catch((err: unknown) => ({ ok: false, message: `the health check could not run: ${(err as Error).message}` }))
      .then((result) => {
        this.checking = false;
        if (this.stopped || this.terminal || this.current.killRequested) return;
        const decision = nextHealth(this.health, { at: this.now(), ...result }, spec, since);
        this.health = decision.track;
        if (decision.change) {
          this.record({ type: 'HEALTH', at: this.now(), health: decision.change.health, message: decision.change.message });
          this.log(`${decision.change.health}: ${decision.change.message}`);
        }
        if (decision.kill) {
          this.log(`${decision.kill}; killing it`);
          this.fail(decision.kill);
        }
      })
      .catch((err: unknown) => this.log(`could not record a health check: ${(err as Error).message}`));
  }

  /** The agent's environment (or the configured base) with the user's identity when switching users. */
  private processEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.options.baseEnv ?? process.env)) if (v !== undefined) env[k] = v;
    const user = this.options.runAs;
    if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
    return env;
  }

  private runningRun(name: string): ProcessRun | undefined {
    const runs = this.current.processes[name] ?? [];
    const last = runs[runs.length - 1];
    return last?.state === 'RUNNING' ? last : undefined;
  }

  /** Asks the launcher for a process; the start is recorded (and the command run) once it exists. */
  private startProcess(name: string): void {
    const spec = this.current.assignment.job.task.processes.find((p) => p.name === name);
    if (!spec) return;
    const run = (this.current.processes[name] ?? []).length;
    const ctx = this.bindingContext();
    const { cmdline } = bindCmdline(spec.cmdline, ctx);
    const env = { ...this.processEnv(), ...bindingEnv(ctx) };
    const container = this.current.assignment.job.container;
    // A containerized process runs in the task's container; the wrapper on the host still records its end.
    const command = container
      ? dockerExecCmdline(this.taskId, cmdline, bindingEnv({ ...ctx, sandbox: CONTAINER_SANDBOX }))
      : cmdline;
    const runAs = container ? null : (this.options.runAs ?? null);
    this.launching.add(name);
    (this.options.launcher ?? DIRECT)
      .prepare({
        sandbox: this.options.sandbox,
        process: name,
        run,
        cmdline: command,
        env,
        destination: spec.logger.destination,
        runAs,
        cgroupProcs: this.cgroupNow?.procsFiles() ?? [],
        ...(this.cgroupNow && this.options.cgroupSetup ? { setup: this.options.cgroupSetup, onSetupFailed: (m: string) => this.cgroupFailed(m) } : {}),
      })
      .then(
        (prepared) => this.prepared(name, run, cmdline, runAs?.name ?? null, prepared),
        (err: unknown) => {
          this.launching.delete(name);
          if (this.stopped || this.terminal) return;
          this.unstartable.add(name);
          this.fatal ??= { state: 'FAILED', reason: `Process ${name} could not start: ${(err as Error).message}` };
          this.log(this.fatal.reason);
          this.wake();
        },
      );
  }

  /** The process exists and runs nothing yet: record its start, then let it run, unless it is no longer wanted. */
  private prepared(name: string, run: number, cmdline: string, user: string | null, prepared: PreparedProcess): void {
    const final = this.current.assignment.job.task.processes.find((p) => p.name === name)?.final ?? false;
    // A regular process is not wanted once the regular work is over (a kill, a failure elsewhere).
    const unwanted = !final && (this.current.killRequested !== null || this.fatal !== null || this.current.finalizing !== null);
    // One that runs already (node's own spawn) is recorded all the same, and killed if unwanted;
    // only a task that is over has no room for it.
    if (this.terminal || (!prepared.running && (this.stopped || unwanted))) {
      // Stopped (the agent goes; the next one starts it), or killed meanwhile: it never runs.
      this.launching.delete(name);
      prepared.cancel();
      this.wake();
      return;
    }
    this.launching.delete(name);
    const key = runKey(name, run);
    const at = this.now();
    const started: CheckpointRecord = {
      type: 'PROCESS_STARTED',
      at,
      process: name,
      run,
      pid: prepared.pid,
      pgid: prepared.pgid,
      cmdline,
      ...(prepared.startTicks !== undefined ? { startTicks: prepared.startTicks } : {}),
      ...(user ? { user } : {}),
    };
    if (this.current.state === 'STARTING') this.record(started, { type: 'TASK_STATE', at, state: 'RUNNING', message: null });
    else this.record(started);
    this.tracked.add(key);
    const listener: ExitListener = {
      exited: (status) => {
        this.tracked.delete(key);
        if (this.stopped) return;
        this.ended(name, run, readExitStatus(this.options.sandbox, name, run) ?? status);
        this.wake();
      },
      untracked: () => {
        this.tracked.delete(key);
        this.wake();
      },
    };
    prepared.start(listener);
    this.log(`started process ${name} run ${run} (pid ${prepared.pid})`);
  }

  /** Learns the end of runs this runner did not spawn (they outlived an earlier agent). */
  private observeExits(): void {
    for (const { process: name, run } of runningRuns(this.current)) {
      const key = runKey(name, run.run);
      if (this.tracked.has(key)) continue;
      const status = readExitStatus(this.options.sandbox, name, run.run);
      if (status !== null) {
        this.ended(name, run.run, status);
      } else if (isSameProcess(run.pid, run.startTicks) === false && !this.groupOutlivedLeader(run)) {
        // The wrapper is gone and its pid may name another process now: never signal that one.
        this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run), false);
      } else if (!signalGroup(run.pgid, 0)) {
        // A cheap look (kill -0); a group of unreaped zombies counts as alive until init reaps it.
        // The file may have landed between the two looks.
        this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run));
      }
    }
  }

  /**
   * Whether members of the run's group live on after its leader (the wrapper) is gone: the kernel
   * does not reuse a pid while a group of that number exists, so then the pid is not reused.
   */
  private groupOutlivedLeader(run: ProcessRun): boolean {
    if (isSameProcess(run.pid, run.startTicks) !== false) return false;
    // If the pid is alive it is another process; a group with our number exists only if that
    // process leads it, which a reused pid might, so trust only a leader-less group.
    try {
      process.kill(run.pid, 0);
      return false;
    } catch {
      return signalGroup(run.pgid, 0);
    }
  }

  /** Records the end of a run, once; `status` is null when nobody knows it. */
  private ended(name: string, run: number, status: number | null, sweep = true): void {
    const current = (this.current.processes[name] ?? []).find((r) => r.run === run);
    if (!current || current.state !== 'RUNNING') return;
    const key = runKey(name, run);
    this.noticeOom(status);
    const killed = this.killing.has(key) || (this.current.killRequested !== null && status === null);
    const state = killed ? 'KILLED' : status === null ? 'LOST' : status === 0 ? 'SUCCESS' : 'FAILED';
    const message =
      state === 'LOST'
        ? 'the process ended while the agent was away and left no exit status'
        : status === null
          ? null
          : describeExit(status);
    // Whatever the command left behind in its group goes with it (unless the pid names another process now).
    if (sweep) signalGroup(current.pgid, 'SIGKILL');
    this.record({ type: 'PROCESS_ENDED', at: this.now(), process: name, run, state, exitCode: status, message });
    this.log(`process ${name} run ${run} ${state}${message ? ` (${message})` : ''}`);
  }

  /** A run died of SIGKILL while the kernel killed for the task's memory limit: the task fails with the reason. */
  private noticeOom(status: number | null): void {
    const cgroup = this.cgroupNow;
    if (!cgroup || status !== 128 + 9) return;
    const kills = cgroup.oomKills();
    if (kills <= this.oomKillsSeen) return;
    this.oomKillsSeen = kills;
    const { assignment } = this.current;
    const reason = limitExceeded('ram', assignment.job.task.resources.ramMb, assignment.allowance?.ramMb ?? 0, cgroup.peakBytes());
    this.log(`${reason}; the kernel killed a process, killing the task`);
    this.fail(reason);
  }

  private terminate(name: string, run: ProcessRun): void {
    const key = runKey(name, run.run);
    if (this.killing.has(key)) return;
    this.killing.add(key);
    if (!this.tracked.has(key) && isSameProcess(run.pid, run.startTicks) === false && !this.groupOutlivedLeader(run)) {
      this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run), false);
      this.wake();
      return;
    }
    void terminateGroup(run.pgid, { graceMs: this.options.killGraceMs }).then(
      (result) => {
        if (this.stopped) return;
        if (!result.gone) this.log(`process ${name} run ${run.run} (pgid ${run.pgid}) survived SIGKILL`);
        // The exit event may not come (the runner did not spawn it); the group is gone either way.
        if (!this.tracked.has(key)) this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run));
        this.wake();
      },
      (err: unknown) => this.log(`could not kill process ${name}: ${(err as Error).message}`),
    );
  }
}
