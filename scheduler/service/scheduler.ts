import { ENVIRONMENT_RULE, environmentAllowed } from '../../dsl/key.js';
import { DEFAULT_FLAPPING_POLICY, flappingPenaltyMs, ranForMs, type FlappingPolicy } from '../core/flapping.js';
import { randomBytes } from 'node:crypto';
import { formatJobKey } from '../../dsl/job-key.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import type {
  AgentInfo,
  AgentRegisterResponse,
  AgentRegistration,
  AgentSyncRequest,
  AgentSyncResponse,
  TaskLaunch,
} from '../api/agent-protocol.js';
import { ApiError } from '../api/errors.js';
import type { CreateJobResponse, JobDetail, JobSummary, KillJobRequest, KillJobResponse } from '../api/jobs-api.js';
import { ACTIVE_ON_AGENT_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import { findLostAgents, pendingWork, reconcileSync, tasksLostWithAgent, type KnownTask } from '../core/agent-sync.js';
import { currentTasks, hasActiveTasks, jobSummary } from '../core/job-summary.js';
import { DEFAULT_TASK_PAGE } from '../api/jobs-api.js';
import { placeTasks, type PendingTask, type PlacementAgent, type TaskOnAgent } from '../core/placement.js';
import { transition } from '../core/task-state-machine.js';
import type { JobFilter, JobRef, Storage, StoredAgent, TaskFilter } from '../storage/storage.js';
import type { Clock } from './clock.js';

/**
 * The scheduler's I/O shell around the pure core: it loads state from storage, asks the core
 * what to do, performs the side effects and saves the result, one transaction per operation.
 * HTTP lives elsewhere (server/); this class speaks in contract types and ApiErrors.
 */

export interface SchedulerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface SchedulerOptions {
  readonly storage: Storage;
  readonly clusterName: string;
  readonly clock: Clock;
  /** An agent that has not synced for this long is LOST and its tasks with it. */
  readonly agentLostTimeoutMs: number;
  /** Told to agents at registration: the longest a sync is held open. */
  readonly longPollMs: number;
  /** Eight random hex characters, for task and agent ids. @default crypto random */
  readonly randomHex?: () => string;
  /** @default silent */
  readonly log?: SchedulerLog;
  /** Called after a commit that gave an agent something to launch or kill. */
  readonly onAgentWork?: (agentId: string) => void;
  /** Called after a commit that changed a job or one of its tasks, with `role/environment/name`. */
  readonly onJobChange?: (jobPath: string) => void;
  /** How instances that keep ending soon after they start are held back. @default Aurora's */
  readonly flapping?: FlappingPolicy;
  /** Environments this cluster accepts besides `prod|devel|test|staging<N>`. @default none */
  readonly allowedEnvironments?: readonly string[];
}

const ACTIVE_ON_AGENT = [...ACTIVE_ON_AGENT_STATES];
const NOT_TERMINAL: TaskState[] = ['PENDING', 'THROTTLED', ...ACTIVE_ON_AGENT];

/** Executor states that end a task: once recorded, the agent is told to stop reporting it. */
const ENDED_REPORTS: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);

const silent: SchedulerLog = { info: () => {}, warn: () => {} };

/** Fields of a task that change with a transition besides its state. */
type TaskPatch = Partial<Pick<ScheduledTask, 'agentId' | 'host' | 'observerUrl' | 'ports' | 'health' | 'throttle'>>;

export class Scheduler {
  /** Agents known before this start get the full lost timeout from here to sync again. */
  readonly startedAt: number;
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly log: SchedulerLog;
  private readonly randomHex: () => string;
  /** Agents given work in the current operation, woken once it has committed. */
  private readonly agentsWithWork = new Set<string>();
  /** Jobs changed in the current operation, announced once it has committed. */
  private readonly jobsChanged = new Set<string>();
  /** Each job's version (see JobSummary.version), from one counter. */
  private readonly versions = new Map<string, number>();
  private versionCounter = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.storage = options.storage;
    this.clock = options.clock;
    this.log = options.log ?? silent;
    this.randomHex = options.randomHex ?? (() => randomBytes(4).toString('hex'));
    this.startedAt = this.clock.now();
  }

  get clusterName(): string {
    return this.options.clusterName;
  }

  // ---- jobs ------------------------------------------------------------------------------

  createJob(spec: JobSpec, principal: string): CreateJobResponse {
    const key = spec.key;
    if (key.cluster !== this.clusterName) {
      throw new ApiError(
        'WRONG_CLUSTER',
        `this scheduler serves cluster '${this.clusterName}', the spec is for '${key.cluster}'; check the cluster in the job key and clusters.json`,
      );
    }
    const allowed = this.options.allowedEnvironments ?? [];
    if (!environmentAllowed(key.environment, allowed)) {
      const extra = allowed.length > 0 ? ` or one this cluster allows (${allowed.join(', ')})` : '';
      throw new ApiError('INVALID_JOB_SPEC', `${ENVIRONMENT_RULE}${extra}; '${key.environment}' is not`, [
        { path: 'key.environment', message: `${ENVIRONMENT_RULE}${extra}` },
      ]);
    }
    if (spec.cronSchedule !== null) {
      throw new ApiError(
        'CRON_JOB_NEEDS_CRON_COMMAND',
        `Cron jobs may only be scheduled with "aurora cron schedule" command (${formatJobKey(key)} has cronSchedule '${spec.cronSchedule}')`,
      );
    }
    const result = this.mutate(() => {
      const existing = this.storage.getJob(key);
      if (existing && hasActiveTasks(this.storage.listTasks(key))) {
        throw new ApiError(
          'JOB_EXISTS',
          existing.removing
            ? `job ${formatJobKey(key)} is still being killed; wait until its tasks have ended, then create it again`
            : `job ${formatJobKey(key)} already exists; use aurora update start to change it, or kill it first`,
        );
      }
      const hash = specHash(spec);
      const now = this.clock.now();
      this.storage.putJob({ spec, specHash: hash, createdAt: now, removing: false });
      const taskIds: string[] = [];
      for (let instance = 0; instance < spec.instances; instance++) {
        taskIds.push(this.addPendingTask(spec, hash, instance, 0, `Created by ${principal}`).taskId);
      }
      this.log.info(`job ${formatJobKey(key)} created with ${spec.instances} instance(s) by ${principal}`);
      return taskIds;
    });
    this.placePending();
    return { job: this.summary(key), taskIds: result };
  }

  listJobs(filter: JobFilter = {}): JobSummary[] {
    return this.storage.listJobs(filter).map((job) => jobSummary(job, this.storage.listTasks(job.spec.key), this.jobVersion(job.spec.key)));
  }

  getJob(ref: JobRef, options: { history?: boolean } = {}): JobDetail {
    const job = this.requireJob(ref);
    const all = this.storage.listTasks(ref);
    const tasks = options.history ? all : currentTasks(all);
    return { summary: jobSummary(job, all, this.jobVersion(ref)), spec: job.spec, tasks };
  }

  /** The job's current version (see JobSummary.version). */
  jobVersion(ref: JobRef): number {
    return this.versions.get(pathOf(ref)) ?? 0;
  }

  private touched(ref: JobRef): void {
    const path = pathOf(ref);
    this.versions.set(path, ++this.versionCounter);
    this.jobsChanged.add(path);
  }

  /** Kills some or all instances; a full kill removes the job once its last task has ended. */
  killJob(ref: JobRef, request: KillJobRequest, principal: string): KillJobResponse {
    const response = this.mutate(() => {
      const job = this.requireJob(ref);
      const all = Array.from({ length: job.spec.instances }, (_, i) => i);
      const wanted = request.instances ?? all;
      const missing = wanted.filter((i) => i >= job.spec.instances);
      if (missing.length > 0) {
        throw new ApiError(
          'INVALID_REQUEST',
          `job ${formatJobKey(job.spec.key)} has no instance ${missing.join(', ')}; its instances are 0-${job.spec.instances - 1}`,
        );
      }
      const targets = new Set(wanted);
      const message = request.message ?? `Killed by ${principal}`;
      const killed: string[] = [];
      for (const task of this.storage.listTasks({ ...ref, states: NOT_TERMINAL })) {
        if (!targets.has(task.instance)) continue;
        if (task.state === 'KILLING') killed.push(task.taskId);
        else if (this.change(task, ACTIVE_ON_AGENT_STATES.has(task.state) ? 'KILLING' : 'KILLED', message)) {
          killed.push(task.taskId);
        }
      }
      let jobRemoved = false;
      if (all.every((i) => targets.has(i))) {
        this.storage.putJob({ ...job, removing: true });
        jobRemoved = this.removeJobIfDone(ref);
      }
      this.log.info(`${principal} killed ${killed.length} task(s) of ${formatJobKey(job.spec.key)}`);
      return { killed, jobRemoved };
    });
    return response;
  }

  /** One page of tasks matching the filter, and how many match in all. */
  listTasks(filter: TaskFilter & { history?: boolean; limit?: number; offset?: number } = {}): { tasks: ScheduledTask[]; total: number } {
    const { history, limit = DEFAULT_TASK_PAGE, offset = 0, ...query } = filter;
    let tasks = this.storage.listTasks(query);
    if (!history) {
      const live = new Set(this.storage.listJobs().map((j) => pathOf(j.spec.key)));
      const seen = new Set<string>();
      // Newest first per instance (storage's order): the first of each job instance is current.
      tasks = tasks.filter((t) => live.has(jobPath(t)) && !seen.has(`${jobPath(t)}#${t.instance}`) && !!seen.add(`${jobPath(t)}#${t.instance}`));
    }
    return { tasks: tasks.slice(offset, offset + limit), total: tasks.length };
  }

  // ---- agents ----------------------------------------------------------------------------

  listAgents(): AgentInfo[] {
    return this.storage.listAgents().map(({ version: _version, ...info }) => info);
  }

  /** A new agent, or a returning one keeping its id (also an id this store never saw). */
  registerAgent(registration: AgentRegistration): AgentRegisterResponse {
    const agentId = registration.agentId ?? `${registration.host}-${this.randomHex()}`;
    this.mutate(() => {
      const returning = this.storage.getAgent(agentId) !== undefined;
      const { agentId: _given, ...fields } = registration;
      this.storage.putAgent({ ...fields, agentId, status: 'ACTIVE', lastSeenAt: this.clock.now() });
      this.log.info(`agent ${agentId} on ${registration.host} ${returning ? 're-registered' : 'registered'}`);
    });
    this.placePending();
    return { agentId, longPollMs: this.options.longPollMs };
  }

  /**
   * Reconciles one sync and answers with the work the agent has now. The caller may hold the
   * sync open when it is empty and ask `workFor` again once woken.
   */
  syncAgent(request: AgentSyncRequest): { response: AgentSyncResponse; reported: ReadonlySet<string> } {
    const ack = request.tasks.filter((t) => ENDED_REPORTS.has(t.state)).map((t) => t.taskId);
    const reported = new Set(request.tasks.map((t) => t.taskId));
    const kill = this.mutate(() => {
      const agent = this.requireAgent(request.agentId);
      if (agent.status !== 'ACTIVE') this.log.info(`agent ${agent.agentId} on ${agent.host} is back`);
      this.storage.putAgent({ ...agent, status: 'ACTIVE', lastSeenAt: this.clock.now() });
      const onAgent = this.storage.listTasks({ agentId: agent.agentId, states: ACTIVE_ON_AGENT });
      const reportedTasks = this.storage.listTasks({ taskIds: [...reported] });
      const known = new Map([...onAgent, ...reportedTasks].map((t) => [t.taskId, t]));
      const plan = reconcileSync(agent.agentId, agent.host, [...known.values()].map(toKnown), request.tasks);
      const observed = new Map(plan.observations.map((o) => [o.taskId, o]));
      for (const change of plan.changes) {
        const task = known.get(change.taskId);
        const o = observed.get(change.taskId);
        if (task) this.change(task, change.to, change.message, o ? { health: o.health, ports: o.ports } : {});
      }
      const changed = new Set(plan.changes.map((c) => c.taskId));
      for (const o of plan.observations) {
        const task = known.get(o.taskId);
        if (task && !changed.has(o.taskId)) {
          this.storage.updateTask({ ...task, health: o.health, ports: o.ports });
          this.touched(task.jobKey);
        }
      }
      return plan.kill;
    });
    this.placePending();
    const work = this.workFor(request.agentId, reported);
    return { response: { launch: work.launch, kill: [...new Set([...kill, ...work.kill])], ack }, reported };
  }

  /** Tasks to launch on and kill from the agent, given what its sync reported. */
  workFor(agentId: string, reported: ReadonlySet<string>): Omit<AgentSyncResponse, 'ack'> {
    const tasks = this.storage.listTasks({ agentId, states: ACTIVE_ON_AGENT });
    const work = pendingWork(agentId, tasks.map(toKnown), reported);
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    return {
      launch: work.launch.map((id) => this.assignment(byId.get(id) as ScheduledTask)),
      kill: work.kill,
    };
  }

  /** Marks agents that stopped syncing LOST, and their tasks with them. Returns their ids. */
  checkLostAgents(heldOpen: ReadonlySet<string> = new Set()): string[] {
    const timeout = this.options.agentLostTimeoutMs;
    const lost = this.mutate(() => {
      const agents = this.storage.listAgents();
      const lostIds = findLostAgents(agents, this.clock.now(), timeout, this.startedAt, heldOpen);
      for (const agent of agents.filter((a) => lostIds.includes(a.agentId))) {
        this.storage.putAgent({ ...agent, status: 'LOST' });
        const tasks = this.storage.listTasks({ agentId: agent.agentId, states: ACTIVE_ON_AGENT });
        const byId = new Map(tasks.map((t) => [t.taskId, t]));
        for (const change of tasksLostWithAgent(agent, tasks.map(toKnown), timeout)) {
          this.change(byId.get(change.taskId) as ScheduledTask, change.to, change.message);
        }
        this.log.warn(`agent ${agent.agentId} on ${agent.host} is LOST; ${tasks.length} task(s) on it are LOST`);
      }
      return lostIds;
    });
    if (lost.length > 0) this.placePending();
    return lost;
  }

  // ---- placement -------------------------------------------------------------------------

  /** One placement pass over every PENDING task. Returns how many were assigned. */
  placePending(): number {
    return this.mutate(() => {
      const pending = this.storage.listTasks({ states: ['PENDING'] });
      if (pending.length === 0) return 0;
      const specs = new Map<string, JobSpec>();
      const specOf = (hash: string): JobSpec => {
        let spec = specs.get(hash);
        if (!spec) {
          spec = this.storage.getSpec(hash) as JobSpec;
          specs.set(hash, spec);
        }
        return spec;
      };
      const agents = this.storage.listAgents();
      const onAgents = new Map<string, TaskOnAgent[]>();
      for (const t of this.storage.listTasks({ states: ACTIVE_ON_AGENT })) {
        if (!t.agentId) continue;
        const list = onAgents.get(t.agentId) ?? [];
        list.push({ jobKey: jobPath(t), resources: specOf(t.specHash).task.resources, ports: Object.values(t.ports) });
        onAgents.set(t.agentId, list);
      }
      const placementAgents: PlacementAgent[] = agents.map((a) => ({ ...a, tasks: onAgents.get(a.agentId) ?? [] }));
      const ordered = [...pending].sort((a, b) => byImportance(specOf(a.specHash), specOf(b.specHash), a, b));
      const requests: PendingTask[] = ordered.map((t) => {
        const spec = specOf(t.specHash);
        return {
          taskId: t.taskId,
          jobKey: jobPath(t),
          resources: spec.task.resources,
          portNames: spec.ports,
          constraints: spec.constraints,
        };
      });
      const result = placeTasks(requests, placementAgents);
      const byId = new Map(pending.map((t) => [t.taskId, t]));
      const agentById = new Map(agents.map((a) => [a.agentId, a]));
      for (const a of result.assignments) {
        const agent = agentById.get(a.agentId) as StoredAgent;
        this.change(byId.get(a.taskId) as ScheduledTask, 'ASSIGNED', `Assigned to agent ${agent.host}`, {
          agentId: agent.agentId,
          host: agent.host,
          observerUrl: agent.observerUrl,
          ports: a.ports,
        });
      }
      for (const u of result.unplaced) {
        const task = byId.get(u.taskId) as ScheduledTask;
        if (task.pendingReason !== u.reason) this.storage.updateTask({ ...task, pendingReason: u.reason });
      }
      return result.assignments.length;
    });
  }

  // ---- internals -------------------------------------------------------------------------

  /** Runs an operation in one transaction, then wakes the agents it gave work to. */
  private mutate<T>(fn: () => T): T {
    let result: T;
    try {
      result = this.storage.transaction(fn);
    } catch (e) {
      this.agentsWithWork.clear();
      this.jobsChanged.clear();
      throw e;
    }
    const agents = [...this.agentsWithWork];
    this.agentsWithWork.clear();
    for (const agentId of agents) this.options.onAgentWork?.(agentId);
    const jobs = [...this.jobsChanged];
    this.jobsChanged.clear();
    for (const path of jobs) this.options.onJobChange?.(path);
    return result;
  }

  /** Applies one transition through the state machine and performs its side effects. */
  private change(task: ScheduledTask, to: TaskState, message: string | null, patch: TaskPatch = {}): boolean {
    const spec = this.storage.getSpec(task.specHash) as JobSpec;
    const decision = transition(task.state, to, {
      service: spec.service,
      maxTaskFailures: spec.maxTaskFailures,
      failureCount: task.failureCount,
    });
    if (!decision.ok) {
      this.log.warn(`task ${task.taskId}: ignoring ${task.state} → ${to}: ${decision.reason}`);
      return false;
    }
    const updated: ScheduledTask = { ...task, ...patch, state: to, pendingReason: null };
    for (const effect of decision.effects) {
      switch (effect.kind) {
        case 'SAVE_STATE':
          this.touched(task.jobKey);
          this.storage.updateTask(updated);
          this.storage.appendTaskEvent(task.taskId, { state: to, at: this.clock.now(), message });
          break;
        case 'KILL':
          if (updated.agentId) this.agentsWithWork.add(updated.agentId);
          break;
        case 'RESCHEDULE': {
          const job = this.storage.getJob(task.jobKey);
          if (job && !job.removing) this.reschedule(spec, task, to as 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST', effect.failureCount);
          break;
        }
        case 'DELETE_IF_JOB_DONE':
          this.removeJobIfDone(task.jobKey);
          break;
      }
    }
    if (to === 'ASSIGNED' && updated.agentId) this.agentsWithWork.add(updated.agentId);
    return true;
  }

  /** Replaces an ended task, held THROTTLED first when its instance is flapping. */
  private reschedule(spec: JobSpec, ended: ScheduledTask, endedAs: 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST', failureCount: number): void {
    const now = this.clock.now();
    const ran = ranForMs(ended.events, now);
    const penaltyMs = flappingPenaltyMs(
      { endedAs, ranForMs: ran, previousPenaltyMs: ended.throttle?.penaltyMs ?? 0 },
      this.options.flapping ?? DEFAULT_FLAPPING_POLICY,
    );
    const message = `Rescheduled: ${ended.taskId} ended ${endedAs}`;
    if (penaltyMs === 0) {
      this.addPendingTask(spec, ended.specHash, ended.instance, failureCount, message);
      return;
    }
    const secs = (ms: number) => `${Math.round(ms / 1000)} s`;
    this.addPendingTask(spec, ended.specHash, ended.instance, failureCount, `${message} after running ${secs(ran)}; held for ${secs(penaltyMs)} because it is flapping`, {
      penaltyMs,
      until: now + penaltyMs,
    });
  }

  /** Moves THROTTLED tasks whose penalty is over to PENDING. Returns how many. */
  releaseThrottled(): number {
    return this.mutate(() => {
      const now = this.clock.now();
      const due = this.storage.listTasks({ states: ['THROTTLED'] }).filter((t) => (t.throttle?.until ?? 0) <= now);
      for (const task of due) this.change(task, 'PENDING', 'Flapping penalty over', { throttle: task.throttle ?? null });
      return due.length;
    });
  }

  private addPendingTask(
    spec: JobSpec,
    hash: string,
    instance: number,
    failureCount: number,
    message: string,
    throttle: { penaltyMs: number; until: number } | null = null,
  ): ScheduledTask {
    const { role, environment, name } = spec.key;
    const state = throttle ? 'THROTTLED' : 'PENDING';
    const task: ScheduledTask = {
      taskId: `${role}-${environment}-${name}-${instance}-${this.randomHex()}`,
      jobKey: spec.key,
      instance,
      state,
      specHash: hash,
      agentId: null,
      host: null,
      observerUrl: null,
      ports: {},
      health: 'UNKNOWN',
      failureCount,
      pendingReason: throttle
        ? `Held until ${new Date(throttle.until).toISOString()} because the instance keeps ending soon after it starts`
        : 'Waiting for the next placement pass',
      throttle,
      events: [{ state, at: this.clock.now(), message }],
    };
    this.storage.insertTask(task);
    this.touched(spec.key);
    return task;
  }

  /** A job being removed goes away with its last active task; its tasks stay as history. */
  private removeJobIfDone(ref: JobRef): boolean {
    const job = this.storage.getJob(ref);
    if (!job?.removing || hasActiveTasks(this.storage.listTasks({ ...ref, states: NOT_TERMINAL }))) return false;
    this.storage.deleteJob(ref);
    this.touched(ref);
    this.log.info(`job ${formatJobKey(job.spec.key)} removed`);
    return true;
  }

  private summary(ref: JobRef): JobSummary {
    const job = this.requireJob(ref);
    return jobSummary(job, this.storage.listTasks(ref), this.jobVersion(ref));
  }

  private requireJob(ref: JobRef) {
    const job = this.storage.getJob(ref);
    if (!job) {
      const key = `${this.clusterName}/${ref.role}/${ref.environment}/${ref.name}`;
      throw new ApiError(
        'JOB_NOT_FOUND',
        `no job ${key}; list the role's jobs with aurora job list ${this.clusterName}/${ref.role} (killed jobs keep their tasks in GET /api/v1/tasks)`,
      );
    }
    return job;
  }

  private requireAgent(agentId: string): StoredAgent {
    const agent = this.storage.getAgent(agentId);
    if (!agent) {
      throw new ApiError('AGENT_UNKNOWN', `agent ${agentId} is not registered with this scheduler; register again`);
    }
    return agent;
  }

  private assignment(task: ScheduledTask): TaskLaunch {
    return { taskId: task.taskId, jobKey: task.jobKey, instance: task.instance, ports: task.ports, specHash: task.specHash };
  }

  /** A JobSpec by hash, for agents launching its tasks. */
  getSpec(hash: string): JobSpec {
    const spec = this.storage.getSpec(hash);
    if (!spec) throw new ApiError('SPEC_NOT_FOUND', `no job spec with hash ${hash}`);
    return spec;
  }
}

function toKnown(t: ScheduledTask): KnownTask {
  return { taskId: t.taskId, state: t.state, agentId: t.agentId, health: t.health, ports: t.ports };
}

function jobPath(t: ScheduledTask): string {
  return pathOf(t.jobKey);
}

function pathOf(ref: JobRef): string {
  return `${ref.role}/${ref.environment}/${ref.name}`;
}

/** Production before non-production, higher priority first, then the oldest task. */
function byImportance(a: JobSpec, b: JobSpec, ta: ScheduledTask, tb: ScheduledTask): number {
  return (
    Number(b.production) - Number(a.production) ||
    b.priority - a.priority ||
    (ta.events[0]?.at ?? 0) - (tb.events[0]?.at ?? 0) ||
    jobPath(ta).localeCompare(jobPath(tb)) ||
    ta.instance - tb.instance
  );
}
