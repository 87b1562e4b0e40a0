import type { JobSpec } from '../../dsl/jobspec.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import type { CronJob } from '../api/cron-api.js';
import type { HostMaintenance } from '../api/maintenance-api.js';
import type { ResourceAmounts } from '../api/quota-api.js';
import { ACTIVE_UPDATE_STATUSES, MAX_UPDATES_PER_JOB, type JobUpdate } from '../api/updates-api.js';
import { effectiveResources, NO_ALLOWANCE, type ExecutorAllowance } from '../core/effective-resources.js';
import { HostPool, type Holding, type HostSpec } from '../core/placement/index.js';
import { countsAgainstQuota } from '../core/quota.js';
import { jobPath, type LoadedState, type StoredAgent, type StoredJob } from '../storage/storage.js';
import { ChangeSet } from './change-set.js';

/**
 * The scheduler's working set, in memory: jobs, specs, tasks (active ones and the bounded
 * history) and agents, with the indexes the scheduler's work needs so that its cost follows the
 * work at hand, not the size of the cluster: tasks by job and instance, tasks on each agent,
 * PENDING tasks by placement group, THROTTLED and PARTITIONED tasks, ended tasks in the order
 * they ended, and every agent's free capacity (the placement pool).
 *
 * Every change goes through `putJob`/`putTask`/`deleteTask`/`putAgent`/..., which keep the
 * indexes and record the change in the open ChangeSet: its new value for the store, and its
 * inverse for when the commit fails. No I/O and no clock here; the service commits.
 */

/** One job's tasks (a removed job keeps its entry while its history remains). */
export interface JobTasks {
  /** Task ids of each instance, newest first: the first is the instance's current task. */
  readonly byInstance: Map<number, string[]>;
  /** Current tasks by state. */
  readonly counts: Map<TaskState, number>;
  /** Ended tasks of the job, in the order they ended. */
  readonly ended: Set<string>;
  /** See JobSummary.version. */
  version: number;
}

/** PENDING tasks of one job that run one spec: placed together, sharing feasibility. */
export interface PendingGroup {
  readonly jobPath: string;
  readonly specHash: string;
  /** In the order they became PENDING. */
  readonly taskIds: Set<string>;
}

/** States in which a task holds resources on its agent. */
function holds(t: ScheduledTask): t is ScheduledTask & { agentId: string } {
  return t.agentId !== null && ACTIVE_ON_AGENT_STATES.has(t.state);
}

const groupKey = (t: ScheduledTask) => `${jobPath(t.jobKey)} ${t.specHash}`;

export class ClusterState {
  readonly pool = new HostPool();
  private readonly specs = new Map<string, JobSpec>();
  /** How many jobs and tasks refer to each spec; a spec nobody refers to is collected. */
  private readonly specRefs = new Map<string, number>();
  private readonly jobMap = new Map<string, StoredJob>();
  private readonly taskMap = new Map<string, ScheduledTask>();
  private readonly agentMap = new Map<string, StoredAgent>();
  private readonly jobTaskMap = new Map<string, JobTasks>();
  private readonly onAgent = new Map<string, Set<string>>();
  private readonly pending = new Map<string, PendingGroup>();
  private readonly throttledIds = new Set<string>();
  private readonly partitionedIds = new Set<string>();
  /** Every ended task, in the order they ended: the history pruner reads from the front. */
  private readonly endedIds = new Set<string>();
  private readonly quotaMap = new Map<string, ResourceAmounts>();
  private readonly updateMap = new Map<string, JobUpdate>();
  /** Each job's updates, oldest first (bounded by MAX_UPDATES_PER_JOB ended ones). */
  private readonly updatesByJob = new Map<string, string[]>();
  /** The active update of each job that has one. */
  private readonly activeUpdateByJob = new Map<string, string>();
  private readonly cronMap = new Map<string, CronJob>();
  /** Hosts in maintenance (a host not here is NONE). */
  private readonly maintenanceMap = new Map<string, HostMaintenance>();
  /** Agents by host name: maintenance is per host, placement per agent. */
  private readonly agentsByHost = new Map<string, Set<string>>();
  /** Every stored task by state, for figures. */
  private readonly stateCounts = new Map<TaskState, number>();
  /** What each role's active (non-terminal) tasks hold, production and not, in integer millionths. */
  private readonly usage = new Map<string, { prod: number[]; nonProd: number[] }>();
  /** When each agent was last heard from. Kept in memory only: a sync is not a write. */
  private readonly lastSeen = new Map<string, number>();
  private changes = new ChangeSet();
  /** One job key object per job, shared by its tasks. */
  private readonly keys = new Map<string, ScheduledTask['jobKey']>();
  private readonly strings = new StringPool(50_000);
  private versionCounter: number;
  /** Bumped whenever capacity may have grown (a task let go of it, an agent came or changed). */
  private capacity = 0;

  /**
   * @param versionBase where job versions start: a restarted scheduler must not reuse the
   *   numbers of the previous one (clients compare versions for equality).
   * @param allowance the executor allowance every task holds on its agent on top of its own
   *   resources (core/effective-resources.ts); fixed for the life of the state, so what a hold
   *   took its release gives back.
   */
  constructor(
    versionBase: number,
    readonly allowance: ExecutorAllowance = NO_ALLOWANCE,
  ) {
    this.versionCounter = versionBase;
  }

  // ---- loading -----------------------------------------------------------------------------

  /** Fills an empty state from the store, recording nothing. */
  load(loaded: LoadedState): void {
    for (const [hash, spec] of loaded.specs) this.specs.set(hash, spec);
    for (const [role, quota] of loaded.quotas) this.quotaMap.set(role, quota);
    for (const [host, m] of loaded.maintenance) this.maintenanceMap.set(host, m);
    for (const agent of loaded.agents) {
      this.agentMap.set(agent.agentId, agent);
      this.indexAgentHost(agent);
      this.lastSeen.set(agent.agentId, agent.lastSeenAt);
      this.pool.upsertHost(hostSpec(agent, this.maintenanceMap.get(agent.host)));
    }
    for (const job of loaded.jobs) {
      this.jobMap.set(jobPath(job.spec.key), job);
      this.ref(job.specHash, 1);
    }
    for (const update of loaded.updates) this.indexUpdate(update, undefined);
    for (const [path, cron] of loaded.cronJobs) this.cronMap.set(path, cron);
    // Oldest first, so each is inserted as its instance's newest so far. Ended tasks are queued
    // in the order they ended.
    for (const task of loaded.tasks) this.index(task, 0);
    const ended = [...this.endedIds].sort((a, b) => endedAt(this.taskMap.get(a)) - endedAt(this.taskMap.get(b)));
    this.endedIds.clear();
    for (const id of ended) this.endedIds.add(id);
    for (const jobTasks of this.jobTaskMap.values()) {
      const sorted = [...jobTasks.ended].sort((a, b) => endedAt(this.taskMap.get(a)) - endedAt(this.taskMap.get(b)));
      jobTasks.ended.clear();
      for (const id of sorted) jobTasks.ended.add(id);
    }
    this.changes = new ChangeSet();
  }

  /**
   * Everything the store should hold, in the shape `load` takes (backups). Stored values are
   * never mutated in place (every change replaces the object), so the snapshot shares them and
   * costs only its arrays and maps; it stays what it was however the state changes afterwards.
   */
  snapshot(): LoadedState {
    return {
      specs: new Map(this.specs),
      jobs: [...this.jobMap.values()],
      // The map keeps first insertion order, which is creation order: what `load` expects.
      tasks: [...this.taskMap.values()],
      agents: [...this.agentMap.values()],
      quotas: new Map(this.quotaMap),
      updates: [...this.updateMap.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      cronJobs: new Map(this.cronMap),
      maintenance: new Map(this.maintenanceMap),
    };
  }

  // ---- reads -------------------------------------------------------------------------------

  spec(hash: string): JobSpec | undefined {
    return this.specs.get(hash);
  }

  job(path: string): StoredJob | undefined {
    return this.jobMap.get(path);
  }

  jobs(): IterableIterator<StoredJob> {
    return this.jobMap.values();
  }

  get jobCount(): number {
    return this.jobMap.size;
  }

  task(taskId: string): ScheduledTask | undefined {
    return this.taskMap.get(taskId);
  }

  get taskCount(): number {
    return this.taskMap.size;
  }

  /** A job's tasks, also of a removed job while its history lasts. */
  jobTasks(path: string): JobTasks | undefined {
    return this.jobTaskMap.get(path);
  }

  /** Job paths that have tasks (live jobs and removed ones with history). */
  jobPathsWithTasks(): IterableIterator<string> {
    return this.jobTaskMap.keys();
  }

  /** The current task of each instance of the job, by instance. */
  currentTasks(path: string): ScheduledTask[] {
    const jt = this.jobTaskMap.get(path);
    if (!jt) return [];
    const out: ScheduledTask[] = [];
    for (const instance of [...jt.byInstance.keys()].sort((a, b) => a - b)) {
      const id = jt.byInstance.get(instance)?.[0];
      const task = id === undefined ? undefined : this.taskMap.get(id);
      if (task) out.push(task);
    }
    return out;
  }

  /** Every task of the job: by instance, newest first within one. */
  allTasks(path: string): ScheduledTask[] {
    const jt = this.jobTaskMap.get(path);
    if (!jt) return [];
    const out: ScheduledTask[] = [];
    for (const instance of [...jt.byInstance.keys()].sort((a, b) => a - b)) {
      for (const id of jt.byInstance.get(instance) ?? []) out.push(this.taskMap.get(id) as ScheduledTask);
    }
    return out;
  }

  /** Whether any task of the job is not terminal. */
  hasActiveTasks(path: string): boolean {
    const jt = this.jobTaskMap.get(path);
    if (!jt) return false;
    for (const [state, n] of jt.counts) if (n > 0 && !TERMINAL_STATES.has(state)) return true;
    return false;
  }

  jobVersion(path: string): number {
    return this.jobTaskMap.get(path)?.version ?? 0;
  }

  agent(agentId: string): StoredAgent | undefined {
    return this.agentMap.get(agentId);
  }

  agents(): IterableIterator<StoredAgent> {
    return this.agentMap.values();
  }

  get agentCount(): number {
    return this.agentMap.size;
  }

  lastSeenAt(agentId: string): number {
    return this.lastSeen.get(agentId) ?? 0;
  }

  /** A sync arrived: the agent is alive. Not a change to store. */
  seen(agentId: string, at: number): void {
    this.lastSeen.set(agentId, at);
  }

  /** Ids of tasks holding resources on the agent. */
  tasksOnAgent(agentId: string): ReadonlySet<string> {
    return this.onAgent.get(agentId) ?? EMPTY;
  }

  pendingGroups(): IterableIterator<PendingGroup> {
    return this.pending.values();
  }

  get pendingCount(): number {
    let n = 0;
    for (const g of this.pending.values()) n += g.taskIds.size;
    return n;
  }

  throttled(): ReadonlySet<string> {
    return this.throttledIds;
  }

  partitioned(): ReadonlySet<string> {
    return this.partitionedIds;
  }

  /** Every ended task, in the order they ended (approximately, after a failed commit). */
  ended(): ReadonlySet<string> {
    return this.endedIds;
  }

  /** Changes when capacity may have grown; placement retries what did not fit only then. */
  get capacityEpoch(): number {
    return this.capacity;
  }

  /** What a task holds on its agent, for the placement pool: its effective resources. */
  holdingOf(task: ScheduledTask): Holding {
    const spec = this.specs.get(task.specHash);
    if (!spec) throw new Error(`task ${task.taskId} refers to spec ${task.specHash}, which is not loaded`);
    // An announcer alias names its target's port again: each number is held once.
    return { jobKey: jobPath(task.jobKey), resources: this.effectiveResources(spec), ports: [...new Set(Object.values(task.ports))] };
  }

  /** What a task of `spec` holds on a host and is limited to: its resources and the executor allowance. */
  effectiveResources(spec: JobSpec): JobSpec['task']['resources'] {
    return effectiveResources(spec.task.resources, this.allowance);
  }

  /** How many stored tasks are in each state. */
  tasksByState(): ReadonlyMap<TaskState, number> {
    return this.stateCounts;
  }

  /** A role's production quota; a role without one has none (as in Aurora). */
  quota(role: string): ResourceAmounts {
    return this.quotaMap.get(role) ?? NO_RESOURCES;
  }

  /** What a role's active tasks hold: those that count against its quota (production, not dedicated) and the others. */
  usageOf(role: string): { prodUse: ResourceAmounts; nonProdUse: ResourceAmounts } {
    const u = this.usage.get(role);
    return { prodUse: fromMillionths(u?.prod), nonProdUse: fromMillionths(u?.nonProd) };
  }

  // ---- changes -----------------------------------------------------------------------------

  /** The changes since the last `takeChanges`. */
  get openChanges(): ChangeSet {
    return this.changes;
  }

  /** Hands the open changes to the committer and starts a new set. */
  takeChanges(): ChangeSet {
    const taken = this.changes;
    this.changes = new ChangeSet();
    return taken;
  }

  /**
   * Runs `fn` as one operation: when it throws, every change it made is undone (in memory and
   * in the open ChangeSet) before the error goes on.
   */
  operation<T>(fn: () => T): T {
    const changes = this.changes;
    const mark = changes.undo.length;
    try {
      return fn();
    } catch (e) {
      changes.rollbackTo(mark);
      throw e;
    }
  }

  /** Stores a spec under its hash (specs never change under a hash). */
  putSpec(hash: string, spec: JobSpec): void {
    if (this.specs.has(hash)) return;
    this.specs.set(hash, spec);
    this.record('specs', hash, spec, () => this.specs.delete(hash));
  }

  putJob(path: string, job: StoredJob | null): void {
    const old = this.jobMap.get(path) ?? null;
    this.setJob(path, job);
    this.bump(path);
    this.record('jobs', path, job, () => this.setJob(path, old));
  }

  putTask(task: ScheduledTask): void {
    this.replaceTask(task.taskId, task);
  }

  deleteTask(taskId: string): void {
    if (this.taskMap.has(taskId)) this.replaceTask(taskId, null);
  }

  putAgent(agent: StoredAgent): void {
    const old = this.agentMap.get(agent.agentId) ?? null;
    this.setAgent(agent);
    this.record('agents', agent.agentId, agent, () => {
      if (old) this.setAgent(old);
      else {
        this.agentMap.delete(agent.agentId);
        this.agentsByHost.get(agent.host)?.delete(agent.agentId);
        // The pool keeps every host it saw; one never registered takes nothing.
        this.pool.upsertHost({ ...hostSpec(agent), unavailable: 'UNREGISTERED' });
      }
    });
  }

  putQuota(role: string, quota: ResourceAmounts): void {
    const old = this.quotaMap.get(role);
    this.quotaMap.set(role, quota);
    this.record('quotas', role, quota, () => {
      if (old) this.quotaMap.set(role, old);
      else this.quotaMap.delete(role);
    });
  }

  // ---- updates and cron -------------------------------------------------------------------

  update(id: string): JobUpdate | undefined {
    return this.updateMap.get(id);
  }

  /** The job's active update, if it has one. */
  activeUpdate(path: string): JobUpdate | undefined {
    const id = this.activeUpdateByJob.get(path);
    return id === undefined ? undefined : this.updateMap.get(id);
  }

  /** Every active update (few: at most one per job, and only while updates run). */
  activeUpdates(): JobUpdate[] {
    return [...this.activeUpdateByJob.values()].map((id) => this.updateMap.get(id) as JobUpdate);
  }

  /** A job's updates, oldest first. */
  updatesOf(path: string): JobUpdate[] {
    return (this.updatesByJob.get(path) ?? []).map((id) => this.updateMap.get(id) as JobUpdate);
  }

  /** Every stored update (bounded per job), for listings. */
  allUpdates(): IterableIterator<JobUpdate> {
    return this.updateMap.values();
  }

  /**
   * Stores an update. An active update holds the specs it may go back or forward to, so they
   * outlive the tasks that used them. A job's ended updates beyond MAX_UPDATES_PER_JOB go.
   */
  putUpdate(update: JobUpdate): void {
    const old = this.updateMap.get(update.id);
    this.indexUpdate(update, old);
    this.record('updates', update.id, update, () => this.unindexUpdate(update, old));
    this.bump(updatePath(update));
    const ids = this.updatesByJob.get(updatePath(update)) ?? [];
    let excess = ids.length - MAX_UPDATES_PER_JOB;
    for (const id of [...ids]) {
      if (excess <= 0) break;
      const candidate = this.updateMap.get(id) as JobUpdate;
      if (ACTIVE_UPDATE_STATUSES.has(candidate.status)) continue;
      this.indexUpdate(null, candidate);
      this.record('updates', id, null, () => this.indexUpdate(candidate, undefined));
      excess--;
    }
  }

  cronJob(path: string): CronJob | undefined {
    return this.cronMap.get(path);
  }

  cronJobs(): IterableIterator<[string, CronJob]> {
    return this.cronMap.entries();
  }

  putCronJob(path: string, cron: CronJob | null): void {
    const old = this.cronMap.get(path);
    if (cron) this.cronMap.set(path, cron);
    else this.cronMap.delete(path);
    this.record('cronJobs', path, cron, () => {
      if (old) this.cronMap.set(path, old);
      else this.cronMap.delete(path);
    });
    this.changes.jobsChanged.add(path);
  }

  /** Sets `next` in place of `old` in the update indexes (either may be absent). */
  private indexUpdate(next: JobUpdate | null, old: JobUpdate | undefined): void {
    if (old && ACTIVE_UPDATE_STATUSES.has(old.status)) {
      for (const hash of updateSpecHashes(old)) this.ref(hash, -1);
      this.activeUpdateByJob.delete(updatePath(old));
    }
    if (old && !next) {
      this.updateMap.delete(old.id);
      const ids = this.updatesByJob.get(updatePath(old));
      const at = ids?.indexOf(old.id) ?? -1;
      if (ids && at >= 0) ids.splice(at, 1);
      if (ids?.length === 0) this.updatesByJob.delete(updatePath(old));
    }
    if (next) {
      const path = updatePath(next);
      if (!old) {
        const ids = this.updatesByJob.get(path) ?? [];
        ids.push(next.id);
        this.updatesByJob.set(path, ids);
      }
      this.updateMap.set(next.id, next);
      if (ACTIVE_UPDATE_STATUSES.has(next.status)) {
        for (const hash of updateSpecHashes(next)) this.ref(hash, 1);
        this.activeUpdateByJob.set(path, next.id);
      }
    }
  }

  private unindexUpdate(update: JobUpdate, old: JobUpdate | undefined): void {
    this.indexUpdate(null, update);
    if (old) this.indexUpdate(old, undefined);
  }

  // ---- host maintenance --------------------------------------------------------------------

  maintenance(host: string): HostMaintenance | undefined {
    return this.maintenanceMap.get(host);
  }

  /** Hosts in maintenance (few, next to the cluster). */
  hostsInMaintenance(): IterableIterator<[string, HostMaintenance]> {
    return this.maintenanceMap.entries();
  }

  /** Agents registered under a host name. */
  agentsOnHost(host: string): ReadonlySet<string> {
    return this.agentsByHost.get(host) ?? EMPTY;
  }

  /** Sets a host's maintenance (null: NONE); its agents take new tasks only in NONE. */
  putMaintenance(host: string, m: HostMaintenance | null): void {
    const old = this.maintenanceMap.get(host);
    const apply = (value: HostMaintenance | undefined) => {
      if (value) this.maintenanceMap.set(host, value);
      else this.maintenanceMap.delete(host);
      for (const agentId of this.agentsOnHost(host)) {
        const agent = this.agentMap.get(agentId);
        if (agent) this.pool.upsertHost(hostSpec(agent, value));
      }
      // A host back in service is capacity that was not there.
      if (!value) {
        this.capacity++;
        this.changes.placementWanted = true;
      }
    };
    apply(m ?? undefined);
    this.record('maintenance', host, m, () => apply(old));
  }

  private indexAgentHost(agent: StoredAgent): void {
    let set = this.agentsByHost.get(agent.host);
    if (!set) this.agentsByHost.set(agent.host, (set = new Set()));
    set.add(agent.agentId);
  }

  /** Deletes specs no job or task refers to any more. */
  collectSpecs(): number {
    let collected = 0;
    for (const [hash, refs] of [...this.specRefs]) {
      if (refs > 0) continue;
      const spec = this.specs.get(hash);
      this.specRefs.delete(hash);
      if (!spec) continue;
      this.specs.delete(hash);
      collected++;
      this.record('specs', hash, null, () => {
        this.specs.set(hash, spec);
        this.specRefs.set(hash, 0);
      });
    }
    return collected;
  }

  /** After the change is durable: wake the agent's held sync. */
  wakeAgent(agentId: string): void {
    this.changes.agentsWithWork.add(agentId);
  }

  /** After the change is durable: run the scheduling loop. */
  wantPlacement(): void {
    this.changes.placementWanted = true;
  }

  // ---- internals ---------------------------------------------------------------------------

  private record(
    kind: 'specs' | 'jobs' | 'tasks' | 'agents' | 'quotas' | 'updates' | 'cronJobs' | 'maintenance',
    key: string,
    value: JobSpec | StoredJob | ScheduledTask | StoredAgent | ResourceAmounts | JobUpdate | CronJob | HostMaintenance | null,
    undo: () => void,
  ): void {
    const map = this.changes[kind] as Map<string, unknown>;
    const had = map.has(key);
    const before = map.get(key);
    map.set(key, value);
    this.changes.undo.push(() => {
      undo();
      if (had) map.set(key, before);
      else map.delete(key);
    });
  }

  private bump(path: string): void {
    const jt = this.jobTaskMap.get(path);
    if (jt) jt.version = ++this.versionCounter;
    this.changes.jobsChanged.add(path);
  }

  private setJob(path: string, job: StoredJob | null): void {
    const old = this.jobMap.get(path);
    if (old) this.ref(old.specHash, -1);
    if (job) {
      this.jobMap.set(path, job);
      this.ref(job.specHash, 1);
      this.jobTasksFor(path);
    } else {
      this.jobMap.delete(path);
      this.dropJobTasksIfEmpty(path);
    }
  }

  private setAgent(agent: StoredAgent): void {
    const old = this.agentMap.get(agent.agentId);
    this.agentMap.set(agent.agentId, agent);
    if (old && old.host !== agent.host) this.agentsByHost.get(old.host)?.delete(agent.agentId);
    this.indexAgentHost(agent);
    if (!this.lastSeen.has(agent.agentId)) this.lastSeen.set(agent.agentId, agent.lastSeenAt);
    this.pool.upsertHost(hostSpec(agent, this.maintenanceMap.get(agent.host)));
    if (!old || old.status !== agent.status || old.resources !== agent.resources || old.attributes !== agent.attributes) {
      this.capacity++;
      this.changes.placementWanted = true;
    }
  }

  private replaceTask(taskId: string, next: ScheduledTask | null): void {
    const old = this.taskMap.get(taskId) ?? null;
    const position = old ? this.unindex(old) : 0;
    if (next) this.index(next, position);
    const path = jobPath((next ?? old)!.jobKey);
    this.bump(path);
    this.record('tasks', taskId, next, () => {
      if (next) this.unindex(next);
      if (old) this.index(old, position);
    });
  }

  private jobTasksFor(path: string): JobTasks {
    let jt = this.jobTaskMap.get(path);
    if (!jt) {
      jt = { byInstance: new Map(), counts: new Map(), ended: new Set(), version: ++this.versionCounter };
      this.jobTaskMap.set(path, jt);
    }
    return jt;
  }

  private dropJobTasksIfEmpty(path: string): void {
    const jt = this.jobTaskMap.get(path);
    if (jt && jt.byInstance.size === 0 && !this.jobMap.has(path)) this.jobTaskMap.delete(path);
  }

  private count(jt: JobTasks, state: TaskState, delta: number): void {
    const n = (jt.counts.get(state) ?? 0) + delta;
    if (n === 0) jt.counts.delete(state);
    else jt.counts.set(state, n);
  }

  /**
   * Lets tasks share what they have in common (the job key object, host names, event messages)
   * instead of each holding a copy, as tasks parsed from the store or built from templates do.
   * The values stay equal, so nobody holding the objects can tell.
   */
  private compact(task: ScheduledTask): void {
    const t = task as { -readonly [K in keyof ScheduledTask]: ScheduledTask[K] };
    const path = jobPath(task.jobKey);
    const key = this.keys.get(path);
    if (!key) this.keys.set(path, task.jobKey);
    else if (key !== task.jobKey && key.cluster === task.jobKey.cluster) t.jobKey = key;
    const pool = this.strings;
    t.specHash = pool.intern(task.specHash);
    t.state = pool.intern(task.state) as ScheduledTask['state'];
    t.health = pool.intern(task.health) as ScheduledTask['health'];
    if (task.agentId !== null) t.agentId = pool.intern(task.agentId);
    if (task.host !== null) t.host = pool.intern(task.host);
    if (task.observerUrl !== null) t.observerUrl = pool.intern(task.observerUrl);
    if (task.pendingReason !== null) t.pendingReason = pool.intern(task.pendingReason);
    for (const e of task.events) {
      const event = e as { message: string | null; state: ScheduledTask['state'] };
      event.state = pool.intern(event.state) as ScheduledTask['state'];
      if (event.message !== null) event.message = pool.intern(event.message);
    }
  }

  /** Adds a task to every index; `position` is its place among its instance's tasks (0: current). */
  private index(task: ScheduledTask, position: number): void {
    const id = task.taskId;
    this.compact(task);
    this.taskMap.set(id, task);
    this.stateCounts.set(task.state, (this.stateCounts.get(task.state) ?? 0) + 1);
    this.ref(task.specHash, 1);
    const path = jobPath(task.jobKey);
    const jt = this.jobTasksFor(path);
    let list = jt.byInstance.get(task.instance);
    if (!list) {
      list = [];
      jt.byInstance.set(task.instance, list);
    }
    if (position === 0 && list.length > 0) this.count(jt, (this.taskMap.get(list[0] as string) as ScheduledTask).state, -1);
    list.splice(position, 0, id);
    if (position === 0) this.count(jt, task.state, 1);
    if (TERMINAL_STATES.has(task.state)) {
      jt.ended.add(id);
      this.endedIds.add(id);
    } else this.use(task, 1);
    if (holds(task)) {
      let set = this.onAgent.get(task.agentId);
      if (!set) {
        set = new Set();
        this.onAgent.set(task.agentId, set);
      }
      set.add(id);
      this.pool.hold(task.agentId, this.holdingOf(task));
    }
    if (task.state === 'PENDING') {
      const key = groupKey(task);
      let group = this.pending.get(key);
      if (!group) {
        group = { jobPath: path, specHash: task.specHash, taskIds: new Set() };
        this.pending.set(key, group);
      }
      group.taskIds.add(id);
      this.changes.placementWanted = true;
    } else if (task.state === 'THROTTLED') this.throttledIds.add(id);
    else if (task.state === 'PARTITIONED') this.partitionedIds.add(id);
  }

  /** Removes a task from every index; returns where it was among its instance's tasks. */
  private unindex(task: ScheduledTask): number {
    const id = task.taskId;
    const path = jobPath(task.jobKey);
    const jt = this.jobTaskMap.get(path) as JobTasks;
    const list = jt.byInstance.get(task.instance) as string[];
    const position = list.indexOf(id);
    list.splice(position, 1);
    if (position === 0) {
      this.count(jt, task.state, -1);
      if (list.length > 0) this.count(jt, (this.taskMap.get(list[0] as string) as ScheduledTask).state, 1);
    }
    if (list.length === 0) jt.byInstance.delete(task.instance);
    jt.ended.delete(id);
    this.endedIds.delete(id);
    if (!TERMINAL_STATES.has(task.state)) this.use(task, -1);
    if (holds(task)) {
      const set = this.onAgent.get(task.agentId);
      set?.delete(id);
      if (set?.size === 0) this.onAgent.delete(task.agentId);
      this.pool.release(task.agentId, this.holdingOf(task));
      this.capacity++;
      this.changes.placementWanted = true;
    }
    if (task.state === 'PENDING') {
      const key = groupKey(task);
      const group = this.pending.get(key);
      group?.taskIds.delete(id);
      if (group?.taskIds.size === 0) this.pending.delete(key);
    } else if (task.state === 'THROTTLED') this.throttledIds.delete(id);
    else if (task.state === 'PARTITIONED') this.partitionedIds.delete(id);
    this.ref(task.specHash, -1);
    this.stateCounts.set(task.state, (this.stateCounts.get(task.state) ?? 1) - 1);
    this.taskMap.delete(id);
    this.dropJobTasksIfEmpty(path);
    return position;
  }

  /** Adds (or with -1 takes back) what an active task holds to its role's use. */
  private use(task: ScheduledTask, sign: 1 | -1): void {
    const spec = this.specs.get(task.specHash);
    if (!spec) return;
    let u = this.usage.get(task.jobKey.role);
    if (!u) {
      u = { prod: [0, 0, 0, 0], nonProd: [0, 0, 0, 0] };
      this.usage.set(task.jobKey.role, u);
    }
    const into = countsAgainstQuota(spec) ? u.prod : u.nonProd;
    const r = spec.task.resources;
    into[0] = (into[0] as number) + sign * Math.round(r.cpu * MILLION);
    into[1] = (into[1] as number) + sign * r.ramMb * MILLION;
    into[2] = (into[2] as number) + sign * r.diskMb * MILLION;
    into[3] = (into[3] as number) + sign * r.gpu * MILLION;
  }

  private ref(hash: string, delta: number): void {
    this.specRefs.set(hash, (this.specRefs.get(hash) ?? 0) + delta);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function updatePath(update: JobUpdate): string {
  return jobPath(update.job);
}

/** The specs an active update may still run an instance on. */
function updateSpecHashes(update: JobUpdate): Set<string> {
  const hashes = new Set<string>([update.toSpecHash, update.fromJobSpecHash]);
  for (const i of update.instances) if (i.fromSpecHash) hashes.add(i.fromSpecHash);
  return hashes;
}

const NO_RESOURCES: ResourceAmounts = { cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 };
/** Use is summed in integer millionths: sums of 0.1 cpu must come back exact. */
const MILLION = 1_000_000;

function fromMillionths(units: readonly number[] | undefined): ResourceAmounts {
  if (!units) return NO_RESOURCES;
  const [cpu = 0, ram = 0, disk = 0, gpu = 0] = units;
  return { cpu: cpu / MILLION, ramMb: Math.round(ram / MILLION), diskMb: Math.round(disk / MILLION), gpu: Math.round(gpu / MILLION) };
}

/** Equal strings made one (up to a bound, past which new ones are kept as they are). */
class StringPool {
  private readonly pool = new Map<string, string>();
  constructor(private readonly max: number) {}

  intern(s: string): string {
    const known = this.pool.get(s);
    if (known !== undefined) return known;
    if (this.pool.size < this.max) this.pool.set(s, s);
    return s;
  }
}

/** When a task ended: its last event's time. */
export function endedAt(task: ScheduledTask | undefined): number {
  return task?.events.at(-1)?.at ?? 0;
}

/** An agent as placement sees it: unavailable while LOST or while its host is in maintenance. */
export function hostSpec(agent: StoredAgent, maintenance?: HostMaintenance): HostSpec {
  return {
    agentId: agent.agentId,
    host: agent.host,
    attributes: agent.attributes,
    resources: agent.resources,
    portRange: agent.portRange,
    unavailable: agent.status !== 'ACTIVE' ? agent.status : (maintenance?.mode ?? null),
  };
}
