import { describe, expect, it } from 'vitest';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { CHECKPOINT_VERSION, CheckpointError, formatRecord, parseCheckpoint, replayCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { endedTaskReport, readEndedTask } from './ended-task.js';
import { taskReport } from './report.js';

const a = assignment(taskSpec([processSpec('p', 'true')]), { taskId: 't-1', ports: { http: 31001 } });
const assigned: CheckpointRecord = { type: 'ASSIGNED', at: 1000, version: CHECKPOINT_VERSION, host: 'h', assignment: a, specHash: 'abc' };
const records: CheckpointRecord[] = [
  assigned,
  { type: 'TASK_STATE', at: 1001, state: 'STARTING', message: null },
  { type: 'PROCESS_STARTED', at: 1002, process: 'p', run: 0, pid: 10, pgid: 10, cmdline: 'true' },
  { type: 'TASK_STATE', at: 1002, state: 'RUNNING', message: null },
  { type: 'HEALTH', at: 1003, health: 'HEALTHY', message: 'ok' },
  { type: 'PROCESS_ENDED', at: 1004, process: 'p', run: 0, state: 'FAILED', exitCode: 3, message: 'exit status 3' },
  { type: 'TASK_STATE', at: 1005, state: 'FAILED', message: 'Process p failed 1 time(s) (exit status 3)' },
];
const text = (rs: CheckpointRecord[]) => rs.map(formatRecord).join('');

describe('readEndedTask', () => {
  it('reports an ended task as a full replay would', () => {
    const found = readEndedTask(text(records));
    if (found === 'live') throw new Error('expected an ended task');
    expect(endedTaskReport(found.task)).toEqual(taskReport(replayCheckpoint(parseCheckpoint(text(records)))));
    expect(found.task).toMatchObject({ taskId: 't-1', endedAt: 1005, specHash: 'abc', acknowledgedAt: null, health: 'HEALTHY' });
    expect(found.job).toEqual(a.job);
  });

  it('knows an acknowledged task, and leaves a live one to the full replay', () => {
    const acked = readEndedTask(text([...records, { type: 'ACKNOWLEDGED', at: 2000 }]));
    expect(acked !== 'live' && acked.task.acknowledgedAt).toBe(2000);
    expect(replayCheckpoint(parseCheckpoint(text([...records, { type: 'ACKNOWLEDGED', at: 2000 }]))).acknowledgedAt).toBe(2000);
    expect(readEndedTask(text(records.slice(0, 4)))).toBe('live');
    expect(readEndedTask(text([assigned]))).toBe('live');
  });

  it('drops a torn last line and refuses what a full parse refuses', () => {
    const torn = `${text(records)}{"type":"ACKNOWLEDGED","a`;
    expect(readEndedTask(torn)).not.toBe('live');
    expect(() => readEndedTask(`${text(records.slice(0, 2))}not json\n${text(records.slice(2))}`)).toThrow(CheckpointError);
    expect(() => readEndedTask(text(records.slice(1)))).toThrow('does not begin with the task assignment');
    expect(() => readEndedTask('')).toThrow('does not begin with the task assignment');
    const badPorts = text([{ ...assigned, assignment: { ...a, ports: { http: 'x' as unknown as number } } }, ...records.slice(1)]);
    expect(() => readEndedTask(badPorts)).toThrow('bad port http');
  });
});
