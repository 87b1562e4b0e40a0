import { formatJobKey } from '../../dsl/job-key.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import type { CronJob, CronJobView, CronRun } from '../api/cron-api.js';
import { ApiError } from '../api/errors.js';
import { TERMINAL_STATES, type ScheduledTask, type TaskState } from '../api/task.js';
import { decideCollision } from '../core/cron/collision.js';
import { missedRuns, recordRuns } from '../core/cron/cron-runs.js';
import { cronScheduleProblem, nextRuns, timezoneProblem, type CronSchedule } from '../core/cron/schedule.js';
import { dueTicks } from '../core/cron/ticks.js';
import type { ClusterState } from '../state/cluster-state.js';
import { jobPath, type JobRef } from '../storage/storage.js';

/** What the cron service needs of the scheduler around it. */
export interface CronHost {
  readonly state: ClusterState;
  readonly clusterName: string;
  /** The zone a schedule is read in when its job sets none (`--cron-timezone`). */
  readonly defaultTimezone: string;
  now(): number;
  admit(spec: JobSpec): void;
  checkQuota(role: string, request: JobSpec, instances: number, replacing: { spec: JobSpec; instances: number } | null): void;
  change(task: ScheduledTask, to: TaskState, message: string | null): boolean;
  addTask(spec: JobSpec, hash: string, instance: number, failureCount: number, message: string): ScheduledTask;
  durable(): Promise<void>;
  info(message: string): void;
}

/** How many next runs a view shows. */
const NEXT_RUNS_SHOWN = 5;
/** How many of the latest runs a view shows. */
const LAST_RUNS_SHOWN = 20;

/**
 * Cron jobs as the scheduler runs them (Aurora's CronJobManager): schedule, deschedule, run now,
 * and on every tick run the jobs whose time has come, by their collision policy. A tick acted on
 * is recorded before anything else happens, in the same commit as the tasks it creates, so it
 * never runs twice, across restarts too; ticks the scheduler slept through are recorded as
 * MISSED and not run, as in Aurora. Costs grow with the number of cron jobs.
 */
export class CronJobs {
  constructor(private readonly host: CronHost) {}

  async schedule(ref: JobRef, spec: JobSpec, principal: string): Promise<CronJobView> {
    const path = jobPath(ref);
    if (jobPath(spec.key) !== path) {
      throw new ApiError('INVALID_REQUEST', `the spec is for ${formatJobKey(spec.key)}, not ${this.host.clusterName}/${path}`);
    }
    if (spec.cronSchedule === null) {
      throw new ApiError(
        'NOT_A_CRON_JOB',
        `${formatJobKey(spec.key)} has no cronSchedule; set one (e.g. cronSchedule: '0 * * * *') or create it with aurora job create`,
      );
    }
    this.host.admit(spec);
    const problem = cronScheduleProblem(spec.cronSchedule) ?? (spec.cronTimezone ? timezoneProblem(spec.cronTimezone) : null);
    if (problem) throw new ApiError('INVALID_JOB_SPEC', problem, [{ path: 'cronSchedule', message: problem }]);
    const view = this.host.state.operation(() => {
      const job = this.host.state.job(path);
      if (job && job.spec.cronSchedule === null && !job.removing) {
        throw new ApiError(
          'NOT_A_CRON_JOB',
          `${formatJobKey(spec.key)} is a running job, not a cron job; kill it (aurora job kill) before scheduling a cron job of that name`,
        );
      }
      const old = this.host.state.cronJob(path);
      this.host.checkQuota(ref.role, spec, spec.instances, old ? { spec: old.spec, instances: old.spec.instances } : null);
      const hash = specHash(spec);
      const now = this.host.now();
      this.host.state.putSpec(hash, spec);
      this.host.state.putCronJob(path, {
        spec,
        specHash: hash,
        scheduledBy: principal,
        scheduledAt: now,
        // A new schedule starts from now; a replaced one keeps its watermark, so no tick runs twice.
        lastTickAt: old ? Math.max(old.lastTickAt, now) : now,
        runs: old?.runs ?? [],
      });
      // A job that runs now takes the new config with its next run.
      if (job && !job.removing) this.host.state.putJob(path, { ...job, spec, specHash: hash });
      return this.view(path);
    });
    await this.host.durable();
    this.host.info(`${principal} scheduled cron job ${formatJobKey(spec.key)}: '${spec.cronSchedule}' (${view.timezone})`);
    return view;
  }

  /** Removes the schedule; tasks of a run in progress go on (as in Aurora). */
  async deschedule(ref: JobRef, principal: string): Promise<CronJobView> {
    const path = jobPath(ref);
    const view = this.host.state.operation(() => {
      const view = this.view(path);
      this.host.state.putCronJob(path, null);
      const job = this.host.state.job(path);
      if (job && !this.host.state.hasActiveTasks(path)) this.host.state.putJob(path, null);
      return view;
    });
    await this.host.durable();
    this.host.info(`${principal} descheduled cron job ${this.host.clusterName}/${path}`);
    return view;
  }

  /** Runs the job once now (`aurora cron start`), by its collision policy. */
  async startNow(ref: JobRef, principal: string): Promise<CronJobView> {
    const path = jobPath(ref);
    const view = this.host.state.operation(() => {
      const cron = this.require(path);
      const run = this.run(path, cron, null, principal);
      this.host.state.putCronJob(path, recordRuns(cron, [run], null));
      return this.view(path);
    });
    await this.host.durable();
    this.host.info(`${principal} started cron job ${this.host.clusterName}/${path} by hand`);
    return view;
  }

  get(ref: JobRef): CronJobView {
    return this.view(jobPath(ref));
  }

  list(filter: { role?: string; environment?: string }): CronJobView[] {
    const out: CronJobView[] = [];
    for (const [path, cron] of this.host.state.cronJobs()) {
      const k = cron.spec.key;
      if ((filter.role && k.role !== filter.role) || (filter.environment && k.environment !== filter.environment)) continue;
      out.push(this.view(path));
    }
    return out.sort((a, b) => (formatJobKey(a.key) < formatJobKey(b.key) ? -1 : 1));
  }

  /** Each cron job's next run, by the record it was computed from (a tick or a new schedule changes it). */
  private readonly nextDue = new Map<string, { readonly of: CronJob; readonly at: number | null }>();

  /** When the next run of any cron job is due, or null: the background times a tick for it. */
  nextRunAt(): number | null {
    let soonest: number | null = null;
    for (const [path, cron] of this.host.state.cronJobs()) {
      let memo = this.nextDue.get(path);
      if (memo?.of !== cron) {
        memo = { of: cron, at: nextRuns(this.scheduleOf(cron), cron.lastTickAt, 1)[0] ?? null };
        this.nextDue.set(path, memo);
      }
      if (memo.at !== null && (soonest === null || memo.at < soonest)) soonest = memo.at;
    }
    for (const path of this.nextDue.keys()) if (!this.host.state.cronJob(path)) this.nextDue.delete(path);
    return soonest;
  }

  /** Runs every cron job whose tick has come; records missed ticks. Call inside a state operation. */
  tick(): void {
    const now = this.host.now();
    for (const [path, cron] of [...this.host.state.cronJobs()]) {
      const due = dueTicks(this.scheduleOf(cron), cron.lastTickAt, now);
      if (due.run === null && due.missedCount === 0) continue;
      const runs: CronRun[] = missedRuns(due.missed, now);
      if (due.run !== null) runs.push(this.run(path, cron, due.run, null));
      const latest = Math.max(due.run ?? 0, ...due.missed);
      this.host.state.putCronJob(path, recordRuns(cron, runs, latest));
      if (due.missedCount > 0) {
        this.host.info(`cron job ${this.host.clusterName}/${path}: ${due.missedCount} tick(s) missed while the scheduler was down; not run`);
      }
    }
  }

  /** One run: the collision policy against the previous run's active tasks, then the instances. */
  private run(path: string, cron: CronJob, scheduledFor: number | null, user: string | null): CronRun {
    const now = this.host.now();
    const active = this.activeTaskIds(path);
    const decision = decideCollision(cron.spec.cronCollisionPolicy, active);
    if (decision.kind === 'cancel') {
      return { scheduledFor, at: now, outcome: 'CANCELLED_NEW', user, taskIds: [] };
    }
    const why = user ? `Started by ${user} (aurora cron start)` : `Started by cron for ${new Date(scheduledFor ?? now).toISOString()}`;
    if (decision.kind === 'kill-then-start') {
      for (const id of decision.taskIds) {
        const task = this.host.state.task(id);
        if (!task || TERMINAL_STATES.has(task.state)) continue;
        const message = 'Killed by cron: a new run started (KILL_EXISTING)';
        if (task.state === 'PENDING' || task.state === 'THROTTLED') this.host.change(task, 'KILLED', message);
        else if (task.state !== 'KILLING') this.host.change(task, 'KILLING', message);
      }
    }
    const job = this.host.state.job(path);
    if (!job || job.specHash !== cron.specHash || job.removing) {
      this.host.state.putJob(path, { spec: cron.spec, specHash: cron.specHash, createdAt: job?.createdAt ?? now, removing: false });
    }
    const taskIds: string[] = [];
    for (let instance = 0; instance < cron.spec.instances; instance++) {
      taskIds.push(this.host.addTask(cron.spec, cron.specHash, instance, 0, why).taskId);
    }
    return { scheduledFor, at: now, outcome: decision.kind === 'start' ? 'STARTED' : 'KILLED_EXISTING', user, taskIds };
  }

  private activeTaskIds(path: string): string[] {
    const ids: string[] = [];
    for (const list of this.host.state.jobTasks(path)?.byInstance.values() ?? []) {
      for (const id of list) {
        const task = this.host.state.task(id);
        if (task && !TERMINAL_STATES.has(task.state)) ids.push(id);
      }
    }
    return ids;
  }

  private scheduleOf(cron: CronJob): CronSchedule {
    return { text: cron.spec.cronSchedule ?? '', timezone: cron.spec.cronTimezone ?? this.host.defaultTimezone };
  }

  private require(path: string): CronJob {
    const cron = this.host.state.cronJob(path);
    if (!cron) {
      throw new ApiError(
        'CRON_JOB_NOT_FOUND',
        `no cron job ${this.host.clusterName}/${path}; schedule one with aurora cron schedule ${this.host.clusterName}/${path} FILE`,
      );
    }
    return cron;
  }

  private view(path: string): CronJobView {
    const cron = this.require(path);
    const schedule = this.scheduleOf(cron);
    return {
      key: cron.spec.key,
      schedule: schedule.text,
      timezone: schedule.timezone,
      timezoneFromJob: Boolean(cron.spec.cronTimezone),
      collisionPolicy: cron.spec.cronCollisionPolicy,
      specHash: cron.specHash,
      instances: cron.spec.instances,
      scheduledBy: cron.scheduledBy,
      scheduledAt: cron.scheduledAt,
      nextRuns: nextRuns(schedule, Math.max(this.host.now(), cron.lastTickAt), NEXT_RUNS_SHOWN),
      lastRuns: cron.runs.slice(-LAST_RUNS_SHOWN).reverse(),
      activeTasks: this.activeTaskIds(path).length,
    };
  }
}
