import type { AgentTaskReport } from '../../scheduler/api/agent-protocol.js';
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
