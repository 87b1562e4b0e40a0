import { MIGRATIONS } from './migrations.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { specHash } from '../../dsl/jobspec.js';
import type { ScheduledTask } from '../api/task.js';
import { jobSpec } from '../testing/scheduler-harness.js';
import { DATABASE_FILE, SqliteStorage, StorageOpenError } from './sqlite-storage.js';

const spec = jobSpec({ instances: 2 });
const hash = specHash(spec);

function task(taskId: string, instance: number, overrides: Partial<ScheduledTask> = {}): ScheduledTask {
  return {
    taskId,
    jobKey: spec.key,
    instance,
    state: 'PENDING',
    specHash: hash,
    agentId: null,
    host: null,
    observerUrl: null,
    ports: {},
    health: 'UNKNOWN',
    failureCount: 0,
    pendingReason: 'No agents registered',
    events: [{ state: 'PENDING', at: 1, message: 'Created by anonymous' }],
    ...overrides,
  };
}

describe('SqliteStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aurora-storage-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps jobs, tasks with their events, and agents across a reopen', () => {
    const first = SqliteStorage.openInDataDir(dir);
    first.transaction(() => {
      first.putJob({ spec, specHash: hash, createdAt: 5, removing: false });
      first.insertTask(task('t0', 0));
      first.insertTask(task('t1', 1));
      first.updateTask(task('t0', 0, { state: 'ASSIGNED', agentId: 'a1', host: 'h1', ports: { http: 31000 }, pendingReason: null }));
      first.appendTaskEvent('t0', { state: 'ASSIGNED', at: 2, message: 'Assigned to agent h1' });
      first.putAgent({
        agentId: 'a1',
        host: 'h1',
        observerUrl: 'http://h1:1338',
        attributes: { rack: 'r1' },
        resources: { cpu: 1, ramMb: 512, diskMb: 1024, gpu: 0 },
        portRange: { begin: 31000, end: 31010 },
        status: 'ACTIVE',
        lastSeenAt: 3,
        version: 'v1',
      });
    });
    first.close();

    const again = SqliteStorage.openInDataDir(dir);
    expect(again.getJob(spec.key)).toEqual({ spec, specHash: hash, createdAt: 5, removing: false });
    expect(again.getTask('t0')).toMatchObject({
      state: 'ASSIGNED',
      agentId: 'a1',
      ports: { http: 31000 },
      events: [
        { state: 'PENDING', at: 1, message: 'Created by anonymous' },
        { state: 'ASSIGNED', at: 2, message: 'Assigned to agent h1' },
      ],
    });
    expect(again.listAgents().map((a) => [a.agentId, a.attributes])).toEqual([['a1', { rack: 'r1' }]]);
    again.close();
  });

  it('lists tasks by job, state and agent, newest task of an instance first', () => {
    const s = new SqliteStorage(':memory:');
    s.putSpec(hash, spec);
    s.insertTask(task('old', 0, { state: 'FAILED' }));
    s.insertTask(task('new', 0));
    s.insertTask(task('other', 1, { state: 'RUNNING', agentId: 'a1' }));
    expect(s.listTasks({ name: 'hello' }).map((t) => t.taskId)).toEqual(['new', 'old', 'other']);
    expect(s.listTasks({ states: ['PENDING', 'RUNNING'] }).map((t) => t.taskId)).toEqual(['new', 'other']);
    expect(s.listTasks({ agentId: 'a1' }).map((t) => t.taskId)).toEqual(['other']);
    expect(s.listTasks({ name: 'nope' })).toEqual([]);
    s.close();
  });

  it('rolls a failed transaction back', () => {
    const s = new SqliteStorage(':memory:');
    expect(() =>
      s.transaction(() => {
        s.putJob({ spec, specHash: hash, createdAt: 1, removing: false });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.listJobs()).toEqual([]);
    s.close();
  });

  it('writes durably: WAL journal with synchronous=FULL, schema version recorded', () => {
    const s = SqliteStorage.openInDataDir(dir);
    s.close();
    const db = new Database(join(dir, DATABASE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });

  it('refuses a database written by a newer scheduler', () => {
    SqliteStorage.openInDataDir(dir).close();
    const db = new Database(join(dir, DATABASE_FILE));
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 0)").run();
    db.close();
    expect(() => SqliteStorage.openInDataDir(dir)).toThrow(/schema version 99, newer than this scheduler knows/);
  });

  it('explains a data dir it cannot create', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => SqliteStorage.openInDataDir(join(file, 'sub'))).toThrow(StorageOpenError);
    expect(() => SqliteStorage.openInDataDir(join(file, 'sub'))).toThrow(/cannot create data dir/);
  });
});
