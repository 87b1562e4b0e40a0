import type {
  BackupNowResponse,
  DeleteRecoveryTasksResponse,
  ListBackupsResponse,
  RecoveryStatus,
  RecoveryTasksResponse,
  SnapshotResponse,
} from '../../scheduler/api/backup-api.js';
import type { HostStatus, HostsRequest, MaintenanceResponse } from '../../scheduler/api/maintenance-api.js';
import type { ReconcileResponse } from '../../scheduler/api/agent-protocol.js';
import type { SlaProbeHostsRequest, SlaProbeHostsResponse, SlaSafeDomainRequest, SlaSafeDomainResponse } from '../../scheduler/api/sla-api.js';
import type http from 'node:http';
import type { z } from 'zod';
import { canonicalJson } from '../../dsl/canonical-json.js';
import type { JobKey } from '../../dsl/key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../../scheduler/api/agent-protocol.js';
import { CLIENT_HEADER } from '../../scheduler/api/constants.js';
import type { ApiErrorBody } from '../../scheduler/api/errors.js';
import type {
  CreateJobRequest,
  CreateJobResponse,
  HealthResponse,
  JobDetail,
  JobSummary,
  KillJobRequest,
  KillJobResponse,
  ListJobsResponse,
  ListTasksResponse,
  PruneTasksRequest,
  PruneTasksResponse,
} from '../../scheduler/api/jobs-api.js';
import type { CronJobView, ListCronJobsResponse, CronJobResponse, ScheduleCronRequest } from '../../scheduler/api/cron-api.js';
import type { GetQuotaResponse, IncreaseQuotaRequest, ResourceAmounts, SetQuotaRequest } from '../../scheduler/api/quota-api.js';
import { PATHS } from '../../scheduler/api/routes.js';
import type { ScheduledTask, TaskState } from '../../scheduler/api/task.js';
import type {
  JobUpdate,
  ListUpdatesResponse,
  StartRestartRequest,
  StartUpdateRequest,
  UpdateActionRequest,
  UpdateResponse,
  UpdateStatus,
  UpdateSummary,
  UpdateUserAction,
} from '../../scheduler/api/updates-api.js';
import type {
  ReadTaskFileResponse,
  RunTaskCommandRequest,
  RunTaskCommandResponse,
  TaskSandboxResponse,
  WriteTaskFileRequest,
  WriteTaskFileResponse,
} from '../../scheduler/api/task-commands-api.js';
import type { Cluster } from '../clusters.js';
import { ApiCallError, AuthError, InterruptedError, NetworkError, PermissionError } from '../errors.js';
import { exchange } from './http.js';
import { compileShape, type ShapeCheck } from '../../scheduler/api/json-shape.js';
import { describeNetworkFailure, isCertificateFailure } from './network-errors.js';
import { MAX_JOB_WAIT_MS, MAX_TASK_IDS_PER_QUERY, MAX_TASK_PAGE } from './wire.js';
import { WIRE_SCHEMAS, type WireName } from './wire-schemas.js';

/** Time a relayed task command may take to reach its agent and come back, on top of its own. */
const TASK_DELIVERY_MS = 45_000;
/** The scheduler's default timeout of a task command (scheduler/api/task-commands-api.ts, without loading zod). */
const DEFAULT_TASK_COMMAND_TIMEOUT_MS = 60_000;

/** HTTP basic credentials (the CLI reads them from ~/.netrc for BASIC clusters). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface SchedulerClientOptions {
  /** The cluster's name, for messages. */
  readonly cluster: string;
  /** The scheduler's base URL, such as http://localhost:8081. */
  readonly baseUrl: string;
  readonly credentials?: Credentials;
  /**
   * What an AuthError (HTTP 401) says before the scheduler's words: where credentials come from,
   * or why none were sent. @default the scheduler's words alone
   */
  readonly authHint?: string;
  /**
   * PEM certificates to trust for an https baseUrl instead of the well-known CAs (a private CA,
   * or a self-signed scheduler). Ignored when `agent` is given.
   */
  readonly ca?: string;
  /**
   * The value of the client header every POST and DELETE carries (CLIENT_HEADER: the scheduler refuses
   * state-changing calls without it, so a web page of another origin cannot make them).
   * @default 'aurora-ts'
   */
  readonly clientName?: string;
  /**
   * Time the scheduler may stay silent in a call before it counts as a network error (a read
   * that waits for a change gets its wait on top).
   * @default 30000
   */
  readonly timeoutMs?: number;
  /** Aborting it ends calls in flight with InterruptedError. */
  readonly signal?: AbortSignal;
  /** An http(s).Agent (a proxy, other socket options). @default a keep-alive agent */
  readonly agent?: http.Agent;
}

export interface HealthStatus {
  readonly ok: true;
  /** The cluster the scheduler says it serves, when it says. */
  readonly cluster?: string;
  readonly version?: string;
}

export interface TaskQuery {
  readonly role?: string;
  readonly environment?: string;
  readonly name?: string;
  readonly instance?: number;
  readonly states?: readonly TaskState[];
  /** Only these tasks. One page names at most MAX_TASK_IDS_PER_QUERY; allTasks takes any number. */
  readonly taskIds?: readonly string[];
  /** Include ended tasks that are no longer current, and those of removed jobs. */
  readonly history?: boolean;
}

export interface GetJobOptions {
  /** Also the instances' earlier ended tasks. */
  readonly history?: boolean;
  /**
   * With `waitMs`: answer once the job's version differs from this one, or when `waitMs` is over
   * (at most MAX_JOB_WAIT_MS). The scheduler holds the read; nothing polls.
   */
  readonly since?: number;
  readonly waitMs?: number;
  /**
   * The spec the caller knows the job has (it just submitted it, validated). An answer whose spec
   * is exactly this one is checked without loading the JobSpec schema; any other is checked in full.
   */
  readonly expectSpec?: JobSpec;
}

export interface GetUpdateOptions {
  /**
   * With `waitMs`: answer once the update's lastModifiedAt differs from this, or when `waitMs` is
   * over (at most MAX_JOB_WAIT_MS). The scheduler holds the read; nothing polls.
   */
  readonly since?: number;
  readonly waitMs?: number;
}

export interface UpdateQuery {
  readonly role?: string;
  readonly environment?: string;
  readonly name?: string;
  /** Any of these statuses; all when absent or empty. */
  readonly statuses?: readonly UpdateStatus[];
  /** Started by this user. */
  readonly user?: string;
  readonly limit?: number;
}

type Method = 'GET' | 'POST' | 'DELETE';
type Query = Readonly<Record<string, string | undefined>>;
type Verdict<T> = { ok: true; value: T } | { ok: false; issues: readonly string[] };

/**
 * How an answer is checked: `fast` accepts it with the wire shapes (no zod); when it cannot,
 * `full` gives the verdict of the scheduler/api zod schemas, loaded then, with the problems.
 */
interface Check<T> {
  readonly fast: (body: unknown) => T | undefined;
  readonly full: (body: unknown) => Promise<Verdict<T>>;
}

const shapes = new Map<WireName, ShapeCheck>();
function shape(name: WireName): ShapeCheck {
  let check = shapes.get(name);
  if (!check) shapes.set(name, (check = compileShape(WIRE_SCHEMAS[name])));
  return check;
}

function zodVerdict<T>(schema: z.ZodType<T>, body: unknown, prefix = ''): Verdict<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => `${`${prefix}${i.path.map(String).join('.')}` || '(body)'}: ${i.message}`);
  return { ok: false, issues };
}

async function verdictOf<T>(check: Check<T>, body: unknown): Promise<Verdict<T>> {
  const fast = check.fast(body);
  return fast !== undefined ? { ok: true, value: fast } : check.full(body);
}

/** A check by one of the generated wire shapes, with its zod schema behind it. */
function wire<T>(name: WireName, schema: () => Promise<z.ZodType<T>>): Check<T> {
  return {
    fast: (body) => (shape(name)(body) ? (body as T) : undefined),
    full: async (body) => zodVerdict(await schema(), body),
  };
}

const jobsApi = () => import('../../scheduler/api/jobs-api.js');
const updatesApi = () => import('../../scheduler/api/updates-api.js');
const cronApi = () => import('../../scheduler/api/cron-api.js');
const taskCommandsApi = () => import('../../scheduler/api/task-commands-api.js');
type BackupApi = typeof import('../../scheduler/api/backup-api.js');
const backupSchema = async <K extends keyof BackupApi>(name: K): Promise<BackupApi[K]> => (await import('../../scheduler/api/backup-api.js'))[name];
let specSchema: Promise<typeof import('../../dsl/jobspec.js')> | undefined;
/** The JobSpec schema (zod and all), loaded once; started early it loads while the scheduler answers. */
const jobSpecModule = () => (specSchema ??= import('../../dsl/jobspec.js'));
const CHECKS = {
  createJob: wire<CreateJobResponse>('CreateJobResponse', async () => (await jobsApi()).CreateJobResponseSchema),
  listJobs: wire<ListJobsResponse>('ListJobsResponse', async () => (await jobsApi()).ListJobsResponseSchema),
  killJob: wire<KillJobResponse>('KillJobResponse', async () => (await jobsApi()).KillJobResponseSchema),
  listTasks: wire<ListTasksResponse>('ListTasksResponse', async () => (await jobsApi()).ListTasksResponseSchema),
  pruneTasks: wire<PruneTasksResponse>('PruneTasksResponse', async () => (await jobsApi()).PruneTasksResponseSchema),
  health: wire<HealthResponse>('HealthResponse', async () => (await jobsApi()).HealthResponseSchema),
  quota: wire<GetQuotaResponse>('GetQuotaResponse', async () => (await import('../../scheduler/api/quota-api.js')).GetQuotaResponseSchema),
  update: wire<UpdateResponse>('UpdateResponse', async () => (await updatesApi()).UpdateResponseSchema),
  listUpdates: wire<ListUpdatesResponse>('ListUpdatesResponse', async () => (await updatesApi()).ListUpdatesResponseSchema),
  cron: wire<CronJobResponse>('CronJobResponse', async () => (await cronApi()).CronJobResponseSchema),
  listCron: wire<ListCronJobsResponse>('ListCronJobsResponse', async () => (await cronApi()).ListCronJobsResponseSchema),
  error: wire<ApiErrorBody>('ApiErrorBody', async () => (await import('../../scheduler/api/errors.js')).ApiErrorBodySchema),
  slaProbeHosts: {
    // Operators' commands, never on the warm path: zod only.
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await import('../../scheduler/api/sla-api.js')).SlaProbeHostsResponseSchema, body),
  } satisfies Check<SlaProbeHostsResponse>,
  slaSafeDomain: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await import('../../scheduler/api/sla-api.js')).SlaSafeDomainResponseSchema, body),
  } satisfies Check<SlaSafeDomainResponse>,
  reconcile: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await import('../../scheduler/api/agent-protocol.js')).ReconcileResponseSchema, body),
  } satisfies Check<ReconcileResponse>,
  maintenance: {
    // Operators' commands, never on the warm path: zod only.
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await import('../../scheduler/api/maintenance-api.js')).MaintenanceResponseSchema, body),
  } satisfies Check<MaintenanceResponse>,
  backups: {
    // Operators' commands, never on the warm path: zod only.
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict(await backupSchema('BackupNowResponseSchema'), body),
  } satisfies Check<BackupNowResponse>,
  listBackups: { fast: () => undefined, full: async (body: unknown) => zodVerdict(await backupSchema('ListBackupsResponseSchema'), body) } satisfies Check<ListBackupsResponse>,
  recovery: { fast: () => undefined, full: async (body: unknown) => zodVerdict(await backupSchema('RecoveryStatusSchema'), body) } satisfies Check<RecoveryStatus>,
  recoveryTasks: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict(await backupSchema('RecoveryTasksResponseSchema'), body),
  } satisfies Check<RecoveryTasksResponse>,
  deleteRecoveryTasks: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict(await backupSchema('DeleteRecoveryTasksResponseSchema'), body),
  } satisfies Check<DeleteRecoveryTasksResponse>,
  snapshot: { fast: () => undefined, full: async (body: unknown) => zodVerdict(await backupSchema('SnapshotResponseSchema'), body) } satisfies Check<SnapshotResponse>,
  taskCommand: {
    // aurora task run|scp|ssh, never on the warm path: zod only.
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await taskCommandsApi()).RunTaskCommandResponseSchema, body),
  } satisfies Check<RunTaskCommandResponse>,
  readTaskFile: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await taskCommandsApi()).ReadTaskFileResponseSchema, body),
  } satisfies Check<ReadTaskFileResponse>,
  writeTaskFile: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await taskCommandsApi()).WriteTaskFileResponseSchema, body),
  } satisfies Check<WriteTaskFileResponse>,
  taskSandbox: {
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await taskCommandsApi()).TaskSandboxResponseSchema, body),
  } satisfies Check<TaskSandboxResponse>,
  listAgents: {
    // Agents' port ranges carry a refinement JSON Schema cannot state: zod only.
    fast: () => undefined,
    full: async (body: unknown) => zodVerdict((await import('../../scheduler/api/agent-protocol.js')).ListAgentsResponseSchema, body),
  } satisfies Check<{ agents: AgentInfo[] }>,
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasExactly(v: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(v);
  return own.length === keys.length && keys.every((k) => Object.hasOwn(v, k));
}

/** `{job: {summary, spec, tasks}}` whose summary and tasks pass the wire shapes; the spec unchecked. */
function jobReadParts(body: unknown): { detail: Record<string, unknown> } | undefined {
  if (!isRecord(body) || !hasExactly(body, ['job'])) return undefined;
  const detail = body['job'];
  if (!isRecord(detail) || !hasExactly(detail, ['summary', 'spec', 'tasks'])) return undefined;
  const tasks = detail['tasks'];
  if (!shape('JobSummary')(detail['summary']) || !Array.isArray(tasks) || !tasks.every(shape('ScheduledTask'))) return undefined;
  return { detail };
}

/**
 * A job read: the summary and tasks by the wire shapes; the spec by equality with the one the
 * caller expects, else by JobSpecSchema alone; anything else by the whole GetJobResponseSchema.
 */
function jobReadCheck(expectSpec: JobSpec | undefined): Check<JobDetail> {
  // `full` follows `fast` on the same body: check its 10,000 tasks once.
  let checked: { body: unknown; parts: ReturnType<typeof jobReadParts> } | undefined;
  const partsOf = (body: unknown): ReturnType<typeof jobReadParts> => {
    const known = checked !== undefined && checked.body === body ? checked : (checked = { body, parts: jobReadParts(body) });
    return known.parts;
  };
  return {
    fast: (body) => {
      const parts = partsOf(body);
      if (!parts || expectSpec === undefined) return undefined;
      return canonicalJson(parts.detail['spec']) === canonicalJson(expectSpec) ? (parts.detail as unknown as JobDetail) : undefined;
    },
    full: async (body) => {
      const parts = partsOf(body);
      if (parts) {
        const { JobSpecSchema } = await jobSpecModule();
        const spec = zodVerdict(JobSpecSchema, parts.detail['spec'], 'job.spec.');
        return spec.ok ? { ok: true, value: { ...(parts.detail as unknown as JobDetail), spec: spec.value } } : spec;
      }
      const verdict = zodVerdict((await jobsApi()).GetJobResponseSchema, body);
      return verdict.ok ? { ok: true, value: verdict.value.job } : verdict;
    },
  };
}

/**
 * A typed client of the scheduler's HTTP API (`/api/v1`). Every answer is validated against the
 * scheduler/api schemas: by their generated wire shapes where they suffice (see scheduler/api/json-shape.ts),
 * by zod otherwise. Errors: ApiCallError (the scheduler's code and message), AuthError (401),
 * PermissionError (403), NetworkError (unreachable), InterruptedError (aborted).
 */
export class SchedulerClient {
  readonly cluster: string;
  readonly baseUrl: string;
  private readonly options: SchedulerClientOptions;
  /** The https agent trusting `options.ca`, made on the first call. */
  private caAgent: Promise<http.Agent> | undefined;

  constructor(options: SchedulerClientOptions) {
    this.options = options;
    this.cluster = options.cluster;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  static forCluster(cluster: Cluster, options: Omit<SchedulerClientOptions, 'cluster' | 'baseUrl'> = {}): SchedulerClient {
    return new SchedulerClient({ ...options, cluster: cluster.name, baseUrl: cluster.schedulerUri });
  }

  /** A role's quota, and what its production and other tasks hold. */
  async getQuota(role: string): Promise<GetQuotaResponse> {
    return this.call('GET', PATHS.quota(role), CHECKS.quota);
  }

  /** Sets a role's quota (operators only); answers the role's quota and use after the change. */
  async setQuota(role: string, quota: ResourceAmounts): Promise<GetQuotaResponse> {
    const body: SetQuotaRequest = { quota };
    return this.call('POST', PATHS.quota(role), CHECKS.quota, { body });
  }

  /** Grows a role's quota by `delta` in one step on the scheduler (operators only). */
  async increaseQuota(role: string, delta: ResourceAmounts): Promise<GetQuotaResponse> {
    const body: IncreaseQuotaRequest = { delta };
    return this.call('POST', PATHS.quotaIncrease(role), CHECKS.quota, { body });
  }

  /** The scheduler's web page of a job. */
  jobPageUrl(key: JobKey): string {
    return `${this.baseUrl}${PATHS.ui}/${encodeURIComponent(key.role)}/${encodeURIComponent(key.environment)}/${encodeURIComponent(key.name)}`;
  }

  async createJob(spec: JobSpec): Promise<CreateJobResponse> {
    const body: CreateJobRequest = { spec };
    return this.call('POST', PATHS.jobs, CHECKS.createJob, { body });
  }

  async listJobs(filter: { role?: string; environment?: string } = {}): Promise<JobSummary[]> {
    return (await this.call('GET', PATHS.jobs, CHECKS.listJobs, { query: filter })).jobs;
  }

  /** One job with each instance's current task (and with `history`, its earlier ended ones). */
  async getJob(key: JobKey, options: GetJobOptions = {}): Promise<JobDetail> {
    const waits = options.since !== undefined && (options.waitMs ?? 0) > 0;
    const waitMs = waits ? Math.min(options.waitMs ?? 0, MAX_JOB_WAIT_MS) : 0;
    const query: Query = {
      ...(options.history ? { history: 'true' } : {}),
      ...(waits ? { since: String(options.since), waitMs: String(waitMs) } : {}),
    };
    // Without a spec to compare with, the answer's spec needs the JobSpec schema: load it while
    // the scheduler answers (a large job's answer takes longer than loading zod).
    if (options.expectSpec === undefined) jobSpecModule().catch(() => undefined);
    return this.call('GET', PATHS.job(key.role, key.environment, key.name), jobReadCheck(options.expectSpec), { query, extraTimeMs: waitMs });
  }

  async killJob(key: JobKey, req: KillJobRequest = {}): Promise<KillJobResponse> {
    return this.call('POST', PATHS.jobKill(key.role, key.environment, key.name), CHECKS.killJob, { body: req });
  }

  /** One page of the tasks matching `query` (at most MAX_TASK_IDS_PER_QUERY ids), and how many match in all. */
  async listTasks(query: TaskQuery = {}, page: { limit?: number; offset?: number } = {}): Promise<ListTasksResponse> {
    if (query.taskIds?.length === 0) return { tasks: [], total: 0 };
    if ((query.taskIds?.length ?? 0) > MAX_TASK_IDS_PER_QUERY) {
      throw new RangeError(`listTasks takes at most ${MAX_TASK_IDS_PER_QUERY} task ids; allTasks takes any number`);
    }
    return this.call('GET', PATHS.tasks, CHECKS.listTasks, { query: taskParams(query, page) });
  }

  /**
   * Every task matching `query`, page after page (ids in groups the scheduler accepts). A task
   * that moves between pages while they are read is listed once.
   */
  async allTasks(query: TaskQuery = {}): Promise<ScheduledTask[]> {
    const groups: (readonly string[] | undefined)[] = [];
    if (query.taskIds === undefined) groups.push(undefined); // every task, not none
    else for (let i = 0; i < query.taskIds.length; i += MAX_TASK_IDS_PER_QUERY) groups.push(query.taskIds.slice(i, i + MAX_TASK_IDS_PER_QUERY));
    const byId = new Map<string, ScheduledTask>();
    for (const taskIds of groups) {
      for (let offset = 0; ; ) {
        const page = await this.listTasks({ ...query, ...(taskIds ? { taskIds } : {}) }, { limit: MAX_TASK_PAGE, offset });
        for (const t of page.tasks) if (!byId.has(t.taskId)) byId.set(t.taskId, t);
        offset += page.tasks.length;
        if (page.tasks.length === 0 || offset >= page.total) break;
      }
    }
    return [...byId.values()];
  }

  /**
   * Starts an update of the job to `req.spec` (its instance count may differ). ApiCallError
   * UPDATE_IN_PROGRESS when the job has an active update, JOB_NOT_FOUND, INSUFFICIENT_QUOTA,
   * CRON_JOB_NEEDS_CRON_COMMAND for a cron spec.
   */
  async startUpdate(key: JobKey, req: StartUpdateRequest): Promise<JobUpdate> {
    const path = PATHS.jobUpdates(key.role, key.environment, key.name);
    return (await this.call('POST', path, CHECKS.update, { body: req })).update;
  }

  /**
   * One update of the job by id, or its active one for `'active'` (ApiCallError NO_ACTIVE_UPDATE
   * or UPDATE_NOT_FOUND when there is none). With `since` and `waitMs` the scheduler holds the
   * read until the update changes.
   */
  async getUpdate(key: JobKey, id: string, options: GetUpdateOptions = {}): Promise<JobUpdate> {
    const waits = options.since !== undefined && (options.waitMs ?? 0) > 0;
    const waitMs = waits ? Math.min(options.waitMs ?? 0, MAX_JOB_WAIT_MS) : 0;
    const query: Query = waits ? { since: String(options.since), waitMs: String(waitMs) } : {};
    const path = PATHS.jobUpdate(key.role, key.environment, key.name, id);
    return (await this.call('GET', path, CHECKS.update, { query, extraTimeMs: waitMs })).update;
  }

  /** Pauses, resumes, aborts, rolls back or pulses the job's active update; answers it after the change. */
  async updateAction(key: JobKey, action: UpdateUserAction, req: UpdateActionRequest = {}): Promise<JobUpdate> {
    const path = PATHS.jobUpdateAction(key.role, key.environment, key.name, action);
    return (await this.call('POST', path, CHECKS.update, { body: req })).update;
  }

  /** Restarts instances in batches, watched like an update (an update of kind 'restart'). */
  async restartJob(key: JobKey, req: StartRestartRequest): Promise<JobUpdate> {
    const path = PATHS.jobRestart(key.role, key.environment, key.name);
    return (await this.call('POST', path, CHECKS.update, { body: req })).update;
  }

  /** Update summaries matching `query`, newest first. */
  async listUpdates(query: UpdateQuery = {}): Promise<UpdateSummary[]> {
    const params: Query = {
      role: query.role,
      environment: query.environment,
      name: query.name,
      status: query.statuses && query.statuses.length > 0 ? query.statuses.join(',') : undefined,
      user: query.user,
      limit: query.limit === undefined ? undefined : String(query.limit),
    };
    return (await this.call('GET', PATHS.updates, CHECKS.listUpdates, { query: params })).updates;
  }

  /** Schedules a cron job, or replaces its schedule and spec; answers its view. */
  async scheduleCron(spec: JobSpec): Promise<CronJobView> {
    const body: ScheduleCronRequest = { spec };
    const { role, environment, name } = spec.key;
    return (await this.call('POST', PATHS.cronJob(role, environment, name), CHECKS.cron, { body })).cron;
  }

  /** Removes a cron job's schedule (its active tasks stay); answers what was descheduled. CRON_JOB_NOT_FOUND if none. */
  async descheduleCron(key: JobKey): Promise<CronJobView> {
    return (await this.call('DELETE', PATHS.cronJob(key.role, key.environment, key.name), CHECKS.cron)).cron;
  }

  /** Runs a cron job once now, as its collision policy says; answers its view with the run. */
  async startCron(key: JobKey): Promise<CronJobView> {
    return (await this.call('POST', PATHS.cronStart(key.role, key.environment, key.name), CHECKS.cron)).cron;
  }

  /** One cron job with its next and last runs. CRON_JOB_NOT_FOUND if it is not scheduled. */
  async getCron(key: JobKey): Promise<CronJobView> {
    return (await this.call('GET', PATHS.cronJob(key.role, key.environment, key.name), CHECKS.cron)).cron;
  }

  async listCronJobs(filter: { role?: string; environment?: string } = {}): Promise<CronJobView[]> {
    return (await this.call('GET', PATHS.cronJobs, CHECKS.listCron, { query: filter })).cronJobs;
  }

  /** Deletes ended tasks from the scheduler's history (operators only). */
  async pruneTasks(req: PruneTasksRequest = {}): Promise<PruneTasksResponse> {
    return this.call('POST', PATHS.tasksPrune, CHECKS.pruneTasks, { body: req });
  }

  /** Hosts' maintenance modes; without names, every host in maintenance. */
  async maintenanceStatus(hosts: readonly string[] | null): Promise<HostStatus[]> {
    return (await this.call('GET', PATHS.maintenance, CHECKS.maintenance, { query: { hosts: hosts ? hosts.join(',') : undefined } })).hosts;
  }

  /** Puts hosts in maintenance (`start`), drains them (`drain`), or ends it (`end`); operators only. */
  async changeMaintenance(action: 'start' | 'drain' | 'end', hosts: readonly string[]): Promise<HostStatus[]> {
    const path = { start: PATHS.maintenanceStart, drain: PATHS.maintenanceDrain, end: PATHS.maintenanceEnd }[action];
    const body: HostsRequest = { hosts: [...hosts] };
    return (await this.call('POST', path, CHECKS.maintenance, { body })).hosts;
  }

  /** Drains hosts while their jobs keep their SLA policies, forced after `forceDrainTimeoutMs`; operators only. */
  async slaDrainHosts(hosts: readonly string[], forceDrainTimeoutMs: number): Promise<HostStatus[]> {
    return (await this.call('POST', PATHS.maintenanceSlaDrain, CHECKS.maintenance, { body: { hosts: [...hosts], forceDrainTimeoutMs } })).hosts;
  }

  /** What each production job on the hosts would keep up if they went down (aurora-admin sla_probe_hosts). */
  async slaProbeHosts(req: SlaProbeHostsRequest): Promise<SlaProbeHostsResponse> {
    return this.call('POST', PATHS.slaProbeHosts, CHECKS.slaProbeHosts, { body: req });
  }

  /** The groups of hosts that can go down with every job keeping its SLA (aurora-admin sla_list_safe_domain). */
  async slaSafeDomain(req: SlaSafeDomainRequest): Promise<SlaSafeDomainResponse> {
    return this.call('POST', PATHS.slaSafeDomain, CHECKS.slaSafeDomain, { body: req });
  }

  /** Every agent reports every task it runs now; the scheduler reconciles (operators only). */
  async reconcileTasks(): Promise<ReconcileResponse> {
    return this.call('POST', PATHS.agentsReconcile, CHECKS.reconcile);
  }

  /** A backup of the whole state now (operators only). */
  async backupNow(): Promise<BackupNowResponse> {
    return this.call('POST', PATHS.backups, CHECKS.backups, { extraTimeMs: 10 * 60_000 });
  }

  async listBackups(): Promise<ListBackupsResponse> {
    return this.call('GET', PATHS.backups, CHECKS.listBackups);
  }

  async stageRecovery(backup: string): Promise<RecoveryStatus> {
    return this.call('POST', PATHS.recoveryStage, CHECKS.recovery, { body: { backup }, extraTimeMs: 10 * 60_000 });
  }

  async recoveryStatus(): Promise<RecoveryStatus> {
    return this.call('GET', PATHS.recovery, CHECKS.recovery);
  }

  async queryRecovery(query: { taskIds?: string; states?: string; role?: string; environment?: string; name?: string } = {}): Promise<RecoveryTasksResponse> {
    return this.call('GET', PATHS.recoveryTasks, CHECKS.recoveryTasks, { query });
  }

  async deleteRecoveryTasks(taskIds: readonly string[]): Promise<DeleteRecoveryTasksResponse> {
    return this.call('POST', PATHS.recoveryTasksDelete, CHECKS.deleteRecoveryTasks, { body: { taskIds: [...taskIds] } });
  }

  async commitRecovery(): Promise<RecoveryStatus> {
    return this.call('POST', PATHS.recoveryCommit, CHECKS.recovery, { extraTimeMs: 10 * 60_000 });
  }

  async unloadRecovery(): Promise<RecoveryStatus> {
    return this.call('POST', PATHS.recoveryUnload, CHECKS.recovery);
  }

  async snapshot(): Promise<SnapshotResponse> {
    return this.call('POST', PATHS.storageSnapshot, CHECKS.snapshot, { extraTimeMs: 10 * 60_000 });
  }

  /**
   * Runs a shell command in the sandbox of an instance's task, as the task's user, through its
   * agent (aurora task run); the call waits for the command (its timeout, default 60 s, and some).
   */
  async runTaskCommand(key: JobKey, instance: number, req: RunTaskCommandRequest): Promise<RunTaskCommandResponse> {
    const path = PATHS.taskRun(key.role, key.environment, key.name, instance);
    return this.call('POST', path, CHECKS.taskCommand, { body: req, extraTimeMs: (req.timeoutMs ?? DEFAULT_TASK_COMMAND_TIMEOUT_MS) + TASK_DELIVERY_MS });
  }

  /** One file of an instance's sandbox (aurora task scp from a task); ApiCallError INVALID_PATH, PATH_NOT_FOUND, FILE_TOO_LARGE. */
  async readTaskFile(key: JobKey, instance: number, path: string): Promise<ReadTaskFileResponse> {
    return this.call('POST', PATHS.taskFileRead(key.role, key.environment, key.name, instance), CHECKS.readTaskFile, { body: { path }, extraTimeMs: TASK_DELIVERY_MS });
  }

  /** Writes a file into an instance's sandbox (aurora task scp to a task). */
  async writeTaskFile(key: JobKey, instance: number, req: WriteTaskFileRequest): Promise<WriteTaskFileResponse> {
    return this.call('POST', PATHS.taskFileWrite(key.role, key.environment, key.name, instance), CHECKS.writeTaskFile, { body: req, extraTimeMs: TASK_DELIVERY_MS });
  }

  /** Where an instance's task runs: host, user, sandbox, ports (aurora task ssh). */
  async taskSandbox(key: JobKey, instance: number): Promise<TaskSandboxResponse> {
    return this.call('GET', PATHS.taskSandbox(key.role, key.environment, key.name, instance), CHECKS.taskSandbox);
  }

  async listAgents(): Promise<AgentInfo[]> {
    return (await this.call('GET', PATHS.agents, CHECKS.listAgents)).agents;
  }

  /** Whether `/health` answers: plain-text `OK`, or a HealthResponse JSON body. */
  async health(): Promise<HealthStatus> {
    const { status, text, contentType } = await this.send('GET', PATHS.health);
    if (status !== 200) throw await this.httpError('GET', PATHS.health, status, text);
    if (contentType.includes('json')) {
      const h = await verdictOf(CHECKS.health, safeJson(text));
      if (h.ok) return { ok: true, cluster: h.value.cluster, version: h.value.version };
    }
    if (text.trim() === 'OK' || text.trim() === '') return { ok: true };
    throw new ApiCallError('BAD_RESPONSE', `${PATHS.health} answered ${JSON.stringify(text.slice(0, 80))} instead of OK`, status);
  }

  private async call<T>(method: Method, path: string, check: Check<T>, opts: { body?: unknown; query?: Query; extraTimeMs?: number } = {}): Promise<T> {
    const { status, text } = await this.send(method, withQuery(path, opts.query), opts.body, opts.extraTimeMs);
    if (status < 200 || status >= 300) throw await this.httpError(method, path, status, text);
    const verdict = await verdictOf(check, safeJson(text));
    if (verdict.ok) return verdict.value;
    const why = verdict.issues.slice(0, 3).join('; ');
    throw new ApiCallError('BAD_RESPONSE', `the scheduler answered ${method} ${path} with a body this client does not understand (${why}); are client and scheduler the same version?`, status);
  }

  private async send(method: Method, path: string, body?: unknown, extraTimeMs = 0): Promise<{ status: number; text: string; contentType: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Every state change (POST, DELETE), with a body or not: the scheduler refuses them without it (CROSS_SITE_REQUEST).
    if (method !== 'GET') headers[CLIENT_HEADER] = this.options.clientName ?? 'aurora-ts';
    const creds = this.options.credentials;
    if (creds) headers['authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const url = new URL(`${this.baseUrl}${path}`);
    const agent = this.options.agent ?? (await this.trustingAgent(url));
    try {
      return await exchange({
        method,
        url,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        timeoutMs: (this.options.timeoutMs ?? 30_000) + extraTimeMs,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(agent ? { agent } : {}),
      });
    } catch (err) {
      if (this.options.signal?.aborted) throw new InterruptedError('interrupted', { cause: err });
      const why = describeNetworkFailure(err);
      if (why === undefined) throw err;
      if (isCertificateFailure(err)) {
        const trust = this.options.ca !== undefined
          ? 'the certificates of its ca_file do not vouch for it'
          : 'if a private CA signed it, or it is self-signed, name that certificate as ca_file of the cluster in clusters.json';
        throw new NetworkError(`Could not trust the scheduler of cluster ${this.cluster} at ${this.baseUrl}: ${why}; ${trust}`, { cause: err });
      }
      const hint = this.cluster === 'devcluster' ? ' (npm run devcluster starts a local one)' : '';
      throw new NetworkError(
        `Could not reach the scheduler of cluster ${this.cluster} at ${this.baseUrl}: ${why}. Is it running?${hint}`,
        { cause: err },
      );
    }
  }

  /** A keep-alive https agent that trusts `options.ca` alone, for an https URL; else undefined (the shared agents). */
  private trustingAgent(url: URL): Promise<http.Agent> | undefined {
    if (this.options.ca === undefined || url.protocol !== 'https:') return undefined;
    const ca = this.options.ca;
    return (this.caAgent ??= import('node:https').then(({ Agent }) => new Agent({ keepAlive: true, ca })));
  }

  private async httpError(method: Method, path: string, status: number, text: string): Promise<Error> {
    const json = safeJson(text);
    const verdict = json === undefined ? undefined : await verdictOf(CHECKS.error, json);
    if (verdict?.ok) {
      const { code, message, details } = verdict.value.error;
      const lines = (details ?? []).map((d) => `  ${d.path}: ${d.message}`);
      if (status === 401) return new AuthError(this.authMessage(`${message} (${code})`), { details: lines });
      if (status === 403) return new PermissionError(`${message} (${code})`, { details: lines });
      return new ApiCallError(code, `${message} (${code})`, status, { details: lines });
    }
    const snippet = text.trim().slice(0, 200);
    const message = `the scheduler answered ${method} ${path} with HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
    if (status === 401) return new AuthError(this.authMessage(message));
    if (status === 403) return new PermissionError(message);
    return new ApiCallError(`HTTP_${status}`, message, status);
  }

  private authMessage(schedulerWords: string): string {
    return this.options.authHint === undefined ? schedulerWords : `${this.options.authHint}. The scheduler said: ${schedulerWords}`;
  }
}

/** The query string of a task listing, as the tasks route reads it. Pure. */
export function taskParams(query: TaskQuery, page: { limit?: number; offset?: number } = {}): Query {
  const { role, environment, name, instance, states, taskIds, history } = query;
  return {
    role,
    environment,
    name,
    instance: instance === undefined ? undefined : String(instance),
    state: states && states.length > 0 ? states.join(',') : undefined,
    taskId: taskIds ? taskIds.join(',') : undefined,
    history: history ? 'true' : undefined,
    limit: page.limit === undefined ? undefined : String(page.limit),
    offset: page.offset ? String(page.offset) : undefined,
  };
}

function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
