import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiErrorBodySchema } from '../api/errors.js';
import {
  CreateJobResponseSchema,
  GetJobResponseSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
  ListTasksResponseSchema,
} from '../api/jobs-api.js';
import { PATHS } from '../api/routes.js';
import type { Authorizer, Principal } from '../core/authorize.js';
import { jobSpec, report, startHarness, type Harness } from '../testing/scheduler-harness.js';

/** The header the CLI sends with every state-changing call (a body-less POST needs it). */
const CLIENT = { 'x-aurora-client': 'test' };

const hello = PATHS.job('www-data', 'prod', 'hello');

function errorOf(body: unknown) {
  return ApiErrorBodySchema.parse(body).error;
}

describe('jobs API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it("answers health checks with plain OK, and Aurora's /leaderhealth too (one scheduler leads)", async () => {
    for (const url of [PATHS.health, PATHS.leaderHealth]) {
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toBe('OK');
    }
  });

  it('creates one PENDING task per instance and says why they wait', async () => {
    const res = await h.createJob(jobSpec({ instances: 2 }));
    expect(res.status).toBe(201);
    const body = CreateJobResponseSchema.parse(res.body);
    expect(body.taskIds).toEqual(['www-data-prod-hello-0-00000001', 'www-data-prod-hello-1-00000002']);
    expect(body.job.taskCounts).toEqual({ PENDING: 2 });
    const tasks = await h.tasks();
    expect(tasks.map((t) => [t.instance, t.state, t.pendingReason])).toEqual([
      [0, 'PENDING', 'No agents registered'],
      [1, 'PENDING', 'No agents registered'],
    ]);
  });

  it('places the tasks at once when an agent has room', async () => {
    await h.register('host1');
    await h.createJob(jobSpec({ ports: ['http'] }));
    const [task] = await h.tasks();
    expect(task).toMatchObject({ state: 'ASSIGNED', host: 'host1', ports: { http: 31000 }, pendingReason: null });
  });

  it('rejects an invalid spec with the path of each problem', async () => {
    const spec = jobSpec();
    const res = await h.createJob({ ...spec, task: { ...spec.task, resources: { ...spec.task.resources, cpu: 0 } } });
    expect(res.status).toBe(400);
    const error = errorOf(res.body);
    expect(error.code).toBe('INVALID_JOB_SPEC');
    expect(error.details).toContainEqual({ path: 'task.resources.cpu', message: 'cpu must be more than 0' });
  });

  it('rejects a spec for another cluster, naming both', async () => {
    const spec = jobSpec();
    const res = await h.createJob({ ...spec, key: { ...spec.key, cluster: 'x' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({
      code: 'WRONG_CLUSTER',
      message: expect.stringContaining("this scheduler serves cluster 'devcluster', the spec is for 'x'"),
    });
  });

  it('refuses to create a job that exists, saying what to do instead', async () => {
    await h.createJob(jobSpec());
    const res = await h.createJob(jobSpec());
    expect(res.status).toBe(409);
    expect(errorOf(res.body)).toMatchObject({
      code: 'JOB_EXISTS',
      message: expect.stringContaining('use aurora update start to change it, or kill it first'),
    });
  });

  it('sends cron jobs to the cron command', async () => {
    const res = await h.createJob(jobSpec({ cronSchedule: '0 * * * *' }));
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({
      code: 'CRON_JOB_NEEDS_CRON_COMMAND',
      message: expect.stringContaining('Cron jobs may only be scheduled with "aurora cron schedule" command'),
    });
  });

  it('answers malformed JSON and bodies that miss fields with INVALID_REQUEST', async () => {
    const bad = await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: { 'content-type': 'application/json' }, payload: '{nope' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.json()).code).toBe('INVALID_REQUEST');
    const missing = await h.app.inject({ method: 'POST', url: PATHS.agentRegister, payload: { host: 'h' } });
    expect(missing.statusCode).toBe(400);
    expect(errorOf(missing.json())).toMatchObject({
      code: 'INVALID_REQUEST',
      details: expect.arrayContaining([expect.objectContaining({ path: 'observerUrl' })]),
    });
  });

  it('answers unknown routes with a JSON NOT_FOUND', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res.json()).code).toBe('NOT_FOUND');
  });

  it('lists jobs with counts of their current tasks, filtered by role', async () => {
    await h.createJob(jobSpec({ instances: 3 }));
    await h.createJob(jobSpec({ name: 'other' }));
    const all = ListJobsResponseSchema.parse((await h.app.inject({ method: 'GET', url: PATHS.jobs })).json());
    expect(all.jobs.map((j) => [j.key.name, j.taskCounts])).toEqual([
      ['hello', { PENDING: 3 }],
      ['other', { PENDING: 1 }],
    ]);
    const none = ListJobsResponseSchema.parse((await h.app.inject({ method: 'GET', url: `${PATHS.jobs}?role=nobody` })).json());
    expect(none.jobs).toEqual([]);
  });

  it('shows one job with its spec and tasks, and explains a missing one', async () => {
    await h.createJob(jobSpec());
    const res = await h.app.inject({ method: 'GET', url: hello });
    const { job } = GetJobResponseSchema.parse(res.json());
    expect(job.spec.key.name).toBe('hello');
    expect(job.tasks[0]?.events.map((e) => [e.state, e.message])).toEqual([['PENDING', 'Created by anonymous']]);

    const missing = await h.app.inject({ method: 'GET', url: PATHS.job('www-data', 'prod', 'nope') });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing.json())).toMatchObject({
      code: 'JOB_NOT_FOUND',
      message: expect.stringContaining('aurora job list devcluster/www-data'),
    });
  });

  it('kills PENDING tasks directly and removes the job, keeping its tasks as history', async () => {
    await h.createJob(jobSpec({ instances: 2 }));
    const res = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), payload: {} });
    expect(KillJobResponseSchema.parse(res.json())).toEqual({
      killed: ['www-data-prod-hello-0-00000001', 'www-data-prod-hello-1-00000002'],
      jobRemoved: true,
    });
    expect((await h.app.inject({ method: 'GET', url: hello })).statusCode).toBe(404);
    expect((await h.tasks('?name=hello')).map((t) => t.state)).toEqual(['KILLED', 'KILLED']);
  });

  it('kills running tasks through their agent and removes the job once they have ended', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const [launched] = (await h.sync(agentId)).launch;
    const taskId = launched!.taskId;
    await h.sync(agentId, [report(taskId, 'RUNNING')]);

    const killed = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: CLIENT });
    expect(killed.json()).toEqual({ killed: [taskId], jobRemoved: false });
    expect((await h.sync(agentId, [report(taskId, 'RUNNING')])).kill).toEqual([taskId]);

    await h.sync(agentId, [report(taskId, 'KILLED', 'Killed by request')]);
    expect((await h.app.inject({ method: 'GET', url: hello })).statusCode).toBe(404);
    const tasks = await h.tasks('?name=hello');
    expect(tasks.map((t) => t.state)).toEqual(['KILLED']);
  });

  it('kills a subset of instances for good, even in a service', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true, instances: 2 }));
    const ids = (await h.sync(agentId)).launch.map((l) => l.taskId);
    await h.sync(agentId, ids.map((id) => report(id, 'RUNNING')));

    const res = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), payload: { instances: [1] } });
    expect(res.json()).toEqual({ killed: [ids[1]], jobRemoved: false });
    await h.sync(agentId, [report(ids[0]!, 'RUNNING'), report(ids[1]!, 'KILLED')]);

    const { job } = GetJobResponseSchema.parse((await h.app.inject({ method: 'GET', url: hello })).json());
    expect(job.summary.taskCounts).toEqual({ RUNNING: 1, KILLED: 1 });
    expect(job.tasks).toHaveLength(2);
  });

  it('refuses to kill instances the job does not have', async () => {
    await h.createJob(jobSpec());
    const res = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), payload: { instances: [4] } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.json()).message).toContain('has no instance 4; its instances are 0-0');
  });

  it('lets a finished batch job be created again', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec());
    const taskId = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(taskId, 'FINISHED')]);
    expect((await h.createJob(jobSpec())).status).toBe(201);
  });

  it('lists current tasks by default, history when asked, a page at a time with the total', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ instances: 3, service: true }));
    await h.createJob(jobSpec({ name: 'other' }));
    const first = (await h.sync(agentId)).launch.find((l) => l.instance === 0 && l.jobKey.name === 'hello')!.taskId;
    await h.sync(agentId, [report(first, 'FAILED', 'boom')]);
    const list = async (query: string) => ListTasksResponseSchema.parse((await h.app.inject({ url: `${PATHS.tasks}?${query}` })).json());
    const current = await list('role=www-data&environment=prod&name=hello');
    expect(current.total).toBe(3);
    expect(current.tasks.map((t) => t.instance)).toEqual([0, 1, 2]);
    expect(current.tasks.some((t) => t.taskId === first)).toBe(false);
    expect((await list('name=hello&history=true')).tasks.map((t) => t.taskId)).toContain(first);
    const page = await list('limit=2&offset=1');
    expect([page.total, page.tasks.length]).toEqual([4, 2]);
    expect((await list(`taskId=${first}&history=true`)).tasks.map((t) => t.state)).toEqual(['FAILED']);
    const tooMany = await h.app.inject({ url: `${PATHS.tasks}?limit=100000` });
    expect(tooMany.statusCode).toBe(400);
    // A job read holds current tasks only, unless history is asked for.
    const job = GetJobResponseSchema.parse((await h.app.inject({ url: hello })).json()).job;
    expect(job.tasks).toHaveLength(3);
    const withHistory = GetJobResponseSchema.parse((await h.app.inject({ url: `${hello}?history=true` })).json()).job;
    expect(withHistory.tasks).toHaveLength(4);
  });

  it('answers a read with since= once the job changes, or when the wait is over', async () => {
    const created = CreateJobResponseSchema.parse((await h.createJob(jobSpec())).body);
    const version = created.job.version;
    const { agentId } = await h.register('host1');
    // Registering placed the task: the job has moved on, so the answer comes at once.
    const now = GetJobResponseSchema.parse((await h.app.inject({ url: `${hello}?since=${version}&waitMs=60000` })).json()).job;
    expect(now.summary.version).not.toBe(version);
    expect(now.tasks[0]?.state).toBe('ASSIGNED');
    // Nothing changes: held, then answered by a change.
    const waiting = h.app.inject({ url: `${hello}?since=${now.summary.version}&waitMs=60000` });
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    await h.sync(agentId, [report(now.tasks[0]!.taskId, 'RUNNING')]);
    const changed = GetJobResponseSchema.parse((await waiting).json()).job;
    expect(changed.tasks[0]?.state).toBe('RUNNING');
    // A missing job is answered at once.
    const missing = await h.app.inject({ url: `${PATHS.job('www-data', 'prod', 'nope')}?since=1&waitMs=60000` });
    expect(missing.statusCode).toBe(404);
  });

  it('filters tasks by state, and names a state it does not know', async () => {
    await h.createJob(jobSpec());
    const res = await h.app.inject({ method: 'GET', url: `${PATHS.tasks}?state=PENDING,RUNNING` });
    expect(ListTasksResponseSchema.parse(res.json()).tasks).toHaveLength(1);
    const bad = await h.app.inject({ method: 'GET', url: `${PATHS.tasks}?state=SLEEPING` });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.json())).toMatchObject({ code: 'INVALID_REQUEST', details: [expect.objectContaining({ path: 'state[0]' })] });
  });
});

describe('authorization', () => {
  it('asks the authorizer before every handler, with the basic-auth principal', async () => {
    const asked: [string, string][] = [];
    const authorizer: Authorizer = {
      authorize: (principal: Principal, permission: string) => {
        asked.push([principal.name, permission]);
        return permission.startsWith('thrift.AuroraSchedulerManager:killTasks:') ? { allowed: false, reason: 'not in role www-data' } : { allowed: true };
      },
    };
    const h = await startHarness({ authorizer });
    try {
      const auth = { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` };
      await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: auth, payload: { spec: jobSpec() } });
      const denied = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: { ...auth, ...CLIENT } });
      expect(denied.statusCode).toBe(403);
      expect(errorOf(denied.json())).toEqual({
        code: 'PERMISSION_DENIED',
        message: 'alice may not thrift.AuroraSchedulerManager:killTasks:www-data:prod:hello: not in role www-data',
      });
      await h.app.inject({ method: 'GET', url: PATHS.agents });
      expect(asked).toEqual([
        ['alice', 'thrift.AuroraSchedulerManager:createJob:www-data:prod:hello'],
        ['alice', 'thrift.AuroraSchedulerManager:killTasks:www-data:prod:hello'],
        ['anonymous', 'thrift.AuroraAdmin:maintenanceStatus'],
      ]);
      expect((await h.tasks())[0]?.events[0]?.message).toBe('Created by alice');
    } finally {
      await h.close();
    }
  });

  it('rejects a malformed Authorization header', async () => {
    const h = await startHarness();
    try {
      const res = await h.app.inject({ method: 'GET', url: PATHS.jobs, headers: { authorization: 'Bearer xyz' } });
      expect(res.statusCode).toBe(401);
      expect(errorOf(res.json()).code).toBe('UNAUTHENTICATED');
    } finally {
      await h.close();
    }
  });
});

describe('environments', () => {
  const qaSpec = () => {
    const spec = jobSpec();
    return { ...spec, key: { ...spec.key, environment: 'qa' } };
  };

  it("refuses an environment outside Aurora's rule, naming the rule", async () => {
    const h = await startHarness();
    try {
      const res = await h.createJob(qaSpec());
      expect(res.status).toBe(400);
      expect(errorOf(res.body)).toMatchObject({ code: 'INVALID_JOB_SPEC', details: [{ path: 'key.environment' }] });
      expect(errorOf(res.body).message).toMatch(/environment must be 'prod', 'devel', 'test' or 'staging<N>'; 'qa' is not/);
    } finally {
      await h.close();
    }
  });

  it('admits one the cluster allows, and its agents accept the task', async () => {
    const h = await startHarness({ allowedEnvironments: ['qa'] });
    try {
      expect((await h.createJob(qaSpec())).status).toBe(201);
      const { agentId } = await h.register('host1');
      const work = await h.sync(agentId);
      expect(work.launch.map((l) => l.jobKey.environment)).toEqual(['qa']);
    } finally {
      await h.close();
    }
  });
});

describe('figures', () => {
  it('serves /vars.json with what the scheduler holds, without a scan', async () => {
    const h = await startHarness();
    try {
      await h.createJob(jobSpec({ instances: 3 }));
      const vars = (await h.app.inject({ url: PATHS.vars })).json();
      expect(vars).toMatchObject({ jobs: 1, tasks_stored: 3, tasks_pending: 3, agents: 0 });
      expect(vars.storage_commits).toBeGreaterThan(0);
      expect(vars.heap_used_mb).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});
