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
      if (agentRunsIt) kill.push(report.taskId);
      continue;
    }
    if (!agentRunsIt) {
      changes.push({ taskId: task.taskId, to: report.state, message: report.message });
      continue;
    }
    if (BEING_KILLED.has(task.state)) {
      kill.push(task.taskId);
      continue;
    }
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
    else if (task.state === 'STARTING' || task.state === 'RUNNING') {
      changes.push({ taskId: task.taskId, to: 'LOST', message: `Task not reported by agent ${host}` });
    } else if (BEING_KILLED.has(task.state)) {
      changes.push({ taskId: task.taskId, to: 'KILLED', message: `Task not reported by agent ${host} while being killed` });
    }
  }
  return { changes, observations, launch, kill };
}

/** The scheduler's state moves forward to what the executor reports, never back. */
function advance(current: TaskState, reported: string): TaskState | null {
  if (reported === 'STARTING' && current === 'ASSIGNED') return 'STARTING';
  if (reported === 'RUNNING' && (current === 'ASSIGNED' || current === 'STARTING')) return 'RUNNING';
  return null;
}

function samePorts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ak = Object.keys(a);
  return ak.length === Object.keys(b).length && ak.every((k) => a[k] === b[k]);
}

/**
 * Work for an agent whose sync is being held open: launches and kills that appeared since the
 * sync was reconciled. The reports are the ones that sync carried.
 */
export function pendingWork(
  agentId: string,
  tasksOnAgent: readonly KnownTask[],
  reportedTaskIds: ReadonlySet<string>,
): { launch: string[]; kill: string[] } {
  const mine = tasksOnAgent.filter((t) => t.agentId === agentId);
  return {
    launch: mine.filter((t) => t.state === 'ASSIGNED' && !reportedTaskIds.has(t.taskId)).map((t) => t.taskId),
    kill: mine.filter((t) => BEING_KILLED.has(t.state) && reportedTaskIds.has(t.taskId)).map((t) => t.taskId),
  };
}

/**
 * Agents that have not synced for longer than the timeout. The clock starts no earlier than
 * `since` (the scheduler's start), so agents of a restarted scheduler get the full timeout to
 * come back; agents whose sync is being held open right now are plainly alive.
 */
export function findLostAgents(
  agents: readonly Pick<AgentInfo, 'agentId' | 'status' | 'lastSeenAt'>[],
  now: number,
  timeoutMs: number,
  since: number,
  heldOpen: ReadonlySet<string> = new Set(),
): string[] {
  return agents
    .filter((a) => a.status === 'ACTIVE' && !heldOpen.has(a.agentId) && now - Math.max(a.lastSeenAt, since) > timeoutMs)
    .map((a) => a.agentId);
}

/** Every task that held resources on a lost agent is LOST (and then rescheduled per its job). */
export function tasksLostWithAgent(
  agent: Pick<AgentInfo, 'agentId' | 'host'>,
  tasks: readonly KnownTask[],
  timeoutMs: number,
): StateChange[] {
  const seconds = Math.round(timeoutMs / 100) / 10;
  return tasks
    .filter((t) => t.agentId === agent.agentId && ACTIVE_ON_AGENT_STATES.has(t.state))
    .map((t) => ({ taskId: t.taskId, to: 'LOST' as const, message: `Agent ${agent.host} was lost: no sync for ${seconds} s` }));
}
