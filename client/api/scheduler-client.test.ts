import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { ApiCallError, AuthError } from '../errors.js';
import { startFakeScheduler, type FakeScheduler } from '../testing/fake-scheduler.js';
import { describeNetworkFailure } from './network-errors.js';
import { SchedulerClient } from './scheduler-client.js';

// Against the client's stand-in scheduler (client/testing/fake-scheduler.ts), because the real
// scheduler is written in parallel.

describe('SchedulerClient', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function fake(options: Parameters<typeof startFakeScheduler>[0] = {}): Promise<FakeScheduler> {
    const s = await startFakeScheduler(options);
    closers.push(() => s.close());
    return s;
  }

  /** A server answering every GET with `body`, to see what the client makes of an answer. */
  async function answering(body: unknown): Promise<SchedulerClient> {
    const app = Fastify();
    app.get('/*', async () => body);
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const address = app.server.address();
    return new SchedulerClient({ cluster: 'x', baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
  }

  const spec = (instances: number): JobSpec => ({ ...sampleJobSpec(), instances });

  it('sends HTTP basic credentials when it has them', async () => {
    const s = await fake();
    const client = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url, credentials: { username: 'alice', password: 's3cret' } });
    await client.listJobs({ role: 'www-data' });
    expect(s.requests[0]).toMatchObject({
      url: '/api/v1/jobs?role=www-data',
      authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    });
    expect(await client.health()).toEqual({ ok: true });
  });

  it('refuses an answer that does not match the API schema', async () => {
    const app = Fastify();
    app.get('/api/v1/jobs', async () => ({ jobs: [{ key: 'nope' }] }));
    app.get('/api/v1/agents', async (_req, reply) => reply.status(502).send('Bad Gateway'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const client = new SchedulerClient({ cluster: 'x', baseUrl: url });
    await expect(client.listJobs()).rejects.toMatchObject({ name: 'ApiCallError', code: 'BAD_RESPONSE' });
    const err = await client.listAgents().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).message).toBe('the scheduler answered GET /api/v1/agents with HTTP 502: Bad Gateway');
  });

  it('asks a job read to wait for a change, for at most the longest wait the scheduler holds', async () => {
    const s = await fake();
    const client = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url });
    const created = await client.createJob(spec(1));
    const key = created.job.key;
    await client.getJob(key);
    await client.getJob(key, { history: true, since: created.job.version, waitMs: 120_000 });
    await client.getJob(key, { since: 3 }); // without waitMs nothing waits
    expect(s.requests.filter((q) => q.method === 'GET').map((q) => q.url)).toEqual([
      '/api/v1/jobs/www-data/prod/hello',
      `/api/v1/jobs/www-data/prod/hello?history=true&since=${created.job.version}&waitMs=30000`,
      '/api/v1/jobs/www-data/prod/hello',
    ]);
  });

  it('lists every task page by page, and any number of ids in groups the scheduler accepts', async () => {
    const s = await fake({ maxPage: 2 });
    const client = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url });
    const created = await client.createJob(spec(5));
    const all = await client.allTasks({ role: 'www-data' });
    expect(all.map((t) => t.instance)).toEqual([0, 1, 2, 3, 4]);
    const page = await client.listTasks({ role: 'www-data' }, { limit: 2, offset: 4 });
    expect(page).toMatchObject({ total: 5, tasks: [{ instance: 4 }] });
    // 2,500 ids (most unknown): three queries of at most 1,000 ids, which the scheduler accepts.
    const ids = [...Array.from({ length: 2495 }, (_, i) => `gone-${i}`), ...created.taskIds];
    s.requests.length = 0;
    expect((await client.allTasks({ taskIds: ids, history: true })).map((t) => t.taskId).sort()).toEqual([...created.taskIds].sort());
    const queries = s.requests.map((q) => new URL(q.url, s.url).searchParams);
    const firstPages = queries.filter((q) => q.get('offset') === null).map((q) => q.get('taskId')?.split(',').length ?? 0);
    expect(firstPages.every((n) => n <= 1000)).toBe(true);
    expect(firstPages.reduce((a, n) => a + n, 0)).toBe(2500);
    expect(queries.length).toBe(5); // the last group's five tasks in pages of two
    expect(await client.allTasks({ taskIds: [] })).toEqual([]);
  });

  it('prunes with the request it is given', async () => {
    const s = await fake();
    const client = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url });
    expect(await client.pruneTasks({ states: ['FAILED'], limit: 5 })).toEqual({ pruned: 0, taskIds: [] });
    expect(s.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/tasks/prune', body: { states: ['FAILED'], limit: 5 } });
  });

  it('checks the spec of a job read in full unless it is the one expected', async () => {
    const s = await fake();
    const ok = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url });
    const created = await ok.createJob(spec(1));
    const job = (await ok.getJob(created.job.key)).spec;
    expect(await ok.getJob(created.job.key, { expectSpec: job })).toMatchObject({ spec: job });
    const read = await ok.getJob(created.job.key);
    const bad = await answering({ job: { ...read, spec: { ...read.spec, instances: 0 } } });
    await expect(bad.getJob(created.job.key)).rejects.toMatchObject({ code: 'BAD_RESPONSE', message: expect.stringContaining('job.spec.instances') });
    // The same answer, expected to carry another spec: still checked, and still refused.
    await expect(bad.getJob(created.job.key, { expectSpec: job })).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    const badTask = await answering({ job: { ...read, tasks: [{ ...read.tasks[0], state: 'DREAMING' }] } });
    await expect(badTask.getJob(created.job.key, { expectSpec: job })).rejects.toMatchObject({ code: 'BAD_RESPONSE', message: expect.stringContaining('tasks.0.state') });
  });

  it('maps an error body with 401 to AuthError', async () => {
    const s = await startFakeScheduler({ failWith: { status: 401, code: 'UNAUTHENTICATED', message: 'who are you?' } });
    closers.push(() => s.close());
    await expect(new SchedulerClient({ cluster: 'c', baseUrl: s.url }).listAgents()).rejects.toBeInstanceOf(AuthError);
  });

  it('finds the network cause inside AggregateError and cause chains', () => {
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' });
    expect(describeNetworkFailure(new AggregateError([refused]))).toBe('connection refused');
    expect(describeNetworkFailure(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }))).toBe('host name not found');
    expect(describeNetworkFailure(new Error('other'))).toBeUndefined();
  });
});
