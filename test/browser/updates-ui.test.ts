/**
 * The web UI's update and cron pages in Chromium, with the compiled scheduler (its cron jobs read
 * in the cluster's zone, --cron-timezone) and one agent: a service created with the real `aurora`
 * CLI is updated to a new config (the spec compiled by `aurora job inspect --json`, the update
 * started through the API), and a cron job is scheduled and run once. A user follows the job
 * page to the update's page, which reloads itself until every instance has rolled forward, and
 * the cron job's page to its schedule, zone and runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { haveChromium, keepScreenshot, launchBrowser, mustRun, pageAs, requireBuild } from './chromium.js';

const serviceConfig = (cmdline: string) => `
import { MB, Process, Resources, Service, Task, UpdateConfig } from '@aurora/dsl';

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'web',
    instances: 2,
    task: Task({
      processes: [Process({ name: 'server', cmdline: '${cmdline}' })],
      resources: Resources({ cpu: 0.1, ram: 32 * MB, disk: 32 * MB }),
    }),
    // Short enough for a test, long enough to watch the instances go one at a time.
    updateConfig: UpdateConfig({ batchSize: 1, watchSecs: 5 }),
  }),
];
`;
const cronConfig = `
import { Job, MB, Process, Resources, Task } from '@aurora/dsl';

export const jobs = [
  Job({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'nightly',
    cronSchedule: '30 2 * * *',
    cronCollisionPolicy: 'CANCEL_NEW',
    task: Task({
      processes: [Process({ name: 'report', cmdline: 'sleep 600' })],
      resources: Resources({ cpu: 0.1, ram: 32 * MB, disk: 32 * MB }),
    }),
  }),
];
`;
const WEB = 'devcluster/www-data/prod/web';
const NIGHTLY = 'devcluster/www-data/prod/nightly';
const ZONE = 'Europe/Amsterdam';

let cluster: TestCluster;
let root: string;
let home: string;
let browser: Browser | undefined;
let page: Page;
let updateId = '';

const aurora = (...args: string[]) => cluster.run(BINS.aurora, args, { env: { HOME: home } });

/** The JobSpec the CLI compiles from a config, as `aurora job inspect --json` prints it. */
async function compiled(key: string, file: string): Promise<unknown> {
  return JSON.parse(await mustRun(aurora('job', 'inspect', key, file, '--json'), `aurora job inspect ${key}`));
}

/** A call of the scheduler's API, as a client makes it (the header marks it as not a page's). */
async function api(method: 'POST' | 'DELETE', apiPath: string, body?: object): Promise<any> {
  const res = await fetch(`${cluster.scheduler.url}${apiPath}`, {
    method,
    headers: { 'x-aurora-client': 'updates-ui-test', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The cells of a table's rows, trimmed. */
async function rows(table: ReturnType<Page['locator']>): Promise<string[][]> {
  const trs = table.locator('tr:has(td)');
  const out: string[][] = [];
  for (let i = 0; i < (await trs.count()); i++) out.push((await trs.nth(i).locator('td').allInnerTexts()).map((t) => t.trim()));
  return out;
}

describe.skipIf(!haveChromium)("the scheduler's update and cron pages", () => {
  beforeAll(async () => {
    requireBuild();
    cluster = await startTestCluster({
      tmpPrefix: 'aurora-browser-updates-',
      schedulerArgs: ['--cron-timezone', ZONE],
      agents: [{ args: ['--cpu', '2', '--ram-mb', '1024', '--disk-mb', '1024', '--kill-grace-ms', '300'] }],
    });
    root = cluster.root;
    // The CLIs' HOME: one of the test's own, with no .netrc (the cluster is unauthenticated).
    home = path.join(root, 'home');
    mkdirSync(home);

    writeFileSync(path.join(root, 'web.aurora.ts'), serviceConfig('sleep 600'));
    writeFileSync(path.join(root, 'web-v2.aurora.ts'), serviceConfig('sleep 601'));
    writeFileSync(path.join(root, 'nightly.aurora.ts'), cronConfig);
    await mustRun(aurora('job', 'create', WEB, path.join(root, 'web.aurora.ts'), '--wait-until', 'RUNNING'), 'create web');

    const nightly = await compiled(NIGHTLY, path.join(root, 'nightly.aurora.ts'));
    await api('POST', '/api/v1/cron/www-data/prod/nightly', { spec: nightly });
    await api('POST', '/api/v1/cron/www-data/prod/nightly/start');

    browser = await launchBrowser();
    page = await pageAs(browser, null);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (cluster) {
      await api('DELETE', '/api/v1/cron/www-data/prod/nightly').catch(() => undefined);
      await aurora('job', 'kill', NIGHTLY);
      await aurora('job', 'kill', WEB);
    }
    await cluster?.stop();
  });

  it("follows the job page to its update, whose page shows each instance roll forward", async () => {
    const v2 = await compiled(WEB, path.join(root, 'web-v2.aurora.ts'));
    updateId = (await api('POST', '/api/v1/jobs/www-data/prod/web/updates', { spec: v2, message: 'sleep a second longer' })).update.id;
    // Two instances watched 5 s each, one after the other: the update takes 10 s or more.
    await page.goto(`${cluster.scheduler.url}/scheduler/www-data/prod/web`);
    expect(await page.locator('.notice').innerText()).toMatch(new RegExp(`^Update ${updateId} by anonymous is ROLLING_FORWARD`));
    const updates = page.locator('h2:has-text("Updates") + table');
    expect(await updates.locator('tr.active').innerText()).toContain(updateId);
    await keepScreenshot(page, 'job-updating');
    await updates.locator('a', { hasText: updateId }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe(`Update ${updateId}`);
    const summary = page.locator('table.summary');
    expect(await summary.innerText()).toMatch(/Status\s+ROLLING_FORWARD/);
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(1);
    expect(await summary.innerText()).toMatch(/Kind\s+update \(to a new config\)/);
    expect(await summary.innerText()).toContain('sleep a second longer');
    expect(await page.locator('table.settings').innerText()).toMatch(/Strategy\s+queue: up to 1 instance at once[\s\S]*Watch\s+5 s RUNNING/);
    await keepScreenshot(page, 'update-in-progress');
    // The page reloads itself (a meta refresh, no script) until the update is over.
    await expect.poll(() => summary.innerText().catch(() => ''), { timeout: 60_000, interval: 500 }).toMatch(/Status\s+ROLLED_FORWARD/);
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    const progress = await rows(page.locator('table.instances'));
    expect(progress.map(([instance, status, failures]) => [instance, status, failures])).toEqual([
      ['0', 'SUCCEEDED', '0'],
      ['1', 'SUCCEEDED', '0'],
    ]);
    // From and to are short spec hashes; each instance moved from the old one to the new one.
    expect(new Set(progress.map((r) => r[3])).size).toBe(1);
    expect(progress.every((r) => /^[0-9a-f]{8}$/.test(r[4]!) && r[4] !== r[3])).toBe(true);
    expect(await page.locator('table.events').innerText()).toMatch(/ROLLING_FORWARD[\s\S]*ROLLED_FORWARD/);
    expect(await page.locator('table.instance-events').innerText()).toContain('INSTANCE_UPDATED');
    await keepScreenshot(page, 'update-done');

    // The watched task is the instance's task on the job page, now running the new config.
    const watched = progress[1]![5]!;
    await page.locator('table.instances a', { hasText: watched }).click();
    await expect.poll(() => page.url()).toContain(`/scheduler/www-data/prod/web#task-${watched}`);
    const row = page.locator(`tr[id="task-${watched}"]`);
    expect(await row.innerText()).toMatch(/RUNNING/);
    expect(await page.locator('h2:has-text("Updates") + table tr', { hasText: updateId }).innerText()).toContain('ROLLED_FORWARD');
    await keepScreenshot(page, 'job-with-updates');
  });

  it("follows a cron job's page to its schedule in the cluster's zone, next runs and last runs", async () => {
    await page.goto(`${cluster.scheduler.url}/scheduler/www-data/prod/nightly`);
    expect(await page.locator('.cron-summary').innerText()).toContain(`30 2 * * * in ${ZONE} (the cluster's)`);
    await page.locator('a', { hasText: 'Schedule and runs' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Cron jobs of www-data');
    const section = page.locator('section[id="cron/www-data/prod/nightly"]');
    const facts = await section.locator('table').first().innerText();
    expect(facts).toMatch(/Schedule\s+30 2 \* \* \*/);
    expect(facts).toContain(`${ZONE} (the cluster's)`);
    expect(facts).toContain('CANCEL_NEW');
    // Five next runs, each at 02:30 in the cluster's zone, a day apart.
    const next = await section.locator('li').allInnerTexts();
    expect(next).toHaveLength(5);
    for (const run of next) expect(run).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d 02:30 ${ZONE}`));
    // The run started by hand.
    expect((await rows(section.locator('table.runs')))[0]).toEqual([expect.stringContaining('aurora cron start'), 'STARTED', 'started 1 task']);
    await keepScreenshot(page, 'cron');
  });

  it('links the updates and cron pages from the cluster page, the updates newest first', async () => {
    await page.goto(`${cluster.scheduler.url}/scheduler`);
    await page.locator('nav a', { hasText: 'Updates' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Updates');
    const finished = page.locator('h2:has-text("Finished") + table.updates');
    expect((await rows(finished))[0]!.slice(0, 3)).toEqual(['www-data/prod/web', updateId, 'ROLLED_FORWARD']);
    expect(await page.locator('h2:has-text("In progress") + p').innerText()).toBe('None.');
    await keepScreenshot(page, 'updates');
    await page.locator('nav a', { hasText: 'Cron jobs' }).click();
    await expect.poll(() => page.locator('h1').innerText()).toBe('Cron jobs');
  });
});
