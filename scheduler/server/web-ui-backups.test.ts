/**
 * The web UI's backups page, rendered through the app with a security.ini: what an operator
 * sees (settings, backups, the staged recovery), who may see it and its link, and escaping.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupNowResponse } from '../api/backup-api.js';
import { PATHS } from '../api/routes.js';
import { jobSpec, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';
import { interval } from './web-pages-backups.js';
import { formatBytes } from '../../web/layout.js';

const CLIENT = { 'x-aurora-client': 'test' };

let root: string;
let ini: string;
let h: Harness | undefined;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'aurora-web-backups-'));
  ini = join(root, 'security.ini');
  // alice: everything; olga: backups listed, not the recovery; bob: reads jobs only.
  writeFileSync(
    ini,
    `[users]
alice = secret-a, admin
olga = secret-o, lister
bob = secret-b, reader

[roles]
admin = *
lister = thrift.AuroraAdmin:listBackups, thrift.AuroraSchedulerManager:*
reader = thrift.AuroraSchedulerManager:*
`,
  );
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const as = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:secret-${user[0]}`).toString('base64')}` });

async function start(backupDir: string | null, options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness({
    securityIniPath: ini,
    restrictReads: true,
    backups: backupDir ? { dir: backupDir, intervalMs: 2 * 60 * 60_000, keep: 5 } : null,
    ...options,
  });
  return h;
}

async function page(url: string, user: string | null) {
  const res = await h!.app.inject({ method: 'GET', url, headers: user ? as(user) : {} });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.body };
}

async function backupNow(): Promise<BackupNowResponse['backup']> {
  const res = await h!.app.inject({ method: 'POST', url: PATHS.backups, headers: { ...as('alice'), ...CLIENT } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as BackupNowResponse).backup;
}

const NAV_LINK = '<a href="/backups">Backups</a>';

describe('the backups page', () => {
  it('shows an operator the backup dir, interval, keep-N, each backup and the staged recovery with its counts', async () => {
    const dir = join(root, 'backups-1');
    await start(dir);
    const empty = await page('/backups', 'alice');
    expect(empty.status).toBe(200);
    expect(empty.type).toMatch(/^text\/html/);
    expect(empty.body).toContain('No backups yet. Make one with <code>aurora-admin scheduler_backup_now devcluster</code>');
    expect(empty.body).toContain('No backup is staged for recovery.');

    expect((await h!.app.inject({ method: 'POST', url: PATHS.jobs, headers: as('alice'), payload: { spec: jobSpec({ instances: 2 }) } })).statusCode).toBe(201);
    const backup = await backupNow();
    const { body } = await page('/backups', 'alice');
    expect(body).toContain(`<code>${dir}</code>`);
    expect(body).toContain('every 2 h <small>--backup-interval-ms 7200000</small>');
    expect(body).toContain('the newest 5;');
    expect(body).toMatch(new RegExp(`<tr><td><code>${backup.name}</code></td><td class="nowrap">\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ</td><td class="nowrap">${formatBytes(backup.bytes)}</td></tr>`));
    // Read-only: the verbs that change anything are aurora-admin's, named on the page.
    expect(body).not.toMatch(/<form|<button/);
    expect(body).toContain('<code>aurora-admin scheduler_stage_recovery devcluster BACKUP</code>');
    expect(body).toContain('<code>aurora-admin scheduler_commit_recovery devcluster</code>');

    const staged = await h!.app.inject({ method: 'POST', url: PATHS.recoveryStage, headers: { ...as('alice'), ...CLIENT }, payload: { backup: backup.name } });
    expect(staged.statusCode, staged.body).toBe(200);
    const withRecovery = (await page('/backups', 'alice')).body;
    expect(withRecovery).toContain(`Backup <code>${backup.name}</code> is staged for recovery`);
    expect(withRecovery).toContain('<span class="state SCHEDULED">staged</span>');
    expect(withRecovery).toMatch(/<th>Jobs<\/th><th>Tasks<\/th>[\s\S]*<tr><td>1<\/td><td>2<\/td>/);
  });

  it('is linked in the navigation only for users who may list backups; others get the refusal page without the link', async () => {
    await start(join(root, 'backups-2'));
    expect((await page('/scheduler', 'alice')).body).toContain(NAV_LINK);
    expect((await page('/cron', 'olga')).body).toContain(NAV_LINK);
    const bobs = await page('/scheduler', 'bob');
    expect(bobs.status).toBe(200);
    expect(bobs.body).not.toContain(NAV_LINK);

    const refused = await page('/backups', 'bob');
    expect(refused.status).toBe(403);
    expect(refused.type).toMatch(/^text\/html/);
    expect(refused.body).toContain('<h1>Not allowed</h1>');
    expect(refused.body).toContain('bob may not thrift.AuroraAdmin:listBackups');
    expect(refused.body).not.toContain(NAV_LINK);
    expect((await page('/backups', null)).status).toBe(401);
  });

  it('shows the staged recovery only to users with its permission, and says which', async () => {
    await start(join(root, 'backups-3'));
    await backupNow();
    const { status, body } = await page('/backups', 'olga');
    expect(status).toBe(200);
    expect(body).not.toContain('No backup is staged');
    expect(body).toContain('shown to users with the permission <code>thrift.AuroraAdmin:queryRecovery</code>');
  });

  it('says so where the scheduler keeps no backups, and links no page', async () => {
    await start(null);
    const { status, body } = await page('/backups', 'alice');
    expect(status).toBe(200);
    expect(body).toContain('This scheduler keeps no backups: start it with <code>--backup-dir DIR</code>.');
    expect((await page('/scheduler', 'alice')).body).not.toContain(NAV_LINK);
  });

  it('escapes the backup dir and the cluster name', async () => {
    const dir = join(root, '<img src=x onerror=alert(1)>&"\'');
    mkdirSync(dir);
    await start(dir, { clusterName: '<b>c</b>' });
    const { body } = await page('/backups', 'alice');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('<b>c</b>');
    expect(body).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
    expect(body).toContain('scheduler_backup_now &lt;b&gt;c&lt;/b&gt;');
  });
});

describe('the figures of the backups page', () => {
  it('sizes and intervals', () => {
    expect([formatBytes(812), formatBytes(4400), formatBytes(5 * 1024 * 1024), formatBytes(300 * 1024 * 1024)]).toEqual(['812 B', '4.3 KiB', '5 MiB', '300 MiB']);
    expect([interval(3_600_000), interval(90 * 60_000), interval(45_000), interval(1500)]).toEqual(['1 h', '90 min', '45 s', '1500 ms']);
  });
});
