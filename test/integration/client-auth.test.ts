/**
 * The acceptance example, end to end with the compiled CLIs against a scheduler
 * process started with --security-ini and a real agent: alice is an admin (`*`), bob may only
 * set quotas, carol may do nothing. Each user has their own home with their own .netrc, as on
 * a shared machine. alice's password is stored as a hash printed by `aurora-admin hash_password`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, projectRoot, runCli } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/hello';
const CONFIG = path.join(projectRoot, 'examples', 'hello_world.aurora.ts');

let cluster: TestCluster;
let root: string;

type User = 'alice' | 'bob' | 'carol' | 'mallory';

/** Runs a CLI as a user: their HOME, so their .netrc. */
function as(user: User, bin: string, ...args: string[]) {
  return cluster.run(bin, args, { env: { HOME: path.join(root, user) } });
}
const aurora = (user: User, ...args: string[]) => as(user, BINS.aurora, ...args);
const admin = (user: User, ...args: string[]) => as(user, BINS.auroraAdmin, ...args);

beforeAll(async () => {
  const hashed = await runCli(BINS.auroraAdmin, ['hash_password'], { input: 'alice-secret\n' });
  expect(hashed.code, hashed.stderr).toBe(0);
  const aliceHash = hashed.stdout.trim();
  expect(aliceHash).toMatch(/^scrypt\$/);
  cluster = await startTestCluster({
    tmpPrefix: 'aurora-auth-',
    securityIni: [
      '[users]',
      `alice = ${aliceHash}, admin`,
      'bob = bob-secret, quota_admin',
      'carol = carol-secret',
      '',
      '[roles]',
      'admin = *',
      'quota_admin = thrift.AuroraAdmin:setQuota',
      '',
    ].join('\n'),
    agents: [{ args: ['--kill-grace-ms', '500'] }],
  });
  root = cluster.root;
  cluster.home('alice', 'alice', 'alice-secret');
  cluster.home('bob', 'bob', 'bob-secret');
  cluster.home('carol', 'carol', 'carol-secret');
  cluster.home('mallory', 'alice', 'guessed-wrong');
}, 60_000);

afterAll(async () => {
  if (cluster) await aurora('alice', 'job', 'kill', KEY);
  await cluster?.stop();
});

describe('users, roles and permissions from security.ini', () => {
  it("warns at start-up of the plain passwords, naming the line, and never prints one", () => {
    expect(cluster.scheduler.log()).toMatch(/security\.ini:3: the password of user bob is plain text/);
    expect(cluster.scheduler.log()).not.toContain('bob-secret');
  });

  it('lets carol (no permissions) and bob (setQuota only) create nothing: exit 8 naming the permission', async () => {
    for (const user of ['carol', 'bob'] as const) {
      const r = await aurora(user, 'job', 'create', KEY, CONFIG);
      expect(r.code, r.stderr).toBe(8);
      expect(r.stderr).toContain(user);
      expect(r.stderr).toContain('thrift.AuroraSchedulerManager:createJob:www-data:prod:hello');
    }
    const status = await aurora('alice', 'job', 'status', KEY);
    expect(status.stdout + status.stderr).not.toContain('RUNNING');
  });

  it('lets bob set a quota, and refuses it to carol (exit 8)', async () => {
    const bob = await admin('bob', 'set_quota', 'devcluster', 'www-data', '2', '1GB', '2GB');
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout).toContain('Response from scheduler: OK');
    const carol = await admin('carol', 'set_quota', 'devcluster', 'www-data', '100', '100GB', '100GB');
    expect(carol.code).toBe(8);
    expect(carol.stderr).toContain('thrift.AuroraAdmin:setQuota');
    // Reads stay open (no --restrict-reads): anyone sees the quota bob set, not carol's.
    const quota = await aurora('carol', 'quota', 'get', 'devcluster/www-data', '--json');
    expect(quota.code, quota.stderr).toBe(0);
    expect(JSON.parse(quota.stdout)).toMatchObject({ quota: { cpu: 2, ramMb: 1024, diskMb: 2048 } });
  });

  it('lets alice (*) create, run and kill a job, and records her in the audit trail', async () => {
    const created = await aurora('alice', 'job', 'create', KEY, CONFIG, '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('RUNNING');
    const killed = await aurora('alice', 'job', 'kill', KEY, '--message', 'maintenance window');
    expect(killed.code, killed.stderr).toBe(0);
    // The job is gone; its task stays in the history, open to read.
    const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&history=true`);
    const { tasks } = (await res.json()) as { tasks: { events: { state: string; message?: string }[] }[] };
    const messages = tasks.flatMap((t) => t.events.map((e) => e.message));
    expect(messages).toContain('Created by alice');
    expect(messages).toContain('Killed by alice: maintenance window');
  });

  it('refuses a wrong password with exit 30, saying where the credentials were read from', async () => {
    const r = await aurora('mallory', 'job', 'create', KEY, CONFIG);
    expect(r.code).toBe(30);
    expect(r.stderr).toContain(path.join(root, 'mallory', '.netrc'));
    expect(r.stderr).toContain('alice');
    expect(r.stderr).not.toContain('guessed-wrong');
  });

  it('refuses a user with no .netrc entry with exit 30, naming the file and machine to add', async () => {
    mkdirSync(path.join(root, 'nobody'), { recursive: true });
    const r = await as('nobody' as User, BINS.aurora, 'job', 'create', KEY, CONFIG);
    expect(r.code).toBe(30);
    expect(r.stderr).toContain('.netrc');
    expect(r.stderr).toContain('127.0.0.1');
  });
});
