/**
 * The SQLite schema, as an append-only list of migrations. A database remembers which it has
 * applied in `schema_migrations`; never edit a released migration, add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'jobs, job specs, tasks with their events, agents',
    sql: `
      CREATE TABLE job_specs (
        hash TEXT PRIMARY KEY,
        spec_json TEXT NOT NULL
      );
      CREATE TABLE jobs (
        role TEXT NOT NULL,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        spec_hash TEXT NOT NULL REFERENCES job_specs(hash),
        created_at INTEGER NOT NULL,
        removing INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (role, environment, name)
      );
      -- Tasks outlive their job (history), so they do not reference jobs.
      CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL UNIQUE,
        cluster TEXT NOT NULL,
        role TEXT NOT NULL,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        instance INTEGER NOT NULL,
        state TEXT NOT NULL,
        spec_hash TEXT NOT NULL REFERENCES job_specs(hash),
        agent_id TEXT,
        host TEXT,
        observer_url TEXT,
        ports_json TEXT NOT NULL,
        health TEXT NOT NULL,
        failure_count INTEGER NOT NULL,
        pending_reason TEXT
      );
      CREATE INDEX tasks_by_job ON tasks (role, environment, name, instance);
      CREATE INDEX tasks_by_state ON tasks (state);
      CREATE INDEX tasks_by_agent ON tasks (agent_id);
      CREATE TABLE task_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL REFERENCES tasks(task_id),
        state TEXT NOT NULL,
        at INTEGER NOT NULL,
        message TEXT
      );
      CREATE INDEX task_events_by_task ON task_events (task_id);
      CREATE TABLE agents (
        agent_id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        observer_url TEXT NOT NULL,
        attributes_json TEXT NOT NULL,
        resources_json TEXT NOT NULL,
        port_begin INTEGER NOT NULL,
        port_end INTEGER NOT NULL,
        status TEXT NOT NULL,
        last_seen_at INTEGER NOT NULL,
        version TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'the flapping penalty a THROTTLED task is held for',
    sql: `ALTER TABLE tasks ADD COLUMN throttle_json TEXT;`,
  },
  {
    version: 3,
    description: 'each task as one JSON document with its events, loaded whole at start-up',
    // The scheduler keeps its working set in memory and reads the store only at start-up, so a
    // task is one row it reads with one parse, not a row plus a join over its events.
    sql: `
      CREATE TABLE task_docs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        instance INTEGER NOT NULL,
        state TEXT NOT NULL,
        agent_id TEXT,
        doc TEXT NOT NULL
      );
      INSERT INTO task_docs (seq, task_id, role, environment, name, instance, state, agent_id, doc)
        SELECT t.seq, t.task_id, t.role, t.environment, t.name, t.instance, t.state, t.agent_id,
          json_object(
            'taskId', t.task_id,
            'jobKey', json_object('cluster', t.cluster, 'role', t.role, 'environment', t.environment, 'name', t.name),
            'instance', t.instance,
            'state', t.state,
            'specHash', t.spec_hash,
            'agentId', t.agent_id,
            'host', t.host,
            'observerUrl', t.observer_url,
            'ports', json(t.ports_json),
            'health', t.health,
            'failureCount', t.failure_count,
            'pendingReason', t.pending_reason,
            'throttle', json(t.throttle_json),
            'events', (SELECT json_group_array(json_object('state', e.state, 'at', e.at, 'message', e.message) ORDER BY e.seq)
                       FROM task_events e WHERE e.task_id = t.task_id)
          )
        FROM tasks t ORDER BY t.seq;
      DROP TABLE task_events;
      DROP TABLE tasks;
      ALTER TABLE task_docs RENAME TO tasks;
      CREATE INDEX tasks_by_job ON tasks (role, environment, name, instance);
    `,
  },
  {
    version: 4,
    description: 'production quota per role',
    sql: `
      CREATE TABLE quotas (
        role TEXT PRIMARY KEY,
        cpu REAL NOT NULL,
        ram_mb INTEGER NOT NULL,
        disk_mb INTEGER NOT NULL,
        gpu INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    description: 'job updates and cron jobs',
    sql: `
      CREATE TABLE job_updates (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX job_updates_by_job ON job_updates (role, environment, name, created_at);
      CREATE TABLE cron_jobs (
        role TEXT NOT NULL,
        environment TEXT NOT NULL,
        name TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (role, environment, name)
      );
    `,
  },
  {
    version: 6,
    description: 'host maintenance',
    sql: `
      CREATE TABLE host_maintenance (
        host TEXT PRIMARY KEY,
        doc TEXT NOT NULL
      );
    `,
  },
];
