/**
 * A stand-in for the scheduler, for the client's CLI tests only: a tiny fastify server on a
 * free loopback port that implements the `/api/v1` routes the client calls, per the
 * scheduler/api schemas. It exists because the real scheduler is written in parallel; tests
 * that run the client against the real scheduler live under test/.
 *
 * Tasks move along a scripted life cycle: each read of a job (or listing of tasks) moves every
 * current task one step along `lifecycle`, so tests are deterministic without clocks. A read
 * with `since=V&waitMs=N` that finds nothing changed is "held" by moving the test's clock N ms
 * forward (no real waiting) and answered unchanged. A job killed whole stays until its last task
 * ended, as the scheduler's does; its tasks then remain as history.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../../scheduler/api/agent-protocol.js';
import { ApiError, type ApiErrorCode } from '../../scheduler/api/errors.js';
import {
  CreateJobRequestSchema,
  DEFAULT_TASK_PAGE,
  GetJobQuerySchema,
  KillJobRequestSchema,
  ListTasksQuerySchema,
  MAX_JOB_WAIT_MS,
  PruneTasksRequestSchema,
  type JobSummary,
} from '../../scheduler/api/jobs-api.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { TERMINAL_STATES, type ScheduledTask, type TaskState } from '../../scheduler/api/task.js';

/** The tests' clock, which a held read moves forward. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2024, 0, 1, 0, 1)): TestClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface FakeSchedulerOptions {
  readonly cluster?: string;
  /** States a new task goes through, one step per read. @default ['PENDING', 'RUNNING'] */
  readonly lifecycle?: readonly TaskState[];
  /** Message of the last event, by state (`FAILED` → `Process hello exited with status 1`). */
  readonly messages?: Partial<Record<TaskState, string>>;
  readonly agents?: readonly AgentInfo[];
  /** Answer every /api/v1 call with this status and an error body. */
  readonly failWith?: { status: 401 | 403 | 500 | 503; code: ApiErrorCode; message: string };
  /** Moved forward by the time a read is held. */
  readonly clock?: TestClock;
  /** The most tasks one page holds, whatever `limit` asks (a scheduler may answer short pages). */
  readonly maxPage?: number;
  /** Whether a KILLING task becomes KILLED on the next read; false: its agent never answers. @default true */
  readonly killsEnd?: boolean;
}

export interface FakeJob {
  spec: JobSpec;
  summary: JobSummary;
  /** Every task of the job, older runs of an instance before newer ones. */
  tasks: ScheduledTask[];
  removing: boolean;
}

export interface FakeScheduler {
  readonly url: string;
  readonly jobs: Map<string, FakeJob>;
  /** Tasks of removed jobs. */
  readonly history: ScheduledTask[];
  /** Bodies and paths of the requests received, in order. */
  readonly requests: { method: string; url: string; body: unknown; authorization?: string }[];
  /** Reads answered after a hold (since= with nothing changed). */
  readonly held: () => number;
  close(): Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1);

/** The current task of each instance: its newest. */
export function currentOf(tasks: readonly ScheduledTask[]): ScheduledTask[] {
  const byInstance = new Map<number, ScheduledTask>();
  for (const t of tasks) byInstance.set(t.instance, t);
  return [...byInstance.values()].sort((a, b) => a.instance - b.instance);
}

/** Sorted as the API sorts listings: by job, instance, newest first. */
function listingOrder(tasks: readonly ScheduledTask[]): ScheduledTask[] {
  const first = (t: ScheduledTask) => t.events[0]?.at ?? 0;
  return [...tasks].sort(
    (a, b) => formatJobKey(a.jobKey).localeCompare(formatJobKey(b.jobKey)) || a.instance - b.instance || first(b) - first(a),
  );
}

export async function startFakeScheduler(options: FakeSchedulerOptions = {}): Promise<FakeScheduler> {
  const cluster = options.cluster ?? 'devcluster';
  const lifecycle = options.lifecycle ?? ['PENDING', 'RUNNING'];
  const jobs: FakeScheduler['jobs'] = new Map();
  const history: ScheduledTask[] = [];
  const requests: FakeScheduler['requests'] = [];
  let tick = 0;
  let versions = 0;
  let held = 0;
  const app: FastifyInstance = Fastify({ logger: false });

  const fail = (code: ApiErrorCode, message: string, details?: { path: string; message: string }[]): never => {
    throw new ApiError(code, message, details);
  };
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send(err.toBody());
    return reply.status(500).send({ error: { code: 'INTERNAL', message: String(err) } });
  });
  app.addHook('onRequest', async (req) => {
    requests.push({ method: req.method, url: req.url, body: undefined, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (options.failWith && req.url.startsWith('/api/')) fail(options.failWith.code, options.failWith.message);
  });
  app.addHook('preHandler', async (req) => {
    const last = requests[requests.length - 1];
    if (last) last.body = req.body;
  });
  const query = <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown): T => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : fail('INVALID_REQUEST', parsed.error.message);
  };

  const event = (state: TaskState, message?: string | null) => ({ state, at: T0 + ++tick * 1000, message: message ?? options.messages?.[state] ?? null });
  const counts = (tasks: ScheduledTask[]) => {
    const c: Partial<Record<TaskState, number>> = {};
    for (const t of tasks) c[t.state] = (c[t.state] ?? 0) + 1;
    return c;
  };
  const step = (t: ScheduledTask): ScheduledTask => {
    const i = lifecycle.indexOf(t.state);
    const killing = t.state === 'KILLING';
    const next: TaskState | undefined = killing ? (options.killsEnd === false ? undefined : 'KILLED') : i >= 0 ? lifecycle[i + 1] : undefined;
    if (!next || TERMINAL_STATES.has(t.state)) return t;
    const placed = next !== 'PENDING' && next !== 'KILLED';
    return {
      ...t,
      state: next,
      ...(placed ? { agentId: 'agent-1', host: 'host1', observerUrl: 'http://host1:1338', ports: { http: 31000 } } : {}),
      pendingReason: next === 'PENDING' ? 'Insufficient resources: ram' : null,
      events: [...t.events, event(next)],
    };
  };
  const touch = (job: FakeJob) => {
    job.summary = { ...job.summary, version: ++versions, taskCounts: counts(currentOf(job.tasks)) };
  };
  /** A job removed once its last task ended, when it was killed whole. */
  const removeIfDone = (job: FakeJob): boolean => {
    if (!job.removing || currentOf(job.tasks).some((t) => !TERMINAL_STATES.has(t.state))) return false;
    jobs.delete(formatJobKey(job.summary.key));
    history.push(...job.tasks);
    return true;
  };
  /** Moves each current task one step; a job killed whole goes once its tasks ended. */
  const advance = (job: FakeJob) => {
    const current = new Set(currentOf(job.tasks));
    let changed = false;
    job.tasks = job.tasks.map((t) => {
      if (!current.has(t)) return t;
      const next = step(t);
      changed ||= next !== t;
      return next;
    });
    if (changed) touch(job);
    removeIfDone(job);
  };
  const lookup = (role: string, environment: string, name: string) => {
    const job = jobs.get(formatJobKey({ cluster, role, environment, name }));
    return job ?? fail('JOB_NOT_FOUND', `No job ${cluster}/${role}/${environment}/${name}`);
  };

  app.get(PATHS.health, async (_req, reply) => reply.type('text/plain').send('OK'));

  app.post(PATHS.jobs, async (req, reply) => {
    const parsed = CreateJobRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      fail('INVALID_JOB_SPEC', 'The job spec is not valid', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    }
    const spec = parsed.data!.spec;
    if (spec.key.cluster !== cluster) fail('WRONG_CLUSTER', `This scheduler serves cluster ${cluster}, not ${spec.key.cluster}`);
    const id = formatJobKey(spec.key);
    if (jobs.has(id)) fail('JOB_EXISTS', `Job ${id} already exists; use aurora update start to change it`);
    const key: JobKey = spec.key;
    const first = lifecycle[0] ?? 'PENDING';
    const tasks: ScheduledTask[] = Array.from({ length: spec.instances }, (_, instance) => ({
      taskId: `${key.role}-${key.environment}-${key.name}-${instance}-a1b2`,
      jobKey: key,
      instance,
      state: first,
      specHash: specHash(spec),
      agentId: null,
      host: null,
      observerUrl: null,
      ports: {},
      health: 'UNKNOWN',
      failureCount: 0,
      pendingReason: first === 'PENDING' ? 'Insufficient resources: ram' : null,
      events: [event(first)],
    }));
    const summary: JobSummary = {
      key,
      instances: spec.instances,
      service: spec.service,
      cronSchedule: spec.cronSchedule,
      specHash: specHash(spec),
      createdAt: T0,
      version: 0,
      taskCounts: {},
    };
    const job: FakeJob = { spec, summary, tasks, removing: false };
    touch(job);
    jobs.set(id, job);
    return reply.status(201).send({ job: job.summary, taskIds: tasks.map((t) => t.taskId) });
  });

  app.get(PATHS.jobs, async (req) => {
    const q = req.query as { role?: string; environment?: string };
    const list = [...jobs.values()]
      .map((j) => j.summary)
      .filter((s) => (!q.role || s.key.role === q.role) && (!q.environment || s.key.environment === q.environment));
    return { jobs: list };
  });

  app.get('/api/v1/jobs/:role/:environment/:name', async (req) => {
    const p = req.params as { role: string; environment: string; name: string };
    const q = query(GetJobQuerySchema, req.query);
    const job = lookup(p.role, p.environment, p.name);
    advance(job);
    lookup(p.role, p.environment, p.name); // gone once its last task ended
    if (q.since !== undefined && (q.waitMs ?? 0) > 0 && job.summary.version === q.since) {
      held++;
      options.clock?.advance(Math.min(q.waitMs ?? 0, MAX_JOB_WAIT_MS));
    }
    const tasks = q.history ? listingOrder(job.tasks) : currentOf(job.tasks);
    return { job: { summary: job.summary, spec: job.spec, tasks } };
  });

  app.post('/api/v1/jobs/:role/:environment/:name/kill', async (req) => {
    const p = req.params as { role: string; environment: string; name: string };
    const job = lookup(p.role, p.environment, p.name);
    const body = KillJobRequestSchema.parse(req.body ?? {});
    const current = new Set(currentOf(job.tasks));
    const killed: string[] = [];
    job.tasks = job.tasks.map((t) => {
      if (!current.has(t) || TERMINAL_STATES.has(t.state) || (body.instances && !body.instances.includes(t.instance))) return t;
      killed.push(t.taskId);
      const to = t.state === 'PENDING' || t.state === 'THROTTLED' ? 'KILLED' : 'KILLING';
      return { ...t, state: to, events: [...t.events, event(to, body.message ?? 'Killed by anonymous')] };
    });
    job.removing = !body.instances || Array.from({ length: job.spec.instances }, (_, i) => i).every((i) => body.instances?.includes(i));
    touch(job);
    return { killed, jobRemoved: removeIfDone(job) };
  });

  app.get(PATHS.tasks, async (req) => {
    const q = query(ListTasksQuerySchema, req.query);
    for (const job of [...jobs.values()]) advance(job);
    const ids = q.taskId ? new Set(q.taskId) : undefined;
    const states = q.state ? new Set(q.state) : undefined;
    const live = [...jobs.values()].flatMap((j) => (q.history ? j.tasks : currentOf(j.tasks)));
    const all = listingOrder([...live, ...(q.history ? history : [])]).filter(
      (t) =>
        (!q.role || t.jobKey.role === q.role) &&
        (!q.environment || t.jobKey.environment === q.environment) &&
        (!q.name || t.jobKey.name === q.name) &&
        (q.instance === undefined || t.instance === q.instance) &&
        (!states || states.has(t.state)) &&
        (!ids || ids.has(t.taskId)),
    );
    const offset = q.offset ?? 0;
    const limit = Math.min(q.limit ?? DEFAULT_TASK_PAGE, options.maxPage ?? Number.POSITIVE_INFINITY);
    return { tasks: all.slice(offset, offset + limit), total: all.length };
  });

  app.post(PATHS.tasksPrune, async (req) => {
    const body = query(PruneTasksRequestSchema, req.body ?? {});
    const states = body.states ?? [...TERMINAL_STATES];
    const active = states.filter((s) => !TERMINAL_STATES.has(s));
    if (active.length > 0) {
      fail('INVALID_REQUEST', `Tasks in non-terminal state cannot be pruned: ${active.join(', ')}; prune one of ${[...TERMINAL_STATES].join(', ')}`);
    }
    const matches = (t: ScheduledTask) =>
      states.includes(t.state) &&
      (!body.role || t.jobKey.role === body.role) &&
      (!body.environment || t.jobKey.environment === body.environment) &&
      (!body.name || t.jobKey.name === body.name);
    // Ended tasks that are no longer current, and those of removed jobs: the history.
    const earlier = [...jobs.values()].flatMap((j) => {
      const current = new Set(currentOf(j.tasks));
      return j.tasks.filter((t) => !current.has(t));
    });
    const candidates = [...history, ...earlier]
      .filter(matches)
      .sort((a, b) => (a.events[0]?.at ?? 0) - (b.events[0]?.at ?? 0))
      .slice(0, body.limit ?? Number.POSITIVE_INFINITY);
    const pruned = new Set(candidates.map((t) => t.taskId));
    history.splice(0, history.length, ...history.filter((t) => !pruned.has(t.taskId)));
    for (const job of jobs.values()) job.tasks = job.tasks.filter((t) => !pruned.has(t.taskId));
    return { pruned: pruned.size, taskIds: [...pruned] };
  });

  app.get(PATHS.agents, async () => ({ agents: options.agents ?? [] }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, jobs, history, requests, held: () => held, close: () => app.close() };
}
