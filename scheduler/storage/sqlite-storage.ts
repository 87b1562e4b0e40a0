import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobSpec } from '../../dsl/jobspec.js';
import { upgradeJobSpecJson } from '../../dsl/jobspec-upgrade.js';
import type { CronJob } from '../api/cron-api.js';
import type { HostMaintenance } from '../api/maintenance-api.js';
import type { ResourceAmounts } from '../api/quota-api.js';
import type { JobUpdate } from '../api/updates-api.js';
import type { ScheduledTask } from '../api/task.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { forEachTaskDoc, TaskDocsReader } from './task-docs-reader.js';
import { StorageCommitError, batchOf, jobRefOf, type LoadedState, type Storage, type StoredAgent, type StoredJob, type WriteBatch } from './storage.js';

export const DATABASE_FILE = 'scheduler.db';

/** The data dir cannot be created or the database cannot be opened or migrated. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

interface JobRow {
  spec_hash: string;
  created_at: number;
  removing: number;
}

interface AgentRow {
  agent_id: string;
  host: string;
  observer_url: string;
  attributes_json: string;
  resources_json: string;
  port_begin: number;
  port_end: number;
  status: string;
  last_seen_at: number;
  version: string;
}

export interface SqliteStorageOptions {
  /**
   * SQLite's `max_page_count`: the most pages the file may grow to. Tests use it to make the
   * store full, which SQLite reports exactly as it reports a full disk. @default no limit
   */
  readonly maxPageCount?: number;
  /** Task documents being read already (started by the entry point): load takes them from it. */
  readonly reader?: TaskDocsReader | null;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit that
 * resolved survives a kill -9 and a power cut. Each commit is one transaction; the scheduler
 * groups its changes so that a burst of work is a few commits, not one per change. All of the
 * scheduler's SQL lives here.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Opens `<dataDir>/scheduler.db`, creating it only where there is none. A file that is empty or
   * not a SQLite database is refused, never taken for a new cluster: with `init` it is moved aside
   * and a new, empty cluster is created instead.
   */
  static openInDataDir(dataDir: string, options: SqliteStorageOptions & { readonly init?: boolean } = {}): SqliteStorage {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (e) {
      throw new StorageOpenError(`cannot create data dir ${dataDir}: ${(e as Error).message}`);
    }
    const file = join(dataDir, DATABASE_FILE);
    let found = inspectDatabaseFile(file);
    if (found === 'ok' && options.init && !readable(file)) found = 'not-sqlite';
    if (found === 'ok' && options.init) {
      throw new StorageOpenError(
        `${file} holds a cluster's state already; --init creates a cluster only where there is none or the database is unusable (move the file away yourself to start over)`,
      );
    }
    if (found === 'empty' || found === 'not-sqlite') {
      const what = found === 'empty' ? 'is empty (0 bytes)' : 'is not a SQLite database';
      if (!options.init) {
        throw new StorageOpenError(
          `the scheduler database ${file} ${what}, so it holds no cluster state; the scheduler does not start an empty cluster in its place. Restore it from a backup, or start with --init to create a new, empty cluster (the file is kept beside it)`,
        );
      }
      const aside = `${file}.unusable-${Date.now()}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
    }
    return new SqliteStorage(file, options);
  }

  /** Taken by the first load; a later one (after a recovery) reads the file itself. */
  private reader: TaskDocsReader | null;

  /** `':memory:'` gives a private in-memory database. */
  constructor(
    readonly file: string,
    options: SqliteStorageOptions = {},
  ) {
    this.reader = options.reader ?? null;
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db, MIGRATIONS);
      if (options.maxPageCount !== undefined) this.db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    } catch (e) {
      if (e instanceof StorageOpenError) throw e;
      throw new StorageOpenError(storageProblem(file, e));
    }
  }

  /** Pages the file has now (for tests that make the store full). */
  pageCount(): number {
    return this.db.pragma('page_count', { simple: true }) as number;
  }

  /** Prepared statements are compiled once per SQL text. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async load(): Promise<LoadedState> {
    try {
      return await this.loadAll();
    } catch (e) {
      throw new StorageOpenError(storageProblem(this.file, e));
    }
  }

  private async loadAll(): Promise<LoadedState> {
    const specs = new Map<string, JobSpec>();
    for (const row of this.stmt('SELECT hash, spec_json FROM job_specs').iterate() as Iterable<{ hash: string; spec_json: string }>) {
      // A spec stored before update strategies reads as today's, under the hash it was stored by.
      specs.set(row.hash, upgradeJobSpecJson(JSON.parse(row.spec_json)) as JobSpec);
    }
    const jobs = (this.stmt('SELECT spec_hash, created_at, removing FROM jobs ORDER BY role, environment, name').all() as JobRow[]).map(
      (row): StoredJob => ({
        spec: specs.get(row.spec_hash) as JobSpec,
        specHash: row.spec_hash,
        createdAt: row.created_at,
        removing: row.removing === 1,
      }),
    );
    // One parse per task: the whole document, events included. A large store is read in a
    // worker while this thread parses, each document's text garbage as soon as it is parsed.
    const tasks: ScheduledTask[] = [];
    const span = this.stmt('SELECT COALESCE(MAX(seq) - MIN(seq) + 1, 0) FROM tasks').pluck().get() as number;
    // Starting a worker costs more than it saves on a small store.
    const reader = this.reader ?? (span > 20_000 ? TaskDocsReader.start(this.file) : null);
    this.reader = null;
    await forEachTaskDoc(
      this.file,
      reader,
      () => this.stmt('SELECT doc FROM tasks ORDER BY seq').pluck().iterate() as Iterable<string>,
      (doc) => tasks.push(JSON.parse(doc) as ScheduledTask),
    );
    const agents = (this.stmt('SELECT * FROM agents ORDER BY host, agent_id').all() as AgentRow[]).map(toAgent);
    const quotas = new Map<string, ResourceAmounts>();
    for (const row of this.stmt('SELECT * FROM quotas ORDER BY role').all() as { role: string; cpu: number; ram_mb: number; disk_mb: number; gpu: number }[]) {
      quotas.set(row.role, { cpu: row.cpu, ramMb: row.ram_mb, diskMb: row.disk_mb, gpu: row.gpu });
    }
    const updates = (this.stmt('SELECT doc FROM job_updates ORDER BY created_at, id').pluck().all() as string[]).map(
      (doc) => JSON.parse(doc) as JobUpdate,
    );
    const cronJobs = new Map<string, CronJob>();
    for (const row of this.stmt('SELECT role, environment, name, doc FROM cron_jobs').all() as { role: string; environment: string; name: string; doc: string }[]) {
      cronJobs.set(`${row.role}/${row.environment}/${row.name}`, JSON.parse(row.doc) as CronJob);
    }
    const maintenance = new Map<string, HostMaintenance>();
    for (const row of this.stmt('SELECT host, doc FROM host_maintenance').all() as { host: string; doc: string }[]) {
      maintenance.set(row.host, JSON.parse(row.doc) as HostMaintenance);
    }
    return { specs, jobs, tasks, agents, quotas, updates, cronJobs, maintenance };
  }

  async commit(batch: WriteBatch): Promise<void> {
    try {
      this.db.transaction(() => this.write(batch))();
    } catch (e) {
      throw new StorageCommitError(`the scheduler database ${this.file} did not take the change: ${(e as Error).message}`);
    }
  }

  async replaceAll(state: LoadedState): Promise<void> {
    try {
      this.db.transaction(() => {
        // Children before parents (tasks and jobs name specs).
        for (const table of ['task_events', 'tasks', 'jobs', 'agents', 'quotas', 'job_updates', 'cron_jobs', 'host_maintenance', 'job_specs']) {
          if (this.hasTable(table)) this.db.prepare(`DELETE FROM ${table}`).run();
        }
        this.write(batchOf(state));
      })();
    } catch (e) {
      throw new StorageCommitError(`the scheduler database ${this.file} did not take the recovery: ${(e as Error).message}`);
    }
  }

  async compact(): Promise<string> {
    const before = this.walBytes();
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    if (result && result.busy !== 0) return `the store is busy (a reader holds the log); ${before} bytes of log were left for the next snapshot`;
    return `the store's log (${before} bytes) was written into ${this.file} and truncated`;
  }

  private walBytes(): number {
    try {
      return statSync(`${this.file}-wal`).size;
    } catch {
      return 0;
    }
  }

  private hasTable(name: string): boolean {
    return this.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  private write(batch: WriteBatch): void {
    // Specs first (jobs refer to them), deleted last (once nothing refers to them).
    for (const [hash, spec] of batch.specs) {
      if (spec) this.stmt('INSERT OR IGNORE INTO job_specs (hash, spec_json) VALUES (?, ?)').run(hash, JSON.stringify(spec));
    }
    for (const [path, job] of batch.jobs) {
      const { role, environment, name } = jobRefOf(path);
      if (job) {
        this.stmt(
          `INSERT INTO jobs (role, environment, name, spec_hash, created_at, removing) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (role, environment, name) DO UPDATE SET
             spec_hash = excluded.spec_hash, created_at = excluded.created_at, removing = excluded.removing`,
        ).run(role, environment, name, job.specHash, job.createdAt, job.removing ? 1 : 0);
      } else {
        this.stmt('DELETE FROM jobs WHERE role = ? AND environment = ? AND name = ?').run(role, environment, name);
      }
    }
    for (const [taskId, task] of batch.tasks) {
      if (task) {
        this.stmt(
          `INSERT INTO tasks (task_id, role, environment, name, instance, state, agent_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (task_id) DO UPDATE SET state = excluded.state, agent_id = excluded.agent_id, doc = excluded.doc`,
        ).run(
          taskId,
          task.jobKey.role,
          task.jobKey.environment,
          task.jobKey.name,
          task.instance,
          task.state,
          task.agentId,
          JSON.stringify(task),
        );
      } else {
        this.stmt('DELETE FROM tasks WHERE task_id = ?').run(taskId);
      }
    }
    for (const [agentId, agent] of batch.agents) {
      if (agent) {
        this.stmt(
          `INSERT OR REPLACE INTO agents (agent_id, host, observer_url, attributes_json, resources_json, port_begin, port_end, status, last_seen_at, version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          agent.agentId,
          agent.host,
          agent.observerUrl,
          JSON.stringify(agent.attributes),
          JSON.stringify(agent.resources),
          agent.portRange.begin,
          agent.portRange.end,
          agent.status,
          agent.lastSeenAt,
          agent.version,
        );
      } else {
        this.stmt('DELETE FROM agents WHERE agent_id = ?').run(agentId);
      }
    }
    for (const [role, quota] of batch.quotas) {
      if (quota) {
        this.stmt('INSERT OR REPLACE INTO quotas (role, cpu, ram_mb, disk_mb, gpu) VALUES (?, ?, ?, ?, ?)').run(role, quota.cpu, quota.ramMb, quota.diskMb, quota.gpu);
      } else {
        this.stmt('DELETE FROM quotas WHERE role = ?').run(role);
      }
    }
    for (const [id, update] of batch.updates) {
      if (update) {
        this.stmt(
          `INSERT INTO job_updates (id, role, environment, name, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`,
        ).run(id, update.job.role, update.job.environment, update.job.name, update.createdAt, JSON.stringify(update));
      } else {
        this.stmt('DELETE FROM job_updates WHERE id = ?').run(id);
      }
    }
    for (const [path, cron] of batch.cronJobs) {
      const { role, environment, name } = jobRefOf(path);
      if (cron) {
        this.stmt('INSERT OR REPLACE INTO cron_jobs (role, environment, name, doc) VALUES (?, ?, ?, ?)').run(role, environment, name, JSON.stringify(cron));
      } else {
        this.stmt('DELETE FROM cron_jobs WHERE role = ? AND environment = ? AND name = ?').run(role, environment, name);
      }
    }
    for (const [host, m] of batch.maintenance) {
      if (m) this.stmt('INSERT OR REPLACE INTO host_maintenance (host, doc) VALUES (?, ?)').run(host, JSON.stringify(m));
      else this.stmt('DELETE FROM host_maintenance WHERE host = ?').run(host);
    }
    for (const [hash, spec] of batch.specs) {
      if (!spec) this.stmt('DELETE FROM job_specs WHERE hash = ?').run(hash);
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** What the database file is, from its size and its first 16 bytes (SQLite's header). */
export function inspectDatabaseFile(file: string): 'absent' | 'empty' | 'not-sqlite' | 'ok' {
  if (!existsSync(file)) return 'absent';
  if (statSync(file).size === 0) return existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0 ? 'ok' : 'empty';
  const header = Buffer.alloc(16);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString('latin1') === 'SQLite format 3\0' ? 'ok' : 'not-sqlite';
}

/** Whether a database with a SQLite header opens, passes quick_check and has our schema (for --init only: it reads the whole file). */
function readable(file: string): boolean {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const check = db.pragma('quick_check', { simple: true });
      db.prepare('SELECT COUNT(*) FROM schema_migrations').get();
      return check === 'ok';
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** A message for a database that cannot be opened or read: corrupt, full disk, or otherwise. */
function storageProblem(file: string, e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = (e as Error).message ?? String(e);
  if (code === 'SQLITE_FULL') return `the disk holding ${file} is full (${message}); make room, then start the scheduler again`;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || e instanceof SyntaxError) {
    return `the scheduler database ${file} is corrupt (${message}); the scheduler does not serve from it. Restore it from a backup, or start with --init to create a new, empty cluster (the file is kept beside it)`;
  }
  return `cannot open scheduler database ${file}: ${message}`;
}

function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  const newest = migrations.at(-1)?.version ?? 0;
  if (applied > newest) {
    throw new StorageOpenError(
      `the database has schema version ${applied}, newer than this scheduler knows (${newest}); run a newer aurora-scheduler`,
    );
  }
  for (const m of migrations.filter((m) => m.version > applied)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.description,
        Date.now(),
      );
    })();
  }
}

function toAgent(row: AgentRow): StoredAgent {
  return {
    agentId: row.agent_id,
    host: row.host,
    observerUrl: row.observer_url,
    attributes: JSON.parse(row.attributes_json) as Record<string, string>,
    resources: JSON.parse(row.resources_json) as StoredAgent['resources'],
    portRange: { begin: row.port_begin, end: row.port_end },
    status: row.status as StoredAgent['status'],
    lastSeenAt: row.last_seen_at,
    version: row.version,
  };
}
