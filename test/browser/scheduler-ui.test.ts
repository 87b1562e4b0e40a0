/**
 * The scheduler's web UI in Chromium on a shared cluster: the compiled scheduler with a
 * security.ini and --restrict-reads, one small agent (1 cpu), and jobs created with the real
 * `aurora` CLI. A production job that fits nowhere preempts a non-production one after
 * --preemption-delay-ms; the role page shows the quota beside production and non-production
 * use, the victim's job page says what preempted it, and users without credentials or without
 * the permission get pages that say so and what to do.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { haveChromium, keepScreenshot, launchBrowser, mustRun, pageAs, requireBuild } from './chromium.js';

const jobConfig = (name: string, environment: string, cpu: number, production: boolean) => `
import { MB, Process, Resources, Service, Task } from '@aurora/dsl';

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: '${environment}',
    name: '${name}',
    production: ${production},
    task: Task({
      processes: [Process({ name: 'sleeper', cmdline: 'sleep 600' })],
      resources: Resources({ cpu: ${cpu}, ram: 64 * MB, disk: 64 * MB }),
    }),
  }),
];
`;
const BATCH = 'devcluster/www-data/devel/batch';
const WEB = 'devcluster/www-data/prod/web';

let cluster: TestCluster;
let root: string;
let home: string;
let browser: Browser | undefined;

const aurora = (...args: string[]) => cluster.run(BINS.aurora, args, { env: { HOME: home } });
const admin = (...args: string[]) => cluster.run(BINS.auroraAdmin, args, { env: { HOME: home } });

describe.skipIf(!haveChromium)("the scheduler's web UI on a shared cluster", () => {
  beforeAll(async () => {
    requireBuild();
    cluster = await startTestCluster({
      tmpPrefix: 'aurora-browser-ui-',
      securityIni: ['[users]', 'alice = alice-secret, admin', 'carol = carol-secret', '', '[roles]', 'admin = *', ''].join('\n'),
      schedulerArgs: ['--restrict-reads', '--preemption-delay-ms', '500'],
      agents: [{ args: ['--cpu', '1', '--ram-mb', '1024', '--disk-mb', '1024', '--kill-grace-ms', '300'] }],
    });
    root = cluster.root;
    home = cluster.home('home', 'alice', 'alice-secret');

    await mustRun(admin('set_quota', 'devcluster', 'www-data', '1', '512MB', '512MB'), 'aurora-admin set_quota');
    writeFileSync(path.join(root, 'batch.aurora.ts'), jobConfig('batch', 'devel', 0.8, false));
    writeFileSync(path.join(root, 'web.aurora.ts'), jobConfig('web', 'prod', 0.5, true));
    await mustRun(aurora('job', 'create', BATCH, path.join(root, 'batch.aurora.ts'), '--wait-until', 'RUNNING'), 'create batch');
    // 0.2 cpu is left: web waits, then preempts batch's task, whose replacement waits in turn.
    await mustRun(aurora('job', 'create', WEB, path.join(root, 'web.aurora.ts'), '--wait-until', 'RUNNING'), 'create web');
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (cluster) {
      await aurora('job', 'kill', WEB);
      await aurora('job', 'kill', BATCH);
    }
    await cluster?.stop();
  });

  it("shows a role's quota beside its production and non-production use", async () => {
    const page = await pageAs(browser, 'alice');
    await page.goto(`${cluster.scheduler.url}/scheduler/www-data`);
    const rows = page.locator('table.quota tr');
    await expect.poll(() => rows.count()).toBe(4);
    const cells = async (label: string) =>
      (await rows.filter({ has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) }).locator('td').allInnerTexts()).map((t) => t.trim());
    expect(await cells('Quota \\(production\\)')).toEqual(['1', '512 MiB', '512 MiB', '0']);
    expect(await cells('Production use')).toEqual(['0.5', '64 MiB', '64 MiB', '0']);
    // Both jobs are listed with their tasks.
    await expect.poll(() => page.locator('table', { hasText: 'Environment' }).innerText()).toMatch(/devel\s+batch[\s\S]*prod\s+web/);
    await keepScreenshot(page, 'role');
    await page.close();
  });

  it("says on the victim's job page what preempted it, without opening its events", async () => {
    const page = await pageAs(browser, 'alice');
    await page.goto(`${cluster.scheduler.url}/scheduler/www-data/devel/batch`);
    const earlier = page.locator('h2:has-text("Earlier tasks") + table');
    await expect.poll(() => earlier.locator('td.message').first().innerText()).toBe('Preempted by www-data/prod/web/0');
    // The replacement waits: there is no room left for it.
    const current = page.locator('h2:has-text("Instances") + table tr', { hasText: 'PENDING' });
    await expect.poll(() => current.count()).toBe(1);
    // The events list it too, with the state it was in.
    await earlier.locator('summary').first().click();
    await expect.poll(() => earlier.locator('li', { hasText: 'Preempted by' }).first().innerText()).toContain('PREEMPTING');
    await keepScreenshot(page, 'preempted-job');
    await page.close();
  });

  it('tells a user without the permission which one is missing and who can grant it', async () => {
    const page = await pageAs(browser, 'carol');
    const res = await page.goto(`${cluster.scheduler.url}/scheduler/www-data`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('h1').innerText()).toContain('Not allowed');
    expect(await page.locator('.refusal').innerText()).toContain('carol may not thrift.AuroraSchedulerManager:getJobs:www-data');
    expect(await page.locator('body').innerText()).toContain('security.ini');
    await keepScreenshot(page, 'forbidden');
    await page.close();
  });

  it('asks a visitor without credentials to sign in, and says where the client reads them from', async () => {
    const page = await pageAs(browser, null);
    // A browser asks for a user and password here; headless Chromium cannot show that dialog and
    // fails the navigation instead. Dropping the challenge shows what a user who cancels it sees.
    await page.route('**/*', async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      expect(headers['www-authenticate']).toMatch(/^Basic realm=/);
      delete headers['www-authenticate'];
      await route.fulfill({ response, headers });
    });
    const res = await page.goto(`${cluster.scheduler.url}/scheduler/www-data/devel/batch`);
    expect(res?.status()).toBe(401);
    expect(await page.locator('h1').innerText()).toContain('Sign in needed');
    expect(await page.locator('body').innerText()).toContain('~/.netrc');
    await page.close();
  });
});
