import { MAX_ENDED_REPORTS_PER_SYNC, type AgentTaskReport, type ExecutorTaskState } from '../../scheduler/api/agent-protocol.js';
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

/** What choosing the reports needs of a task (a replayed TaskRunState has it, so has an EndedTask). */
export interface Reportable {
  readonly taskId: string;
  readonly state: ExecutorTaskState;
  readonly endedAt: number | null;
}

/**
 * Whether the scheduler should still hear about a task: every live task, and terminal ones for
 * `retentionMs` after they ended (reports are level-triggered; the scheduler ignores repeats).
 */
export function shouldReport(task: Reportable, now: number, retentionMs: number): boolean {
  if (!TERMINAL_TASK_STATES.has(task.state)) return true;
  return task.endedAt !== null && now - task.endedAt < retentionMs;
}

/**
 * The reports of one sync: every live task, and ended ones the scheduler has not acknowledged
 * yet within `retentionMs`, the longest-ended first and at most `maxEnded` of them, so a sync
 * stays small however many tasks this agent has seen end. `toReport` builds a report, only for
 * the tasks chosen.
 */
export function selectReports<T extends Reportable>(
  tasks: Iterable<T>,
  toReport: (task: T) => AgentTaskReport,
  now: number,
  retentionMs: number,
  acknowledged: ReadonlySet<string>,
  maxEnded = MAX_ENDED_REPORTS_PER_SYNC,
): AgentTaskReport[] {
  const live: AgentTaskReport[] = [];
  const ended: T[] = [];
  for (const task of tasks) {
    if (!TERMINAL_TASK_STATES.has(task.state)) live.push(toReport(task));
    else if (!acknowledged.has(task.taskId) && shouldReport(task, now, retentionMs)) ended.push(task);
  }
  ended.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  return [...live, ...ended.slice(0, maxEnded).map(toReport)];
}
