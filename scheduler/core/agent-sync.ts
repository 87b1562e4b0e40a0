import type { AgentInfo, AgentTaskReport } from '../api/agent-protocol.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type Health, type TaskState } from '../api/task.js';

/**
 * Reconciliation of one agent sync, level-triggered: the agent says what it runs, the scheduler
 * compares with what it believes runs there and decides what to change, launch and kill. Pure.
 */

/** What the scheduler believes about a task, as far as reconciliation cares. */
export interface KnownTask {
  readonly taskId: string;
  readonly state: TaskState;
  readonly agentId: string | null;
  readonly health: Health;
  readonly ports: Readonly<Record<string, number>>;
}

export interface StateChange {
  readonly taskId: string;
  readonly to: TaskState;
  readonly message: string | null;
}

/** Health and ports the agent reports for a task (with or without a state change). */
export interface Observation {
  readonly taskId: string;
  readonly health: Health;
  readonly ports: Readonly<Record<string, number>>;
}

export interface SyncPlan {
  readonly changes: readonly StateChange[];
  readonly observations: readonly Observation[];
  /** ASSIGNED tasks the agent does not run yet. */
  readonly launch: readonly string[];
  /** Tasks the agent runs but should not. */
  readonly kill: readonly string[];
}

/** The scheduler is ending these on purpose; the agent should be killing them. */
const BEING_KILLED: ReadonlySet<TaskState> = new Set(['KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING']);

const EXECUTOR_ACTIVE: ReadonlySet<string> = new Set(['STARTING', 'RUNNING', 'KILLING']);

/**
 * @param agentId the syncing agent
 * @param host its host name, for messages
 * @param known the scheduler's active tasks on this agent plus every reported task it knows,
 *   wherever it thinks that task is
 * @param reports every task the agent runs or recently ended
 */
export function reconcileSync(
  agentId: string,
  host: string,
  known: readonly KnownTask[],
  reports: readonly AgentTaskReport[],
): SyncPlan {
  const byId = new Map(known.map((t) => [t.taskId, t]));
  const reported = new Set(reports.map((r) => r.taskId));
  const changes: StateChange[] = [];
  const observations: Observation[] = [];
  const kill: string[] = [];

  for (const report of reports) {
    const task = byId.get(report.taskId);
    const agentRunsIt = EXECUTOR_ACTIVE.has(report.state);
    // Unknown here (never ours, or ours on another agent) or already over: it must not run.
    if (!task || task.agentId !== agentId || TERMINAL_STATES.has(task.state) || !ACTIVE_ON_AGENT_STATES.has(task.state)) {
      if (agentRunsIt && report.state !== 'KILLING') kill.push(report.taskId);
      continue;
    }
    if (!agentRunsIt) {
      changes.push({ taskId: task.taskId, to: report.state, message: report.message });
      continue;
    }
    if (BEING_KILLED.has(task.state)) {
      // Until the agent says it is killing the task; told again and again, an agent whose kill
      // takes a while (a graceful shutdown) would be answered at once, sync after sync.
      if (report.state !== 'KILLING') kill.push(task.taskId);
      continue;
    }
    if (task.state === 'PARTITIONED' && report.state === 'KILLING') continue;
    const to = advance(task.state, report.state);
    if (to) changes.push({ taskId: task.taskId, to, message: report.message });
    // The assigned ports stay reserved whatever the agent reports; what it reports is added.
    const ports = { ...task.ports, ...report.ports };
    if (to || task.health !== report.health || !samePorts(task.ports, ports)) {
      observations.push({ taskId: task.taskId, health: report.health, ports });
    }
  }

  const launch: string[] = [];
  for (const task of known) {
    if (task.agentId !== agentId || reported.has(task.taskId)) continue;
    if (task.state === 'ASSIGNED') launch.push(task.taskId);
    else if (task.state === 'STARTING' || task.state === 'RUNNING' || task.state === 'PARTITIONED') {
      changes.push({ taskId: task.taskId, to: 'LOST', message: `Task not reported by agent ${host}` });
    } else if (BEING_KILLED.has(task.state)) {
      changes.push({ taskId: task.taskId, to: 'KILLED', message: `Task not reported by agent ${host} while being killed` });
    }
  }
  return { changes, observations, launch, kill };
}

/**
 * The scheduler's state moves forward to what the executor reports, never back; a PARTITIONED
 * task whose agent is back takes the state it reports.
 */
function advance(current: TaskState, reported: string): TaskState | null {
  if (reported === 'STARTING' && (current === 'ASSIGNED' || current === 'PARTITIONED')) return 'STARTING';
  if (reported === 'RUNNING' && (current === 'ASSIGNED' || current === 'STARTING' || current === 'PARTITIONED')) return 'RUNNING';
  return null;
}

function samePorts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => a[k] === b[k]);
}

/**
 * Work for an agent whose sync is being held open: launches and kills that appeared since the
 * sync was reconciled. `reported` is what that sync carried: each task's state on the agent. A
 * task the agent already kills (KILLING) is no work.
 */
export function pendingWork(
  agentId: string,
  tasksOnAgent: readonly KnownTask[],
  reported: ReadonlyMap<string, string>,
): { launch: string[]; kill: string[] } {
  const mine = tasksOnAgent.filter((t) => t.agentId === agentId);
  return {
    launch: mine.filter((t) => t.state === 'ASSIGNED' && !reported.has(t.taskId)).map((t) => t.taskId),
    kill: mine.filter((t) => BEING_KILLED.has(t.state) && reported.has(t.taskId) && reported.get(t.taskId) !== 'KILLING').map((t) => t.taskId),
  };
}

/**
 * Agents that have not synced for longer than the timeout. The clock starts no earlier than
 * `since` (the scheduler's start), so agents of a restarted scheduler get the full timeout to
 * come back. A sync held open does not count as alive: the scheduler holds syncs for less than
 * the timeout, so a live agent has always synced within it.
 */
export function findLostAgents(
  agents: Iterable<Pick<AgentInfo, 'agentId' | 'status' | 'lastSeenAt'>>,
  now: number,
  timeoutMs: number,
  since: number,
): string[] {
  const lost: string[] = [];
  for (const a of agents) if (a.status === 'ACTIVE' && now - Math.max(a.lastSeenAt, since) > timeoutMs) lost.push(a.agentId);
  return lost;
}

/** What a job says about its tasks on an agent that cannot be reached (Aurora's PartitionPolicy). */
export interface PartitionPolicy {
  /** Replace the task once `delaySecs` have passed; false keeps waiting for the agent. */
  readonly reschedule: boolean;
  readonly delaySecs: number;
}

/**
 * The tasks on a lost agent, and what becomes of them: ones that ran go PARTITIONED, to come
 * back with their agent or be replaced per their job's partition policy (at once, the default,
 * makes them LOST); ones being killed by a user count as KILLED; ones being restarted, preempted
 * or drained are LOST and run again elsewhere.
 */
export function tasksLostWithAgent(
  agent: Pick<AgentInfo, 'agentId' | 'host'>,
  tasks: readonly KnownTask[],
  timeoutMs: number,
  policyOf: (taskId: string) => PartitionPolicy,
): StateChange[] {
  const seconds = Math.round(timeoutMs / 100) / 10;
  const why = `Agent ${agent.host} was lost: no sync for ${seconds} s`;
  const changes: StateChange[] = [];
  for (const t of tasks) {
    if (t.agentId !== agent.agentId || !ACTIVE_ON_AGENT_STATES.has(t.state) || t.state === 'PARTITIONED') continue;
    if (t.state === 'ASSIGNED' || t.state === 'STARTING' || t.state === 'RUNNING') {
      const policy = policyOf(t.taskId);
      const lost = policy.reschedule && policy.delaySecs <= 0;
      changes.push({ taskId: t.taskId, to: lost ? 'LOST' : 'PARTITIONED', message: why });
    } else if (t.state === 'KILLING') {
      changes.push({ taskId: t.taskId, to: 'KILLED', message: `${why}; the kill stands` });
    } else {
      changes.push({ taskId: t.taskId, to: 'LOST', message: why });
    }
  }
  return changes;
}

/** PARTITIONED tasks whose partition policy says to replace them now. */
export function partitionsDue(
  tasks: Iterable<{ readonly taskId: string; readonly partitionedAt: number; readonly policy: PartitionPolicy }>,
  now: number,
): string[] {
  const due: string[] = [];
  for (const t of tasks) if (t.policy.reschedule && now >= t.partitionedAt + t.policy.delaySecs * 1000) due.push(t.taskId);
  return due;
}
