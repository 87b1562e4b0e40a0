import { describe, expect, it } from 'vitest';
import { MAX_ENDED_REPORTS_PER_SYNC } from '../../scheduler/api/agent-protocol.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import type { TaskRunState } from './checkpoint.js';
import { selectReports, taskReport } from './report.js';

const task = taskSpec([processSpec('p', 'true')]);

function state(taskId: string, s: TaskRunState['state'], endedAt: number | null = null): TaskRunState {
  return {
    taskId,
    assignment: assignment(task, { taskId }),
    host: 'h',
    state: s,
    message: null,
    startedAt: 0,
    endedAt,
    updatedAt: endedAt ?? 0,
    killRequested: null,
    finalizing: null,
    processes: {},
    health: 'UNKNOWN',
    healthMessage: null,
  } as TaskRunState;
}

describe('selectReports', () => {
  it('reports every live task and a bounded number of ended ones, the longest-ended first', () => {
    const live = Array.from({ length: 3 }, (_, i) => state(`live-${i}`, 'RUNNING'));
    const ended = Array.from({ length: 10_000 }, (_, i) => state(`done-${i}`, 'FINISHED', 10_000 - i));
    const reports = selectReports([...ended, ...live], taskReport, 20_000, 600_000, new Set());
    expect(reports).toHaveLength(3 + MAX_ENDED_REPORTS_PER_SYNC);
    expect(reports.slice(0, 3).map((r) => r.taskId)).toEqual(['live-0', 'live-1', 'live-2']);
    expect(reports[3]?.taskId).toBe('done-9999');
  });

  it('leaves out acknowledged ended tasks and those past the retention', () => {
    const reports = selectReports(
      [state('acked', 'FAILED', 100), state('old', 'KILLED', 1), state('fresh', 'FINISHED', 100), state('run', 'RUNNING')],
      taskReport,
      1_000,
      950,
      new Set(['acked', 'run']),
    );
    expect(reports.map((r) => r.taskId)).toEqual(['run', 'fresh']);
  });
});
