/**
 * The executor allowance with the compiled scheduler, agent and CLIs at their defaults: a task
 * of Aurora's e2e configs asking for `ram = 1*MB` runs, each holds its ram plus the allowance on
 * the agent (so a 40 MiB agent runs two of them, not forty), the agent limits it to that, and the
 * role's quota and `aurora job inspect` count what the config asked for.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { DEFAULT_EXECUTOR_ALLOWANCE } from '../../scheduler/core/effective-resources.js';
import { detectCgroups, TaskCgroup } from '../../executor/runner/cgroups.js';

const KEY = 'devcluster/www-data/prod/partition_aware';

let cluster: TestCluster;
const aurora = (...args: string[]) => cluster.aurora(...args);
const admin = (...args: string[]) => cluster.admin(...args);

// Aurora's e2e partition_aware.aurora, three instances, in production so quota applies.
const CONFIG = `
import { Process, Resources, Service, SequentialTask, MB } from '@aurora/dsl';

const hello = Process({ name: 'hello_world', cmdline: 'while :; do sleep 10; done' });

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'partition_aware',
    instances: 3,
    production: true,
    task: SequentialTask({ processes: [hello], resources: Resources({ cpu: 0.2, ram: 1 * MB, disk: 8 * MB }) }),
  }),
];
`;

interface StatusTask {
  taskId: string;
  state: string;
  instance: number;
  pendingReason: string | null;
}

async function tasks(): Promise<StatusTask[]> {
  const r = await aurora('job', 'status', KEY, '--json');
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tasks: StatusTask[] }).tasks;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  cluster = await startTestCluster({
    tmpPrefix: 'aurora-allowance-e2e-',
    // The scheduler's --executor-* flags at their defaults; the agent has room for 40 tasks of
    // 1 MiB, or 2 of 1 MiB and the allowance's 16 MiB.
    agents: [{ args: ['--ram-mb', '40', '--kill-grace-ms', '500'] }],
  });
  writeFileSync(path.join(cluster.root, 'partition_aware.aurora.ts'), CONFIG);
}, 60_000);

afterAll(async () => {
  await cluster?.aurora('job', 'killall', KEY);
  await cluster?.stop();
});

describe('a task that asks for 1 MiB, with the default executor allowance', () => {
  it('runs; the agent holds two where forty would fit without the allowance; quota and inspect count what was asked', async () => {
    expect(DEFAULT_EXECUTOR_ALLOWANCE.ramMb).toBe(16);
    // Exactly what the three instances ask for: the allowance takes none of it.
    const quota = await admin('set_quota', 'devcluster', 'www-data', '0.6', '3MB', '24MB');
    expect(quota.code, quota.stderr).toBe(0);
    const created = await aurora('job', 'create', KEY, path.join(cluster.root, 'partition_aware.aurora.ts'));
    expect(created.code, created.stderr).toBe(0);

    const running = await eventually('two instances RUNNING and one waiting', async () => {
      const all = await tasks();
      const up = all.filter((t) => t.state === 'RUNNING');
      return up.length === 2 && all.some((t) => t.state === 'PENDING') ? all : undefined;
    });
    const waiting = running.find((t) => t.state === 'PENDING');
    expect(waiting?.pendingReason).toBe('Insufficient ram on 1 agent (needs 17 MiB: 1 MiB and 16 MiB executor allowance, largest free 6 MiB)');

    const used = await aurora('quota', 'get', 'devcluster/www-data', '--json');
    expect(used.code, used.stderr).toBe(0);
    expect(JSON.parse(used.stdout).prodUse).toMatchObject({ cpu: 0.6, ramMb: 3, diskMb: 24 });

    const inspect = await aurora('job', 'inspect', KEY, path.join(cluster.root, 'partition_aware.aurora.ts'));
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('cpu 0.2, ram 1 MiB, disk 8 MiB');

    // Where the agent can use cgroups, each task's memory limit is its 1 MiB and the allowance.
    const cgroups = detectCgroups();
    if (cgroups) {
      const task = running.find((t) => t.state === 'RUNNING')!;
      const dir = new TaskCgroup(cgroups, task.taskId).dirs[0]!;
      const limit = readFileSync(path.join(dir, cgroups.version === 'v1' ? 'memory.limit_in_bytes' : 'memory.max'), 'utf8').trim();
      expect(limit).toBe(String(17 * 1024 * 1024));
    }
  });
});
