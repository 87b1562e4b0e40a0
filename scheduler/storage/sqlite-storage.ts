import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { ScheduledTask, TaskEvent, TaskState, Health } from '../api/task.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { JobFilter, JobRef, Storage, StoredAgent, StoredJob, TaskFilter } from './storage.js';

export const DATABASE_FILE = 'scheduler.db';

/** The data dir cannot be created or the database cannot be opened or migrated. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

interface TaskRow {
  task_id: string;
  cluster: string;
  role: string;
  environment: string;
  name: string;
  instance: number;
  state: string;
  spec_hash: string;
  agent_id: string | null;
  host: string | null;
  observer_url: string | null;
  ports_json: string;
  health: string;
  failure_count: number;
  pending_reason: string | null;
  throttle_json: string | null;
}

interface EventRow {
  task_id: string;
  state: string;
  at: number;
  message: string | null;
}

interface JobRow {
  spec_json: string;
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

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a write that was
 * acknowledged survives a kill -9 and a power cut. All of the scheduler's SQL lives here.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;

  /** Opens (creating if needed) `<dataDir>/scheduler.db`. */
  static openInDataDir(dataDir: string): SqliteStorage {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (e) {
      throw new StorageOpenError(`cannot create data dir ${dataDir}: ${(e as Error).message}`);
    }
    return new SqliteStorage(join(dataDir, DATABASE_FILE));
  }

  /** `':memory:'` gives a private in-memory database. */
  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db, MIGRATIONS);
    } catch (e) {
      if (e instanceof StorageOpenError) throw e;
      throw new StorageOpenError(`cannot open scheduler database ${file}: ${(e as Error).message}`);
    }
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared statements are compiled once per SQL text. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  putSpec(hash: string, spec: JobSpec): void {
    this.stmt('INSERT OR IGNORE INTO job_specs (hash, spec_json) VALUES (?, ?)').run(hash, JSON.stringify(spec));
  }

  getSpec(hash: string): JobSpec | undefined {
    const row = this.stmt('SELECT spec_json FROM job_specs WHERE hash = ?').get(hash) as { spec_json: string } | undefined;
    return row ? (JSON.parse(row.spec_json) as JobSpec) : undefined;
  }

  putJob(job: StoredJob): void {
    this.putSpec(job.specHash, job.spec);
    const { role, environment, name } = job.spec.key;
    this.stmt(
      `INSERT INTO jobs (role, environment, name, spec_hash, created_at, removing) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (role, environment, name) DO UPDATE SET
         spec_hash = excluded.spec_hash, created_at = excluded.created_at, removing = excluded.removing`,
    ).run(role, environment, name, job.specHash, job.createdAt, job.removing ? 1 : 0);
  }

  getJob(ref: JobRef): StoredJob | undefined {
    const row = this.stmt(
      `SELECT s.spec_json, j.spec_hash, j.created_at, j.removing FROM jobs j JOIN job_specs s ON s.hash = j.spec_hash
       WHERE j.role = ? AND j.environment = ? AND j.name = ?`,
    ).get(ref.role, ref.environment, ref.name) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  listJobs(filter: JobFilter = {}): StoredJob[] {
    const rows = this.stmt(
      `SELECT s.spec_json, j.spec_hash, j.created_at, j.removing FROM jobs j JOIN job_specs s ON s.hash = j.spec_hash
       WHERE (@role IS NULL OR j.role = @role) AND (@environment IS NULL OR j.environment = @environment)
       ORDER BY j.role, j.environment, j.name`,
    ).all({ role: filter.role ?? null, environment: filter.environment ?? null }) as JobRow[];
    return rows.map(toJob);
  }

  deleteJob(ref: JobRef): void {
    this.stmt('DELETE FROM jobs WHERE role = ? AND environment = ? AND name = ?').run(ref.role, ref.environment, ref.name);
  }

  insertTask(task: ScheduledTask): void {
    this.stmt(
      `INSERT INTO tasks (task_id, cluster, role, environment, name, instance, state, spec_hash, agent_id, host,
         observer_url, ports_json, health, failure_count, pending_reason, throttle_json)
       VALUES (@task_id, @cluster, @role, @environment, @name, @instance, @state, @spec_hash, @agent_id, @host,
         @observer_url, @ports_json, @health, @failure_count, @pending_reason, @throttle_json)`,
    ).run(toRow(task));
    for (const event of task.events) this.appendTaskEvent(task.taskId, event);
  }

  updateTask(task: ScheduledTask): void {
    const result = this.stmt(
      `UPDATE tasks SET state = @state, spec_hash = @spec_hash, agent_id = @agent_id, host = @host,
         observer_url = @observer_url, ports_json = @ports_json, health = @health, failure_count = @failure_count,
         pending_reason = @pending_reason, throttle_json = @throttle_json
       WHERE task_id = @task_id`,
    ).run(toRow(task));
    if (result.changes === 0) throw new Error(`no task ${task.taskId} to update`);
  }

  appendTaskEvent(taskId: string, event: TaskEvent): void {
    this.stmt('INSERT INTO task_events (task_id, state, at, message) VALUES (?, ?, ?, ?)').run(
      taskId,
      event.state,
      event.at,
      event.message,
    );
  }

  getTask(taskId: string): ScheduledTask | undefined {
    return this.listTasks({ taskIds: [taskId] })[0];
  }

  listTasks(filter: TaskFilter = {}): ScheduledTask[] {
    const rows = this.stmt(
      `SELECT * FROM tasks
       WHERE (@role IS NULL OR role = @role)
         AND (@environment IS NULL OR environment = @environment)
         AND (@name IS NULL OR name = @name)
         AND (@instance IS NULL OR instance = @instance)
         AND (@agent_id IS NULL OR agent_id = @agent_id)
         AND (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
         AND (@task_ids IS NULL OR task_id IN (SELECT value FROM json_each(@task_ids)))
       ORDER BY role, environment, name, instance, seq DESC`,
    ).all({
      role: filter.role ?? null,
      environment: filter.environment ?? null,
      name: filter.name ?? null,
      instance: filter.instance ?? null,
      agent_id: filter.agentId ?? null,
      states: filter.states ? JSON.stringify(filter.states) : null,
      task_ids: filter.taskIds ? JSON.stringify(filter.taskIds) : null,
    }) as TaskRow[];
    if (rows.length === 0) return [];
    const events = this.stmt(
      `SELECT task_id, state, at, message FROM task_events
       WHERE task_id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    ).all(JSON.stringify(rows.map((r) => r.task_id))) as EventRow[];
    const byTask = new Map<string, TaskEvent[]>();
    for (const e of events) {
      const list = byTask.get(e.task_id) ?? [];
      list.push({ state: e.state as TaskState, at: e.at, message: e.message });
      byTask.set(e.task_id, list);
    }
    return rows.map((r) => toTask(r, byTask.get(r.task_id) ?? []));
  }

  putAgent(agent: StoredAgent): void {
    this.stmt(
      `INSERT OR REPLACE INTO agents (agent_id, host, observer_url, attributes_json, resources_json, port_begin,
         port_end, status, last_seen_at, version)
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
  }

  getAgent(agentId: string): StoredAgent | undefined {
    const row = this.stmt('SELECT * FROM agents WHERE agent_id = ?').get(agentId) as AgentRow | undefined;
    return row ? toAgent(row) : undefined;
  }

  listAgents(): StoredAgent[] {
    return (this.stmt('SELECT * FROM agents ORDER BY host, agent_id').all() as AgentRow[]).map(toAgent);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
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

function toJob(row: JobRow): StoredJob {
  return {
    spec: JSON.parse(row.spec_json) as JobSpec,
    specHash: row.spec_hash,
    createdAt: row.created_at,
    removing: row.removing === 1,
  };
}

function toRow(task: ScheduledTask): TaskRow {
  return {
    task_id: task.taskId,
    cluster: task.jobKey.cluster,
    role: task.jobKey.role,
    environment: task.jobKey.environment,
    name: task.jobKey.name,
    instance: task.instance,
    state: task.state,
    spec_hash: task.specHash,
    agent_id: task.agentId,
    host: task.host,
    observer_url: task.observerUrl,
    ports_json: JSON.stringify(task.ports),
    health: task.health,
    failure_count: task.failureCount,
    pending_reason: task.pendingReason,
    throttle_json: task.throttle ? JSON.stringify(task.throttle) : null,
  };
}

function toTask(row: TaskRow, events: TaskEvent[]): ScheduledTask {
  return {
    taskId: row.task_id,
    jobKey: { cluster: row.cluster, role: row.role, environment: row.environment, name: row.name },
    instance: row.instance,
    state: row.state as TaskState,
    specHash: row.spec_hash,
    agentId: row.agent_id,
    host: row.host,
    observerUrl: row.observer_url,
    ports: JSON.parse(row.ports_json) as Record<string, number>,
    health: row.health as Health,
    failureCount: row.failure_count,
    pendingReason: row.pending_reason,
    throttle: row.throttle_json ? (JSON.parse(row.throttle_json) as { penaltyMs: number; until: number }) : null,
    events,
  };
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
