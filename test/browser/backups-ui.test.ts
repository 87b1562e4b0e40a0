/**
 * The scheduler's backups page in Chromium: the compiled scheduler with a security.ini and
 * --restrict-reads, and a backup made through the API (aurora_admin scheduler_backup_now's call).
 * An operator finds the page in the navigation and sees the backup; a user who may read jobs
 * but not list backups sees no link, and gets the refusal page in the UI's look.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { CLIENT_HEADER } from '../../scheduler/api/agent-protocol.js';
import type { BackupNowResponse } from '../../scheduler/api/backup-api.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { haveChromium, keepScreenshot, launchBrowser, pageAs, requireBuild } from './chromium.js';

let cluster: TestCluster;
let backupDir: string;
let browser: Browser | undefined;
let backup: BackupNowResponse['backup'];

const basic = (user: string) => `Basic ${Buffer.from(`${user}:${user}-secret`).toString('base64')}`;

describe.skipIf(!haveChromium)("the scheduler's backups page", () => {
  beforeAll(async () => {
    requireBuild();
    cluster = await startTestCluster({
      tmpPrefix: 'aurora-browser-backups-',
      // alice: an operator; bob: reads (and changes) jobs, and is no operator.
      securityIni: ['[users]', 'alice = alice-secret, admin', 'bob = bob-secret, jobs', '', '[roles]', 'admin = *', 'jobs = thrift.AuroraSchedulerManager:*', ''].join('\n'),
      schedulerArgs: (root) => ['--restrict-reads', '--backup-dir', path.join(root, 'backups'), '--max-saved-backups', '7'],
      // The page needs no agent.
      agents: [],
    });
    backupDir = path.join(cluster.root, 'backups');
    const res = await fetch(`${cluster.scheduler.url}${PATHS.backups}`, { method: 'POST', headers: { authorization: basic('alice'), [CLIENT_HEADER]: 'test' } });
    expect(res.status, await res.clone().text()).toBe(200);
    backup = ((await res.json()) as BackupNowResponse).backup;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('is linked for an operator, and lists the backup dir, its settings and the backup made through the API', async () => {
    const page = await pageAs(browser, 'alice');
    await page.goto(`${cluster.scheduler.url}/scheduler`);
    await page.locator('nav .pages a', { hasText: 'Backups' }).click();
    await page.waitForURL(`${cluster.scheduler.url}/backups`);
    expect(await page.locator('h1').innerText()).toBe('Backups');
    const settings = page.locator('table.backup-settings');
    expect(await settings.locator('tr', { hasText: 'Backup dir' }).locator('td').innerText()).toContain(backupDir);
    expect(await settings.locator('tr', { hasText: 'Interval' }).locator('td').innerText()).toContain('every 1 h');
    expect(await settings.locator('tr', { hasText: 'Kept' }).locator('td').innerText()).toContain('the newest 7');
    const row = page.locator('table.backups tr', { hasText: backup.name });
    const cells = (await row.locator('td').allInnerTexts()).map((t) => t.trim());
    expect(cells[0]).toBe(backup.name);
    expect(cells[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(cells[2]).toMatch(/^\d+(\.\d)? (B|KiB)$/);
    expect(await page.locator('.recovery').innerText()).toBe('No backup is staged for recovery.');
    // Changing anything is aurora-admin's: the page says how, and offers no control.
    expect(await page.locator('table.backup-commands').innerText()).toContain('aurora-admin scheduler_stage_recovery devcluster BACKUP');
    expect(await page.locator('form, button, input').count()).toBe(0);
    await keepScreenshot(page, 'backups');
    await page.close();
  });

  it('is neither linked nor shown to a user without the permission, who gets the refusal page', async () => {
    const page = await pageAs(browser, 'bob');
    const home = await page.goto(`${cluster.scheduler.url}/scheduler`);
    expect(home?.status()).toBe(200);
    expect(await page.locator('nav .pages a').allInnerTexts()).toEqual(['Updates', 'Cron jobs']);

    const res = await page.goto(`${cluster.scheduler.url}/backups`);
    expect(res?.status()).toBe(403);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.locator('h1').innerText()).toBe('Not allowed');
    expect(await page.locator('.refusal').innerText()).toContain('bob may not thrift.AuroraAdmin:listBackups');
    // The UI's look: its navigation, without the link.
    expect(await page.locator('nav .pages a').allInnerTexts()).toEqual(['Updates', 'Cron jobs']);
    expect(await page.locator('body').innerText()).not.toContain(backup.name);
    await keepScreenshot(page, 'backups-forbidden');
    await page.close();
  });
});
