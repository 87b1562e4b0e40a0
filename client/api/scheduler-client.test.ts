import { afterEach, describe, expect, it } from 'vitest';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { UpdateSettings } from '../../scheduler/api/updates-api.js';
import { CLIENT_HEADER } from '../../scheduler/api/agent-protocol.js';
import { ApiCallError, AuthError, NetworkError } from '../errors.js';
import { startFaultyScheduler, type Fault } from '../testing/faulty-scheduler.js';
import { testClock } from '../testing/test-clock.js';
import { sampleCron, sampleSummary, sampleUpdate } from '../testing/update-samples.js';
import { startTestScheduler, TLS_FIXTURES, type TestScheduler, type TestSchedulerOptions } from '../testing/test-scheduler.js';
import { describeNetworkFailure, isCertificateFailure } from './network-errors.js';
import { SchedulerClient } from './scheduler-client.js';

// Against the real scheduler (client/testing/test-scheduler.ts); answers the real one never
// gives come from client/testing/faulty-scheduler.ts.

describe('SchedulerClient', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function real(options: TestSchedulerOptions = {}): Promise<TestScheduler> {
    const s = await startTestScheduler(options);
    closers.push(() => s.close());
    return s;
  }
  /** A client of a scheduler that answers every request with `fault`. */
  async function faulty(fault: Fault, options: { authHint?: string } = {}): Promise<SchedulerClient> {
    const s = await startFaultyScheduler(fault);
    closers.push(() => s.close());
    return new SchedulerClient({ cluster: 'x', baseUrl: s.url, ...options });
  }
  const answering = (body: unknown) => faulty({ kind: 'answer', status: 200, body });
  const client = (s: TestScheduler, options: { ca?: string } = {}) => new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url, ...options });
  const spec = (instances: number, name = 'hello'): JobSpec => ({ ...sampleJobSpec(), instances, key: { ...sampleJobSpec().key, name } });

  it('sends HTTP basic credentials when it has them', async () => {
    const s = await real();
    const c = new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url, credentials: { username: 'alice', password: 's3cret' } });
    await c.listJobs({ role: 'www-data' });
    expect(s.requests[0]).toMatchObject({ url: '/api/v1/jobs?role=www-data' });
    expect(s.requests[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(await c.health()).toEqual({ ok: true });
  });

  it('sends the client header with every POST, those without a body of their own too', async () => {
    const s = await real();
    const c = client(s);
    const created = await c.createJob(spec(1));
    await c.killJob(created.job.key);
    await c.pruneTasks();
    await c.setQuota('www-data', { cpu: 1, ramMb: 1024, diskMb: 1024, gpu: 0 });
    await c.increaseQuota('www-data', { cpu: 1, ramMb: 0, diskMb: 0, gpu: 0 });
    const posts = s.requests.filter((q) => q.method === 'POST');
    expect(posts.map((q) => q.url)).toEqual(['/api/v1/jobs', '/api/v1/jobs/www-data/prod/hello/kill', '/api/v1/tasks/prune', '/api/v1/quotas/www-data', '/api/v1/quotas/www-data/increase']);
    expect(posts.every((q) => q.headers[CLIENT_HEADER] === 'aurora-ts')).toBe(true);
  });

  it("reads a role's quota and use, and sets and grows it", async () => {
    const s = await real();
    const c = client(s);
    expect(await c.getQuota('www-data')).toEqual({
      role: 'www-data',
      quota: { cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 },
      prodUse: { cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 },
      nonProdUse: { cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 },
    });
    expect((await c.setQuota('www-data', { cpu: 2, ramMb: 2048, diskMb: 4096, gpu: 0 })).quota).toEqual({ cpu: 2, ramMb: 2048, diskMb: 4096, gpu: 0 });
    expect((await c.increaseQuota('www-data', { cpu: 0.5, ramMb: 1, diskMb: 0, gpu: 1 })).quota).toEqual({ cpu: 2.5, ramMb: 2049, diskMb: 4096, gpu: 1 });
    expect((await c.getQuota('www-data')).quota).toEqual({ cpu: 2.5, ramMb: 2049, diskMb: 4096, gpu: 1 });
  });

  it('refuses an answer that does not match the API schema', async () => {
    await expect((await answering({ jobs: [{ key: 'nope' }] })).listJobs()).rejects.toMatchObject({ name: 'ApiCallError', code: 'BAD_RESPONSE' });
    await expect((await answering({ role: 'r', quota: { cpu: -1 } })).getQuota('r')).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    const err = await (await faulty({ kind: 'answer', status: 502, body: 'Bad Gateway' })).listAgents().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).message).toBe('the scheduler answered GET /api/v1/agents with HTTP 502: Bad Gateway');
  });

  it('asks a job read to wait for a change, for at most the longest wait the scheduler holds', async () => {
    const s = await real();
    s.compressWaits(testClock());
    const c = client(s);
    const created = await c.createJob(spec(1));
    const key = created.job.key;
    await c.getJob(key);
    await c.getJob(key, { history: true, since: created.job.version, waitMs: 120_000 });
    await c.getJob(key, { since: 3 }); // without waitMs nothing waits
    expect(s.requests.filter((q) => q.method === 'GET').map((q) => q.url)).toEqual([
      '/api/v1/jobs/www-data/prod/hello',
      `/api/v1/jobs/www-data/prod/hello?history=true&since=${created.job.version}&waitMs=30000`,
      '/api/v1/jobs/www-data/prod/hello',
    ]);
  });

  it('lists every task page by page, and any number of ids in groups the scheduler accepts', async () => {
    const s = await real({ maxInstancesPerJob: 12_000 });
    const c = client(s);
    await c.createJob(spec(12_000, 'big'));
    const small = await c.createJob(spec(5));
    const all = await c.allTasks({ role: 'www-data' });
    expect(all).toHaveLength(12_005);
    expect(new Set(all.map((t) => t.taskId)).size).toBe(12_005);
    const pages = s.requests.filter((q) => q.url.startsWith('/api/v1/tasks?')).map((q) => new URL(q.url, s.url).searchParams.get('offset'));
    expect(pages).toEqual([null, '10000']);
    expect(await c.listTasks({ role: 'www-data', name: 'hello' }, { limit: 2, offset: 4 })).toMatchObject({ total: 5, tasks: [{ instance: 4 }] });
    // 2,500 ids (most unknown): three queries of at most 1,000 ids, which the scheduler accepts.
    const ids = [...Array.from({ length: 2495 }, (_, i) => `gone-${i}`), ...small.taskIds];
    s.requests.length = 0;
    expect((await c.allTasks({ taskIds: ids, history: true })).map((t) => t.taskId).sort()).toEqual([...small.taskIds].sort());
    const queries = s.requests.map((q) => new URL(q.url, s.url).searchParams);
    expect(queries.map((q) => q.get('taskId')?.split(',').length)).toEqual([1000, 1000, 500]);
    expect(await c.allTasks({ taskIds: [] })).toEqual([]);
  });

  it('prunes with the request it is given', async () => {
    const s = await real();
    expect(await client(s).pruneTasks({ states: ['FAILED'], limit: 5 })).toEqual({ pruned: 0, taskIds: [] });
    expect(s.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/tasks/prune', body: { states: ['FAILED'], limit: 5 } });
  });

  it('checks the spec of a job read in full unless it is the one expected', async () => {
    const s = await real();
    const ok = client(s);
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

  it("maps 401 to AuthError saying where credentials come from, then the scheduler's words", async () => {
    const unauthenticated: Fault = { kind: 'answer', status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'who are you?' } } };
    const c = await faulty(unauthenticated, { authHint: 'The scheduler of cluster x did not accept the credentials of alice from /home/alice/.netrc (machine x)' });
    const err = await c.listAgents().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toBe(
      'The scheduler of cluster x did not accept the credentials of alice from /home/alice/.netrc (machine x). The scheduler said: who are you? (UNAUTHENTICATED)',
    );
    await expect((await faulty(unauthenticated)).listAgents()).rejects.toThrow(/^who are you\? \(UNAUTHENTICATED\)$/);
  });

  describe('over https', () => {
    it('trusts a scheduler whose certificate the ca file vouches for', async () => {
      const s = await real({ https: TLS_FIXTURES });
      expect(s.url).toMatch(/^https:/);
      const c = client(s, { ca: TLS_FIXTURES.ca });
      expect(await c.health()).toEqual({ ok: true });
      expect(await c.createJob(spec(1))).toMatchObject({ taskIds: [expect.any(String)] });
    });

    it("refuses a scheduler it cannot trust with a NetworkError that points at ca_file (exit 7)", async () => {
      const s = await real({ https: TLS_FIXTURES });
      const err = await client(s).listJobs().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetworkError);
      expect((err as NetworkError).message).toBe(
        `Could not trust the scheduler of cluster devcluster at ${s.url}: the issuer of its certificate is not trusted; ` +
          'if a private CA signed it, or it is self-signed, name that certificate as ca_file of the cluster in clusters.json',
      );
      // A ca file of another CA (here: the scheduler's own certificate, which is no CA).
      const other = await client(s, { ca: TLS_FIXTURES.cert }).listJobs().catch((e: unknown) => e);
      expect((other as NetworkError).message).toMatch(/: .*; the certificates of its ca_file do not vouch for it$/);
    });

    it('says so when an https URL reaches a plain-http scheduler', async () => {
      const s = await real();
      const err = await new SchedulerClient({ cluster: 'devcluster', baseUrl: s.url.replace('http:', 'https:') }).listJobs().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetworkError);
      expect((err as NetworkError).message).toContain('the TLS handshake failed (is the scheduler serving https?)');
    });
  });

  describe('updates and cron jobs: the wire', () => {
    // A scheduler that answers each call with a canned body: what goes out, and what comes back.
    it('sends each update call to its path with its body, the client header with every change', async () => {
      const update = sampleUpdate();
      const f = await startFaultyScheduler({ kind: 'answer', status: 200, body: { update } });
      closers.push(() => f.close());
      const c = new SchedulerClient({ cluster: 'devcluster', baseUrl: f.url });
      const key = update.job;
      expect(await c.startUpdate(key, { spec: spec(3), message: 'more' })).toEqual(update);
      expect(await c.getUpdate(key, 'active')).toEqual(update);
      await c.getUpdate(key, update.id, { since: update.lastModifiedAt, waitMs: 120_000 });
      await c.updateAction(key, 'pause', { message: 'lunch' });
      await c.updateAction(key, 'pulse');
      await c.restartJob(key, { instances: [0, 2], settings: update.settings });
      expect(f.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
        'POST /api/v1/jobs/www-data/prod/hello/updates',
        'GET /api/v1/jobs/www-data/prod/hello/updates/active',
        `GET /api/v1/jobs/www-data/prod/hello/updates/${update.id}?since=${update.lastModifiedAt}&waitMs=30000`,
        'POST /api/v1/jobs/www-data/prod/hello/update/pause',
        'POST /api/v1/jobs/www-data/prod/hello/update/pulse',
        'POST /api/v1/jobs/www-data/prod/hello/restart',
      ]);
      expect(JSON.parse(f.requests[0]!.body)).toEqual({ spec: spec(3), message: 'more' });
      expect(JSON.parse(f.requests[3]!.body)).toEqual({ message: 'lunch' });
      expect(JSON.parse(f.requests[4]!.body)).toEqual({});
      expect(JSON.parse(f.requests[5]!.body)).toEqual({ instances: [0, 2], settings: update.settings });
      expect(f.requests.filter((q) => q.method === 'POST').every((q) => q.headers[CLIENT_HEADER] === 'aurora-ts')).toBe(true);
    });

    it('lists updates with the filters as the updates route reads them', async () => {
      const f = await startFaultyScheduler({ kind: 'answer', status: 200, body: { updates: [sampleSummary()] } });
      closers.push(() => f.close());
      const c = new SchedulerClient({ cluster: 'devcluster', baseUrl: f.url });
      expect(await c.listUpdates({ role: 'www-data', statuses: ['ROLLED_BACK', 'FAILED'], user: 'alice', limit: 5 })).toEqual([sampleSummary()]);
      await c.listUpdates({ statuses: [] });
      expect(f.requests.map((q) => q.url)).toEqual(['/api/v1/updates?role=www-data&status=ROLLED_BACK%2CFAILED&user=alice&limit=5', '/api/v1/updates']);
    });

    it('sends each cron call to its path, DELETE with the client header too', async () => {
      const cron = sampleCron();
      const f = await startFaultyScheduler({ kind: 'answer', status: 200, body: { cron } });
      closers.push(() => f.close());
      const c = new SchedulerClient({ cluster: 'devcluster', baseUrl: f.url });
      const cronSpec: JobSpec = { ...spec(1), cronSchedule: '0 * * * *' };
      expect(await c.scheduleCron(cronSpec)).toEqual(cron);
      expect(await c.getCron(cron.key)).toEqual(cron);
      expect(await c.startCron(cron.key)).toEqual(cron);
      expect(await c.descheduleCron(cron.key)).toEqual(cron);
      expect(f.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
        'POST /api/v1/cron/www-data/prod/hello',
        'GET /api/v1/cron/www-data/prod/hello',
        'POST /api/v1/cron/www-data/prod/hello/start',
        'DELETE /api/v1/cron/www-data/prod/hello',
      ]);
      expect(JSON.parse(f.requests[0]!.body)).toEqual({ spec: cronSpec });
      expect(f.requests.filter((q) => q.method !== 'GET').every((q) => q.headers[CLIENT_HEADER] === 'aurora-ts')).toBe(true);
      const listing = await answering({ cronJobs: [cron] });
      expect(await listing.listCronJobs({ role: 'www-data' })).toEqual([cron]);
    });

    it('refuses update and cron answers that do not match the API schema', async () => {
      const key = sampleUpdate().job;
      await expect((await answering({ update: { ...sampleUpdate(), status: 'DREAMING' } })).getUpdate(key, 'active')).rejects.toMatchObject({
        code: 'BAD_RESPONSE',
        message: expect.stringContaining('update.status'),
      });
      await expect((await answering({ cron: { ...sampleCron(), nextRuns: 'soon' } })).getCron(key)).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
      await expect((await answering({ updates: [{ id: 1 }] })).listUpdates()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
    });
  });

  describe('updates and cron jobs against the scheduler', () => {
    const settings: UpdateSettings = {
      strategy: { kind: 'batch', batchSize: 1, autopauseAfterBatch: false },
      watchSecs: 0,
      maxPerInstanceFailures: 0,
      maxTotalFailures: 0,
      rollbackOnFailure: false,
      pulseIntervalSecs: null,
      slaAware: false,
    };

    it('starts an update, refuses a second, pauses, resumes and aborts it, and lists it', async () => {
      const s = await real();
      const c = client(s);
      const { job } = await c.createJob(spec(2));
      const started = await c.startUpdate(job.key, { spec: spec(3), message: 'three' });
      expect(started).toMatchObject({ kind: 'update', job: job.key, message: 'three', fromInstanceCount: 2, toInstanceCount: 3 });
      expect((await c.getUpdate(job.key, 'active')).id).toBe(started.id);
      expect((await c.getUpdate(job.key, started.id)).id).toBe(started.id);
      await expect(c.startUpdate(job.key, { spec: spec(4) })).rejects.toMatchObject({ code: 'UPDATE_IN_PROGRESS', status: 409 });
      expect((await c.updateAction(job.key, 'pause', { message: 'lunch' })).status).toBe('ROLL_FORWARD_PAUSED');
      await expect(c.updateAction(job.key, 'pause')).rejects.toMatchObject({ code: 'INVALID_UPDATE_ACTION', status: 409 });
      expect((await c.updateAction(job.key, 'resume')).status).toBe('ROLLING_FORWARD');
      const aborted = await c.updateAction(job.key, 'abort');
      expect(aborted.status).toBe('ABORTED');
      expect(aborted.events.map((e) => e.message)).toContain('lunch');
      await expect(c.getUpdate(job.key, 'active')).rejects.toMatchObject({ code: 'NO_ACTIVE_UPDATE', status: 404 });
      await expect(c.updateAction(job.key, 'resume')).rejects.toMatchObject({ code: 'NO_ACTIVE_UPDATE' });
      await expect(c.getUpdate(job.key, 'no-such-update')).rejects.toMatchObject({ code: 'UPDATE_NOT_FOUND' });
      expect((await c.listUpdates({ role: 'www-data' })).map((u) => [u.id, u.status])).toEqual([[started.id, 'ABORTED']]);
      expect(await c.listUpdates({ role: 'www-data', statuses: ['ROLLING_FORWARD'] })).toEqual([]);
      // As in Aurora, an update of a job that does not exist adds its instances.
      const fresh = await c.startUpdate({ ...job.key, name: 'fresh' }, { spec: spec(1, 'fresh') });
      expect([fresh.status, fresh.fromInstanceCount, fresh.toInstanceCount]).toEqual(['ROLLING_FORWARD', 0, 1]);
    });

    it('holds a read of an update until it changes, for at most the longest wait', async () => {
      const s = await real();
      s.compressWaits(testClock());
      const c = client(s);
      const { job } = await c.createJob(spec(1));
      const started = await c.startUpdate(job.key, { spec: spec(2) });
      const read = await c.getUpdate(job.key, started.id, { since: started.lastModifiedAt, waitMs: 120_000 });
      expect(read.id).toBe(started.id);
      const reads = s.requests.filter((q) => q.method === 'GET').map((q) => q.url);
      expect(reads).toEqual([`/api/v1/jobs/www-data/prod/hello/updates/${started.id}?since=${started.lastModifiedAt}&waitMs=30000`]);
    });

    // Waits on the scheduler: a held read (`?since=lastModifiedAt`) sees a change only if
    // lastModifiedAt moved, so two changes in one millisecond must not share it (as job versions
    // do not); here the scheduler's clock stands still, as it may between two changes.
    it("moves an update's lastModifiedAt with every change, so a held read sees each one", async () => {
      const s = await real();
      await s.agent();
      const c = client(s);
      const fast = (instances: number, cmdline: string): JobSpec => {
        const base = spec(instances);
        return { ...base, updateConfig: { ...base.updateConfig, watchSecs: 0 }, task: { ...base.task, processes: base.task.processes.map((p) => ({ ...p, cmdline })) } };
      };
      const { job } = await c.createJob(fast(1, 'echo one'));
      await s.waitForJob('www-data/prod/hello', (j) => j?.tasks.some((t) => t.state === 'RUNNING') ?? false);
      const started = await c.startUpdate(job.key, { spec: fast(1, 'echo two') });
      let u = started;
      while (u.status === 'ROLLING_FORWARD') {
        const next = await c.getUpdate(job.key, started.id, { since: u.lastModifiedAt, waitMs: 5000 });
        const changed = JSON.stringify({ ...next, lastModifiedAt: 0 }) !== JSON.stringify({ ...u, lastModifiedAt: 0 });
        expect(changed && next.lastModifiedAt === u.lastModifiedAt, `the update changed (now ${next.status}) but kept lastModifiedAt ${u.lastModifiedAt}`).toBe(false);
        u = next;
      }
      expect(u.status).toBe('ROLLED_FORWARD');
    });

    it('restarts some instances as an update of kind restart', async () => {
      const s = await real();
      const c = client(s);
      const { job } = await c.createJob(spec(3));
      const restart = await c.restartJob(job.key, { instances: [0, 2], settings, message: 'new certs' });
      expect(restart).toMatchObject({ kind: 'restart', settings, message: 'new certs' });
      expect(restart.instances.map((i) => i.instance)).toEqual([0, 2]);
    });

    it('schedules, shows, lists, starts and deschedules a cron job', async () => {
      const s = await real();
      const c = client(s);
      const cronSpec: JobSpec = { ...spec(1), cronSchedule: '0 * * * *' };
      const scheduled = await c.scheduleCron(cronSpec);
      expect(scheduled).toMatchObject({ key: cronSpec.key, schedule: '0 * * * *', collisionPolicy: 'KILL_EXISTING', instances: 1 });
      expect(scheduled.nextRuns.length).toBeGreaterThan(0);
      expect(await c.getCron(cronSpec.key)).toMatchObject({ schedule: '0 * * * *' });
      expect((await c.listCronJobs({ role: 'www-data' })).map((j) => j.key.name)).toEqual(['hello']);
      const started = await c.startCron(cronSpec.key);
      expect(started.lastRuns[0]).toMatchObject({ scheduledFor: null, outcome: 'STARTED' });
      expect(await c.descheduleCron(cronSpec.key)).toMatchObject({ schedule: '0 * * * *' });
      await expect(c.getCron(cronSpec.key)).rejects.toMatchObject({ code: 'CRON_JOB_NOT_FOUND', status: 404 });
      await expect(c.descheduleCron(cronSpec.key)).rejects.toMatchObject({ code: 'CRON_JOB_NOT_FOUND' });
      await expect(c.scheduleCron(spec(1, 'plain'))).rejects.toMatchObject({ code: 'NOT_A_CRON_JOB', status: 400 });
      const deletes = s.requests.filter((q) => q.method === 'DELETE');
      expect(deletes.every((q) => q.headers[CLIENT_HEADER] === 'aurora-ts')).toBe(true);
    });
  });

  it('finds the network cause inside AggregateError and cause chains', () => {
    const refused = Object.assign(new Error('x'), { code: 'ECONNREFUSED' });
    expect(describeNetworkFailure(new AggregateError([refused]))).toBe('connection refused');
    expect(describeNetworkFailure(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } }))).toBe('host name not found');
    expect(describeNetworkFailure(new Error('other'))).toBeUndefined();
    const selfSigned = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(describeNetworkFailure(selfSigned)).toBe('its certificate is self-signed');
    expect(isCertificateFailure(new Error('wrapped', { cause: selfSigned }))).toBe(true);
    expect(isCertificateFailure(refused)).toBe(false);
  });
});
