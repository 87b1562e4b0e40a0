import type { JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../api/agent-protocol.js';
import type { ScheduledTask, TaskEvent, TaskState } from '../api/task.js';

/**
 * Everything the scheduler knows, behind one interface so that the SQLite store can later be
 * joined by a replicated one. Calls are synchronous: the store is embedded and a request's
 * reads and writes run in one transaction without interleaving.
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

export interface JobFilter {
  readonly role?: string;
  readonly environment?: string;
}

export interface TaskFilter {
  readonly role?: string;
  readonly environment?: string;
  readonly name?: string;
  readonly instance?: number;
  readonly states?: readonly TaskState[];
  readonly agentId?: string;
  readonly taskIds?: readonly string[];
}

export interface Storage {
  /** Runs `fn` atomically; nested calls join the outer transaction. A throw rolls back. */
  transaction<T>(fn: () => T): T;

  /** Specs are stored once per hash; tasks refer to the spec version they run. */
  putSpec(hash: string, spec: JobSpec): void;
  getSpec(hash: string): JobSpec | undefined;

  /** Inserts or replaces the job. */
  putJob(job: StoredJob): void;
  getJob(ref: JobRef): StoredJob | undefined;
  /** Sorted by role, environment, name. */
  listJobs(filter?: JobFilter): StoredJob[];
  deleteJob(ref: JobRef): void;

  /** Adds a task with the events it already has. */
  insertTask(task: ScheduledTask): void;
  /** Saves a task's current fields; its events are appended with appendTaskEvent. */
  updateTask(task: ScheduledTask): void;
  appendTaskEvent(taskId: string, event: TaskEvent): void;
  getTask(taskId: string): ScheduledTask | undefined;
  /** Sorted by job, then instance, newest task of an instance first; events oldest first. */
  listTasks(filter?: TaskFilter): ScheduledTask[];

  /** Inserts or replaces the agent. */
  putAgent(agent: StoredAgent): void;
  getAgent(agentId: string): StoredAgent | undefined;
  /** Sorted by host, then id. */
  listAgents(): StoredAgent[];

  close(): void;
}
