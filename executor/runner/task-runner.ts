import { mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import type { ChildProcess } from 'node:child_process';
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
import { describeExit, findCycle, planTask, type Plan, type TaskOutcome } from '../core/process-plan.js';
import { CheckpointWriter } from './checkpoint-file.js';
import { launchProcess, readExitStatus } from './process-launcher.js';
import { signalGroup, terminateGroup } from './process-group.js';
import { checkpointPath, isPlainName } from './sandbox.js';

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
}

const runKey = (process: string, run: number) => `${process}/${run}`;

export class TaskRunner {
  private current: TaskRunState;
  private readonly writer: CheckpointWriter;
  private readonly children = new Map<string, ChildProcess>();
  /** Runs being terminated by us; they end KILLED. */
  private readonly killing = new Set<string>();
  /** Processes whose spawn failed; never tried again. */
  private readonly unstartable = new Set<string>();
  /** A failure outside any process (e.g. a spawn error) that ends the task. */
  private fatal: TaskOutcome | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
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
    if (TERMINAL_TASK_STATES.has(state.state)) this.resolveDone(state);
  }

  /** A new task: creates its sandbox, writes the assignment as the first checkpoint record. */
  static launch(assignment: TaskAssignment, host: string, options: TaskRunnerOptions): TaskRunner {
    mkdirSync(options.sandbox, { recursive: true });
    const now = (options.now ?? Date.now)();
    const assigned: CheckpointRecord = { type: 'ASSIGNED', at: now, version: CHECKPOINT_VERSION, host, assignment };
    const runner = new TaskRunner(replayCheckpoint([assigned]), options);
    runner.writer.append(assigned);
    runner.record({ type: 'TASK_STATE', at: now, state: 'STARTING', message: null });
    const problem = runner.launchProblem();
    if (problem) runner.record({ type: 'TASK_STATE', at: now, state: 'FAILED', message: problem });
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

  /** Starts supervising. */
  start(): void {
    if (this.terminal || this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 250);
    this.timer.unref();
    this.wake();
  }

  /** Stops supervising and leaves the processes running (for a later `recover`). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  /** Asks the task to die: running processes get SIGTERM, then SIGKILL after the grace period. */
  kill(reason: string): void {
    if (this.terminal || this.current.killRequested) return;
    this.record({ type: 'TASK_STATE', at: this.now(), state: 'KILLING', message: reason });
    this.wake();
  }

  /** Runs a tick soon. */
  private wake(): void {
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.tick();
    });
  }

  private record(r: CheckpointRecord): void {
    this.writer.append(r);
    this.current = apply(this.current, r);
    if (TERMINAL_TASK_STATES.has(this.current.state)) {
      this.stop();
      this.resolveDone(this.current);
    }
    this.options.onChange?.(this.current);
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
    const task = this.current.assignment.job.task;
    const cycle = findCycle(task);
    if (cycle) return `Cycles detected in the task schedule: ${cycle.join(' -> ')}`;
    for (const p of task.processes) {
      if (!isPlainName(p.name)) return `Process name '${p.name}' cannot name a log directory`;
      const { unbound } = bindCmdline(p.cmdline, this.bindingContext());
      if (unbound.length > 0) return `Process ${p.name} cannot start: ${unbound.join(', ')} has no value on this agent`;
    }
    return null;
  }

  /** One look at the task: learn what ended, ask the planner, act. */
  private tick(): void {
    if (this.stopped || this.terminal) return;
    this.observeExits();
    if (this.terminal) return;
    // Recording FINALIZING changes the plan, so plan again once when it happens.
    for (let i = 0; i < 2; i++) {
      const plan = this.plan();
      if (plan.finalizing && !this.current.finalizing && plan.outcome) {
        this.record({ type: 'FINALIZING', at: this.now(), outcome: plan.outcome });
        continue;
      }
      this.act(plan);
      return;
    }
  }

  private plan(): Plan {
    const runs: Record<string, ProcessRun[]> = {};
    for (const [name, list] of Object.entries(this.current.processes)) runs[name] = [...list];
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
      if (this.unstartable.has(name)) continue;
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

  private runningRun(name: string): ProcessRun | undefined {
    const runs = this.current.processes[name] ?? [];
    const last = runs[runs.length - 1];
    return last?.state === 'RUNNING' ? last : undefined;
  }

  private startProcess(name: string): void {
    const spec = this.current.assignment.job.task.processes.find((p) => p.name === name);
    if (!spec) return;
    const run = (this.current.processes[name] ?? []).length;
    const ctx = this.bindingContext();
    const { cmdline } = bindCmdline(spec.cmdline, ctx);
    const baseEnv = this.options.baseEnv ?? process.env;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
    Object.assign(env, bindingEnv(ctx));
    let launched;
    try {
      launched = launchProcess({ sandbox: this.options.sandbox, process: name, run, cmdline, env });
    } catch (err) {
      this.unstartable.add(name);
      this.fatal ??= { state: 'FAILED', reason: `Process ${name} could not start: ${(err as Error).message}` };
      this.log(this.fatal.reason);
      this.wake();
      return;
    }
    const key = runKey(name, run);
    this.children.set(key, launched.child);
    launched.child.on('exit', (code, signal) => {
      this.children.delete(key);
      if (this.stopped) return;
      const fromFile = readExitStatus(this.options.sandbox, name, run);
      const status = fromFile ?? code ?? (signal ? 128 + signalNumber(signal) : null);
      this.ended(name, run, status);
      this.wake();
    });
    this.record({ type: 'PROCESS_STARTED', at: this.now(), process: name, run, pid: launched.pid, pgid: launched.pgid, cmdline });
    this.log(`started process ${name} run ${run} (pid ${launched.pid})`);
  }

  /** Learns the end of runs this runner did not spawn (they outlived an earlier agent). */
  private observeExits(): void {
    for (const { process: name, run } of runningRuns(this.current)) {
      const key = runKey(name, run.run);
      if (this.children.has(key)) continue;
      const status = readExitStatus(this.options.sandbox, name, run.run);
      if (status !== null) {
        this.ended(name, run.run, status);
      } else if (!signalGroup(run.pgid, 0)) {
        // A cheap look (kill -0); a group of unreaped zombies counts as alive until init reaps it.
        // The file may have landed between the two looks.
        this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run));
      }
    }
  }

  /** Records the end of a run, once; `status` is null when nobody knows it. */
  private ended(name: string, run: number, status: number | null): void {
    const current = (this.current.processes[name] ?? []).find((r) => r.run === run);
    if (!current || current.state !== 'RUNNING') return;
    const key = runKey(name, run);
    const killed = this.killing.has(key) || (this.current.killRequested !== null && status === null);
    const state = killed ? 'KILLED' : status === null ? 'LOST' : status === 0 ? 'SUCCESS' : 'FAILED';
    const message =
      state === 'LOST'
        ? 'the process ended while the agent was away and left no exit status'
        : status === null
          ? null
          : describeExit(status);
    // Whatever the command left behind in its group goes with it.
    signalGroup(current.pgid, 'SIGKILL');
    this.record({ type: 'PROCESS_ENDED', at: this.now(), process: name, run, state, exitCode: status, message });
    this.log(`process ${name} run ${run} ${state}${message ? ` (${message})` : ''}`);
  }

  private terminate(name: string, run: ProcessRun): void {
    const key = runKey(name, run.run);
    if (this.killing.has(key)) return;
    this.killing.add(key);
    void terminateGroup(run.pgid, { graceMs: this.options.killGraceMs }).then(
      (result) => {
        if (this.stopped) return;
        if (!result.gone) this.log(`process ${name} run ${run.run} (pgid ${run.pgid}) survived SIGKILL`);
        // The exit event may not come (the runner did not spawn it); the group is gone either way.
        if (!this.children.has(key)) this.ended(name, run.run, readExitStatus(this.options.sandbox, name, run.run));
        this.wake();
      },
      (err: unknown) => this.log(`could not kill process ${name}: ${(err as Error).message}`),
    );
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
