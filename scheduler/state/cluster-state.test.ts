import { describe, expect, it } from 'vitest';
import { specHash } from '../../dsl/jobspec.js';
import type { ScheduledTask, TaskState } from '../api/task.js';
import { jobSpec, scheduledTask } from '../testing/scheduler-harness.js';
import type { StoredAgent } from '../storage/storage.js';
import { ClusterState } from './cluster-state.js';

const spec = jobSpec({ instances: 2, resources: { cpu: 1, ramMb: 100, diskMb: 10 } });
const hash = specHash(spec);
const path = 'www-data/prod/hello';

function task(id: string, instance: number, state: TaskState, extra: Partial<ScheduledTask> = {}): ScheduledTask {
  return scheduledTask(spec, id, instance, state, { events: [{ state, at: 1, message: `made ${id}` }], ...extra });
}

const agent: StoredAgent = {
  agentId: 'a1',
  host: 'h1',
  observerUrl: 'http://h1:1338',
  attributes: {},
  resources: { cpu: 4, ramMb: 1000, diskMb: 1000, gpu: 0 },
  portRange: { begin: 31000, end: 31010 },
  status: 'ACTIVE',
  lastSeenAt: 0,
  version: 'v',
};

/** Everything the indexes say, as plain data. */
function view(s: ClusterState) {
  const jt = s.jobTasks(path);
  return {
    tasks: [...s.jobPathsWithTasks()].flatMap((p) => s.allTasks(p).map((t) => `${t.taskId}:${t.state}`)),
    counts: jt ? Object.fromEntries(jt.counts) : {},
    current: s.currentTasks(path).map((t) => t.taskId),
    onAgent: [...s.tasksOnAgent('a1')].sort(),
    pending: [...s.pendingGroups()].map((g) => [g.jobPath, [...g.taskIds]]),
    throttled: [...s.throttled()],
    partitioned: [...s.partitioned()],
    ended: [...s.ended()],
    job: s.job(path)?.removing ?? null,
    pool: s.pool.snapshot(),
  };
}

function loaded(): ClusterState {
  const s = new ClusterState(1000);
  s.load({ specs: new Map([[hash, spec]]), jobs: [{ spec, specHash: hash, createdAt: 1, removing: false }], tasks: [], agents: [agent], quotas: new Map(), updates: [], cronJobs: new Map(), maintenance: new Map() });
  return s;
}

describe('ClusterState', () => {
  it('keeps the current task of each instance, its state counts and who holds what on the agent', () => {
    const s = loaded();
    s.putTask(task('old', 0, 'FAILED'));
    s.putTask(task('new', 0, 'RUNNING', { agentId: 'a1', host: 'h1' }));
    s.putTask(task('other', 1, 'PENDING'));
    expect(view(s)).toMatchObject({
      current: ['new', 'other'],
      counts: { RUNNING: 1, PENDING: 1 },
      onAgent: ['new'],
      pending: [[path, ['other']]],
      ended: ['old'],
    });
    expect(s.pool.freeResources('a1')).toEqual({ cpu: 3, ramMb: 900, diskMb: 990, gpu: 0 });
    expect(s.hasActiveTasks(path)).toBe(true);
    // Ending the running task gives its resources back.
    s.putTask({ ...(s.task('new') as ScheduledTask), state: 'FINISHED' });
    expect(s.pool.freeResources('a1')).toEqual({ cpu: 4, ramMb: 1000, diskMb: 1000, gpu: 0 });
    expect(view(s)).toMatchObject({ counts: { FINISHED: 1, PENDING: 1 }, onAgent: [], ended: ['old', 'new'] });
  });

  it('undoes any sequence of changes exactly, indexes and pool included', () => {
    const s = loaded();
    s.putTask(task('t0', 0, 'RUNNING', { agentId: 'a1', ports: { http: 31000 } }));
    s.putTask(task('t1', 1, 'THROTTLED'));
    s.takeChanges();
    const before = view(s);
    const versionBefore = s.jobVersion(path);
    const changes = s.openChanges;
    s.putTask({ ...(s.task('t0') as ScheduledTask), state: 'LOST' });
    s.putTask(task('t2', 0, 'PARTITIONED', { agentId: 'a1' }));
    s.putTask({ ...(s.task('t1') as ScheduledTask), state: 'PENDING' });
    s.deleteTask('t0');
    s.putJob(path, { spec, specHash: hash, createdAt: 1, removing: true });
    s.putAgent({ ...agent, status: 'LOST' });
    expect(view(s)).not.toEqual(before);
    changes.rollbackTo(0);
    expect(view(s)).toEqual(before);
    expect(s.jobVersion(path)).not.toBe(versionBefore);
  });

  it('records the latest value of each changed entity for the store, and nothing after a rollback of it', () => {
    const s = loaded();
    s.putTask(task('t0', 0, 'PENDING'));
    s.putTask({ ...(s.task('t0') as ScheduledTask), state: 'ASSIGNED', agentId: 'a1' });
    const changes = s.openChanges;
    expect([...changes.tasks.keys()]).toEqual(['t0']);
    expect(changes.tasks.get('t0')?.state).toBe('ASSIGNED');
    expect([...changes.agentsWithWork, changes.placementWanted]).toEqual([true]);
    const mark = changes.undo.length;
    expect(() =>
      s.operation(() => {
        s.putTask(task('t9', 1, 'PENDING'));
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(changes.undo.length).toBe(mark);
    expect(changes.tasks.has('t9')).toBe(false);
    expect(s.task('t9')).toBeUndefined();
  });

  it('collects specs nothing refers to any more', () => {
    const s = loaded();
    const other = jobSpec({ name: 'gone' });
    const otherHash = specHash(other);
    s.putSpec(otherHash, other);
    s.putTask({ ...task('g0', 0, 'FINISHED'), jobKey: other.key, specHash: otherHash });
    expect(s.collectSpecs()).toBe(0);
    s.deleteTask('g0');
    s.takeChanges();
    expect(s.collectSpecs()).toBe(1);
    expect(s.spec(otherHash)).toBeUndefined();
    expect(s.openChanges.specs.get(otherHash)).toBeNull();
    expect(s.spec(hash)).toBeDefined();
    s.openChanges.rollbackTo(0);
    expect(s.spec(otherHash)).toEqual(other);
  });

  it('loads tasks in creation order, the newest of an instance current, ended ones by when they ended', () => {
    const s = new ClusterState(1);
    const first = task('first', 0, 'FAILED', { events: [{ state: 'FAILED', at: 50, message: null }] });
    const second = task('second', 0, 'LOST', { events: [{ state: 'LOST', at: 20, message: null }] });
    const third = task('third', 0, 'PENDING');
    s.load({ specs: new Map([[hash, spec]]), jobs: [{ spec, specHash: hash, createdAt: 1, removing: false }], tasks: [first, second, third], agents: [], quotas: new Map(), updates: [], cronJobs: new Map(), maintenance: new Map() });
    expect(s.currentTasks(path).map((t) => t.taskId)).toEqual(['third']);
    expect(s.allTasks(path).map((t) => t.taskId)).toEqual(['third', 'second', 'first']);
    expect([...s.ended()]).toEqual(['second', 'first']);
    expect(s.openChanges.empty).toBe(true);
  });
});
