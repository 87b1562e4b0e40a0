import type { ProcessSpec, TaskSpec } from '../../dsl/jobspec.js';

/**
 * The pure planner of one task's processes (Thermos' scheduler): given the spec, what each
 * process did so far and the time, it says which processes to start and to kill now, when to
 * look again, and whether the task is over. It performs nothing and reads no clock.
 */

/** The state of one run of a process. Every run starts RUNNING and ends in one of the others. */
export type ProcessRunState = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'KILLED' | 'LOST';

/** What the planner needs to know about one run. Times are milliseconds since the epoch. */
export interface RunSummary {
  readonly state: ProcessRunState;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly exitCode: number | null;
}

/** How a task ends. */
export type TaskOutcomeState = 'FINISHED' | 'FAILED' | 'KILLED';

export interface TaskOutcome {
  readonly state: TaskOutcomeState;
  /** In words, e.g. "Process hello failed 1 time(s) (exit status 1)". */
  readonly reason: string;
}

export interface PlanInput {
  readonly task: TaskSpec;
  /** Runs of each process by name, oldest first; a process never started has none (or no entry). */
  readonly runs: Readonly<Record<string, readonly RunSummary[] | undefined>>;
  readonly now: number;
  /**
   * Set once the task was asked to die, with the reason ("Killed by the scheduler") and how it
   * ends: KILLED (the default), or FAILED when the agent killed it for a failed health check or
   * a resource limit.
   */
  readonly killRequested: { readonly reason: string; readonly state?: 'KILLED' | 'FAILED' } | null;
  /** When the regular processes were over and the final ones began, if they have. */
  readonly finalizingSince: number | null;
  /** The outcome recorded when finalizing began; it stands whatever happens later. */
  readonly decided: TaskOutcome | null;
}

export interface Plan {
  /** Processes to start now, in the order to start them. */
  readonly start: readonly string[];
  /** Running processes to kill now (ephemeral ones once the task is over, everything on a kill). */
  readonly kill: readonly string[];
  /** The earliest time a waiting process becomes eligible (or finalization times out); null if none. */
  readonly wakeAt: number | null;
  /** How the task ends, once that is decided; the task may still be finalizing. */
  readonly outcome: TaskOutcome | null;
  /** The regular processes are over and only final processes may run. */
  readonly finalizing: boolean;
  /** Nothing runs and nothing will: the task is terminal with `outcome`. */
  readonly done: boolean;
}

export class ScheduleCycleError extends Error {
  override readonly name = 'ScheduleCycleError';
}

/** Each process's predecessors under the task's ordering constraints. */
export function predecessors(task: TaskSpec): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(task.processes.map((p) => [p.name, new Set<string>()]));
  for (const c of task.constraints) {
    for (let i = 1; i < c.order.length; i++) {
      const after = c.order[i] as string;
      const before = c.order[i - 1] as string;
      deps.get(after)?.add(before);
    }
  }
  return deps;
}

/**
 * A cycle in the ordering constraints, as the list of names along it (first name repeated at
 * the end), or null when there is none.
 */
export function findCycle(task: TaskSpec): string[] | null {
  const successors = new Map<string, Set<string>>(task.processes.map((p) => [p.name, new Set<string>()]));
  for (const [after, befores] of predecessors(task)) for (const b of befores) successors.get(b)?.add(after);
  const colour = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    colour.set(name, 'grey');
    stack.push(name);
    for (const next of successors.get(name) ?? []) {
      const c = colour.get(next);
      if (c === 'grey') return [...stack.slice(stack.indexOf(next)), next];
      if (c === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    colour.set(name, 'black');
    return null;
  };
  for (const p of task.processes) {
    if (!colour.has(p.name)) {
      const found = visit(p.name);
      if (found) return found;
    }
  }
  return null;
}

/** Throws ScheduleCycleError ("Cycles detected in the task schedule: a -> b -> a") when ordering loops. */
export function checkSchedule(task: TaskSpec): void {
  const cycle = findCycle(task);
  if (cycle) throw new ScheduleCycleError(`Cycles detected in the task schedule: ${cycle.join(' -> ')}`);
}

/** Derived facts about one process, from its spec and runs. */
interface ProcessStatus {
  readonly spec: ProcessSpec;
  readonly runs: readonly RunSummary[];
  readonly last: RunSummary | undefined;
  readonly running: boolean;
  readonly failures: number;
  readonly everSucceeded: boolean;
  /** Ran to an end that needs no further run (success of a non-daemon, or killed). */
  readonly completed: boolean;
  /** Failed as many times as it may. */
  readonly exhausted: boolean;
}

function statusOf(spec: ProcessSpec, runs: readonly RunSummary[]): ProcessStatus {
  const last = runs[runs.length - 1];
  const failures = runs.filter((r) => r.state === 'FAILED').length;
  const exhausted = spec.maxFailures > 0 && failures >= spec.maxFailures;
  const running = last?.state === 'RUNNING';
  const completed =
    !running && ((last?.state === 'SUCCESS' && !spec.daemon) || last?.state === 'KILLED' || exhausted);
  return { spec, runs, last, running, failures, everSucceeded: runs.some((r) => r.state === 'SUCCESS'), completed, exhausted };
}

/** "Process hello failed 2 time(s) (exit status 1)" */
export function failureReason(status: { spec: ProcessSpec; failures: number; last: RunSummary | undefined }): string {
  const code = status.last?.exitCode;
  const detail = code === null || code === undefined ? '' : ` (${describeExit(code)})`;
  return `Process ${status.spec.name} failed ${status.failures} time(s)${detail}`;
}

/** "exit status 1", or "killed by signal 9" for the shell's 128+N convention. */
export function describeExit(code: number): string {
  return code > 128 && code < 160 ? `killed by signal ${code - 128}` : `exit status ${code}`;
}

/**
 * The next time `status` may start, given its last start and min duration; `now` if it never ran.
 * Null when it must not start again (completed or exhausted).
 */
function eligibleAt(status: ProcessStatus, now: number): number | null {
  if (status.running || status.completed) return null;
  if (!status.last) return now;
  return status.last.startedAt + status.spec.minDurationSecs * 1000;
}

/** The processes among `candidates` that may start, in spec order, honouring order and concurrency. */
function schedule(
  candidates: readonly ProcessStatus[],
  deps: Map<string, Set<string>>,
  statuses: Map<string, ProcessStatus>,
  task: TaskSpec,
  now: number,
): { start: string[]; wakeAt: number | null; blocked: ProcessStatus[] } {
  const running = [...statuses.values()].filter((s) => s.running).length;
  let slots = task.maxConcurrency === 0 ? Number.POSITIVE_INFINITY : task.maxConcurrency - running;
  const start: string[] = [];
  const blocked: ProcessStatus[] = [];
  let wakeAt: number | null = null;
  for (const s of candidates) {
    const at = eligibleAt(s, now);
    if (at === null) continue;
    const waitsOn = [...(deps.get(s.spec.name) ?? [])].map((n) => statuses.get(n));
    if (!waitsOn.every((d) => d?.everSucceeded)) {
      blocked.push(s);
      continue;
    }
    if (at > now) {
      wakeAt = wakeAt === null ? at : Math.min(wakeAt, at);
      continue;
    }
    if (slots <= 0) continue;
    slots--;
    start.push(s.spec.name);
  }
  return { start, wakeAt, blocked };
}

/** Decides what to do with a task's processes now. Throws ScheduleCycleError for looping order. */
export function planTask(input: PlanInput): Plan {
  const { task, now } = input;
  checkSchedule(task);
  const deps = predecessors(task);
  const statuses = new Map(task.processes.map((p) => [p.name, statusOf(p, input.runs[p.name] ?? [])]));
  const all = [...statuses.values()];
  const regular = all.filter((s) => !s.spec.final);
  const finals = all.filter((s) => s.spec.final);

  const outcome = decideOutcome(input, regular, deps, statuses);
  if (outcome === null) {
    const { start, wakeAt } = schedule(regular, deps, statuses, task, now);
    return { start, kill: [], wakeAt, outcome: null, finalizing: false, done: false };
  }

  // The regular work is over: stop what still runs of it, then give the final processes their turn.
  const stillRunning = regular.filter((s) => s.running).map((s) => s.spec.name);
  if (stillRunning.length > 0) {
    return { start: [], kill: stillRunning, wakeAt: null, outcome, finalizing: false, done: false };
  }
  const since = input.finalizingSince ?? now;
  const deadline = since + task.finalizationWaitSecs * 1000;
  const runningFinals = finals.filter((s) => s.running).map((s) => s.spec.name);
  if (now >= deadline) {
    return { start: [], kill: runningFinals, wakeAt: null, outcome, finalizing: true, done: runningFinals.length === 0 };
  }
  const { start, wakeAt } = schedule(finals, deps, statuses, task, now);
  const done = runningFinals.length === 0 && start.length === 0 && wakeAt === null;
  const nextWake = done ? null : Math.min(wakeAt ?? deadline, deadline);
  return { start, kill: [], wakeAt: nextWake, outcome, finalizing: true, done };
}

/** How the task ends given its regular processes, or null while it is still going. */
function decideOutcome(
  input: PlanInput,
  regular: readonly ProcessStatus[],
  deps: Map<string, Set<string>>,
  statuses: Map<string, ProcessStatus>,
): TaskOutcome | null {
  const { task, now } = input;
  if (input.decided) return input.decided;
  if (input.killRequested) return { state: input.killRequested.state ?? 'KILLED', reason: input.killRequested.reason };

  const failed = regular.filter((s) => s.exhausted);
  if (task.maxFailures > 0 && failed.length >= task.maxFailures) {
    return { state: 'FAILED', reason: failed.map(failureReason).join('; ') };
  }
  const required = regular.filter((s) => !s.spec.ephemeral);
  if (required.every((s) => s.completed && s.last?.state === 'SUCCESS')) {
    return { state: 'FINISHED', reason: 'Task finished successfully' };
  }
  // Nothing runs and nothing ever will: some process is stuck behind one that gave up.
  const { start, wakeAt, blocked } = schedule(regular, deps, statuses, task, now);
  const anyRunning = regular.some((s) => s.running);
  if (!anyRunning && start.length === 0 && wakeAt === null) {
    if (failed.length > 0) return { state: 'FAILED', reason: failed.map(failureReason).join('; ') };
    const names = blocked.map((s) => s.spec.name).join(', ');
    return { state: 'FAILED', reason: names ? `Processes can never start: ${names}` : 'No process can run' };
  }
  return null;
}
