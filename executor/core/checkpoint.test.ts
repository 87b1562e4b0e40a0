import { describe, expect, it } from 'vitest';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { CheckpointError, formatRecord, parseCheckpoint, replayCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { shouldReport, taskReport } from './report.js';

const T0 = 1_700_000_000_000;
const task = taskSpec([processSpec('hello', 'echo hello'), processSpec('bye', 'echo bye')]);
const assigned: CheckpointRecord = {
  type: 'ASSIGNED',
  at: T0,
  version: 1,
  host: 'agent-1',
  assignment: assignment(task, { ports: { http: 31001 } }),
};

describe('replayCheckpoint', () => {
  it('rebuilds the task, its processes and their runs', () => {
    const state = replayCheckpoint([
      assigned,
      { type: 'TASK_STATE', at: T0 + 1, state: 'STARTING', message: null },
      { type: 'PROCESS_STARTED', at: T0 + 2, process: 'hello', run: 0, pid: 100, pgid: 100, cmdline: 'echo hello' },
      { type: 'TASK_STATE', at: T0 + 3, state: 'RUNNING', message: null },
      { type: 'PROCESS_ENDED', at: T0 + 4, process: 'hello', run: 0, state: 'FAILED', exitCode: 1, message: 'exit status 1' },
      { type: 'PROCESS_STARTED', at: T0 + 5, process: 'hello', run: 1, pid: 101, pgid: 101, cmdline: 'echo hello' },
    ]);
    expect(state.taskId).toBe('www-data-prod-hello-0-abc123');
    expect(state.host).toBe('agent-1');
    expect(state.state).toBe('RUNNING');
    expect(state.assignment.ports).toEqual({ http: 31001 });
    expect(state.processes.bye).toEqual([]);
    expect(state.processes.hello).toEqual([
      { run: 0, state: 'FAILED', pid: 100, pgid: 100, cmdline: 'echo hello', startedAt: T0 + 2, endedAt: T0 + 4, exitCode: 1, message: 'exit status 1' },
      { run: 1, state: 'RUNNING', pid: 101, pgid: 101, cmdline: 'echo hello', startedAt: T0 + 5, endedAt: null, exitCode: null, message: null },
    ]);
    expect(state.endedAt).toBeNull();
    expect(state.updatedAt).toBe(T0 + 5);
  });

  it('records the kill request and the terminal state', () => {
    const state = replayCheckpoint([
      assigned,
      { type: 'TASK_STATE', at: T0 + 1, state: 'KILLING', message: 'Killed by the scheduler' },
      { type: 'FINALIZING', at: T0 + 2, outcome: { state: 'KILLED', reason: 'Killed by the scheduler' } },
      { type: 'TASK_STATE', at: T0 + 3, state: 'KILLED', message: 'Killed by the scheduler' },
    ]);
    expect(state.killRequested).toEqual({ reason: 'Killed by the scheduler', at: T0 + 1, state: 'KILLED' });
    expect(state.finalizing).toEqual({ since: T0 + 2, outcome: { state: 'KILLED', reason: 'Killed by the scheduler' } });
    expect(state.state).toBe('KILLED');
    expect(state.endedAt).toBe(T0 + 3);
  });

  it('remembers that the agent killed the task for a failure, and its health', () => {
    const state = replayCheckpoint([
      assigned,
      { type: 'HEALTH', at: T0 + 1, health: 'UNHEALTHY', message: 'GET /health answered 500' },
      { type: 'TASK_STATE', at: T0 + 2, state: 'KILLING', message: 'Failed health check: GET /health answered 500', failure: true },
      { type: 'PROCESS_STARTED', at: T0 + 3, process: 'hello', run: 0, pid: 9, pgid: 9, cmdline: 'x', startTicks: 777 },
    ]);
    expect(state.killRequested).toEqual({ reason: 'Failed health check: GET /health answered 500', at: T0 + 2, state: 'FAILED' });
    expect(state.health).toBe('UNHEALTHY');
    expect(taskReport(state).health).toBe('UNHEALTHY');
    expect(state.processes.hello?.[0]?.startTicks).toBe(777);
  });

  it('refuses a stream that does not begin with the assignment', () => {
    expect(() => replayCheckpoint([{ type: 'TASK_STATE', at: T0, state: 'RUNNING', message: null }])).toThrow(CheckpointError);
  });
});

describe('parseCheckpoint', () => {
  it('reads back what formatRecord wrote and drops a torn last line', () => {
    const started: CheckpointRecord = { type: 'PROCESS_STARTED', at: T0, process: 'hello', run: 0, pid: 7, pgid: 7, cmdline: 'x' };
    const text = formatRecord(assigned) + formatRecord(started) + '{"type":"PROCESS_EN';
    expect(parseCheckpoint(text)).toEqual([assigned, started]);
  });

  it('reads the assignment of a task started before update strategies as a spec of today', () => {
    const { strategy: _s, slaAware: _a, ...updateConfig } = assigned.assignment.job.updateConfig;
    const old = { ...assigned, assignment: { ...assigned.assignment, job: { ...assigned.assignment.job, updateConfig: { ...updateConfig, batchSize: 1, waitForBatchCompletion: false } } } };
    const started: CheckpointRecord = { type: 'PROCESS_STARTED', at: T0, process: 'hello', run: 0, pid: 7, pgid: 7, cmdline: 'x' };
    expect(parseCheckpoint(`${JSON.stringify(old)}\n${formatRecord(started)}`)).toEqual([
      { ...assigned, assignment: { ...assigned.assignment, job: { ...assigned.assignment.job, updateConfig: { ...updateConfig, strategy: { kind: 'queue', groupSize: 1 }, slaAware: false } } } },
      started,
    ]);
  });

  it('refuses a damaged line in the middle', () => {
    expect(() => parseCheckpoint(`${formatRecord(assigned)}garbage\n${formatRecord(assigned)}`)).toThrow('checkpoint line 2 is not JSON');
  });
});

describe('taskReport', () => {
  it('reports state, message and ports; keeps terminal tasks only within the retention', () => {
    const state = replayCheckpoint([assigned, { type: 'TASK_STATE', at: T0 + 10, state: 'FAILED', message: 'Process hello failed 1 time(s) (exit status 1)' }]);
    expect(taskReport(state)).toEqual({
      taskId: 'www-data-prod-hello-0-abc123',
      state: 'FAILED',
      message: 'Process hello failed 1 time(s) (exit status 1)',
      health: 'UNKNOWN',
      ports: { http: 31001 },
    });
    expect(shouldReport(state, T0 + 1000, 60_000)).toBe(true);
    expect(shouldReport(state, T0 + 60_010, 60_000)).toBe(false);
    expect(shouldReport(replayCheckpoint([assigned]), T0 + 10 ** 9, 60_000)).toBe(true);
  });
});
