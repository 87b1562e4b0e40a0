/**
 * A stand-in for the scheduler, for the client's CLI tests only: a tiny fastify server on a
 * free loopback port that implements the few `/api/v1` routes the client calls, per the
 * scheduler/api schemas. It exists because the real scheduler is written in parallel; tests
 * that run the client against the real scheduler live under test/.
 *
 * Tasks move along a scripted life cycle: each GET of a job (or of tasks) moves every current
 * task one step along `lifecycle`, so tests are deterministic without clocks.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../../scheduler/api/agent-protocol.js';
import { ApiError, type ApiErrorCode } from '../../scheduler/api/errors.js';
import { CreateJobRequestSchema, KillJobRequestSchema, type JobSummary } from '../../scheduler/api/jobs-api.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { TERMINAL_STATES, type ScheduledTask, type TaskState } from '../../scheduler/api/task.js';

export interface FakeSchedulerOptions {
  readonly cluster?: string;
  /** States a new task goes through, one step per poll. @default ['PENDING', 'RUNNING'] */
  readonly lifecycle?: readonly TaskState[];
  /** Message of the last event, by state (`FAILED` → `Process hello exited with status 1`). */
  readonly messages?: Partial<Record<TaskState, string>>;
  readonly agents?: readonly AgentInfo[];
  /** Answer every /api/v1 call with this status and an error body. */
  readonly failWith?: { status: 401 | 403 | 500; code: ApiErrorCode; message: string };
}

export interface FakeScheduler {
  readonly url: string;
  readonly jobs: Map<string, { spec: JobSpec; summary: JobSummary; tasks: ScheduledTask[] }>;
  /** Bodies and paths of the requests received, in order. */
  readonly requests: { method: string; url: string; body: unknown; authorization?: string }[];
  close(): Promise<void>;
}

const T0 = Date.UTC(2024, 0, 1);

export async function startFakeScheduler(options: FakeSchedulerOptions = {}): Promise<FakeScheduler> {
  const cluster = options.cluster ?? 'devcluster';
  const lifecycle = options.lifecycle ?? ['PENDING', 'RUNNING'];
  const jobs: FakeScheduler['jobs'] = new Map();
  const requests: FakeScheduler['requests'] = [];
  let tick = 0;
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

  const event = (state: TaskState) => ({ state, at: T0 + ++tick * 1000, message: options.messages?.[state] ?? null });
  const counts = (tasks: ScheduledTask[]) => {
    const c: Partial<Record<TaskState, number>> = {};
    for (const t of tasks) c[t.state] = (c[t.state] ?? 0) + 1;
    return c;
  };
  const advance = (t: ScheduledTask): ScheduledTask => {
    const i = lifecycle.indexOf(t.state);
    let next: TaskState | undefined = t.state === 'KILLING' ? 'KILLED' : i >= 0 ? lifecycle[i + 1] : undefined;
    if (!next || TERMINAL_STATES.has(t.state)) return t;
    const placed = next !== 'PENDING';
    return {
      ...t,
      state: next,
      ...(placed ? { agentId: 'agent-1', host: 'host1', observerUrl: 'http://host1:1338', ports: { http: 31000 } } : {}),
      pendingReason: next === 'PENDING' ? 'Insufficient resources: ram' : null,
      events: [...t.events, event(next)],
    };
  };
  const lookup = (role: string, environment: string, name: string) => {
    const job = jobs.get(formatJobKey({ cluster, role, environment, name }));
    return job ?? fail('JOB_NOT_FOUND', `No job ${cluster}/${role}/${environment}/${name}`);
  };
  const refresh = (job: { summary: JobSummary; tasks: ScheduledTask[] }) => {
    job.tasks = job.tasks.map(advance);
    job.summary = { ...job.summary, taskCounts: counts(job.tasks) };
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
    const tasks: ScheduledTask[] = Array.from({ length: spec.instances }, (_, instance) => ({
      taskId: `${key.role}-${key.environment}-${key.name}-${instance}-a1b2`,
      jobKey: key,
      instance,
      state: lifecycle[0] ?? 'PENDING',
      specHash: specHash(spec),
      agentId: null,
      host: null,
      observerUrl: null,
      ports: {},
      health: 'UNKNOWN',
      failureCount: 0,
      pendingReason: (lifecycle[0] ?? 'PENDING') === 'PENDING' ? 'Insufficient resources: ram' : null,
      events: [event(lifecycle[0] ?? 'PENDING')],
    }));
    const summary: JobSummary = {
      key,
      instances: spec.instances,
      service: spec.service,
      cronSchedule: spec.cronSchedule,
      specHash: specHash(spec),
      createdAt: T0,
      version: 1,
      taskCounts: counts(tasks),
    };
    jobs.set(id, { spec, summary, tasks });
    return reply.status(201).send({ job: summary, taskIds: tasks.map((t) => t.taskId) });
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
    const job = lookup(p.role, p.environment, p.name);
    refresh(job);
    return { job: { summary: job.summary, spec: job.spec, tasks: job.tasks } };
  });

  app.post('/api/v1/jobs/:role/:environment/:name/kill', async (req) => {
    const p = req.params as { role: string; environment: string; name: string };
    const job = lookup(p.role, p.environment, p.name);
    const body = KillJobRequestSchema.parse(req.body ?? {});
    const killed: string[] = [];
    job.tasks = job.tasks.map((t) => {
      if (TERMINAL_STATES.has(t.state) || (body.instances && !body.instances.includes(t.instance))) return t;
      killed.push(t.taskId);
      return { ...t, state: 'KILLING' as const, events: [...t.events, { ...event('KILLING'), message: body.message ?? null }] };
    });
    const jobRemoved = !body.instances || job.tasks.every((t) => t.state === 'KILLING' || TERMINAL_STATES.has(t.state));
    if (jobRemoved) jobs.delete(formatJobKey(job.summary.key));
    killedTasks.push(...job.tasks.filter((t) => killed.includes(t.taskId)));
    return { killed, jobRemoved };
  });
  const killedTasks: ScheduledTask[] = [];

  app.get(PATHS.tasks, async (req) => {
    const q = req.query as { role?: string; environment?: string; name?: string; taskId?: string };
    const ids = q.taskId ? new Set(q.taskId.split(',')) : null;
    for (const job of jobs.values()) refresh(job);
    for (let i = 0; i < killedTasks.length; i++) killedTasks[i] = advance(killedTasks[i] as ScheduledTask);
    const byId = new Map<string, ScheduledTask>();
    for (const t of [...killedTasks, ...[...jobs.values()].flatMap((j) => j.tasks)]) byId.set(t.taskId, t);
    const tasks = [...byId.values()].filter(
      (t) => (!q.role || t.jobKey.role === q.role) && (!q.environment || t.jobKey.environment === q.environment) && (!q.name || t.jobKey.name === q.name) && (!ids || ids.has(t.taskId)),
    );
    return { tasks, total: tasks.length };
  });

  app.get(PATHS.agents, async () => ({ agents: options.agents ?? [] }));

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, jobs, requests, close: () => app.close() };
}
