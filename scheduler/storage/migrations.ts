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
];
