import { describe, expect, it } from 'vitest';
import { specHash } from '../../dsl/jobspec.js';
import { ApiError } from '../api/errors.js';
import type { ScheduledTask } from '../api/task.js';
import { ClusterState } from '../state/cluster-state.js';
import { SqliteStorage } from '../storage/sqlite-storage.js';
import type { LoadedState, Storage, WriteBatch } from '../storage/storage.js';
import { jobSpec, scheduledTask } from '../testing/scheduler-harness.js';
import { Committer } from './committer.js';

const spec = jobSpec();
const hash = specHash(spec);

const task = (id: string, instance: number): ScheduledTask => scheduledTask(spec, id, instance, 'PENDING');

/**
 * The real SQLite store behind a gate: each commit waits until the test opens it, and can be
 * made to fail, so commits can be in flight while more work arrives (as with a replicated
 * store, whose commits take a round trip).
 */
class GatedStorage implements Storage {
  readonly inner = new SqliteStorage(':memory:');
  readonly gates: { open: () => void; fail: (e: Error) => void }[] = [];
  readonly batches: WriteBatch[] = [];
  load() {
    return this.inner.load();
  }
  async commit(batch: WriteBatch): Promise<void> {
    this.batches.push(batch);
    await new Promise<void>((open, fail) => this.gates.push({ open, fail }));
    await this.inner.commit(batch);
  }
  replaceAll(state: LoadedState) {
    return this.inner.replaceAll(state);
  }
  compact() {
    return this.inner.compact();
  }
  close() {
    return this.inner.close();
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

function setup() {
  const storage = new GatedStorage();
  const state = new ClusterState(1);
  state.load({ specs: new Map(), jobs: [], tasks: [], agents: [], quotas: new Map(), updates: [], cronJobs: new Map(), maintenance: new Map() });
  const committed: string[][] = [];
  const failures: string[] = [];
  const committer = new Committer(state, storage, {
    onCommitted: (c) => committed.push([...c.tasks.keys()]),
    onFailed: (e) => failures.push(e.message),
  });
  state.putSpec(hash, spec);
  state.putJob('www-data/prod/hello', { spec, specHash: hash, createdAt: 1, removing: false });
  return { storage, state, committer, committed, failures };
}

describe('Committer', () => {
  it('commits what one turn changed as one batch, and what came meanwhile as the next', async () => {
    const { storage, state, committer, committed } = setup();
    state.putTask(task('a', 0));
    const first = committer.durable();
    state.putTask(task('b', 1));
    await until(() => storage.gates.length === 1);
    // While the first commit is in flight, more work arrives: it waits for the next.
    state.putTask(task('c', 2));
    const second = committer.durable();
    storage.gates[0]!.open();
    await first;
    expect(committed).toEqual([['a', 'b']]);
    await until(() => storage.gates.length === 2);
    storage.gates[1]!.open();
    await second;
    expect(committed).toEqual([['a', 'b'], ['c']]);
    expect((await storage.inner.load()).tasks.map((t) => t.taskId)).toEqual(['a', 'b', 'c']);
  });

  it('undoes a failed batch and everything after it, and fails everyone waiting on either', async () => {
    const { storage, state, committer, committed, failures } = setup();
    state.putTask(task('kept', 0));
    const kept = committer.durable();
    await until(() => storage.gates.length === 1);
    storage.gates[0]!.open();
    await kept;

    state.putTask(task('doomed', 1));
    const doomed = committer.durable();
    await until(() => storage.gates.length === 2);
    state.putTask(task('after', 2));
    const after = committer.durable();
    storage.gates[1]!.fail(new Error('disk full'));
    await expect(doomed).rejects.toThrow(ApiError);
    await expect(after).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(failures).toEqual(['disk full']);
    expect(committed).toEqual([['kept']]);
    // Memory is as the store is: only what was committed.
    expect(state.task('doomed')).toBeUndefined();
    expect(state.task('after')).toBeUndefined();
    expect(state.task('kept')).toBeDefined();
    expect(state.pendingCount).toBe(1);
    expect((await storage.inner.load()).tasks.map((t) => t.taskId)).toEqual(['kept']);

    // And it goes on committing.
    state.putTask(task('later', 1));
    const later = committer.durable();
    await until(() => storage.gates.length === 3);
    storage.gates[2]!.open();
    await later;
    expect(state.task('later')).toBeDefined();
  });
});
