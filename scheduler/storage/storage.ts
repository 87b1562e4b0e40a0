import type { JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../api/agent-protocol.js';
import type { CronJob } from '../api/cron-api.js';
import type { HostMaintenance } from '../api/maintenance-api.js';
import type { ResourceAmounts } from '../api/quota-api.js';
import type { JobUpdate } from '../api/updates-api.js';
import type { ScheduledTask } from '../api/task.js';

/**
 * The durable record of everything the scheduler knows. The scheduler works on its in-memory
 * state (scheduler/state) and writes every change here before it answers; at start-up it loads
 * the whole record back. Both calls are asynchronous even though the embedded SQLite store is
 * not, because a replicated store (etcd) is: the scheduler is written for that from the start.
 */

/** `role/environment/name` within the scheduler's one cluster. */
export interface JobRef {
  readonly role: string;
  readonly environment: string;
  readonly name: string;
}

export interface StoredJob {
  readonly spec: JobSpec;
  readonly specHash: string;
  readonly createdAt: number;
  /** Every instance was killed: the job goes away once its last task has ended. */
  readonly removing: boolean;
}

export interface StoredAgent extends AgentInfo {
  /** The agent's software version, as it registered. */
  readonly version: string;
}

/** Everything the store holds, as loaded at start-up. */
export interface LoadedState {
  /** Every spec a job or task refers to, by hash. */
  readonly specs: ReadonlyMap<string, JobSpec>;
  readonly jobs: readonly StoredJob[];
  /** In the order they were created (a later task of an instance replaces an earlier one). */
  readonly tasks: readonly ScheduledTask[];
  readonly agents: readonly StoredAgent[];
  /** Production quota by role. */
  readonly quotas: ReadonlyMap<string, ResourceAmounts>;
  /** Job updates (active ones and each job's bounded history), oldest first. */
  readonly updates: readonly JobUpdate[];
  /** Scheduled cron jobs by `role/environment/name`. */
  readonly cronJobs: ReadonlyMap<string, CronJob>;
  /** Hosts in maintenance, by host name. */
  readonly maintenance: ReadonlyMap<string, HostMaintenance>;
}

/**
 * One atomic commit: the latest value of every entity changed since the last commit, or null
 * where it was deleted. Jobs are keyed by `role/environment/name`. Tasks that are new to the
 * store are inserted in the map's order, which is their creation order.
 */
export interface WriteBatch {
  readonly specs: ReadonlyMap<string, JobSpec | null>;
  readonly jobs: ReadonlyMap<string, StoredJob | null>;
  readonly tasks: ReadonlyMap<string, ScheduledTask | null>;
  readonly agents: ReadonlyMap<string, StoredAgent | null>;
  readonly quotas: ReadonlyMap<string, ResourceAmounts | null>;
  /** Updates by id. */
  readonly updates: ReadonlyMap<string, JobUpdate | null>;
  /** Cron jobs by `role/environment/name`. */
  readonly cronJobs: ReadonlyMap<string, CronJob | null>;
  /** Host maintenance by host name (null: back to NONE). */
  readonly maintenance: ReadonlyMap<string, HostMaintenance | null>;
}

export interface Storage {
  /** Reads the whole record. */
  load(): Promise<LoadedState>;
  /**
   * Applies the batch atomically and durably: once it resolves, the batch survives a crash;
   * when it rejects, none of it was applied.
   */
  commit(batch: WriteBatch): Promise<void>;
  /**
   * Replaces the whole record with `state`, atomically (a committed recovery): afterwards `load`
   * returns `state`, tasks in its order.
   */
  replaceAll(state: LoadedState): Promise<void>;
  /**
   * Compacts the store's log into its snapshot (Aurora's scheduler_snapshot), and says what it
   * did in a line for the operator.
   */
  compact(): Promise<string>;
  close(): Promise<void>;
}

/** A write batch that inserts every entity of `state` (into an empty store: tasks in its order). */
export function batchOf(state: LoadedState): WriteBatch {
  return {
    specs: new Map(state.specs),
    jobs: new Map(state.jobs.map((j) => [jobPath(j.spec.key), j])),
    tasks: new Map(state.tasks.map((t) => [t.taskId, t])),
    agents: new Map(state.agents.map((a) => [a.agentId, a])),
    quotas: new Map(state.quotas),
    updates: new Map(state.updates.map((u) => [u.id, u])),
    cronJobs: new Map(state.cronJobs),
    maintenance: new Map(state.maintenance),
  };
}

/** The store cannot take a commit (a full disk, a lost connection): nothing of it was kept. */
export class StorageCommitError extends Error {
  override readonly name = 'StorageCommitError';
}

/** `role/environment/name`: how jobs are keyed in memory and in write batches. */
export function jobPath(ref: JobRef): string {
  return `${ref.role}/${ref.environment}/${ref.name}`;
}

/** The inverse of jobPath; job key parts never contain '/'. */
export function jobRefOf(path: string): JobRef {
  const [role = '', environment = '', name = ''] = path.split('/');
  return { role, environment, name };
}
