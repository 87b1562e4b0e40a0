import { randomBytes, randomUUID } from 'node:crypto';
import { portAliases } from '../../dsl/port-aliases.js';
import { formatJobKey } from '../../dsl/job-key.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import { ENVIRONMENT_RULE, environmentAllowed } from '../../dsl/key.js';
import type {
  AgentInfo,
  AgentRegisterResponse,
  AgentRegistration,
  AgentSyncRequest,
  AgentSyncResponse,
  TaskLaunch,
} from '../api/agent-protocol.js';
import { ApiError } from '../api/errors.js';
import {
  DEFAULT_TASK_PAGE,
  type CreateJobResponse,
  type JobDetail,
  type JobSummary,
  type KillJobRequest,
  type KillJobResponse,
  type PruneTasksRequest,
  type PruneTasksResponse,
} from '../api/jobs-api.js';
import type { CronJobView } from '../api/cron-api.js';
import type { HostStatus } from '../api/maintenance-api.js';
import type { GetQuotaResponse, ResourceAmounts } from '../api/quota-api.js';
import {
  type JobUpdate,
  type ListUpdatesQuery,
  type StartRestartRequest,
  type UpdateSummary,
  type UpdateUserAction,
} from '../api/updates-api.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import { admissionProblems, DEFAULT_MAX_INSTANCES_PER_JOB } from '../core/admission.js';
import {
  findLostAgents,
  partitionsDue,
  pendingWork,
  reconcileSync,
  tasksLostWithAgent,
  type KnownTask,
  type PartitionPolicy,
} from '../core/agent-sync.js';
import { DEFAULT_FLAPPING_POLICY, flappingPenaltyMs, ranForMs, type FlappingPolicy } from '../core/flapping.js';
import { DEFAULT_HISTORY_POLICY, expiredTasks, overJobLimit, type HistoryPolicy } from '../core/history-pruning.js';
import { isNoAllowance, type ExecutorAllowance } from '../core/effective-resources.js';
import { dedicatedConstraintProblem } from '../core/placement/index.js';
import { addAmounts, checkQuota, countsAgainstQuota, NO_RESOURCES, scaleAmounts } from '../core/quota.js';
import { transition } from '../core/task-state-machine.js';
import { resolveTier } from '../core/tiers.js';
import type { ChangeSet } from '../state/change-set.js';
import { ClusterState, endedAt } from '../state/cluster-state.js';
import { jobPath, type JobRef, type Storage, type StoredAgent } from '../storage/storage.js';
import type { Clock } from './clock.js';
import { Committer } from './committer.js';
import { Backups, type BackupSettings } from './backups.js';
import { DEFAULT_PLACEMENT, groupId, planPass, runPlacement, type BlockedGroups, type PlacementSettings } from './placement-pass.js';
import { choosePreemptions, DEFAULT_PREEMPTION, type PreemptionSettings } from './preemption-pass.js';
import { CronJobs } from './cron-jobs.js';
import { HostMaintenanceService } from './host-maintenance.js';
import { JobUpdates } from './job-updates.js';
import { SlaCoordinators, type SlaCoordinatorSettings } from './sla-coordinator.js';
import type { CoordinatorQuestion } from '../core/sla-coordinator.js';
import { SchedulingLoop } from './scheduling-loop.js';

/**
 * The scheduler's service: the API's operations over the in-memory state (scheduler/state),
 * the pure core's decisions (scheduler/core) and the group commit to the store. Each operation
 * changes memory in one synchronous step, then waits until the change is durable before it
 * answers; a commit that fails undoes the change and the caller gets STORAGE_UNAVAILABLE.
 * HTTP lives in server/; this class speaks in contract types and ApiErrors.
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
  /** Only production jobs with at least this many active instances are held by a count or percentage SLA policy, in drains and SLA-aware updates (Aurora's -min_required_instances_for_sla_check). @default 20 */
  readonly minRequiredInstancesForSla?: number;
  /** Requests to SLA coordinators: timeout, largest answer, how long an answer counts. @default 10 s, 64 KiB, 30 s */
  readonly slaCoordinator?: Partial<SlaCoordinatorSettings>;
  /** The zone cron schedules are read in when their job sets none (Aurora's -cron_timezone). @default 'UTC' */
  readonly cronTimezone?: string;
  /** Ids of new updates. @default random UUIDs (as Aurora's) */
  readonly newUpdateId?: () => string;
  /** Where and how often to back up the whole state. @default null (no backup dir: no backups) */
  readonly backups?: BackupSettings | null;
  /** The scheduler's version, written into backups. @default '0.0.0' */
  readonly version?: string;
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
  /** @default 4000, Aurora's */
  readonly maxInstancesPerJob?: number;
  /** How long ended tasks are kept. @default Aurora's (100 per job, 2 days, at least 1 hour) */
  readonly history?: HistoryPolicy;
  /** @default sampled, 10 hosts per task, spread, 2000 tasks per pass */
  readonly placement?: Partial<PlacementSettings>;
  /** Seed of the first placement pass (each pass uses the next). @default from the clock */
  readonly placementSeed?: number;
  /** When and how much pending work may preempt. @default Aurora's 3 minutes' delay */
  readonly preemption?: Partial<PreemptionSettings>;
  /**
   * What every task holds and is limited to on top of its resources (core/effective-resources.ts);
   * quota does not count it. @default none (aurora-scheduler's flags default to
   * DEFAULT_EXECUTOR_ALLOWANCE)
   */
  readonly executorAllowance?: ExecutorAllowance;
}

/** Fields of a task that change with a transition besides its state. */
type TaskPatch = Partial<Pick<ScheduledTask, 'agentId' | 'host' | 'observerUrl' | 'ports' | 'health' | 'throttle'>>;

/** Executor states that end a task: once recorded, the agent is told to stop reporting them. */
const ENDED_REPORTS: ReadonlySet<string> = new Set(['FINISHED', 'FAILED', 'KILLED']);
/** The scheduler is ending these on purpose; see core/agent-sync.ts. */
const BEING_KILLED: ReadonlySet<TaskState> = new Set(['KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING']);

const silent: SchedulerLog = { info: () => {}, warn: () => {} };

/** A blocked placement group is tried again after this long even when capacity keeps changing. */
const BLOCKED_RETRY_MS = 1_000;

export class Scheduler {
  /** Agents known before this start get the full lost timeout from here to sync again. */
  readonly startedAt: number;
  readonly state: ClusterState;
  private readonly committer: Committer;
  private readonly loop: SchedulingLoop;
  private readonly clock: Clock;
  private readonly log: SchedulerLog;
  private readonly randomHex: () => string;
  private readonly flapping: FlappingPolicy;
  private readonly history: HistoryPolicy;
  private readonly placement: PlacementSettings;
  private readonly blocked: BlockedGroups = { epochs: new Map() };
  /** When each blocked group was last tried. */
  private readonly blockedAt = new Map<string, number>();
  /**
   * Why each group that did not fit waits, from the last pass that tried it. Derived data, kept
   * in memory and shown on reads: a reason that changes with every pass ("largest free 3.2 cpu")
   * must not cost a write per pending task.
   */
  private readonly reasons = new Map<string, string>();
  private readonly preemption: PreemptionSettings;
  /** Pending tasks whose victims are being killed for them, and those victims. */
  private readonly preempting = new Map<string, readonly string[]>();
  /** Jobs whose ended tasks are over the per-job bound but too young to prune yet. */
  private readonly overLimit = new Set<string>();
  private seed: number;
  private closed = false;
  private readonly updates: JobUpdates;
  private readonly cron: CronJobs;
  private readonly maintenance: HostMaintenanceService;
  /** Asks the coordinators of coordinator SLA policies, for drains and SLA-aware updates. */
  readonly coordinators: SlaCoordinators;
  /** Backups and the staged recovery (aurora_admin scheduler_backup_now, scheduler_*_recovery). */
  readonly backups: Backups;
  /** Jobs whose active update must look at a change, driven once the change is durable. */
  private readonly updatesToDrive = new Set<string>();

  /** Loads the state from the store; the scheduler serves once this resolves. */
  static async open(options: SchedulerOptions): Promise<Scheduler> {
    const started = performance.now();
    const loaded = await options.storage.load();
    const scheduler = new Scheduler(options);
    scheduler.state.load(loaded);
    for (const path of scheduler.state.jobPathsWithTasks()) {
      if ((scheduler.state.jobTasks(path)?.ended.size ?? 0) > scheduler.history.maxPerJob) scheduler.overLimit.add(path);
    }
    const state = scheduler.state;
    scheduler.log.info(
      `loaded ${state.jobCount} job(s), ${state.taskCount} task(s) and ${state.agentCount} agent(s) in ${Math.round(performance.now() - started)} ms`,
    );
    const pending = state.pendingCount;
    scheduler.loop.request();
    // Said once, so operators (and bench:scheduler) see when the stored pending work was first looked at.
    void scheduler.loop.idle().then(() => {
      if (scheduler.closed) return;
      const waiting = state.pendingCount;
      scheduler.log.info(
        `first placement passes done ${Math.round(performance.now() - started)} ms after start: ${pending} pending task(s) looked at, ${waiting} still pending`,
      );
    });
    return scheduler;
  }

  private constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock;
    this.log = options.log ?? silent;
    this.randomHex = options.randomHex ?? (() => randomBytes(4).toString('hex'));
    this.flapping = options.flapping ?? DEFAULT_FLAPPING_POLICY;
    this.history = options.history ?? DEFAULT_HISTORY_POLICY;
    this.placement = { ...DEFAULT_PLACEMENT, ...options.placement };
    this.preemption = { ...DEFAULT_PREEMPTION, ...options.preemption };
    this.startedAt = this.clock.now();
    this.seed = options.placementSeed ?? this.startedAt;
    // Versions of a new start never repeat the previous start's: clients compare them for equality.
    this.state = new ClusterState(this.startedAt * 1000, options.executorAllowance);
    this.committer = new Committer(this.state, options.storage, {
      onCommitted: (changes) => this.committed(changes),
      onFailed: (e) => this.log.warn(`a commit failed and was undone: ${e.message}`),
    });
    this.loop = new SchedulingLoop(
      () => this.placementPass(),
      (e) => this.log.warn(`placement pass failed: ${e.stack ?? e.message}`),
    );
    this.coordinators = new SlaCoordinators(
      {
        clusterName: options.clusterName,
        now: () => this.clock.now(),
        task: (id) => this.state.task(id),
        spec: (hash) => this.state.spec(hash),
        answered: (task) => this.coordinatorAnswered(task),
        info: (m) => this.log.info(m),
        warn: (m) => this.log.warn(m),
      },
      options.slaCoordinator,
    );
    const coordinatorHooks = {
      coordinatorAnswers: () => this.coordinators.answers(),
      coordinatorAnswerTtlMs: this.coordinators.settings.answerTtlMs,
      askCoordinators: (questions: readonly CoordinatorQuestion[]) => this.coordinators.ask(questions),
    };
    const minRequiredInstancesForSla = options.minRequiredInstancesForSla ?? DEFAULT_MIN_REQUIRED_INSTANCES_FOR_SLA;
    this.updates = new JobUpdates({
      ...coordinatorHooks,
      state: this.state,
      minRequiredInstancesForSla,
      clusterName: options.clusterName,
      now: () => this.clock.now(),
      newUpdateId: options.newUpdateId ?? (() => randomUUID()),
      admit: (spec) => this.admit(spec),
      checkQuota: (role, spec, instances, replacing) => this.checkProductionQuota(role, spec, instances, replacing),
      change: (task, to, message) => this.change(task, to, message),
      addTask: (spec, hash, instance, failureCount, message) => {
        const task = this.addTask(spec, hash, instance, failureCount, message);
        this.loop.request();
        return task;
      },
      durable: () => this.committer.durable(),
      info: (m) => this.log.info(m),
    });
    this.maintenance = new HostMaintenanceService({
      ...coordinatorHooks,
      state: this.state,
      minRequiredInstancesForSla,
      now: () => this.clock.now(),
      change: (task, to, message) => this.change(task, to, message),
      durable: () => this.committer.durable(),
      info: (m) => this.log.info(m),
    });
    this.backups = new Backups({
      settings: options.backups ?? null,
      state: this.state,
      storage: options.storage,
      clusterName: options.clusterName,
      version: options.version ?? '0.0.0',
      now: () => this.clock.now(),
      quiesce: () => this.quiesce(),
      stopWriting: () => this.close(),
      info: (m) => this.log.info(m),
      warn: (m) => this.log.warn(m),
    });
    this.cron = new CronJobs({
      state: this.state,
      clusterName: options.clusterName,
      defaultTimezone: options.cronTimezone ?? 'UTC',
      now: () => this.clock.now(),
      admit: (spec) => this.admit(spec),
      checkQuota: (role, spec, instances, replacing) => this.checkProductionQuota(role, spec, instances, replacing),
      change: (task, to, message) => this.change(task, to, message),
      addTask: (spec, hash, instance, failureCount, message) => {
        const task = this.addTask(spec, hash, instance, failureCount, message);
        this.state.wantPlacement();
        return task;
      },
      durable: () => this.committer.durable(),
      info: (m) => this.log.info(m),
    });
  }

  get clusterName(): string {
    return this.options.clusterName;
  }

  /** How many commits the store has taken. */
  get commits(): number {
    return this.committer.commits;
  }

  /** Tasks placed since start-up, and tasks preempted. */
  placements = 0;
  preemptions = 0;

  // ---- jobs ------------------------------------------------------------------------------

  async createJob(spec: JobSpec, principal: string): Promise<CreateJobResponse> {
    const key = spec.key;
    this.admit(spec);
    if (spec.cronSchedule !== null) {
      throw new ApiError(
        'CRON_JOB_NEEDS_CRON_COMMAND',
        `Cron jobs may only be scheduled with "aurora cron schedule" command (${formatJobKey(key)} has cronSchedule '${spec.cronSchedule}')`,
      );
    }
    const path = jobPath(key);
    const taskIds = this.state.operation(() => {
      const existing = this.state.job(path);
      if (existing && this.state.hasActiveTasks(path)) {
        throw new ApiError(
          'JOB_EXISTS',
          existing.removing
            ? `job ${formatJobKey(key)} is still being killed; wait until its tasks have ended, then create it again`
            : `job ${formatJobKey(key)} already exists; use aurora update start to change it, or kill it first`,
        );
      }
      this.checkProductionQuota(key.role, spec, spec.instances, null);
      const hash = specHash(spec);
      this.state.putSpec(hash, spec);
      this.state.putJob(path, { spec, specHash: hash, createdAt: this.clock.now(), removing: false });
      const ids: string[] = [];
      for (let instance = 0; instance < spec.instances; instance++) {
        ids.push(this.addTask(spec, hash, instance, 0, `Created by ${principal}`).taskId);
      }
      return ids;
    });
    // Placed in the same commit as the creation: one fsync, and the answer shows them ASSIGNED.
    this.loop.request(true);
    await this.committer.durable();
    this.log.info(`job ${formatJobKey(key)} created with ${spec.instances} instance(s) by ${principal}`);
    return { job: this.summary(path), taskIds };
  }

  /** Refuses a spec this cluster does not admit: its cluster, environment, limits, tier, dedicated constraint. */
  private admit(spec: JobSpec): void {
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
    const problems = admissionProblems(spec, { maxInstancesPerJob: this.options.maxInstancesPerJob ?? DEFAULT_MAX_INSTANCES_PER_JOB });
    if (problems.length > 0) {
      const first = problems[0]!;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
      throw new ApiError('INVALID_JOB_SPEC', `${first.message}${more}`, problems);
    }
    const tier = resolveTier(spec);
    if (!tier.ok) throw new ApiError('INVALID_JOB_SPEC', tier.message, [{ path: 'tier', message: tier.message }]);
    const dedicated = dedicatedConstraintProblem(key.role, spec.constraints);
    if (dedicated) throw new ApiError('INVALID_JOB_SPEC', dedicated, [{ path: 'constraints.dedicated', message: dedicated }]);
  }

  /**
   * Refuses (INSUFFICIENT_QUOTA) a production request beyond the role's quota: its active
   * production tasks, the instances its active updates are still to add and its production cron
   * templates count. `replacing` is what the request takes the place of (an update's old config).
   */
  private checkProductionQuota(role: string, spec: JobSpec, instances: number, replacing: { spec: JobSpec; instances: number } | null): void {
    if (!countsAgainstQuota(spec)) return;
    const { prodUse } = this.state.usageOf(role);
    let request = scaleAmounts(spec.task.resources, instances);
    if (replacing && countsAgainstQuota(replacing.spec)) {
      // The update's new config takes the place of the old: only what grows needs room.
      const old = scaleAmounts(replacing.spec.task.resources, replacing.instances);
      const grow = (a: number, b: number) => Math.max(0, a - b);
      request = { cpu: grow(request.cpu, old.cpu), ramMb: grow(request.ramMb, old.ramMb), diskMb: grow(request.diskMb, old.diskMb), gpu: grow(request.gpu, old.gpu) };
    }
    const check = checkQuota({
      role,
      quota: this.state.quota(role),
      activeProduction: prodUse,
      updateAdds: this.updateAdditions(role),
      cronTemplates: this.cronTemplates(role),
      request,
    });
    if (!check.ok) {
      throw new ApiError(
        'INSUFFICIENT_QUOTA',
        `${check.message}; ask an operator for more (aurora-admin increase_quota ${this.clusterName} ${role} ...) or see aurora quota get ${this.clusterName}/${role}`,
      );
    }
  }

  /** What the role's active production updates will still add: instances that do not run yet. */
  private updateAdditions(role: string): ResourceAmounts {
    const adds: ResourceAmounts[] = [];
    for (const update of this.state.activeUpdates()) {
      if (update.job.role !== role) continue;
      const spec = this.state.spec(update.toSpecHash);
      if (!spec || !countsAgainstQuota(spec)) continue;
      const waiting = update.instances.filter((i) => i.fromSpecHash === null && i.toSpecHash !== null && i.status === 'PENDING').length;
      if (waiting > 0) adds.push(scaleAmounts(spec.task.resources, waiting));
    }
    return adds.length > 0 ? addAmounts(...adds) : NO_RESOURCES;
  }

  /** What the role's production cron jobs hold when they run. */
  private cronTemplates(role: string): ResourceAmounts {
    const held: ResourceAmounts[] = [];
    for (const [, cron] of this.state.cronJobs()) {
      if (cron.spec.key.role === role && countsAgainstQuota(cron.spec)) held.push(scaleAmounts(cron.spec.task.resources, cron.spec.instances));
    }
    return held.length > 0 ? addAmounts(...held) : NO_RESOURCES;
  }

  // ---- updates ---------------------------------------------------------------------------

  startUpdate(ref: JobRef, spec: JobSpec, message: string | null, principal: string, instances: readonly number[] | null = null): Promise<JobUpdate> {
    return this.updates.start(ref, spec, message, principal, instances);
  }

  restartJob(ref: JobRef, request: StartRestartRequest, principal: string): Promise<JobUpdate> {
    return this.updates.restart(ref, request, principal);
  }

  updateAction(ref: JobRef, action: UpdateUserAction, message: string | null, principal: string): Promise<JobUpdate> {
    return this.updates.act(ref, action, message, principal);
  }

  getUpdate(ref: JobRef, id: string): JobUpdate {
    return this.updates.get(ref, id);
  }

  listUpdates(query: ListUpdatesQuery): UpdateSummary[] {
    return this.updates.list(query);
  }

  // ---- host maintenance ----------------------------------------------------------------------

  startMaintenance(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    return this.maintenance.start(hosts, principal);
  }

  drainHosts(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    return this.maintenance.drain(hosts, principal);
  }

  slaDrainHosts(hosts: readonly string[], forceDrainTimeoutMs: number, principal: string): Promise<HostStatus[]> {
    return this.maintenance.slaDrain(hosts, forceDrainTimeoutMs, principal);
  }

  endMaintenance(hosts: readonly string[], principal: string): Promise<HostStatus[]> {
    return this.maintenance.end(hosts, principal);
  }

  maintenanceStatus(hosts: readonly string[] | null): HostStatus[] {
    return this.maintenance.status(hosts);
  }

  // ---- cron ------------------------------------------------------------------------------

  scheduleCron(ref: JobRef, spec: JobSpec, principal: string): Promise<CronJobView> {
    return this.cron.schedule(ref, spec, principal);
  }

  descheduleCron(ref: JobRef, principal: string): Promise<CronJobView> {
    return this.cron.deschedule(ref, principal);
  }

  startCron(ref: JobRef, principal: string): Promise<CronJobView> {
    return this.cron.startNow(ref, principal);
  }

  getCron(ref: JobRef): CronJobView {
    return this.cron.get(ref);
  }

  listCron(filter: { role?: string; environment?: string } = {}): CronJobView[] {
    return this.cron.list(filter);
  }

  /** When the next cron run is due, or null (the background ticks at that time, not up to a second later). */
  nextCronRunAt(): number | null {
    return this.cron.nextRunAt();
  }

  /** The scheduler's clock. */
  now(): number {
    return this.clock.now();
  }

  listJobs(filter: { role?: string; environment?: string } = {}): JobSummary[] {
    const out: JobSummary[] = [];
    for (const job of this.state.jobs()) {
      const k = job.spec.key;
      if ((filter.role && k.role !== filter.role) || (filter.environment && k.environment !== filter.environment)) continue;
      out.push(this.summary(jobPath(k)));
    }
    return out.sort((a, b) => compare(jobPath(a.key), jobPath(b.key)));
  }

  /** A job with each instance's current task; with `history`, its earlier ended tasks too. */
  getJob(ref: JobRef, options: { history?: boolean } = {}): JobDetail {
    const path = jobPath(ref);
    const job = this.requireJob(ref);
    const tasks = options.history ? this.state.allTasks(path) : this.state.currentTasks(path);
    return { summary: this.summary(path), spec: job.spec, tasks: tasks.map(this.withReason) };
  }

  /** The job's current version (see JobSummary.version); 0 for a job that does not exist. */
  jobVersion(ref: JobRef): number {
    return this.state.jobVersion(jobPath(ref));
  }

  /** Kills instances; killing all of them removes the job once its last task has ended. */
  async killJob(ref: JobRef, request: KillJobRequest, principal: string): Promise<KillJobResponse> {
    const path = jobPath(ref);
    const result = this.state.operation(() => {
      const job = this.requireJob(ref);
      const count = job.spec.instances;
      const wanted = request.instances ?? null;
      const missing = (wanted ?? []).filter((i) => i >= count);
      if (missing.length > 0) {
        throw new ApiError(
          'INVALID_REQUEST',
          `job ${formatJobKey(job.spec.key)} has no instance ${missing.join(', ')}; its instances are 0-${count - 1}`,
        );
      }
      const targets = new Set(wanted ?? Array.from({ length: count }, (_, i) => i));
      // The audit trail says who killed it; a message given with the kill is added, never instead.
      const message = request.message ? `Killed by ${principal}: ${request.message}` : `Killed by ${principal}`;
      const killed: string[] = [];
      const byInstance = this.state.jobTasks(path)?.byInstance ?? new Map<number, string[]>();
      // Copies: killing changes the lists being read.
      for (const [instance, ids] of [...byInstance].map(([i, list]) => [i, [...list]] as const)) {
        if (!targets.has(instance)) continue;
        for (const id of ids) {
          const task = this.state.task(id) as ScheduledTask;
          if (TERMINAL_STATES.has(task.state)) continue;
          if (task.state === 'KILLING') killed.push(id);
          else if (task.state === 'PARTITIONED') {
            // Its agent cannot be told now; if it comes back it is told to kill what it runs.
            if (this.change(task, 'KILLING', message)) {
              this.change(this.state.task(id) as ScheduledTask, 'KILLED', `${message}; its agent was unreachable`);
              killed.push(id);
            }
          } else if (this.change(task, ACTIVE_ON_AGENT_STATES.has(task.state) ? 'KILLING' : 'KILLED', message)) {
            killed.push(id);
          }
        }
      }
      let jobRemoved = false;
      if (wanted === null || Array.from({ length: count }, (_, i) => i).every((i) => targets.has(i))) {
        // As Aurora's killTasks: killing a cron job's every instance deschedules it too.
        if (this.state.cronJob(path)) this.state.putCronJob(path, null);
        const current = this.state.job(path);
        if (current) this.state.putJob(path, { ...current, removing: true });
        jobRemoved = this.removeJobIfDone(path);
      }
      return { killed, jobRemoved, key: job.spec.key };
    });
    await this.committer.durable();
    this.log.info(`${principal} killed ${result.killed.length} task(s) of ${formatJobKey(result.key)}`);
    return { killed: result.killed, jobRemoved: result.jobRemoved };
  }

  /** One page of tasks matching the filter, and how many match in all. */
  listTasks(
    filter: {
      role?: string;
      environment?: string;
      name?: string;
      instance?: number;
      states?: readonly TaskState[];
      taskIds?: readonly string[];
      history?: boolean;
      limit?: number;
      offset?: number;
    } = {},
  ): { tasks: ScheduledTask[]; total: number } {
    const { history = false, limit = DEFAULT_TASK_PAGE, offset = 0 } = filter;
    const states = filter.states ? new Set(filter.states) : null;
    const matches = (t: ScheduledTask): boolean =>
      (!filter.role || t.jobKey.role === filter.role) &&
      (!filter.environment || t.jobKey.environment === filter.environment) &&
      (!filter.name || t.jobKey.name === filter.name) &&
      (filter.instance === undefined || t.instance === filter.instance) &&
      (!states || states.has(t.state)) &&
      (history || this.isCurrent(t));
    let found: ScheduledTask[];
    if (filter.taskIds) {
      found = filter.taskIds.map((id) => this.state.task(id)).filter((t): t is ScheduledTask => t !== undefined && matches(t));
      found.sort(taskOrder);
    } else {
      found = [];
      const paths =
        filter.role && filter.environment && filter.name
          ? [jobPath({ role: filter.role, environment: filter.environment, name: filter.name })]
          : [...this.state.jobPathsWithTasks()].sort(compare);
      for (const path of paths) {
        if (!history && !this.state.job(path)) continue;
        for (const t of history ? this.state.allTasks(path) : this.state.currentTasks(path)) if (matches(t)) found.push(t);
      }
    }
    return { tasks: found.slice(offset, offset + limit).map(this.withReason), total: found.length };
  }

  /** `aurora-admin prune_tasks`: deletes ended tasks, oldest first. */
  async pruneTasks(request: PruneTasksRequest, principal: string): Promise<PruneTasksResponse> {
    const states = request.states ?? [...TERMINAL_STATES];
    const active = states.filter((s) => !TERMINAL_STATES.has(s));
    if (active.length > 0) {
      throw new ApiError(
        'INVALID_REQUEST',
        `Tasks in non-terminal state cannot be pruned: ${active.join(', ')}; prune one of ${[...TERMINAL_STATES].join(', ')}`,
      );
    }
    const wanted = new Set(states);
    const taskIds = this.state.operation(() => {
      const chosen: string[] = [];
      for (const id of this.state.ended()) {
        if (request.limit !== undefined && chosen.length >= request.limit) break;
        const t = this.state.task(id) as ScheduledTask;
        if (!wanted.has(t.state)) continue;
        if ((request.role && t.jobKey.role !== request.role) || (request.environment && t.jobKey.environment !== request.environment)) continue;
        if (request.name && t.jobKey.name !== request.name) continue;
        chosen.push(id);
      }
      this.prune(chosen);
      return chosen;
    });
    await this.committer.durable();
    this.log.info(`${principal} pruned ${taskIds.length} ended task(s)`);
    return { pruned: taskIds.length, taskIds };
  }

  // ---- quotas ----------------------------------------------------------------------------

  /** A role's production quota, and what its active tasks hold. */
  getQuota(role: string): GetQuotaResponse {
    return { role, quota: this.state.quota(role), ...this.state.usageOf(role) };
  }

  /** `aurora-admin set_quota`: the role's quota becomes `quota`. */
  async setQuota(role: string, quota: ResourceAmounts, principal: string): Promise<GetQuotaResponse> {
    this.state.operation(() => this.state.putQuota(role, quota));
    await this.committer.durable();
    this.log.info(`${principal} set the quota of role ${role} to ${formatAmounts(quota)}`);
    return this.getQuota(role);
  }

  /** `aurora-admin increase_quota`: the role's quota grows by `delta`, in one step. */
  async increaseQuota(role: string, delta: ResourceAmounts, principal: string): Promise<GetQuotaResponse> {
    const quota = this.state.operation(() => {
      const q = this.state.quota(role);
      const next = {
        cpu: Math.round((q.cpu + delta.cpu) * 1e6) / 1e6,
        ramMb: q.ramMb + delta.ramMb,
        diskMb: q.diskMb + delta.diskMb,
        gpu: q.gpu + delta.gpu,
      };
      this.state.putQuota(role, next);
      return next;
    });
    await this.committer.durable();
    this.log.info(`${principal} increased the quota of role ${role} by ${formatAmounts(delta)} to ${formatAmounts(quota)}`);
    return this.getQuota(role);
  }

  /** A JobSpec by hash, for agents launching its tasks. */
  getSpec(hash: string): JobSpec {
    const spec = this.state.spec(hash);
    if (!spec) throw new ApiError('SPEC_NOT_FOUND', `no job spec with hash ${hash}`);
    return spec;
  }

  // ---- agents ----------------------------------------------------------------------------

  listAgents(): AgentInfo[] {
    const out: AgentInfo[] = [];
    for (const { version: _version, ...info } of this.state.agents()) out.push({ ...info, lastSeenAt: this.state.lastSeenAt(info.agentId) });
    return out.sort((a, b) => compare(a.host, b.host) || compare(a.agentId, b.agentId));
  }

  /** A new agent, or a returning one keeping its id (also an id this store never saw). */
  async registerAgent(registration: AgentRegistration): Promise<Omit<AgentRegisterResponse, 'token'>> {
    const agentId = registration.agentId ?? `${registration.host}-${this.randomHex()}`;
    const now = this.clock.now();
    const returning = this.state.agent(agentId) !== undefined;
    this.state.operation(() => {
      const { agentId: _given, ...fields } = registration;
      this.state.putAgent({ ...fields, agentId, status: 'ACTIVE', lastSeenAt: now });
      this.state.seen(agentId, now);
    });
    await this.committer.durable();
    this.log.info(`agent ${agentId} on ${registration.host} ${returning ? 're-registered' : 'registered'}`);
    return { agentId, longPollMs: this.options.longPollMs };
  }

  /**
   * Reconciles one sync and answers with the work the agent has now. The caller may hold the
   * sync open when it is empty and ask `workFor` again once woken.
   */
  async syncAgent(request: AgentSyncRequest): Promise<{ response: AgentSyncResponse; reported: ReadonlyMap<string, string> }> {
    const reported = new Map(request.tasks.map((t) => [t.taskId, t.state]));
    const agent = this.requireAgent(request.agentId);
    const now = this.clock.now();
    this.state.seen(agent.agentId, now);
    const back = agent.status !== 'ACTIVE';
    const kill = this.state.operation(() => {
      if (back) this.state.putAgent({ ...agent, status: 'ACTIVE', lastSeenAt: now });
      const known = new Map<string, ScheduledTask>();
      for (const id of this.state.tasksOnAgent(agent.agentId)) known.set(id, this.state.task(id) as ScheduledTask);
      for (const id of reported.keys()) {
        const t = this.state.task(id);
        if (t) known.set(id, t);
      }
      const plan = reconcileSync(agent.agentId, agent.host, [...known.values()].map(toKnown), request.tasks);
      const observed = new Map(plan.observations.map((o) => [o.taskId, o]));
      for (const change of plan.changes) {
        const task = this.state.task(change.taskId);
        const o = observed.get(change.taskId);
        if (task) this.change(task, change.to, change.message, o ? { health: o.health, ports: o.ports } : {});
      }
      const changed = new Set(plan.changes.map((c) => c.taskId));
      for (const o of plan.observations) {
        const task = this.state.task(o.taskId);
        if (task && !changed.has(o.taskId)) this.state.putTask({ ...task, health: o.health, ports: o.ports });
      }
      return plan.kill;
    });
    // A replacement for a task that ended is placed in the same commit, so that its launch can
    // go back in this sync's answer.
    if (this.state.openChanges.placementWanted) this.loop.request(true);
    await this.committer.durable();
    if (back) this.log.info(`agent ${agent.agentId} on ${agent.host} is back`);
    const work = this.workFor(agent.agentId, reported);
    const ack = request.tasks.filter((t) => ENDED_REPORTS.has(t.state)).map((t) => t.taskId);
    return { response: { launch: work.launch, kill: [...new Set([...kill, ...work.kill])], ack }, reported };
  }

  /** Tasks to launch on and kill from the agent, given what its sync reported (each task's state); only durable assignments. */
  workFor(agentId: string, reported: ReadonlyMap<string, string>): Omit<AgentSyncResponse, 'ack'> {
    const mine: KnownTask[] = [];
    for (const id of this.state.tasksOnAgent(agentId)) {
      const t = this.state.task(id) as ScheduledTask;
      // An assignment is sent once it is durable; the commit that makes it so wakes the agent.
      if (t.state === 'ASSIGNED' && this.committer.isPending(id)) continue;
      if (t.state === 'ASSIGNED' || BEING_KILLED.has(t.state)) mine.push(toKnown(t));
    }
    const work = pendingWork(agentId, mine, reported);
    return { launch: work.launch.map((id) => this.launchOf(this.state.task(id) as ScheduledTask)), kill: work.kill };
  }

  // ---- periodic work ---------------------------------------------------------------------

  /**
   * One round of the scheduler's timers: agents that stopped syncing, partition delays,
   * flapping holds, the history bound; then placement. Each costs what is due, not a scan of
   * the cluster's tasks.
   */
  async tick(): Promise<void> {
    const lost = this.state.operation(() => this.loseSilentAgents());
    this.state.operation(() => {
      this.replaceDuePartitions();
      this.releaseThrottled();
      this.pruneHistory();
    });
    this.state.operation(() => this.cron.tick());
    this.state.operation(() => this.maintenance.tick());
    // Watch times and pulses pass without any change to the job: look at each active update.
    for (const path of this.updates.activePaths()) this.driveUpdate(path);
    await this.committer.durable();
    for (const line of lost) this.log.warn(line);
    this.loop.request();
    this.backups.tick();
  }

  /**
   * Resolves at a moment when every change made is durable and none is in flight, so that a
   * copy of the state is what the store holds. Under a steady stream of changes it gives up
   * waiting after a while: the copy then holds changes whose commit is under way.
   */
  private async quiesce(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await this.committer.settle();
      if (this.state.openChanges.empty && !this.committer.busy) return;
    }
  }

  /**
   * A coordinator answered about the task: the drain of its host and its job's update decide
   * again (a yes moves it now), and the next question to that coordinator waits until this is
   * durable.
   */
  private async coordinatorAnswered(task: ScheduledTask): Promise<void> {
    if (this.closed) return;
    const path = jobPath(task.jobKey);
    try {
      this.state.operation(() => {
        if (task.host && this.state.maintenance(task.host)?.mode === 'DRAINING') this.maintenance.tick();
      });
    } catch (e) {
      this.log.warn(`drain after a coordinator's answer on ${task.taskId}: ${(e as Error).stack ?? (e as Error).message}`);
    }
    if (this.state.activeUpdate(path)) this.driveUpdate(path);
    await this.committer.durable();
  }

  /** Runs the scheduling loop now and waits for it and every commit to finish (tests, shutdown). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      await this.committer.settle();
      await this.loop.idle();
      if (this.state.openChanges.empty && !this.committer.busy) return;
    }
  }

  /** Asks for a placement pass soon. */
  requestPlacement(): void {
    this.loop.request();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.coordinators.close();
    this.loop.stop();
    await this.committer.settle();
    this.committer.close();
  }

  // ---- placement -------------------------------------------------------------------------

  /** One pass of the scheduling loop; resolves to whether more work is ready at once. */
  private async placementPass(): Promise<boolean> {
    if (this.closed) return false;
    const now = this.clock.now();
    for (const [id, triedAt] of this.blockedAt) {
      if (now - triedAt >= BLOCKED_RETRY_MS) this.blocked.epochs.delete(id);
    }
    const plan = planPass(this.state, this.blocked, this.placement.batchSize);
    if (plan.groups.length === 0) return false;
    const epoch = this.state.capacityEpoch;
    const seed = this.seed++;
    const placed = this.state.operation(() => {
      const result = runPlacement(this.state, plan, this.placement, seed);
      for (const a of result.assignments) {
        const task = this.state.task(a.taskId) as ScheduledTask;
        const agent = this.state.agent(a.agentId) as StoredAgent;
        this.change(task, 'ASSIGNED', `Assigned to agent ${agent.host}`, {
          agentId: agent.agentId,
          host: agent.host,
          observerUrl: agent.observerUrl,
          ports: withPortAliases(a.ports, this.state.spec(task.specHash)),
        });
      }
      const unplacedGroups = new Set<string>();
      for (const u of result.unplaced) {
        const task = this.state.task(u.taskId) as ScheduledTask;
        const id = groupId({ jobPath: jobPath(task.jobKey), specHash: task.specHash });
        if (!unplacedGroups.has(id)) this.reasons.set(id, u.reason);
        unplacedGroups.add(id);
      }
      this.preemptFor(result.unplaced.map((u) => this.state.task(u.taskId) as ScheduledTask), now);
      for (const source of plan.sources) {
        const id = groupId(source);
        if (unplacedGroups.has(id)) {
          this.blocked.epochs.set(id, epoch);
          this.blockedAt.set(id, now);
        } else {
          this.blocked.epochs.delete(id);
          this.blockedAt.delete(id);
          this.reasons.delete(id);
        }
      }
      this.placements += result.assignments.length;
      return result.assignments.length;
    });
    // Groups that are gone need no memory of being blocked.
    if (this.blockedAt.size > 0) {
      const live = new Set([...this.state.pendingGroups()].map(groupId));
      for (const id of [...this.blockedAt.keys()]) {
        if (!live.has(id)) {
          this.blockedAt.delete(id);
          this.blocked.epochs.delete(id);
          this.reasons.delete(id);
        }
      }
    }
    await this.committer.durable();
    return plan.more && placed > 0;
  }

  /**
   * Makes room for pending tasks that fit nowhere and have waited the preemption delay, by
   * moving victims to PREEMPTING; their agents kill them, and the room they leave is placed
   * like any other.
   */
  private preemptFor(unplaced: readonly ScheduledTask[], now: number): void {
    if (unplaced.length === 0 && this.preempting.size === 0) return;
    for (const [pendingId, victims] of [...this.preempting]) {
      const pending = this.state.task(pendingId);
      const stillEnding = victims.some((id) => {
        const v = this.state.task(id);
        return v !== undefined && !TERMINAL_STATES.has(v.state);
      });
      if (!pending || pending.state !== 'PENDING' || !stillEnding) this.preempting.delete(pendingId);
    }
    const choices = choosePreemptions(this.state, unplaced, now, this.preemption, new Set(this.preempting.keys()));
    for (const choice of choices) {
      const k = choice.pending.jobKey;
      const by = `Preempted by ${k.role}/${k.environment}/${k.name}/${choice.pending.instance}`;
      for (const victim of choice.victims) this.change(victim, 'PREEMPTING', by);
      this.preempting.set(choice.pending.taskId, choice.victims.map((v) => v.taskId));
      this.preemptions += choice.victims.length;
      this.log.info(`${by.replace('Preempted by', 'preempting for')}: ${choice.victims.map((v) => v.taskId).join(', ')} on ${choice.agentId}`);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  private committed(changes: ChangeSet): void {
    for (const agentId of changes.agentsWithWork) this.options.onAgentWork?.(agentId);
    for (const path of changes.jobsChanged) {
      this.options.onJobChange?.(path);
      if (this.state.activeUpdate(path)) this.scheduleUpdateDrive(path);
    }
    if (changes.placementWanted) this.loop.request();
  }

  /** Drives the job's active update once the current turn is over (changes of one turn are looked at together). */
  private scheduleUpdateDrive(path: string): void {
    if (this.updatesToDrive.has(path) || this.closed) return;
    this.updatesToDrive.add(path);
    queueMicrotask(() => {
      this.updatesToDrive.delete(path);
      if (this.closed) return;
      this.driveUpdate(path);
      // What the update decided (kills, new tasks) reaches agents once it is committed: now.
      if (!this.state.openChanges.empty) {
        this.committer.durable().catch((e: unknown) => this.log.warn(`update of ${path} not committed: ${(e as Error).message}`));
      }
    });
  }

  private driveUpdate(path: string): void {
    try {
      this.state.operation(() => this.updates.drive(path));
    } catch (e) {
      this.log.warn(`update of ${path}: ${(e as Error).stack ?? (e as Error).message}`);
    }
  }

  /** Marks agents that stopped syncing LOST, and decides the fate of their tasks. */
  private loseSilentAgents(): string[] {
    const timeout = this.options.agentLostTimeoutMs;
    const now = this.clock.now();
    const lines: string[] = [];
    const agents = [...this.state.agents()].map((a) => ({ ...a, lastSeenAt: this.state.lastSeenAt(a.agentId) }));
    for (const agentId of findLostAgents(agents, now, timeout, this.startedAt)) {
      const agent = this.state.agent(agentId) as StoredAgent;
      this.state.putAgent({ ...agent, status: 'LOST', lastSeenAt: this.state.lastSeenAt(agentId) });
      const tasks = [...this.state.tasksOnAgent(agentId)].map((id) => this.state.task(id) as ScheduledTask);
      const changes = tasksLostWithAgent(agent, tasks.map(toKnown), timeout, (id) => this.partitionPolicy(this.state.task(id) as ScheduledTask));
      for (const change of changes) this.change(this.state.task(change.taskId) as ScheduledTask, change.to, change.message);
      const partitioned = changes.filter((c) => c.to === 'PARTITIONED').length;
      lines.push(
        `agent ${agentId} on ${agent.host} is LOST; of its ${tasks.length} task(s), ${partitioned} wait PARTITIONED and ${changes.length - partitioned} ended`,
      );
    }
    return lines;
  }

  private partitionPolicy(task: ScheduledTask): PartitionPolicy {
    return this.state.spec(task.specHash)?.partitionPolicy ?? { reschedule: true, delaySecs: 0 };
  }

  private replaceDuePartitions(): void {
    const tasks = [...this.state.partitioned()].map((id) => this.state.task(id) as ScheduledTask);
    const due = partitionsDue(
      tasks.map((t) => ({ taskId: t.taskId, partitionedAt: t.events.at(-1)?.at ?? 0, policy: this.partitionPolicy(t) })),
      this.clock.now(),
    );
    for (const id of due) {
      const task = this.state.task(id) as ScheduledTask;
      this.change(task, 'LOST', `Its agent stayed unreachable for ${this.partitionPolicy(task).delaySecs} s (the job's partition policy)`);
    }
  }

  /** Moves THROTTLED tasks whose hold is over to PENDING. */
  private releaseThrottled(): void {
    const now = this.clock.now();
    for (const id of [...this.state.throttled()]) {
      const task = this.state.task(id) as ScheduledTask;
      if ((task.throttle?.until ?? 0) <= now) this.change(task, 'PENDING', 'Flapping penalty over', { throttle: task.throttle ?? null });
    }
  }

  /** Aurora's history bounds: expired ended tasks, and jobs over their per-job bound. */
  private pruneHistory(): void {
    const now = this.clock.now();
    const state = this.state;
    const ended = function* () {
      for (const id of state.ended()) yield { taskId: id, endedAt: endedAt(state.task(id)) };
    };
    const expired = expiredTasks(ended(), now, this.history, 10_000);
    for (const path of [...this.overLimit]) expired.push(...this.overJobLimit(path, now));
    if (expired.length > 0) this.prune([...new Set(expired)]);
  }

  /** A job's oldest ended tasks beyond the per-job bound that are past the minimum retention. */
  private overJobLimit(path: string, now: number): string[] {
    const jt = this.state.jobTasks(path);
    const count = jt?.ended.size ?? 0;
    const state = this.state;
    const ended = function* () {
      for (const id of jt?.ended ?? []) yield { taskId: id, endedAt: endedAt(state.task(id)) };
    };
    const due = overJobLimit(ended(), count, now, this.history);
    // Still over once these go: some are too young yet; a later tick looks again.
    if (count - due.length > this.history.maxPerJob) this.overLimit.add(path);
    else this.overLimit.delete(path);
    return due;
  }

  /** Deletes ended tasks; a job left with no task at all and nothing running goes with them. */
  private prune(taskIds: readonly string[]): void {
    const paths = new Set<string>();
    for (const id of taskIds) {
      const task = this.state.task(id);
      if (!task || !TERMINAL_STATES.has(task.state)) continue;
      paths.add(jobPath(task.jobKey));
      this.state.deleteTask(id);
    }
    for (const path of paths) {
      const job = this.state.job(path);
      if (job && !this.state.cronJob(path) && (this.state.jobTasks(path)?.byInstance.size ?? 0) === 0) {
        this.state.putJob(path, null);
        this.log.info(`job ${formatJobKey(job.spec.key)} removed: its tasks ended and their history expired`);
      }
    }
    if (paths.size > 0) this.state.collectSpecs();
  }

  /** Applies one transition through the state machine and performs its side effects. */
  private change(task: ScheduledTask, to: TaskState, message: string | null, patch: TaskPatch = {}): boolean {
    const spec = this.state.spec(task.specHash) as JobSpec;
    const decision = transition(task.state, to, {
      service: spec.service,
      maxTaskFailures: spec.maxTaskFailures,
      failureCount: task.failureCount,
    });
    if (!decision.ok) {
      this.log.warn(`task ${task.taskId}: ignoring ${task.state} → ${to}: ${decision.reason}`);
      return false;
    }
    const now = this.clock.now();
    const updated: ScheduledTask = {
      ...task,
      ...patch,
      state: to,
      pendingReason: null,
      events: [...task.events, { state: to, at: now, message }],
    };
    const path = jobPath(task.jobKey);
    for (const effect of decision.effects) {
      switch (effect.kind) {
        case 'SAVE_STATE':
          this.state.putTask(updated);
          break;
        case 'KILL':
          if (updated.agentId) this.state.wakeAgent(updated.agentId);
          break;
        case 'RESCHEDULE': {
          const job = this.state.job(path);
          if (job && !job.removing) this.reschedule(spec, updated, to as 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST', effect.failureCount);
          break;
        }
        case 'DELETE_IF_JOB_DONE':
          this.removeJobIfDone(path);
          break;
      }
    }
    if (to === 'ASSIGNED' && updated.agentId) this.state.wakeAgent(updated.agentId);
    if (TERMINAL_STATES.has(to) && updated.host && this.state.maintenance(updated.host)) this.maintenance.taskEnded(updated.host);
    if (TERMINAL_STATES.has(to) && (this.state.jobTasks(path)?.ended.size ?? 0) > this.history.maxPerJob) {
      const due = this.overJobLimit(path, now);
      if (due.length > 0) this.prune(due);
    }
    return true;
  }

  /** Replaces an ended task, held THROTTLED first when its instance is flapping or keeps being lost. */
  private reschedule(spec: JobSpec, ended: ScheduledTask, endedAs: 'FINISHED' | 'FAILED' | 'KILLED' | 'LOST', failureCount: number): void {
    const now = this.clock.now();
    const ran = ranForMs(ended.events, now, endedAs === 'LOST' ? 'ASSIGNED' : 'RUNNING');
    const penaltyMs = flappingPenaltyMs({ endedAs, ranForMs: ran, previousPenaltyMs: ended.throttle?.penaltyMs ?? 0 }, this.flapping);
    const message = `Rescheduled: ${ended.taskId} ended ${endedAs}`;
    // An instance an update is working on runs the update's target (or nothing, if it removes it).
    const desired = this.updates.desiredSpecFor(jobPath(ended.jobKey), ended.instance);
    if (desired === null) return;
    const hash = desired ?? ended.specHash;
    const runSpec = desired === undefined ? spec : (this.state.spec(desired) ?? spec);
    if (ended.events.at(-2)?.state === 'RESTARTING' || (desired !== undefined && desired !== ended.specHash)) {
      // Ended to run again on purpose (a restart, an update): no flapping hold, no failure carried.
      this.addTask(runSpec, hash, ended.instance, desired !== undefined && desired !== ended.specHash ? 0 : failureCount, message);
      return;
    }
    if (penaltyMs === 0) {
      this.addTask(runSpec, hash, ended.instance, failureCount, message);
      return;
    }
    const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    const lost = endedAs === 'LOST';
    const why = lost ? `after being assigned for ${secs(ran)}; held for ${secs(penaltyMs)} because it keeps being lost` : `after running ${secs(ran)}; held for ${secs(penaltyMs)} because it is flapping`;
    this.addTask(runSpec, hash, ended.instance, failureCount, `${message} ${why}`, { penaltyMs, until: now + penaltyMs }, lost);
  }

  private addTask(
    spec: JobSpec,
    hash: string,
    instance: number,
    failureCount: number,
    message: string,
    throttle: { penaltyMs: number; until: number } | null = null,
    lost = false,
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
        ? `Held until ${new Date(throttle.until).toISOString()} because the instance keeps ${lost ? 'being lost soon after it is assigned' : 'ending soon after it starts'}`
        : WAITING,
      throttle,
      events: [{ state, at: this.clock.now(), message }],
    };
    this.state.putTask(task);
    return task;
  }

  /** A job being removed goes away with its last active task; its tasks stay as history. */
  private removeJobIfDone(path: string): boolean {
    const job = this.state.job(path);
    if (!job?.removing || this.state.hasActiveTasks(path)) return false;
    this.state.putJob(path, null);
    this.log.info(`job ${formatJobKey(job.spec.key)} removed`);
    return true;
  }

  /** A PENDING task as read: with why it waits, from the last placement pass. */
  private readonly withReason = (t: ScheduledTask): ScheduledTask => {
    if (t.state !== 'PENDING') return t;
    const reason = this.reasons.get(groupId({ jobPath: jobPath(t.jobKey), specHash: t.specHash }));
    return reason === undefined || reason === t.pendingReason ? t : { ...t, pendingReason: reason };
  };

  private isCurrent(t: ScheduledTask): boolean {
    const path = jobPath(t.jobKey);
    return this.state.job(path) !== undefined && this.state.jobTasks(path)?.byInstance.get(t.instance)?.[0] === t.taskId;
  }

  private summary(path: string): JobSummary {
    const job = this.state.job(path);
    if (!job) throw new ApiError('JOB_NOT_FOUND', `no job ${this.clusterName}/${path}`);
    const jt = this.state.jobTasks(path);
    return {
      key: job.spec.key,
      instances: job.spec.instances,
      service: job.spec.service,
      cronSchedule: job.spec.cronSchedule,
      specHash: job.specHash,
      createdAt: job.createdAt,
      version: jt?.version ?? 0,
      taskCounts: Object.fromEntries(jt?.counts ?? []),
    };
  }

  private requireJob(ref: JobRef) {
    const job = this.state.job(jobPath(ref));
    if (!job) {
      const key = `${this.clusterName}/${ref.role}/${ref.environment}/${ref.name}`;
      throw new ApiError(
        'JOB_NOT_FOUND',
        `no job ${key}; list the role's jobs with aurora job list ${this.clusterName}/${ref.role} (killed jobs keep their tasks in GET /api/v1/tasks?history=true)`,
      );
    }
    return job;
  }

  private requireAgent(agentId: string): StoredAgent {
    const agent = this.state.agent(agentId);
    if (!agent) {
      throw new ApiError('AGENT_UNKNOWN', `agent ${agentId} is not registered with this scheduler; register again`);
    }
    return agent;
  }

  /** A launch carries the allowance the task was placed with: the agent limits the task to what it holds. */
  private launchOf(task: ScheduledTask): TaskLaunch {
    const launch: TaskLaunch = { taskId: task.taskId, jobKey: task.jobKey, instance: task.instance, ports: task.ports, specHash: task.specHash };
    return isNoAllowance(this.state.allowance) ? launch : { ...launch, allowance: this.state.allowance };
  }
}

/** The assigned ports, with each announcer alias under its target's number (one port, two names). */
function withPortAliases(ports: Readonly<Record<string, number>>, spec: JobSpec | undefined): Record<string, number> {
  const aliases = portAliases(spec?.announce ?? null);
  if (aliases.length === 0) return { ...ports };
  const out: Record<string, number> = { ...ports };
  for (const [alias, target] of aliases) if (ports[target] !== undefined) out[alias] = ports[target];
  return out;
}

/** Aurora's -min_required_instances_for_sla_check. */
export const DEFAULT_MIN_REQUIRED_INSTANCES_FOR_SLA = 20;

/** The pending reason of a task no placement pass has looked at yet. */
const WAITING = 'Waiting for the next placement pass';

function toKnown(t: ScheduledTask): KnownTask {
  return { taskId: t.taskId, state: t.state, agentId: t.agentId, health: t.health, ports: t.ports };
}

function formatAmounts(a: ResourceAmounts): string {
  return `${a.cpu} cpu, ${a.ramMb} MiB ram, ${a.diskMb} MiB disk${a.gpu ? `, ${a.gpu} gpu` : ''}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By job, instance, then newest first (the task id's creation order is the event time). */
function taskOrder(a: ScheduledTask, b: ScheduledTask): number {
  return (
    compare(jobPath(a.jobKey), jobPath(b.jobKey)) ||
    a.instance - b.instance ||
    (b.events[0]?.at ?? 0) - (a.events[0]?.at ?? 0)
  );
}
