import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../core/password-hash.js';
import { ApiErrorBodySchema } from '../api/errors.js';
import { GetQuotaResponseSchema } from '../api/quota-api.js';
import { PATHS } from '../api/routes.js';
import { jobSpec, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';

/**
 * A cluster shared by teams, through the scheduler's routes: security.ini users and roles with
 * Aurora's permission names, HTTP basic auth, browsers kept from changing anything, quotas and
 * tiers, figures.
 */

const dir = mkdtempSync(join(tmpdir(), 'aurora-security-'));
const ini = join(dir, 'security.ini');
beforeAll(async () => {
  // alice is an admin, bob may only set quotas, carol may do nothing; dave's password is hashed.
  writeFileSync(
    ini,
    `[users]
alice = secret-a, admin
bob = secret-b, accounting
carol = secret-c
dave = ${await hashPassword('secret-d')}, webapp

[roles]
admin = *
accounting = thrift.AuroraAdmin:setQuota
webapp = thrift.AuroraSchedulerManager:*:www-data
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: Harness[] = [];
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({ securityIniPath: ini, ...options });
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

const as = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const errorOf = (body: unknown) => ApiErrorBodySchema.parse(body).error;

describe('authentication and permissions', () => {
  it("lets alice create and kill jobs, bob set quotas only, carol nothing (Aurora's names)", async () => {
    const h = await harness();
    const create = (headers: Record<string, string>, name = 'hello') =>
      h.app.inject({ method: 'POST', url: PATHS.jobs, headers, payload: { spec: jobSpec({ name }) } });
    expect((await create(as('alice', 'secret-a'))).statusCode).toBe(201);
    const bobCreates = await create(as('bob', 'secret-b'), 'other');
    expect(bobCreates.statusCode).toBe(403);
    expect(errorOf(bobCreates.json())).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('bob may not thrift.AuroraSchedulerManager:createJob:www-data:prod:other'),
    });
    const setQuota = (headers: Record<string, string>) =>
      h.app.inject({ method: 'POST', url: PATHS.quota('www-data'), headers, payload: { quota: { cpu: 4, ramMb: 4096, diskMb: 4096, gpu: 0 } } });
    expect((await setQuota(as('bob', 'secret-b'))).statusCode).toBe(200);
    expect((await setQuota(as('carol', 'secret-c'))).statusCode).toBe(403);
    expect((await create(as('carol', 'secret-c'), 'third')).statusCode).toBe(403);
    // dave's role covers every job of www-data, checked against his hashed password.
    expect((await create(as('dave', 'secret-d'), 'daves')).statusCode).toBe(201);
    const kill = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: as('alice', 'secret-a'), payload: {} });
    expect(kill.statusCode).toBe(200);
    // The audit trail names who did it; a message goes beside the name, never instead.
    const withMessage = await h.app.inject({
      method: 'POST',
      url: PATHS.jobKill('www-data', 'prod', 'daves'),
      headers: as('dave', 'secret-d'),
      payload: { message: 'Killed by root' },
    });
    expect(withMessage.statusCode).toBe(200);
    const daves = (await h.tasks('?name=daves')).at(0);
    expect(daves?.events.at(-1)?.message).toBe('Killed by dave: Killed by root');
  });

  it('answers missing and wrong credentials with 401, and reads stay open', async () => {
    const h = await harness();
    const none = await h.app.inject({ method: 'POST', url: PATHS.jobs, payload: { spec: jobSpec() } });
    expect(none.statusCode).toBe(401);
    expect(errorOf(none.json()).code).toBe('UNAUTHENTICATED');
    const wrong = await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('alice', 'nope'), payload: { spec: jobSpec() } });
    expect([wrong.statusCode, errorOf(wrong.json()).message]).toEqual([401, 'wrong user name or password for alice']);
    const unknown = await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('mallory', 'x'), payload: { spec: jobSpec() } });
    expect(unknown.statusCode).toBe(401);
    // Reads need nothing, as in Aurora, but credentials given must be right.
    expect((await h.app.inject({ url: PATHS.jobs })).statusCode).toBe(200);
    expect((await h.app.inject({ url: PATHS.jobs, headers: as('alice', 'nope') })).statusCode).toBe(401);
  });

  it('restricts reads with --restrict-reads', async () => {
    const h = await harness({ restrictReads: true });
    expect((await h.app.inject({ url: PATHS.jobs })).statusCode).toBe(401);
    expect((await h.app.inject({ url: PATHS.jobs, headers: as('carol', 'secret-c') })).statusCode).toBe(403);
    expect((await h.app.inject({ url: PATHS.jobs, headers: as('alice', 'secret-a') })).statusCode).toBe(200);
    expect((await h.app.inject({ url: PATHS.health })).statusCode).toBe(200);
  });

  it('slows down an address that keeps failing', async () => {
    const h = await harness();
    const attempt = async () => {
      const started = performance.now();
      await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('alice', 'guess'), payload: { spec: jobSpec() } });
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await attempt();
    // The fourth failure in a row waits at least 250 ms before it is even checked.
    expect(await attempt()).toBeGreaterThanOrEqual(240);
  });

  it('refuses to start on a malformed security.ini, naming the file and line', async () => {
    const bad = join(dir, 'bad.ini');
    writeFileSync(bad, `[users]\nalice = secret, admin\nthis line has no equals sign\n[roles]\nadmin = *\n`);
    await expect(startHarness({ securityIniPath: bad })).rejects.toThrow(`${bad}:3:`);
  });
});

describe('browsers', () => {
  it('refuses cross-site state changes: no JSON and no client header, or another origin', async () => {
    const h = await harness();
    const auth = as('alice', 'secret-a');
    await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: auth, payload: { spec: jobSpec() } });
    // A plain form POST (no body, no content type) from a page elsewhere.
    const form = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: auth });
    expect([form.statusCode, errorOf(form.json()).code]).toEqual([403, 'CROSS_SITE_REQUEST']);
    const elsewhere = await h.app.inject({
      method: 'POST',
      url: PATHS.jobKill('www-data', 'prod', 'hello'),
      headers: { ...auth, origin: 'https://evil.example', host: 'localhost:8081' },
      payload: {},
    });
    expect(errorOf(elsewhere.json()).message).toBe('requests from pages of https://evil.example may not change this scheduler');
    expect((await h.tasks()).every((t) => t.state === 'PENDING')).toBe(true);
    // The CLI's header is enough without a body; the same origin is fine.
    const cli = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: { ...auth, 'x-aurora-client': 'aurora' } });
    expect(cli.statusCode).toBe(200);
  });

  it('sends nosniff, CSP and frame headers with pages and answers', async () => {
    const h = await harness();
    for (const url of [PATHS.ui, PATHS.jobs]) {
      const res = await h.app.inject({ url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });
});

describe('quotas and tiers', () => {
  const prod = (name: string, instances: number, extra: Parameters<typeof jobSpec>[0] = {}) =>
    jobSpec({ name, instances, production: true, tier: null, resources: { cpu: 1, ramMb: 512, diskMb: 512 }, ...extra });

  it('refuses a production job beyond its role quota, with what is needed, in use and allowed', async () => {
    const h = await harness();
    const alice = as('alice', 'secret-a');
    const post = (url: string, payload: object) => h.app.inject({ method: 'POST', url, headers: alice, payload });
    // No quota set: none (as in Aurora).
    const refused = await post(PATHS.jobs, { spec: prod('web', 2) });
    expect([refused.statusCode, errorOf(refused.json()).code]).toEqual([400, 'INSUFFICIENT_QUOTA']);
    expect(errorOf(refused.json()).message).toMatch(/^Insufficient quota for role www-data: cpu needed 2, in use 0, allowed 0; ram needed 1024 MiB/);
    await post(PATHS.quota('www-data'), { quota: { cpu: 3, ramMb: 2048, diskMb: 2048, gpu: 0 } });
    expect((await post(PATHS.jobs, { spec: prod('web', 2) })).statusCode).toBe(201);
    const over = await post(PATHS.jobs, { spec: prod('api', 2) });
    expect(errorOf(over.json()).message).toContain('cpu needed 2, in use 2, allowed 3');
    // Non-production jobs are not limited.
    expect((await post(PATHS.jobs, { spec: jobSpec({ name: 'batch', instances: 2 }) })).statusCode).toBe(201);
    // More quota, in one step.
    const grown = GetQuotaResponseSchema.parse((await post(PATHS.quotaIncrease('www-data'), { delta: { cpu: 1, ramMb: 1024, diskMb: 1024, gpu: 0 } })).json());
    expect(grown.quota).toEqual({ cpu: 4, ramMb: 3072, diskMb: 3072, gpu: 0 });
    expect((await post(PATHS.jobs, { spec: prod('api', 2) })).statusCode).toBe(201);
    const quota = GetQuotaResponseSchema.parse((await h.app.inject({ url: PATHS.quota('www-data') })).json());
    expect(quota).toEqual({
      role: 'www-data',
      quota: { cpu: 4, ramMb: 3072, diskMb: 3072, gpu: 0 },
      prodUse: { cpu: 4, ramMb: 2048, diskMb: 2048, gpu: 0 },
      nonProdUse: { cpu: 1, ramMb: 256, diskMb: 256, gpu: 0 },
    });
  });

  it('refuses a tier that contradicts production, saying how to fix it', async () => {
    const h = await harness();
    const res = await h.app.inject({
      method: 'POST',
      url: PATHS.jobs,
      headers: as('alice', 'secret-a'),
      payload: { spec: jobSpec({ production: true, tier: 'revocable' }) },
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res.json()).message).toMatch(/^production: true needs the tier preferred, but the job's tier is revocable/);
  });
});

describe('figures', () => {
  it('serves /metrics in Prometheus text format: tasks by state, latency by route, auth failures', async () => {
    const h = await harness();
    await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('alice', 'secret-a'), payload: { spec: jobSpec({ instances: 2 }) } });
    await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('alice', 'wrong'), payload: { spec: jobSpec() } });
    const res = await h.app.inject({ url: PATHS.metrics });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('aurora_tasks{state="PENDING"} 2');
    expect(res.body).toContain('aurora_auth_failures_total 1');
    expect(res.body).toMatch(/aurora_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/jobs",status="201"\} 1/);
  });
});
