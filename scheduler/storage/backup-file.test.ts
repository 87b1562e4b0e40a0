import { describe, expect, it } from 'vitest';
import { specHash } from '../../dsl/jobspec.js';
import { filterRecoveryTasks, withoutTasks } from '../core/recovery-query.js';
import { jobSpec, scheduledTask } from '../testing/scheduler-harness.js';
import { decodeBackup, encodeBackup } from './backup-file.js';
import type { LoadedState } from './storage.js';

const spec = jobSpec({ instances: 2 });
const hash = specHash(spec);
const state: LoadedState = {
  specs: new Map([[hash, spec]]),
  jobs: [{ spec, specHash: hash, createdAt: 5, removing: false }],
  tasks: [scheduledTask(spec, 't-0', 0, 'RUNNING'), scheduledTask(spec, 't-1', 1, 'FINISHED'), scheduledTask(spec, 't-1b', 1, 'PENDING')],
  agents: [],
  quotas: new Map([['www-data', { cpu: 2, ramMb: 10, diskMb: 20, gpu: 0 }]]),
  updates: [],
  cronJobs: new Map(),
  maintenance: new Map([['host1', { mode: 'DRAINING' as const, since: 7, by: 'ops' }]]),
};
const meta = { cluster: 'devcluster', createdAt: 9, writtenBy: '1.0.0' };
const lines = () => [...encodeBackup(state, meta)];

describe('the backup format', () => {
  it('reads back exactly the state it was written from, tasks in their order', async () => {
    const { header, state: read } = await decodeBackup('b', lines(), { cluster: 'devcluster' });
    expect(header).toMatchObject({ format: 'aurora-ts-scheduler-backup', version: 1, cluster: 'devcluster', createdAt: 9, writtenBy: '1.0.0' });
    expect(read.tasks.map((t) => t.taskId)).toEqual(['t-0', 't-1', 't-1b']);
    expect(JSON.parse(JSON.stringify({ ...read, specs: [...read.specs], quotas: [...read.quotas], cronJobs: [], maintenance: [...read.maintenance] }))).toEqual(
      JSON.parse(JSON.stringify({ ...state, specs: [...state.specs], quotas: [...state.quotas], cronJobs: [], maintenance: [...state.maintenance] })),
    );
  });

  it('refuses what is not a whole backup, naming the line', async () => {
    const refuse = (l: string[]) => decodeBackup('b', l, { cluster: 'devcluster' });
    await expect(refuse([])).rejects.toThrow('backup b, line 0: the file is empty');
    await expect(refuse(['hello'])).rejects.toThrow('line 1: this is not a scheduler backup');
    await expect(refuse(lines().slice(0, -1))).rejects.toThrow('cut short');
    await expect(refuse([...lines(), '["task",{}]'])).rejects.toThrow('more after the end line');
    const noSpec = lines().filter((l) => !l.startsWith('["spec"'));
    await expect(refuse(noSpec)).rejects.toThrow(`names spec ${hash}, which the backup does not hold`);
    const lost = lines().filter((l) => !l.includes('"t-1b"'));
    await expect(refuse(lost)).rejects.toThrow('a different number of tasks than it says');
    const odd = lines().map((l, i) => (i === 1 ? '["gizmo",1]' : l));
    await expect(refuse(odd)).rejects.toThrow("line 2: unknown entry kind 'gizmo'");
  });
});

describe('recovery queries', () => {
  it('pick tasks by id, job and state, and delete some', () => {
    expect(filterRecoveryTasks(state.tasks, { states: ['RUNNING', 'PENDING'] }).map((t) => t.taskId)).toEqual(['t-0', 't-1b']);
    expect(filterRecoveryTasks(state.tasks, { taskIds: ['t-1'], name: 'hello' }).map((t) => t.taskId)).toEqual(['t-1']);
    expect(filterRecoveryTasks(state.tasks, { role: 'nobody' })).toEqual([]);
    const { state: after, deleted, missing } = withoutTasks(state, ['t-0', 'x']);
    expect(deleted).toEqual(['t-0']);
    expect(missing).toEqual(['x']);
    expect(after.tasks.map((t) => t.taskId)).toEqual(['t-1', 't-1b']);
    expect(state.tasks).toHaveLength(3);
  });
});
