/**
 * A rolling update survives the scheduler being killed with SIGKILL half-way: the compiled
 * scheduler and agent on loopback, a 3-instance service created with the real CLI, an update
 * started through the API, the scheduler killed once the first instance runs the new config and
 * started again on the same data dir and port; the update goes on where it was and ends
 * ROLLED_FORWARD with every instance on the new config, one task each.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/sleeper';
const config = (version: string, healthy = true) => `
import { HealthCheckConfig, MB, Process, Resources, Service, ShellHealthChecker, Task, UpdateConfig } from '@aurora/dsl';

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'sleeper',
    instances: 3,
    updateConfig: UpdateConfig({ batchSize: 1, watchSecs: 1, rollbackOnFailure: true }),
    healthCheckConfig: HealthCheckConfig({
      healthChecker: ShellHealthChecker({ shellCommand: '${healthy ? 'true' : 'false'}' }),
      initialIntervalSecs: 1,
      intervalSecs: 1,
      maxConsecutiveFailures: 1,
    }),
    task: Task({
      processes: [Process({ name: 'sleeper', cmdline: 'echo ${version}; sleep 600' })],
      resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
    }),
  }),
];
`;

interface Update {
  id: string;
  status: string;
  lastModifiedAt: number;
  toSpecHash: string;
  instances: { instance: number; status: string }[];
}
interface Task {
  instance: number;
  state: string;
  specHash: string;
}

let cluster: TestCluster;
let root: string;

const aurora = (...args: string[]) => cluster.aurora(...args);
const api = (p: string) => `${cluster.scheduler.url}/api/v1${p}`;

async function activeOrLatest(id: string): Promise<Update> {
  const res = await fetch(api(`/jobs/www-data/prod/sleeper/updates/${id}`));
  return ((await res.json()) as { update: Update }).update;
}

/** Follows the update with held reads until `done` says so. */
async function follow(id: string, done: (u: Update) => boolean, timeoutMs: number): Promise<Update> {
  const deadline = Date.now() + timeoutMs;
  let u = await activeOrLatest(id);
  while (!done(u)) {
    if (Date.now() > deadline) throw new Error(`update ${id} is ${u.status}: ${JSON.stringify(u.instances)}`);
    const res = await fetch(api(`/jobs/www-data/prod/sleeper/updates/${id}?since=${u.lastModifiedAt}&waitMs=2000`));
    u = ((await res.json()) as { update: Update }).update;
  }
  return u;
}

async function activeTasks(): Promise<Task[]> {
  const res = await fetch(api('/tasks?role=www-data&environment=prod&name=sleeper'));
  const tasks = ((await res.json()) as { tasks: Task[] }).tasks;
  return tasks.filter((t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state)).sort((a, b) => a.instance - b.instance);
}

beforeAll(async () => {
  cluster = await startTestCluster({ tmpPrefix: 'aurora-update-', agents: [{ args: ['--kill-grace-ms', '300'] }] });
  root = cluster.root;
  writeFileSync(path.join(root, 'v1.aurora.ts'), config('v1'));
  writeFileSync(path.join(root, 'v2.aurora.ts'), config('v2'));
  writeFileSync(path.join(root, 'v3.aurora.ts'), config('v3', false));
}, 60_000);

afterAll(async () => {
  await cluster?.aurora('job', 'kill', KEY);
  await cluster?.stop();
});

describe('a rolling update and a scheduler killed half-way', () => {
  it('goes on after the restart where it was, and ends ROLLED_FORWARD with every instance on the new config', async () => {
    const created = await aurora('job', 'create', KEY, path.join(root, 'v1.aurora.ts'), '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    const inspected = await aurora('job', 'inspect', KEY, path.join(root, 'v2.aurora.ts'), '--json');
    expect(inspected.code, inspected.stderr).toBe(0);
    const res = await fetch(api('/jobs/www-data/prod/sleeper/updates'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: JSON.parse(inspected.stdout), message: 'v2' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { update } = (await res.json()) as { update: Update };

    const half = await follow(update.id, (u) => u.instances.some((i) => i.status === 'SUCCEEDED'), 30_000);
    expect(half.status).toBe('ROLLING_FORWARD');
    // Started again on the same data dir and port.
    await cluster.restartScheduler({ signal: 'SIGKILL' });

    const after = await activeOrLatest(update.id);
    expect(after.instances.filter((i) => i.status === 'SUCCEEDED').length).toBeGreaterThanOrEqual(1);
    const done = await follow(update.id, (u) => !u.status.startsWith('ROLLING') && !u.status.includes('PAUSED'), 60_000);
    expect(done.status).toBe('ROLLED_FORWARD');
    const tasks = await activeTasks();
    expect(tasks.map((t) => [t.instance, t.state, t.specHash === done.toSpecHash])).toEqual([
      [0, 'RUNNING', true],
      [1, 'RUNNING', true],
      [2, 'RUNNING', true],
    ]);
  }, 120_000);

  it('rolls back by itself to a version whose health check never passes: aurora update start --wait exits 4 and update list says ROLLED_BACK', async () => {
    const before = await activeTasks();
    const started = await aurora('update', 'start', KEY, path.join(root, 'v3.aurora.ts'), '--wait');
    expect(started.code, started.stdout + started.stderr).toBe(4);
    const list = await aurora('update', 'list', 'devcluster/www-data/prod/sleeper', '--status', 'failed', '--write-json');
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as { status: string }[];
    expect(rows.map((r) => r.status)).toEqual(['ROLLED_BACK']);
    const after = await activeTasks();
    expect(after.map((t) => [t.instance, t.state, t.specHash])).toEqual(before.map((t) => [t.instance, 'RUNNING', t.specHash]));
  }, 120_000);
});
