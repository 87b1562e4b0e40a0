/**
 * Backup and recovery end to end, with the compiled scheduler, a real agent and the real CLIs:
 * a job, a quota, a cron job and a host in maintenance are backed up with
 * `aurora_admin scheduler_backup_now`; then everything is killed and undone; the backup is
 * listed, staged, looked at and committed; the scheduler starts again from it in its own process
 * on the same address, and everything is back: the job runs its instances again (the agent's
 * tasks were killed, so the restored ones are found missing and replaced), and the quota, the
 * cron schedule and the maintenance mode are as they were.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/kept';
const CRON_KEY = 'devcluster/www-data/prod/nightly';
const CONFIG = `
import { MB, Process, Resources, Service, Job, Task } from '@aurora/dsl';

const task = Task({
  processes: [Process({ name: 'sleeper', cmdline: 'sleep 600' })],
  resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
});

export const jobs = [
  Service({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'kept', instances: 2, task }),
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'nightly', cronSchedule: '0 3 * * *', task }),
];
`;

let cluster: TestCluster;

const aurora = (...args: string[]) => cluster.aurora(...args);
const admin = (...args: string[]) => cluster.admin(...args);

async function running(): Promise<number> {
  const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&name=kept`);
  return ((await res.json()) as { tasks: { state: string }[] }).tasks.filter((t) => t.state === 'RUNNING').length;
}

beforeAll(async () => {
  cluster = await startTestCluster({
    tmpPrefix: 'aurora-backup-',
    schedulerArgs: (root) => ['--backup-dir', path.join(root, 'backups'), '--backup-interval-ms', '0'],
    agents: [{ args: ['--kill-grace-ms', '300'] }],
  });
  writeFileSync(path.join(cluster.root, 'jobs.aurora.ts'), CONFIG);
}, 60_000);

afterAll(async () => {
  await cluster?.aurora('job', 'killall', KEY);
  await cluster?.stop();
});

describe('backup and recovery', () => {
  it('brings back every job, quota, cron schedule and maintenance mode after everything was killed and undone', async () => {
    const config = path.join(cluster.root, 'jobs.aurora.ts');
    const created = await aurora('job', 'create', KEY, config, '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    expect((await admin('set_quota', 'devcluster', 'www-data', '4', '4GB', '8GB')).code).toBe(0);
    const cron = await aurora('cron', 'schedule', CRON_KEY, config);
    expect(cron.code, cron.stderr).toBe(0);
    expect((await admin('host_deactivate', 'devcluster', '--hosts=spare-host')).code).toBe(0);

    const backup = await admin('scheduler_backup_now', 'devcluster');
    expect(backup.code, backup.stderr).toBe(0);
    const name = /Backup (scheduler-backup-[\d-]+) written: 1 job\(s\), 2 task\(s\)/.exec(backup.stdout)?.[1];
    expect(name, backup.stdout).toBeDefined();

    // Everything is killed and undone.
    expect((await aurora('job', 'killall', KEY)).code).toBe(0);
    expect((await aurora('cron', 'deschedule', CRON_KEY)).code).toBe(0);
    expect((await admin('set_quota', 'devcluster', 'www-data', '0', '0MB', '0MB')).code).toBe(0);
    expect((await admin('host_activate', 'devcluster', '--hosts=spare-host')).code).toBe(0);
    expect(await running()).toBe(0);

    const listed = await admin('scheduler_list_backups', 'devcluster');
    expect(listed.stdout.split('\n').filter(Boolean)).toEqual(['1 available backups:', name]);
    const staged = await admin('scheduler_stage_recovery', 'devcluster', name!);
    expect(staged.code, staged.stderr).toBe(0);
    expect(staged.stdout).toContain(`Backup ${name} is staged`);
    const tasks = await admin('scheduler_print_recovery_tasks', 'devcluster');
    const rows = tasks.stdout.split('\n').filter(Boolean);
    expect(rows[0]).toBe('Role\tJob\tShard\tStatus\tTask ID');
    expect(rows.slice(1).map((r) => r.split('\t').slice(0, 4).join(' ')).sort()).toEqual(['www-data kept 0 RUNNING', 'www-data kept 1 RUNNING']);

    const committed = await admin('scheduler_commit_recovery', 'devcluster');
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout).toContain('The scheduler serves the recovered state.');

    // The job is back and runs its instances again.
    const status = await aurora('job', 'status', KEY, '--json');
    expect(status.code, status.stderr).toBe(0);
    for (let i = 0; i < 100 && (await running()) < 2; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await running()).toBe(2);
    const quota = await aurora('quota', 'get', 'devcluster/www-data', '--json');
    expect(JSON.parse(quota.stdout).quota).toMatchObject({ cpu: 4, ramMb: 4096, diskMb: 8192 });
    expect((await aurora('cron', 'show', CRON_KEY)).code).toBe(0);
    const host = await admin('host_status', 'devcluster', '--hosts=spare-host');
    expect(host.stderr).toContain(' INFO] spare-host is in state: SCHEDULED');
    // The same address still serves, and nothing is staged any more.
    expect((await admin('scheduler_print_recovery_tasks', 'devcluster')).code).not.toBe(0);
  }, 120_000);
});
