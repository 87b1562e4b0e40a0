import { MAX_ENDED_REPORTS_PER_SYNC, type AgentTaskReport } from '../../scheduler/api/agent-protocol.js';
import { TERMINAL_TASK_STATES, type TaskRunState } from './checkpoint.js';

/** What the agent tells the scheduler about a task. */
export function taskReport(state: TaskRunState): AgentTaskReport {
  return {
    taskId: state.taskId,
    state: state.state,
    message: state.message,
    health: state.health,
    ports: { ...state.assignment.ports },
  };
}

/**
 * Whether the scheduler should still hear about a task: every live task, and terminal ones for
 * `retentionMs` after they ended (reports are level-triggered; the scheduler ignores repeats).
 */
export function shouldReport(state: TaskRunState, now: number, retentionMs: number): boolean {
  if (!TERMINAL_TASK_STATES.has(state.state)) return true;
  return state.endedAt !== null && now - state.endedAt < retentionMs;
}

/**
 * The reports of one sync: every live task, and ended ones the scheduler has not acknowledged
 * yet within `retentionMs`, the longest-ended first and at most `maxEnded` of them, so a sync
 * stays small however many tasks this agent has seen end.
 */
export function selectReports(
  states: Iterable<TaskRunState>,
  now: number,
  retentionMs: number,
  acknowledged: ReadonlySet<string>,
  maxEnded = MAX_ENDED_REPORTS_PER_SYNC,
): AgentTaskReport[] {
  const live: AgentTaskReport[] = [];
  const ended: TaskRunState[] = [];
  for (const state of states) {
    if (!TERMINAL_TASK_STATES.has(state.state)) live.push(taskReport(state));
    else if (!acknowledged.has(state.taskId) && shouldReport(state, now, retentionMs)) ended.push(state);
  }
  ended.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  return [...live, ...ended.slice(0, maxEnded).map(taskReport)];
}
