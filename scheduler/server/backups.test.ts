/**
 * Backups and recovery through the scheduler's API, on a real SQLite store and backup dir, with
 * an injected clock and a played agent: back up, change everything, stage, trim, commit, and a
 * scheduler opened again on the store holds exactly what was backed up.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { BackupNowResponse, RecoveryStatus, RecoveryTasksResponse } from '../api/backup-api.js';
import { PATHS } from '../api/routes.js';
import type { LoadedState } from '../storage/storage.js';
import { PlayedAgents } from '../testing/played-agents.js';
import { FakeClock, jobSpec, startHarness, type Harness } from '../testing/scheduler-harness.js';

const CLIENT = { 'x-aurora-client': 'test' };

let h: Harness;
let clock: FakeClock;
let played: PlayedAgents;
let backupDir: string;
let restarts: number;

const post = <T>(url: string, payload?: object) => h.post<T>(url, payload);
const get = <T>(url: string) => h.get<T>(url);

let dataDir: string;

/** A scheduler on the test's data dir (kept when it closes, so another can open the store). */
async function open(): Promise<Harness> {
  let n = 0;
  return startHarness({
    clock,
    dataDir,
    newUpdateId: () => `update-${++n}`,
    backups: { dir: backupDir, intervalMs: 60 * 60_000, keep: 3 },
    onRecoveryCommitted: () => restarts++,
  });
}

/** The state as plain JSON, for comparing a restored scheduler with the one backed up. */
function plain(state: LoadedState): unknown {
  return JSON.parse(
    JSON.stringify({
      ...state,
      specs: [...state.specs].sort(),
      quotas: [...state.quotas],
      cronJobs: [...state.cronJobs],
      maintenance: [...state.maintenance],
    }),
  );
}

function service(overrides: Partial<JobSpec> = {}): JobSpec {
  const base = jobSpec({ service: true, instances: 2, ...overrides });
  return { ...base, updateConfig: { ...base.updateConfig, watchSecs: 10 } };
}

beforeEach(async () => {
  clock = new FakeClock();
  restarts = 0;
  backupDir = mkdtempSync(join(tmpdir(), 'aurora-backups-test-'));
  dataDir = mkdtempSync(join(tmpdir(), 'aurora-backups-data-'));
  h = await open();
  played = new PlayedAgents(() => h);
  await played.register('host1');
});
afterEach(async () => {
  await h.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(backupDir, { recursive: true, force: true });
});

describe('backups and recovery', () => {
  it('restores every job, task, quota, update, cron job and maintenance mode after they all changed', async () => {
    // A cluster with a bit of everything.
    expect((await h.createJob(service())).status).toBe(201);
    await played.round();
    expect((await post(PATHS.quota('www-data'), { quota: { cpu: 8, ramMb: 8192, diskMb: 8192, gpu: 0 } })).status).toBe(200);
    const cron = jobSpec({ name: 'nightly', instances: 1, cronSchedule: '0 3 * * *' });
    expect((await post(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: cron })).status).toBe(200);
    const v2 = service({ priority: 5 });
    expect((await post(PATHS.jobUpdates('www-data', 'prod', 'hello'), { spec: v2 })).status).toBe(200);
    await played.round();
    expect((await post(PATHS.maintenanceStart, { hosts: ['host9'] })).status).toBe(200);
    await h.settle();
    const before = plain(h.app.scheduler.state.snapshot());

    const made = await post<BackupNowResponse>(PATHS.backups);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const name = made.body.backup.name;
    expect(name).toBe('scheduler-backup-2025-01-01-00-00');
    expect(made.body.backup.counts).toMatchObject({ jobs: 1, quotas: 1, cronJobs: 1, maintenance: 1, updates: 1 });

    // Everything changes after the backup.
    await post(PATHS.jobUpdateAction('www-data', 'prod', 'hello', 'abort'));
    expect((await post(PATHS.jobKill('www-data', 'prod', 'hello'), {})).status).toBe(200);
    await played.round();
    await post(PATHS.quota('www-data'), { quota: { cpu: 1, ramMb: 1, diskMb: 1, gpu: 0 } });
    expect((await h.app.inject({ method: 'DELETE', url: PATHS.cronJob('www-data', 'prod', 'nightly'), headers: CLIENT })).statusCode).toBe(200);
    await post(PATHS.maintenanceEnd, { hosts: ['host9'] });
    expect(plain(h.app.scheduler.state.snapshot())).not.toEqual(before);

    // Listed, staged, looked at.
    expect((await get<{ backups: { name: string }[] }>(PATHS.backups)).body.backups.map((b) => b.name)).toEqual([name]);
    const staged = await post<RecoveryStatus>(PATHS.recoveryStage, { backup: name });
    expect(staged.status, JSON.stringify(staged.body)).toBe(200);
    expect(staged.body.staged).toMatchObject({ backup: name, counts: { jobs: 1 } });
    const listed = await get<RecoveryTasksResponse>(PATHS.recoveryTasks);
    expect(listed.body.tasks.length).toBeGreaterThan(0);
    expect(listed.body.tasks.every((t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state))).toBe(true);

    // Committed: the store holds the backup, and this scheduler takes no more changes.
    const committed = await post<RecoveryStatus>(PATHS.recoveryCommit);
    expect(committed.status, JSON.stringify(committed.body)).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(restarts).toBe(1);
    const refused = await h.app.inject({ method: 'POST', url: PATHS.jobs, headers: CLIENT, payload: { spec: jobSpec({ name: 'late' }) } });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('RECOVERING');

    // A scheduler opened on the store again has it all back, as it was.
    await h.close();
    h = await open();
    expect(plain(h.app.scheduler.state.snapshot())).toEqual(before);
    const job = await get<{ job: { summary: { instances: number } } }>(PATHS.job('www-data', 'prod', 'hello'));
    expect(job.status).toBe(200);
    expect((await get<{ quota: { cpu: number } }>(PATHS.quota('www-data'))).body.quota.cpu).toBe(8);
    expect((await get(PATHS.cronJob('www-data', 'prod', 'nightly'))).status).toBe(200);
    expect((await get<{ hosts: { host: string; mode: string }[] }>(`${PATHS.maintenance}?hosts=host9`)).body.hosts[0]?.mode).toBe('SCHEDULED');
    expect((await get<{ update: { status: string } }>(PATHS.jobUpdate('www-data', 'prod', 'hello', 'active'))).body.update.status).toBe('ROLLING_FORWARD');
  });

  it('deletes tasks from a staged recovery before it is committed', async () => {
    expect((await h.createJob(service({ instances: 3 }))).status).toBe(201);
    await played.round();
    const name = (await post<BackupNowResponse>(PATHS.backups)).body.backup.name;
    await post<RecoveryStatus>(PATHS.recoveryStage, { backup: name });
    const tasks = (await get<RecoveryTasksResponse>(PATHS.recoveryTasks)).body.tasks;
    expect(tasks.map((t) => t.instance).sort()).toEqual([0, 1, 2]);
    const victim = tasks.find((t) => t.instance === 1)!.taskId;
    const deleted = await post<{ deleted: string[]; missing: string[] }>(PATHS.recoveryTasksDelete, { taskIds: [victim, 'no-such-task'] });
    expect(deleted.body).toEqual({ deleted: [victim], missing: ['no-such-task'] });
    expect((await get<RecoveryTasksResponse>(PATHS.recoveryTasks)).body.tasks.map((t) => t.instance).sort()).toEqual([0, 2]);
    expect((await post(PATHS.recoveryCommit)).status).toBe(200);
    await new Promise((r) => setImmediate(r));
    expect(restarts).toBe(1);
    await h.close();
    h = await open();
    expect(h.app.scheduler.state.task(victim)).toBeUndefined();
    expect(h.app.scheduler.state.taskCount).toBe(2);
  });

  it('unloads a staged recovery and changes nothing', async () => {
    expect((await h.createJob(service())).status).toBe(201);
    const name = (await post<BackupNowResponse>(PATHS.backups)).body.backup.name;
    expect((await post(PATHS.recoveryStage, { backup: name })).status).toBe(200);
    const again = await post<{ error: { code: string; message: string } }>(PATHS.recoveryStage, { backup: name });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('unload it first');
    expect((await post<RecoveryStatus>(PATHS.recoveryUnload)).body).toEqual({ staged: null });
    const none = await get<{ error: { code: string; message: string } }>(PATHS.recoveryTasks);
    expect(none.status).toBe(409);
    expect(none.body.error.message).toContain('scheduler_stage_recovery');
    expect((await post(PATHS.recoveryCommit)).status).toBe(409);
    expect(restarts).toBe(0);
  });

  it('backs up every --backup-interval-ms by the clock and keeps the newest --max-saved-backups', async () => {
    expect(h.app.scheduler.backups.list()).toEqual([]);
    for (let i = 0; i < 5; i++) {
      clock.advance(60 * 60_000);
      await played.round();
      await h.app.background.tick();
      await h.app.scheduler.backups.backupNow(); // waits for the one the tick started
    }
    const names = readdirSync(backupDir).sort();
    expect(names).toHaveLength(3);
    expect(names.every((n) => /^scheduler-backup-2025-01-01-0[3-5]-00$/.test(n))).toBe(true);
    // Two within one minute never overwrite each other.
    const first = (await post<BackupNowResponse>(PATHS.backups)).body.backup.name;
    const second = (await post<BackupNowResponse>(PATHS.backups)).body.backup.name;
    expect(first).toMatch(/^scheduler-backup-2025-01-01-05-00-\d$/);
    expect(second).toBe(`scheduler-backup-2025-01-01-05-00-${Number(first.at(-1)) + 1}`);
  });

  it('refuses unknown, malformed, damaged and newer backups with what is wrong, and stages nothing', async () => {
    const refused = async (backup: string) => {
      const res = await post<{ error: { code: string; message: string } }>(PATHS.recoveryStage, { backup });
      expect((await get<RecoveryStatus>(PATHS.recovery)).body.staged).toBeNull();
      return { status: res.status, ...res.body.error };
    };
    expect(await refused('scheduler-backup-2020-01-01-00-00')).toMatchObject({ status: 404, code: 'BACKUP_NOT_FOUND' });
    expect(await refused('../../etc/passwd')).toMatchObject({ status: 404, message: expect.stringContaining('is not a backup name') });

    const name = (await post<BackupNowResponse>(PATHS.backups)).body.backup.name;
    const write = (n: string, lines: unknown[]) => writeFileSync(join(backupDir, n), gzipSync(lines.map((l) => JSON.stringify(l)).join('\n')));
    const header = { format: 'aurora-ts-scheduler-backup', version: 1, cluster: 'devcluster', createdAt: 1, writtenBy: 't', counts: { specs: 0, jobs: 0, tasks: 0, agents: 0, quotas: 1, updates: 0, cronJobs: 0, maintenance: 0 } };
    write('scheduler-backup-2030-01-01-00-00', [{ ...header, version: 2, writtenBy: '9.0.0' }]);
    expect(await refused('scheduler-backup-2030-01-01-00-00')).toMatchObject({
      status: 400,
      code: 'INVALID_BACKUP',
      message: expect.stringContaining('format version 2, newer than this scheduler reads (up to 1)'),
    });
    write('scheduler-backup-2030-01-01-00-01', [header, ['quota', 'www-data', { cpu: 1, ramMb: 1, diskMb: 1, gpu: 0 }]]);
    expect((await refused('scheduler-backup-2030-01-01-00-01')).message).toContain('cut short');
    write('scheduler-backup-2030-01-01-00-02', [header, ['quota', 'www-data', { cpu: 'lots' }]]);
    expect((await refused('scheduler-backup-2030-01-01-00-02')).message).toMatch(/line 2: the quota is not valid: cpu/);
    write('scheduler-backup-2030-01-01-00-03', [{ ...header, cluster: 'other' }]);
    expect((await refused('scheduler-backup-2030-01-01-00-03')).message).toContain("of cluster 'other'");
    writeFileSync(join(backupDir, 'scheduler-backup-2030-01-01-00-04'), 'not gzip at all');
    expect(await refused('scheduler-backup-2030-01-01-00-04')).toMatchObject({ status: 400, code: 'INVALID_BACKUP' });
    // The good one still stages.
    expect((await post(PATHS.recoveryStage, { backup: name })).status).toBe(200);
  });

  it('compacts the store on scheduler_snapshot', async () => {
    expect((await h.createJob(service())).status).toBe(201);
    const res = await post<{ message: string }>(PATHS.storageSnapshot);
    expect(res.status).toBe(200);
    expect(res.body.message).toMatch(/bytes\) was written into .*scheduler\.db and truncated/);
  });
});
