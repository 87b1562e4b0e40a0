import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobSpecSchema, specHash } from '../../dsl/jobspec.js';
import type { ScheduledTask } from '../api/task.js';
import { jobSpec, scheduledTask } from '../testing/scheduler-harness.js';
import { MIGRATIONS } from './migrations.js';
import { DATABASE_FILE, SqliteStorage, StorageOpenError } from './sqlite-storage.js';
import { StorageCommitError, type StoredAgent, type WriteBatch } from './storage.js';

const spec = jobSpec({ instances: 2 });
const hash = specHash(spec);
const path = 'www-data/prod/hello';

function task(taskId: string, instance: number, overrides: Partial<ScheduledTask> = {}): ScheduledTask {
  return scheduledTask(spec, taskId, instance, 'PENDING', {
    pendingReason: 'No agents registered',
    events: [{ state: 'PENDING', at: 1, message: 'Created by anonymous' }],
    ...overrides,
  });
}

const agent: StoredAgent = {
  agentId: 'a1',
  host: 'h1',
  observerUrl: 'http://h1:1338',
  attributes: { rack: 'r1' },
  resources: { cpu: 1, ramMb: 512, diskMb: 1024, gpu: 0 },
  portRange: { begin: 31000, end: 31010 },
  status: 'ACTIVE',
  lastSeenAt: 3,
  version: 'v1',
};

function batch(parts: Partial<{ [K in keyof WriteBatch]: [string, unknown][] }>): WriteBatch {
  return {
    specs: new Map(parts.specs as [string, never][]),
    jobs: new Map(parts.jobs as [string, never][]),
    tasks: new Map(parts.tasks as [string, never][]),
    agents: new Map(parts.agents as [string, never][]),
    quotas: new Map(parts.quotas as [string, never][]),
    updates: new Map(parts.updates as [string, never][]),
    cronJobs: new Map(parts.cronJobs as [string, never][]),
    maintenance: new Map(parts.maintenance as [string, never][]),
  };
}

describe('SqliteStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aurora-storage-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps specs, jobs, tasks with their events, and agents across a reopen', async () => {
    const first = SqliteStorage.openInDataDir(dir);
    const assigned = task('t0', 0, {
      state: 'ASSIGNED',
      agentId: 'a1',
      host: 'h1',
      ports: { http: 31000 },
      pendingReason: null,
      events: [
        { state: 'PENDING', at: 1, message: 'Created by anonymous' },
        { state: 'ASSIGNED', at: 2, message: 'Assigned to agent h1' },
      ],
    });
    await first.commit(
      batch({
        specs: [[hash, spec]],
        jobs: [[path, { spec, specHash: hash, createdAt: 5, removing: false }]],
        tasks: [
          ['t0', task('t0', 0)],
          ['t1', task('t1', 1)],
        ],
        agents: [['a1', agent]],
      }),
    );
    await first.commit(batch({ tasks: [['t0', assigned]] }));
    await first.close();

    const loaded = await SqliteStorage.openInDataDir(dir).load();
    expect(loaded.jobs).toEqual([{ spec, specHash: hash, createdAt: 5, removing: false }]);
    expect(loaded.specs.get(hash)).toEqual(spec);
    // Created first, listed first, whatever was updated since.
    expect(loaded.tasks.map((t) => t.taskId)).toEqual(['t0', 't1']);
    expect(loaded.tasks[0]).toEqual(assigned);
    expect(loaded.agents).toEqual([agent]);
  });

  it('deletes what a batch says is gone', async () => {
    const s = new SqliteStorage(':memory:');
    await s.commit(batch({ specs: [[hash, spec]], jobs: [[path, { spec, specHash: hash, createdAt: 5, removing: false }]], tasks: [['t0', task('t0', 0)]] }));
    await s.commit(batch({ jobs: [[path, null]], tasks: [['t0', null]], specs: [[hash, null]] }));
    const loaded = await s.load();
    expect([loaded.jobs, loaded.tasks, [...loaded.specs.keys()]]).toEqual([[], [], []]);
    await s.close();
  });

  it('applies nothing of a batch that fails, and says why', async () => {
    const s = new SqliteStorage(':memory:');
    // A job whose spec was never stored breaks the foreign key after the task was written.
    const broken = batch({ tasks: [['t0', task('t0', 0)]], jobs: [['www-data/prod/orphan', { spec, specHash: 'missing', createdAt: 1, removing: false }]] });
    await expect(s.commit(broken)).rejects.toThrow(StorageCommitError);
    expect((await s.load()).tasks).toEqual([]);
    await s.close();
  });

  it('reports a full store (max_page_count, as a full disk) as a failed commit', async () => {
    const s = SqliteStorage.openInDataDir(dir);
    await s.commit(batch({ specs: [[hash, spec]] }));
    const pages = s.pageCount();
    await s.close();
    const full = SqliteStorage.openInDataDir(dir, { maxPageCount: pages });
    const many = Array.from({ length: 2000 }, (_, i) => [`t${i}`, task(`t${i}`, i % 2)] as [string, unknown]);
    await expect(full.commit(batch({ tasks: many }))).rejects.toThrow(/database or disk is full/);
    expect((await full.load()).tasks).toEqual([]);
    await full.close();
  });

  it('writes durably: WAL journal with synchronous=FULL, schema version recorded', async () => {
    await SqliteStorage.openInDataDir(dir).close();
    const db = new Database(join(dir, DATABASE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });

  it('migrates a database of the previous schema: tasks with their events become documents', async () => {
    const db = new Database(join(dir, DATABASE_FILE));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.description);
    }
    db.prepare('INSERT INTO job_specs VALUES (?, ?)').run(hash, JSON.stringify(spec));
    db.prepare("INSERT INTO jobs VALUES ('www-data', 'prod', 'hello', ?, 5, 0)").run(hash);
    const insert = db.prepare(
      `INSERT INTO tasks (task_id, cluster, role, environment, name, instance, state, spec_hash, agent_id, host, observer_url,
         ports_json, health, failure_count, pending_reason, throttle_json) VALUES (?, 'devcluster', 'www-data', 'prod', 'hello', ?, ?, ?, ?, ?, ?, ?, 'HEALTHY', 1, NULL, ?)`,
    );
    insert.run('old', 0, 'FAILED', hash, 'a1', 'h1', 'http://h1:1338', '{"http":31000}', null);
    insert.run('new', 0, 'THROTTLED', hash, null, null, null, '{}', '{"penaltyMs":30000,"until":99}');
    const event = db.prepare('INSERT INTO task_events (task_id, state, at, message) VALUES (?, ?, ?, ?)');
    event.run('old', 'PENDING', 1, 'Created by alice');
    event.run('old', 'FAILED', 3, null);
    event.run('new', 'THROTTLED', 4, 'Rescheduled');
    db.close();

    const loaded = await SqliteStorage.openInDataDir(dir).load();
    expect(loaded.tasks.map((t) => t.taskId)).toEqual(['old', 'new']);
    expect(loaded.tasks[0]).toEqual({
      taskId: 'old',
      jobKey: spec.key,
      instance: 0,
      state: 'FAILED',
      specHash: hash,
      agentId: 'a1',
      host: 'h1',
      observerUrl: 'http://h1:1338',
      ports: { http: 31000 },
      health: 'HEALTHY',
      failureCount: 1,
      pendingReason: null,
      throttle: null,
      events: [
        { state: 'PENDING', at: 1, message: 'Created by alice' },
        { state: 'FAILED', at: 3, message: null },
      ],
    });
    expect(loaded.tasks[1]?.throttle).toEqual({ penaltyMs: 30000, until: 99 });
  });

  it("reads a spec stored before update strategies as today's, under its stored hash", async () => {
    await SqliteStorage.openInDataDir(dir).close();
    const { updateConfig: _now, ...rest } = spec;
    const old = {
      ...rest,
      cronTimezone: 'UTC',
      updateConfig: { batchSize: 2, watchSecs: 45, maxPerInstanceFailures: 0, maxTotalFailures: 0, rollbackOnFailure: true, waitForBatchCompletion: true, pulseIntervalSecs: null },
    };
    const db = new Database(join(dir, DATABASE_FILE));
    db.prepare('INSERT INTO job_specs VALUES (?, ?)').run('0ld5pec0ld5pec00', JSON.stringify(old));
    db.prepare("INSERT INTO jobs VALUES ('www-data', 'prod', 'hello', '0ld5pec0ld5pec00', 5, 0)").run();
    db.close();

    const loaded = await SqliteStorage.openInDataDir(dir).load();
    const upgraded = { ...spec, cronTimezone: 'UTC', updateConfig: { ...spec.updateConfig, strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false } } };
    expect(loaded.specs.get('0ld5pec0ld5pec00')).toEqual(upgraded);
    expect(loaded.jobs[0]).toMatchObject({ specHash: '0ld5pec0ld5pec00', spec: upgraded });
    expect(JobSpecSchema.parse(loaded.jobs[0]?.spec)).toEqual(upgraded);
  });

  it('refuses a database written by a newer scheduler', async () => {
    await SqliteStorage.openInDataDir(dir).close();
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
