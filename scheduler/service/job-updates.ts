import { formatJobKey } from '../../dsl/job-key.js';
import { healthCheckApplies } from '../../dsl/health-check-applies.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import { ApiError } from '../api/errors.js';
import { ACTIVE_ON_AGENT_STATES, TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import {
  ACTIVE_UPDATE_STATUSES,
  type JobUpdate,
  type ListUpdatesQuery,
  type StartRestartRequest,
  type UpdateSummary,
  type UpdateUserAction,
} from '../api/updates-api.js';
import { applyUserAction, desiredSpecFor, evaluateUpdate, planUpdate, type UpdateAction } from '../core/update/job-updater.js';
import type { CoordinatorAnswers, CoordinatorQuestion } from '../core/sla-coordinator.js';
import type { InstanceObservation } from '../core/update/observation.js';
import { resolveUpdateSettings } from '../core/update/settings.js';
import type { ClusterState } from '../state/cluster-state.js';
import { jobPath, type JobRef } from '../storage/storage.js';

/** What the update service needs of the scheduler around it. */
export interface UpdateHost {
  readonly state: ClusterState;
  readonly clusterName: string;
  now(): number;
  newUpdateId(): string;
  /** Refuses a spec the cluster would not admit (ApiError), as at create. */
  admit(spec: JobSpec): void;
  /** Refuses (INSUFFICIENT_QUOTA) when the role's production jobs would hold more than its quota. */
  checkQuota(role: string, request: JobSpec, instances: number, replacing: { spec: JobSpec; instances: number } | null): void;
  /** One task transition through the state machine, with its side effects. */
  change(task: ScheduledTask, to: TaskState, message: string | null): boolean;
  addTask(spec: JobSpec, hash: string, instance: number, failureCount: number, message: string): ScheduledTask;
  durable(): Promise<void>;
  info(message: string): void;
  /** Aurora's -min_required_instances_for_sla_check: smaller jobs are updated without a count or percentage SLA check. */
  readonly minRequiredInstancesForSla: number;
  /** Coordinators' answers at hand (coordinator SLA policies), and how long one counts. */
  coordinatorAnswers(): CoordinatorAnswers;
  readonly coordinatorAnswerTtlMs: number;
  /** Asks coordinators, beside the scheduler's work; each answer drives the job's update again. */
  askCoordinators(questions: readonly CoordinatorQuestion[]): void;
}

/**
 * Job updates and restarts as the scheduler runs them: starts them, applies users' actions,
 * and after every change of an updated job (and on every tick, for watch times and pulses)
 * asks the pure updater (core/update) what to do next and does it. Costs grow with the jobs
 * being updated, never with the cluster.
 */
export class JobUpdates {
  constructor(private readonly host: UpdateHost) {}

  async start(ref: JobRef, spec: JobSpec, message: string | null, principal: string, instances: readonly number[] | null = null): Promise<JobUpdate> {
    const path = jobPath(ref);
    if (spec.cronSchedule !== null) {
      throw new ApiError('CRON_JOB_NEEDS_CRON_COMMAND', 'Cron jobs may only be updated with "aurora cron schedule" command');
    }
    if (jobPath(spec.key) !== path) {
      throw new ApiError('INVALID_REQUEST', `the spec is for ${formatJobKey(spec.key)}, not ${this.host.clusterName}/${path}`);
    }
    this.host.admit(spec);
    const update = this.host.state.operation(() => {
      if (this.host.state.cronJob(path)) {
        throw new ApiError('CRON_JOB_NEEDS_CRON_COMMAND', `Cron jobs may only be updated with "aurora cron schedule" command (${this.host.clusterName}/${path} is a cron job)`);
      }
      // As in Aurora, an update of a job that does not exist adds its instances: the job is then
      // the update's from the start (a rollback removes them again).
      const job = this.host.state.job(path) ? this.requireJob(ref) : null;
      this.refuseIfActive(path);
      const fromInstances = job?.spec.instances ?? 0;
      const most = Math.max(fromInstances, spec.instances);
      const outside = (instances ?? []).filter((i) => i >= most);
      if (outside.length > 0) {
        throw new ApiError('INVALID_REQUEST', `neither the job nor the new config has instance ${outside.join(', ')}; instances are 0-${most - 1}`);
      }
      this.host.checkQuota(ref.role, spec, spec.instances, job ? { spec: job.spec, instances: fromInstances } : null);
      const hash = specHash(spec);
      this.host.state.putSpec(hash, spec);
      const current = this.currentTasks(path).map((t) => (this.sameTaskConfig(t.specHash, spec, hash) ? { ...t, specHash: hash } : t));
      const update = planUpdate({
        id: this.host.newUpdateId(),
        job: spec.key,
        kind: 'update',
        user: principal,
        message,
        now: this.host.now(),
        settings: resolveUpdateSettings(spec),
        fromJobSpecHash: job?.specHash ?? hash,
        toSpecHash: hash,
        fromInstanceCount: fromInstances,
        toInstanceCount: spec.instances,
        current,
        scope: instances ? [...new Set(instances)].sort((a, b) => a - b) : null,
      });
      // The job is its target from now on: new instances, the job page, a later create read it.
      this.host.state.putJob(path, job ? { ...job, spec, specHash: hash } : { spec, specHash: hash, createdAt: this.host.now(), removing: false });
      this.host.state.putUpdate(update);
      this.drive(path);
      return this.host.state.update(update.id) as JobUpdate;
    });
    await this.host.durable();
    this.host.info(`${principal} started update ${update.id} of ${formatJobKey(spec.key)} (${update.instances.length} instance(s) change)`);
    return update;
  }

  async restart(ref: JobRef, request: StartRestartRequest, principal: string): Promise<JobUpdate> {
    const path = jobPath(ref);
    const update = this.host.state.operation(() => {
      const job = this.requireJob(ref);
      this.refuseIfActive(path);
      const count = job.spec.instances;
      const missing = (request.instances ?? []).filter((i) => i >= count);
      if (missing.length > 0) {
        throw new ApiError('INVALID_REQUEST', `job ${this.host.clusterName}/${path} has no instance ${missing.join(', ')}; its instances are 0-${count - 1}`);
      }
      const update = planUpdate({
        id: this.host.newUpdateId(),
        job: job.spec.key,
        kind: 'restart',
        user: principal,
        message: request.message ?? null,
        now: this.host.now(),
        settings: request.settings,
        fromJobSpecHash: job.specHash,
        toSpecHash: job.specHash,
        fromInstanceCount: count,
        toInstanceCount: count,
        current: this.currentTasks(path),
        scope: request.instances ? [...new Set(request.instances)].sort((a, b) => a - b) : null,
      });
      this.host.state.putUpdate(update);
      this.drive(path);
      return this.host.state.update(update.id) as JobUpdate;
    });
    await this.host.durable();
    this.host.info(`${principal} started restart ${update.id} of ${this.host.clusterName}/${path} (${update.instances.length} instance(s))`);
    return update;
  }

  async act(ref: JobRef, action: UpdateUserAction, message: string | null, principal: string): Promise<JobUpdate> {
    const path = jobPath(ref);
    const update = this.host.state.operation(() => {
      const active = this.host.state.activeUpdate(path);
      if (!active) throw this.noActiveUpdate(ref);
      const result = applyUserAction(active, action, principal, message, this.host.now());
      if ('error' in result) throw new ApiError('INVALID_UPDATE_ACTION', result.error);
      this.put(active, result.update);
      this.drive(path);
      return this.host.state.update(active.id) as JobUpdate;
    });
    await this.host.durable();
    this.host.info(`${principal}: ${action} of update ${update.id} of ${this.host.clusterName}/${path}; it is ${update.status}`);
    return update;
  }

  /** One update of the job by id, or its active one for `active`. */
  get(ref: JobRef, id: string): JobUpdate {
    const path = jobPath(ref);
    if (id === 'active') {
      const active = this.host.state.activeUpdate(path);
      if (!active) throw this.noActiveUpdate(ref);
      return active;
    }
    const update = this.host.state.update(id);
    if (!update || jobPath(update.job) !== path) {
      throw new ApiError('UPDATE_NOT_FOUND', `job ${this.host.clusterName}/${path} has no update ${id}; aurora update list ${this.host.clusterName}/${path} lists its updates`);
    }
    return update;
  }

  /** Update summaries matching the query, newest first. */
  list(query: ListUpdatesQuery): UpdateSummary[] {
    const statuses = query.status ? new Set(query.status) : null;
    const matches = (u: JobUpdate) =>
      (!query.role || u.job.role === query.role) &&
      (!query.environment || u.job.environment === query.environment) &&
      (!query.name || u.job.name === query.name) &&
      (!statuses || statuses.has(u.status)) &&
      (!query.user || u.user === query.user);
    const source =
      query.role && query.environment && query.name
        ? this.host.state.updatesOf(`${query.role}/${query.environment}/${query.name}`)
        : this.host.state.allUpdates();
    const out: UpdateSummary[] = [];
    for (const u of source) {
      if (matches(u)) out.push({ id: u.id, job: u.job, kind: u.kind, user: u.user, status: u.status, createdAt: u.createdAt, lastModifiedAt: u.lastModifiedAt });
    }
    out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    return out.slice(0, query.limit ?? 1000);
  }

  /** The spec a replacement of this instance must run: the update's target where it is updating the instance. */
  desiredSpecFor(path: string, instance: number): string | null | undefined {
    const update = this.host.state.activeUpdate(path);
    return update ? desiredSpecFor(update, instance) : undefined;
  }

  /** Jobs with an active update (few). */
  activePaths(): string[] {
    return this.host.state.activeUpdates().map((u) => jobPath(u.job));
  }

  /**
   * Asks the updater what the job's active update does next and does it; repeats while that
   * changes something (an instance that needs no task change is done at once). Call inside a
   * state operation.
   */
  drive(path: string): void {
    for (let round = 0; round < 10; round++) {
      const update = this.host.state.activeUpdate(path);
      if (!update) return;
      const job = this.host.state.job(path);
      if (!job || job.removing) {
        this.put(update, {
          ...update,
          status: 'ABORTED',
          lastModifiedAt: this.host.now(),
          events: [...update.events, { status: 'ABORTED', at: this.host.now(), user: null, message: 'the job was killed' }],
        });
        return;
      }
      const target = this.host.state.spec(update.toSpecHash);
      const step = evaluateUpdate(update, this.observe(path), this.host.now(), {
        policy: target?.slaPolicy ?? null,
        instanceCount: update.toInstanceCount,
        production: target?.production ?? false,
        minRequiredInstances: this.host.minRequiredInstancesForSla,
        coordinatorAnswers: this.host.coordinatorAnswers(),
        coordinatorAnswerTtlMs: this.host.coordinatorAnswerTtlMs,
      });
      if (step.ask) this.host.askCoordinators(step.ask);
      for (const action of step.actions) this.perform(update, action);
      const changed = JSON.stringify(step.update) !== JSON.stringify(update);
      if (changed) this.put(update, step.update);
      if (!changed && step.actions.length === 0) return;
    }
  }

  /** Stores the update's new state; the job follows the direction it goes (its spec and instance count). */
  private put(before: JobUpdate, given: JobUpdate): void {
    // Held reads wait for lastModifiedAt to differ: two changes in one millisecond must differ too.
    const after = given.lastModifiedAt > before.lastModifiedAt ? given : { ...given, lastModifiedAt: before.lastModifiedAt + 1 };
    this.host.state.putUpdate(after);
    const path = jobPath(after.job);
    const job = this.host.state.job(path);
    if (!job || after.kind !== 'update') return;
    const back = after.status === 'ROLLING_BACK' || after.status === 'ROLL_BACK_PAUSED' || after.status === 'ROLL_BACK_AWAITING_PULSE' || after.status === 'ROLLED_BACK';
    const wanted = back ? after.fromJobSpecHash : after.toSpecHash;
    if (job.specHash !== wanted && before.status !== after.status) {
      const spec = this.host.state.spec(wanted);
      if (spec) this.host.state.putJob(path, { ...job, spec, specHash: wanted });
    }
    if (!ACTIVE_UPDATE_STATUSES.has(after.status) && ACTIVE_UPDATE_STATUSES.has(before.status)) {
      this.host.info(`update ${after.id} of ${formatJobKey(after.job)} is ${after.status}`);
    }
  }

  private perform(update: JobUpdate, action: UpdateAction): void {
    const state = this.host.state;
    if (action.kind === 'add') {
      const spec = state.spec(action.specHash);
      if (!spec) return;
      // Never two active tasks for one instance (the updater may ask again before it sees the first).
      const currentId = state.jobTasks(jobPath(update.job))?.byInstance.get(action.instance)?.[0];
      const currentTask = currentId === undefined ? undefined : state.task(currentId);
      if (currentTask && !TERMINAL_STATES.has(currentTask.state)) return;
      this.host.addTask(spec, action.specHash, action.instance, 0, `Added by ${update.kind === 'restart' ? 'job restart' : 'job update'} ${update.id}`);
      return;
    }
    const task = state.task(action.taskId);
    if (!task || TERMINAL_STATES.has(task.state)) return;
    if (action.kind === 'kill') {
      this.end(task, 'KILLING', action.message);
      return;
    }
    // replace: a task on an agent restarts (its replacement, made when it ended, runs the
    // update's target); one not placed yet is simply ended and replaced now.
    if (ACTIVE_ON_AGENT_STATES.has(task.state) && task.state !== 'PARTITIONED') {
      if (task.state === 'RESTARTING' || task.state === 'KILLING') return;
      this.host.change(task, 'RESTARTING', action.message);
      return;
    }
    this.end(task, 'KILLING', action.message);
    const desired = desiredSpecFor(state.update(update.id) ?? update, task.instance);
    const hash = desired === undefined ? task.specHash : desired;
    const spec = hash === null ? undefined : state.spec(hash);
    if (hash !== null && spec) this.host.addTask(spec, hash, task.instance, 0, `Replaced by ${update.kind === 'restart' ? 'job restart' : 'job update'} ${update.id}`);
  }

  /** Ends a task for good: KILLING on an agent, KILLED where no agent runs it. */
  private end(task: ScheduledTask, to: 'KILLING', message: string): void {
    if (task.state === 'KILLING') return;
    if (task.state === 'PARTITIONED') {
      if (this.host.change(task, 'KILLING', message)) {
        this.host.change(this.host.state.task(task.taskId) as ScheduledTask, 'KILLED', `${message}; its agent was unreachable`);
      }
      return;
    }
    this.host.change(task, ACTIVE_ON_AGENT_STATES.has(task.state) ? to : 'KILLED', message);
  }

  /** Each instance's current task as the updater sees it. */
  private observe(path: string): Map<number, InstanceObservation> {
    const state = this.host.state;
    const out = new Map<number, InstanceObservation>();
    for (const [instance, ids] of state.jobTasks(path)?.byInstance ?? []) {
      const task = ids[0] === undefined ? undefined : state.task(ids[0]);
      if (!task) continue;
      const spec = state.spec(task.specHash);
      const running = task.state === 'RUNNING' ? lastEventAt(task, 'RUNNING') : null;
      out.set(instance, {
        taskId: task.taskId,
        specHash: task.specHash,
        state: task.state,
        runningSince: running,
        healthy: task.health === 'HEALTHY' || (spec !== undefined && !healthCheckApplies(spec, task.ports)),
      });
    }
    return out;
  }

  private currentTasks(path: string): { instance: number; taskId: string; specHash: string }[] {
    const out: { instance: number; taskId: string; specHash: string }[] = [];
    for (const [instance, ids] of this.host.state.jobTasks(path)?.byInstance ?? []) {
      const task = ids[0] === undefined ? undefined : this.host.state.task(ids[0]);
      if (task && !TERMINAL_STATES.has(task.state)) out.push({ instance, taskId: task.taskId, specHash: task.specHash });
    }
    return out.sort((a, b) => a.instance - b.instance);
  }

  /**
   * Whether a task on `taskHash` already runs the config of `spec`: the same spec, or one that
   * differs only in the job's instance count. Aurora's instance config is the task, not the job,
   * so an update that only adds or removes instances leaves the others running.
   */
  private sameTaskConfig(taskHash: string, spec: JobSpec, hash: string): boolean {
    if (taskHash === hash) return true;
    const task = this.host.state.spec(taskHash);
    return task !== undefined && task.instances !== spec.instances && specHash({ ...task, instances: spec.instances }) === hash;
  }

  private requireJob(ref: JobRef) {
    const job = this.host.state.job(jobPath(ref));
    if (!job || job.removing) {
      throw new ApiError(
        'JOB_NOT_FOUND',
        `no job ${this.host.clusterName}/${jobPath(ref)}${job ? ' (it is being killed)' : ''}; create it with aurora job create first`,
      );
    }
    return job;
  }

  private refuseIfActive(path: string): void {
    const active = this.host.state.activeUpdate(path);
    if (active) {
      throw new ApiError(
        'UPDATE_IN_PROGRESS',
        `job ${this.host.clusterName}/${path} has an active ${active.kind} ${active.id} (${active.status}) started by ${active.user}; wait for it (aurora update wait), or abort it (aurora update abort) first`,
      );
    }
  }

  private noActiveUpdate(ref: JobRef): ApiError {
    return new ApiError('NO_ACTIVE_UPDATE', `No active update found for job ${this.host.clusterName}/${jobPath(ref)}`);
  }
}

function lastEventAt(task: ScheduledTask, state: TaskState): number | null {
  for (let i = task.events.length - 1; i >= 0; i--) if (task.events[i]?.state === state) return task.events[i]!.at;
  return null;
}
