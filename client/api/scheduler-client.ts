import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { JobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { ListAgentsResponseSchema, type AgentInfo } from '../../scheduler/api/agent-protocol.js';
import { ApiErrorBodySchema } from '../../scheduler/api/errors.js';
import {
  CreateJobResponseSchema,
  GetJobResponseSchema,
  HealthResponseSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
  ListTasksResponseSchema,
  type CreateJobRequest,
  type CreateJobResponse,
  type JobDetail,
  type JobSummary,
  type KillJobRequest,
  type KillJobResponse,
} from '../../scheduler/api/jobs-api.js';
import { PATHS } from '../../scheduler/api/routes.js';
import type { ScheduledTask, TaskState } from '../../scheduler/api/task.js';
import type { Cluster } from '../clusters.js';
import { ApiCallError, AuthError, InterruptedError, NetworkError, PermissionError } from '../errors.js';
import { describeNetworkFailure } from './network-errors.js';

/** HTTP basic credentials; a later issue reads them from ~/.netrc for BASIC clusters. */
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
   * Time allowed for a call before it counts as a network error.
   * @default 30000
   */
  readonly timeoutMs?: number;
  /** Aborting it ends calls in flight with InterruptedError. */
  readonly signal?: AbortSignal;
  /** An undici dispatcher (agent, proxy). @default undici's global one */
  readonly dispatcher?: Dispatcher;
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
  readonly state?: TaskState;
  /** Only these tasks (at most MAX_TASK_IDS_PER_QUERY). */
  readonly taskIds?: readonly string[];
  /** Include ended tasks that are no longer current, and those of removed jobs. */
  readonly history?: boolean;
}

type Method = 'GET' | 'POST';

/**
 * A typed client of the scheduler's HTTP API (`/api/v1`). Every answer is validated against the
 * scheduler/api schemas. Errors: ApiCallError (the scheduler's code and message), AuthError (401),
 * PermissionError (403), NetworkError (unreachable), InterruptedError (aborted).
 */
export class SchedulerClient {
  readonly cluster: string;
  readonly baseUrl: string;
  private readonly options: SchedulerClientOptions;

  constructor(options: SchedulerClientOptions) {
    this.options = options;
    this.cluster = options.cluster;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  static forCluster(cluster: Cluster, options: Omit<SchedulerClientOptions, 'cluster' | 'baseUrl'> = {}): SchedulerClient {
    return new SchedulerClient({ ...options, cluster: cluster.name, baseUrl: cluster.schedulerUri });
  }

  /** The scheduler's web page of a job. */
  jobPageUrl(key: JobKey): string {
    return `${this.baseUrl}${PATHS.ui}/${encodeURIComponent(key.role)}/${encodeURIComponent(key.environment)}/${encodeURIComponent(key.name)}`;
  }

  async createJob(spec: JobSpec): Promise<CreateJobResponse> {
    const body: CreateJobRequest = { spec };
    return this.call('POST', PATHS.jobs, CreateJobResponseSchema, { body });
  }

  async listJobs(filter: { role?: string; environment?: string } = {}): Promise<JobSummary[]> {
    return (await this.call('GET', PATHS.jobs, ListJobsResponseSchema, { query: filter })).jobs;
  }

  async getJob(key: JobKey): Promise<JobDetail> {
    return (await this.call('GET', PATHS.job(key.role, key.environment, key.name), GetJobResponseSchema)).job;
  }

  async killJob(key: JobKey, req: KillJobRequest = {}): Promise<KillJobResponse> {
    return this.call('POST', PATHS.jobKill(key.role, key.environment, key.name), KillJobResponseSchema, { body: req });
  }

  async listTasks(query: TaskQuery = {}): Promise<ScheduledTask[]> {
    const { taskIds, history, ...rest } = query;
    const params = { ...rest, ...(taskIds ? { taskId: taskIds.join(',') } : {}), ...(history ? { history: 'true' } : {}) };
    return (await this.call('GET', PATHS.tasks, ListTasksResponseSchema, { query: params })).tasks;
  }

  async listAgents(): Promise<AgentInfo[]> {
    return (await this.call('GET', PATHS.agents, ListAgentsResponseSchema)).agents;
  }

  /** Whether `/health` answers: plain-text `OK`, or a HealthResponse JSON body. */
  async health(): Promise<HealthStatus> {
    const { status, text, contentType } = await this.send('GET', PATHS.health);
    if (status !== 200) throw this.httpError('GET', PATHS.health, status, text);
    if (contentType.includes('json')) {
      const parsed = HealthResponseSchema.safeParse(safeJson(text));
      if (parsed.success) return { ok: true, cluster: parsed.data.cluster, version: parsed.data.version };
    }
    if (text.trim() === 'OK' || text.trim() === '') return { ok: true };
    throw new ApiCallError('BAD_RESPONSE', `${PATHS.health} answered ${JSON.stringify(text.slice(0, 80))} instead of OK`, status);
  }

  private async call<S extends z.ZodType>(
    method: Method,
    path: string,
    schema: S,
    opts: { body?: unknown; query?: Readonly<Record<string, string | undefined>> } = {},
  ): Promise<z.infer<S>> {
    const { status, text } = await this.send(method, withQuery(path, opts.query), opts.body);
    if (status < 200 || status >= 300) throw this.httpError(method, path, status, text);
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      const why = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new ApiCallError('BAD_RESPONSE', `the scheduler answered ${method} ${path} with a body this client does not understand (${why}); are client and scheduler the same version?`, status);
    }
    return parsed.data;
  }

  private async send(method: Method, path: string, body?: unknown): Promise<{ status: number; text: string; contentType: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const creds = this.options.credentials;
    if (creds) headers['authorization'] = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const timeout = this.options.timeoutMs ?? 30_000;
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      const text = await res.body.text();
      const ct = res.headers['content-type'];
      return { status: res.statusCode, text, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '' };
    } catch (err) {
      if (this.options.signal?.aborted) throw new InterruptedError('interrupted', { cause: err });
      const why = describeNetworkFailure(err);
      if (why === undefined) throw err;
      const hint = this.cluster === 'devcluster' ? ' (npm run devcluster starts a local one)' : '';
      throw new NetworkError(
        `Could not reach the scheduler of cluster ${this.cluster} at ${this.baseUrl}: ${why}. Is it running?${hint}`,
        { cause: err },
      );
    }
  }

  private httpError(method: Method, path: string, status: number, text: string): Error {
    const body = ApiErrorBodySchema.safeParse(safeJson(text));
    if (body.success) {
      const { code, message, details } = body.data.error;
      const lines = (details ?? []).map((d) => `  ${d.path}: ${d.message}`);
      if (status === 401) return new AuthError(`${message} (${code})`, { details: lines });
      if (status === 403) return new PermissionError(`${message} (${code})`, { details: lines });
      return new ApiCallError(code, `${message} (${code})`, status, { details: lines });
    }
    const snippet = text.trim().slice(0, 200);
    const message = `the scheduler answered ${method} ${path} with HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
    if (status === 401) return new AuthError(message);
    if (status === 403) return new PermissionError(message);
    return new ApiCallError(`HTTP_${status}`, message, status);
  }
}

function withQuery(path: string, query: Readonly<Record<string, string | undefined>> | undefined): string {
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

