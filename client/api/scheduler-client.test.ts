import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
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

  async function fake(): Promise<FakeScheduler> {
    const s = await startFakeScheduler();
    closers.push(() => s.close());
    return s;
  }

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
