/**
 * The web UI's pages of updates and cron jobs, rendered through the app with an injected clock
 * and an agent played by the test (as updates.test.ts): what a user sees on the updates list,
 * an update's page, a job's page and the cron page, and who may see them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import { PATHS } from '../api/routes.js';
import { SLA_HOLD_PREFIX, type JobUpdate } from '../api/updates-api.js';
import { PlayedAgents } from '../testing/played-agents.js';
import { FakeClock, jobSpec, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';
import { foldMissed, updatePage } from './web-pages-updates.js';

const CLIENT = { 'x-aurora-client': 'test' };
const JOB = { role: 'www-data', environment: 'prod', name: 'hello' };
const MINUTE = 60_000;

let h: Harness;
/** The harness of the running test, closed after it (a pure test starts none). */
let open: Harness | undefined;
let clock: FakeClock;
let played: PlayedAgents;

async function start(options: HarnessOptions = {}): Promise<void> {
  clock = new FakeClock();
  let ids = 0;
  h = await startHarness({ clock, newUpdateId: () => `update-${++ids}`, ...options });
  open = h;
  played = new PlayedAgents(() => h);
  await played.register('host1');
}
afterEach(async () => {
  await open?.close();
  open = undefined;
});

const agentRound = () => played.round();

async function tick(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 20_000) {
    clock.advance(Math.min(left, 20_000));
    await agentRound();
    await h.app.scheduler.tick();
    await h.settle();
    await agentRound();
  }
}

async function post(url: string, payload?: object): Promise<{ status: number; body: any }> {
  await h.settle();
  const res = await h.app.inject({ method: 'POST', url, headers: CLIENT, ...(payload ? { payload } : {}) });
  await h.settle();
  return { status: res.statusCode, body: res.json() };
}

async function page(url: string, headers: Record<string, string> = {}) {
  const res = await h.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.body, text: visible(res.body), headers: res.headers };
}

/** The text a reader sees: inline tags dropped, others a space, entities decoded, whitespace collapsed. */
function visible(body: string): string {
  return body
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<\/?(a|span|small|code|b)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function service(overrides: Partial<JobSpec> = {}, updateConfig: Partial<JobSpec['updateConfig']> = {}): JobSpec {
  const base = jobSpec({ service: true, instances: 3, ...overrides });
  return { ...base, updateConfig: { ...base.updateConfig, watchSecs: 10, maxPerInstanceFailures: 0, maxTotalFailures: 0, ...updateConfig } };
}

async function createRunning(spec: JobSpec): Promise<void> {
  expect((await h.createJob(spec)).status).toBe(201);
  await agentRound();
}

async function startUpdate(spec: JobSpec, message?: string): Promise<JobUpdate> {
  const res = await post(PATHS.jobUpdates(JOB.role, JOB.environment, JOB.name), { spec, ...(message ? { message } : {}) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await agentRound();
  return res.body.update as JobUpdate;
}

const updatePath = (id: string) => `/scheduler/www-data/prod/hello/update/${id}`;

describe('the update pages', () => {
  it("shows an update's status, settings, per-instance progress and events, and reloads itself until it is over", async () => {
    await start();
    await createRunning(service());
    const u = await startUpdate(service({ priority: 1 }, { strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false }, pulseIntervalSecs: null }), 'new <b>build</b>');

    let p = await page(updatePath(u.id));
    expect(p.status).toBe(200);
    expect(p.body).toContain(`<meta http-equiv="refresh" content="5">`);
    expect(p.text).toContain(`Update ${u.id}`);
    expect(p.body).toContain('<span class="state ROLLING_FORWARD">ROLLING_FORWARD</span>');
    expect(p.text).toContain('Kind update (to a new config)');
    expect(p.text).toContain('Started by anonymous');
    // The message is the user's: shown, never as markup.
    expect(p.text).toContain('Message new <b>build</b>');
    expect(p.body).not.toContain('<b>build</b>');
    expect(p.text).toContain('Strategy batches of 2, each after the one before has finished');
    expect(p.text).toContain('Watch 10 s RUNNING');
    expect(p.text).toContain('Failures per instance tolerated 0');
    expect(p.text).toContain('Roll back on failure yes');
    expect(p.text).toContain('Pulse not pulsed');
    expect(p.text).toContain('SLA aware no');
    expect(p.text).toContain('Progress 0/3 instances updated');
    // Instances 0 and 1 are being updated, each watching its new task, from/to as short hashes.
    const rows = p.body.match(/<table class="instances">[\s\S]*?<\/table>/)![0];
    expect(visible(rows)).toMatch(/0 UPDATING 0 \w{8} \w{8} \S+/);
    expect(visible(rows)).toMatch(/2 PENDING 0/);
    expect(rows).toContain(`<code title="${u.fromJobSpecHash}">${u.fromJobSpecHash.slice(0, 8)}</code>`);
    const watched = u.instances[0]!.watchTaskId ?? (await h.app.inject({ url: PATHS.jobUpdate('www-data', 'prod', 'hello', u.id) })).json().update.instances[0].watchTaskId;
    expect(rows).toContain(`<a href="/scheduler/www-data/prod/hello#task-${watched}">${watched}</a>`);
    // The watched task's row on the job page is where that link points.
    expect((await page('/scheduler/www-data/prod/hello')).body).toContain(`<tr id="task-${watched}">`);
    expect(p.text).toMatch(/Update events Time Status By Message \S+ \S+ ROLLING_FORWARD anonymous new <b>build<\/b>/);
    expect(p.body).toContain('<span class="state INSTANCE_UPDATING">INSTANCE_UPDATING</span>');

    for (let i = 0; i < 4; i++) await tick(10_000);
    p = await page(updatePath(u.id));
    expect(p.body).toContain('<span class="state ROLLED_FORWARD">ROLLED_FORWARD</span>');
    expect(p.text).toContain('Progress 3/3 instances updated');
    expect(visible(p.body.match(/<table class="instances">[\s\S]*?<\/table>/)![0])).toMatch(/0 SUCCEEDED 0 .* 1 SUCCEEDED 0 .* 2 SUCCEEDED 0/);
    expect(p.body).toContain('<span class="state INSTANCE_UPDATED">INSTANCE_UPDATED</span>');
    // Over: nothing left to watch, so it no longer reloads.
    expect(p.body).not.toContain('http-equiv="refresh"');
    expect(p.body).not.toContain('<script');
  });

  it('marks each instance an SLA check holds, with why, while the update is active, and no longer once it is over', async () => {
    // A count policy holds only production jobs of --min-required-instances-for-sla-check instances (Aurora's 20).
    await start({ minRequiredInstancesForSla: 1 });
    await post(PATHS.quota('www-data'), { quota: { cpu: 10, ramMb: 100_000, diskMb: 100_000, gpu: 0 } });
    const COUNT = 'count policy needs 2 other instances RUNNING for 60s, 1 is';
    const sla = { production: true, tier: 'preferred', slaPolicy: { kind: 'count', count: 2, durationSecs: 60 } } as const;
    const spec = service(sla, { slaAware: true, strategy: { kind: 'queue', groupSize: 2 } });
    await createRunning(spec);
    await tick(120_000);
    // Instance 0 goes; instance 1 would leave only instance 2 RUNNING, where the policy needs 2.
    const u = await startUpdate({ ...spec, priority: 1 });
    await tick(1_000);

    const held = await page(updatePath(u.id));
    const rows = held.body.match(/<table class="instances">[\s\S]*?<\/table>/)![0];
    expect(visible(rows)).toContain(`1 UPDATING waits: ${COUNT} 0`);
    expect(rows).toContain(`<small class="sla-hold" title="held by the SLA check before its task is taken down">waits: ${COUNT}</small>`);
    // Only the held instance says so; the events below say when the hold began.
    expect(rows.match(/class="sla-hold"/g)).toHaveLength(1);
    expect(held.text).toContain(`INSTANCE_UPDATING ${SLA_HOLD_PREFIX}${COUNT}`);

    // The reason comes from the scheduler's words, but is text on the page, never markup.
    const record = (await h.app.inject({ url: PATHS.jobUpdate('www-data', 'prod', 'hello', u.id) })).json().update as JobUpdate;
    const odd: JobUpdate = { ...record, instanceEvents: [...record.instanceEvents, { instance: 1, action: 'INSTANCE_UPDATING', at: clock.now(), message: `${SLA_HOLD_PREFIX}said <b>no</b>` }] };
    expect(updatePage('devcluster', odd)).toContain('waits: said &lt;b&gt;no&lt;/b&gt;</small>');

    // Over: the events still tell the story, but nothing waits any more.
    await post(PATHS.jobUpdateAction('www-data', 'prod', 'hello', 'abort'), { message: 'enough' });
    const over = await page(updatePath(u.id));
    expect(over.body).toContain('<span class="state ABORTED">ABORTED</span>');
    expect(over.body).not.toContain('class="sla-hold"');
    expect(visible(over.body.match(/<table class="instances">[\s\S]*?<\/table>/)![0])).not.toContain('waits:');
    expect(over.text).toContain(`INSTANCE_UPDATING ${SLA_HOLD_PREFIX}${COUNT}`);
  });

  it('lists updates newest first, those in progress apart, for the cluster and per role', async () => {
    await start();
    await createRunning(service());
    const first = await startUpdate(service({ priority: 1 }, { strategy: { kind: 'queue', groupSize: 3 } }));
    for (let i = 0; i < 3; i++) await tick(10_000);
    const restart = await post(PATHS.jobRestart('www-data', 'prod', 'hello'), {
      settings: { ...first.settings, strategy: { kind: 'queue', groupSize: 1 } },
    });
    expect(restart.status).toBe(200);
    await h.createJob({ ...jobSpec({ name: 'other' }), key: { ...jobSpec().key, role: 'search', name: 'other' } });

    const all = await page('/updates');
    expect(all.status).toBe(200);
    expect(all.text).toContain('Job Update ID Status Created by Started Last modified');
    const [inProgress, finished] = all.body.split('<h2>Finished</h2>');
    expect(visible(inProgress!)).toMatch(/www-data\/prod\/hello update-2 restart ROLLING_FORWARD anonymous/);
    expect(visible(finished!)).toMatch(/www-data\/prod\/hello update-1 ROLLED_FORWARD anonymous/);
    expect(all.body).toMatch(
      /<tr><td[^>]*><a href="\/scheduler\/www-data\/prod\/hello">www-data\/prod\/hello<\/a><\/td><td[^>]*><a href="\/scheduler\/www-data\/prod\/hello\/update\/update-2">update-2<\/a>/,
    );
    expect(all.text).toContain('cluster / updates');

    const role = await page('/scheduler/www-data/updates');
    expect(role.text).toContain('Updates of www-data');
    expect(role.text).toContain('update-1');
    expect((await page('/scheduler/search/updates')).text).toContain('No updates of search yet. Start one with aurora update start devcluster/search/ENV/NAME config.aurora.ts');
  });

  it("lists a job's updates on its page, says which one is replacing its tasks, and sends `active` to its id", async () => {
    await start();
    await createRunning(service());
    expect((await page('/scheduler/www-data/prod/hello')).text).toContain('Updates None. Roll out a new config with aurora update start devcluster/www-data/prod/hello config.aurora.ts');
    const u = await startUpdate(service({ priority: 1 }));
    const job = await page('/scheduler/www-data/prod/hello');
    expect(job.body).toContain(`<p class="notice">Update <a href="${updatePath(u.id)}">${u.id}</a> by anonymous is <span class="state ROLLING_FORWARD">ROLLING_FORWARD</span>`);
    expect(job.body).toMatch(/<h2>Updates<\/h2>\s*<table class="updates">.*\s*<tr class="active"><td[^>]*><a href="\/scheduler\/www-data\/prod\/hello\/update\/update-1">update-1<\/a>/);
    expect(job.body).toContain('<a href="/scheduler/www-data/updates">All updates of www-data</a>');

    const active = await h.app.inject({ method: 'GET', url: updatePath('active') });
    expect([active.statusCode, active.headers.location]).toEqual([302, updatePath(u.id)]);
    const missing = await page(updatePath('nope'));
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('job devcluster/www-data/prod/hello has no update nope');

    await post(PATHS.jobUpdateAction('www-data', 'prod', 'hello', 'abort'), { message: 'wrong build' });
    const after = await page('/scheduler/www-data/prod/hello');
    expect(after.body).not.toContain('class="notice"');
    expect(after.body).toContain('<span class="state ABORTED">ABORTED</span>');
    expect((await page(updatePath(u.id))).text).toMatch(/ABORTED anonymous wrong build/);
    expect((await page(updatePath('active'))).status).toBe(404);
  });
});

describe('the cron pages', () => {
  const cronSpec = (name: string, extra: Partial<JobSpec> = {}) =>
    jobSpec({ name, instances: 1, cronSchedule: '*/5 * * * *', cronCollisionPolicy: 'CANCEL_NEW', ...extra });

  it('shows each cron job with its schedule, whose time zone, collision policy, next runs and last runs', async () => {
    await start({ cronTimezone: 'America/New_York' });
    expect((await post(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: cronSpec('nightly') })).status).toBe(200);
    expect(
      (await post(PATHS.cronJob('www-data', 'prod', 'report'), { spec: cronSpec('report', { cronSchedule: '0 9 * * *', cronTimezone: 'Europe/Amsterdam', cronCollisionPolicy: 'KILL_EXISTING' }) }))
        .status,
    ).toBe(200);

    let p = await page('/cron');
    expect(p.status).toBe(200);
    expect(p.text).toContain('Cron jobs');
    expect(p.text).toContain('Job Schedule Time zone Collision policy Next run Last run Active tasks');
    expect(p.text).toContain('www-data/prod/nightly */5 * * * * America/New_York (the cluster\'s) CANCEL_NEW');
    expect(p.text).toContain("www-data/prod/report 0 9 * * * Europe/Amsterdam (the job's) KILL_EXISTING");
    // Next runs in UTC and in the schedule's zone: 09:00 in Amsterdam is 08:00 UTC in winter.
    expect(p.text).toContain('2025-01-01 08:00:00Z (2025-01-01 09:00 Europe/Amsterdam)');
    expect(p.text).toContain('2025-01-02 08:00:00Z (2025-01-02 09:00 Europe/Amsterdam)');
    expect(p.body).toContain('<section class="cron" id="cron/www-data/prod/nightly">');
    expect(p.text).toContain('Last runs None yet.');

    // The scheduler sleeps through 20 minutes, then runs the next tick.
    await tick(5 * MINUTE);
    clock.advance(20 * MINUTE);
    await h.app.scheduler.tick();
    await h.settle();
    p = await page('/scheduler/www-data/cron');
    expect(p.text).toContain('Cron jobs of www-data');
    const runs = p.body.split('id="cron/www-data/prod/nightly"')[1]!.match(/<table class="runs">[\s\S]*?<\/table>/)![0];
    // Newest first: the tick run now, the missed ones as one row set apart, the first run.
    expect(visible(runs)).toMatch(
      /When Outcome What happened 2025-01-01 00:25:00Z \(2024-12-31 19:25 America\/New_York\) CANCELLED_NEW nothing started: the previous run was still active 2025-01-01 00:10:00Z .* to 2025-01-01 00:20:00Z .* MISSED 3 ticks: the scheduler was down; noticed 2025-01-01 00:25:00Z 2025-01-01 00:05:00Z .* STARTED started 1 task/,
    );
    expect(runs).toContain('<tr class="missed">');
    expect(runs).toContain('<span class="state MISSED">MISSED</span>');
  });

  it("links a cron job's page to its schedule, also before its first run", async () => {
    await start();
    await post(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: cronSpec('nightly') });
    let job = await page('/scheduler/www-data/prod/nightly');
    expect(job.status).toBe(200);
    expect(job.text).toContain("Cron Runs on */5 * * * * in UTC (the cluster's), collision policy CANCEL_NEW; next run 2025-01-01 00:05:00Z.");
    expect(job.body).toContain('<a href="/scheduler/www-data/cron#cron/www-data/prod/nightly">Schedule and runs</a>');
    expect(job.text).toContain('No tasks: the job runs on its schedule.');
    expect(job.text).toContain('Configuration Kind job');
    await tick(5 * MINUTE);
    job = await page('/scheduler/www-data/prod/nightly');
    expect(job.text).toContain('next run 2025-01-01 00:10:00Z');
    expect(job.body).toContain('<span class="state RUNNING">RUNNING</span>');
    // A cron job changes by aurora cron schedule: its page does not invite an update.
    expect(job.text).not.toContain('aurora update start');
    // The role page says it is a cron job and links to its schedule.
    expect((await page('/scheduler/www-data')).body).toContain('<a href="/scheduler/www-data/cron#cron/www-data/prod/nightly">cron</a>');
    expect((await page('/cron')).text).toContain('www-data/prod/nightly');
  });

  it('says where to start when there are no cron jobs', async () => {
    await start();
    expect((await page('/cron')).text).toContain('No cron jobs. Schedule one with aurora cron schedule devcluster/ROLE/ENV/NAME config.aurora.ts');
  });

  it('folds ticks missed together into one row, keeping other runs apart', () => {
    const missed = (t: number) => ({ scheduledFor: t, at: 100, outcome: 'MISSED' as const, user: null, taskIds: [] });
    const rows = foldMissed([
      { scheduledFor: 100, at: 100, outcome: 'STARTED', user: null, taskIds: ['a'] },
      missed(90),
      missed(80),
      missed(70),
      { ...missed(60), at: 60 },
    ]);
    expect(rows.map((r) => [r.run.outcome, r.missed, r.earliest, r.run.scheduledFor])).toEqual([
      ['STARTED', 0, 100, 100],
      ['MISSED', 3, 70, 90],
      ['MISSED', 1, 60, 60],
    ]);
  });
});

describe('navigation and permissions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aurora-web-updates-'));
  const ini = join(dir, 'security.ini');
  writeFileSync(
    ini,
    `[users]
alice = secret-a, admin
erin = secret-e, updates

[roles]
admin = *
updates = thrift.AuroraSchedulerManager:getJobUpdateSummaries:www-data, thrift.AuroraSchedulerManager:getJobs:www-data
`,
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const as = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  it('links the updates and cron pages from every page, and from a role to its own', async () => {
    await start();
    const top = await page('/scheduler');
    expect(top.body).toContain('<span class="pages"><a href="/updates">Updates</a> · <a href="/cron">Cron jobs</a></span>');
    const role = await page('/scheduler/www-data');
    expect(role.body).toContain('<a href="/scheduler/www-data/updates">Updates of www-data</a> · <a href="/scheduler/www-data/cron">Cron jobs of www-data</a>');
  });

  it("asks for Aurora's read permissions with --restrict-reads: summaries per role, details per job", async () => {
    await start({ securityIniPath: ini, restrictReads: true });
    const alice = as('alice', 'secret-a');
    expect((await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: alice, payload: { spec: service() } })).statusCode).toBe(201);
    await agentRound();
    const started = await h.app.inject({
      method: 'POST',
      url: PATHS.jobUpdates('www-data', 'prod', 'hello'),
      headers: { ...alice, ...CLIENT },
      payload: { spec: service({ priority: 1 }) },
    });
    expect(started.statusCode).toBe(200);
    const erin = as('erin', 'secret-e');
    expect((await page('/scheduler/www-data/updates', erin)).text).toContain('update-1');
    expect((await page('/scheduler/www-data/cron', erin)).status).toBe(200);
    const cluster = await page('/updates', erin);
    expect(cluster.status).toBe(403);
    expect(cluster.text).toContain('erin may not thrift.AuroraSchedulerManager:getJobUpdateSummaries');
    const details = await page(updatePath('update-1'), erin);
    expect(details.status).toBe(403);
    expect(details.text).toContain('erin may not thrift.AuroraSchedulerManager:getJobUpdateDetails:www-data:prod:hello');
    const ok = await page(updatePath('update-1'), alice);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await page('/updates')).status).toBe(401);
  });
});
