import type { JobSpec } from '../../dsl/jobspec.js';
import type { CronJob } from '../api/cron-api.js';
import type { HostMaintenance } from '../api/maintenance-api.js';
import type { ResourceAmounts } from '../api/quota-api.js';
import type { JobUpdate } from '../api/updates-api.js';
import type { ScheduledTask } from '../api/task.js';
import type { StoredAgent, StoredJob, WriteBatch } from '../storage/storage.js';

/**
 * The changes made to the in-memory state since the last commit: the latest value of each
 * changed entity (what the store must write), how to undo each change in memory (when the
 * commit fails, or an operation throws half-way), and what to announce once it is durable.
 */
export class ChangeSet implements WriteBatch {
  readonly specs = new Map<string, JobSpec | null>();
  readonly jobs = new Map<string, StoredJob | null>();
  readonly tasks = new Map<string, ScheduledTask | null>();
  readonly agents = new Map<string, StoredAgent | null>();
  readonly quotas = new Map<string, ResourceAmounts | null>();
  readonly updates = new Map<string, JobUpdate | null>();
  readonly cronJobs = new Map<string, CronJob | null>();
  readonly maintenance = new Map<string, HostMaintenance | null>();
  /** Inverse of every change, in the order the changes were made. */
  readonly undo: (() => void)[] = [];
  /** Agents with something new to launch or kill, woken once the change is durable. */
  readonly agentsWithWork = new Set<string>();
  /** Jobs (`role/environment/name`) that changed, announced once the change is durable. */
  readonly jobsChanged = new Set<string>();
  /** Something freed capacity or added work: the scheduling loop should run. */
  placementWanted = false;

  get empty(): boolean {
    return this.undo.length === 0;
  }

  /** Undoes the changes made after the `mark`-th one, newest first. */
  rollbackTo(mark: number): void {
    while (this.undo.length > mark) (this.undo.pop() as () => void)();
  }
}
