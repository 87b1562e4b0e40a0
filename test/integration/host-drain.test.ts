/**
 * A host drain end to end: the compiled scheduler and two real agents with distinct `--host`
 * names, a 4-instance service created with the real CLI; `aurora_admin host_drain` of one host
 * moves its tasks to the other (real processes killed and started again), and `host_status`
 * prints DRAINED in Aurora's form; `host_activate` brings it back.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/spread';
const CONFIG = `
import { MB, Process, Resources, Service, Task } from '@aurora/dsl';

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'spread',
    instances: 4,
    task: Task({
      processes: [Process({ name: 'sleeper', cmdline: 'sleep 600' })],
      resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
    }),
  }),
];
`;

interface Task {
  state: string;
  host: string | null;
}

let cluster: TestCluster;

const aurora = (...args: string[]) => cluster.aurora(...args);
const admin = (...args: string[]) => cluster.admin(...args);

async function activeTasks(): Promise<Task[]> {
  const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&name=spread`);
  return ((await res.json()) as { tasks: Task[] }).tasks.filter((t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state));
}

beforeAll(async () => {
  cluster = await startTestCluster({
    tmpPrefix: 'aurora-drain-',
    agents: ['rack1-host', 'rack2-host'].map((host) => ({ dir: host, args: ['--host', host, '--kill-grace-ms', '300'] })),
  });
  writeFileSync(path.join(cluster.root, 'spread.aurora.ts'), CONFIG);
}, 60_000);

afterAll(async () => {
  await cluster?.aurora('job', 'kill', KEY);
  await cluster?.stop();
});

describe('draining a host', () => {
  it('moves its tasks to the other host, shows DRAINED, and takes it back on host_activate', async () => {
    const created = await aurora('job', 'create', KEY, path.join(cluster.root, 'spread.aurora.ts'), '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    expect(new Set((await activeTasks()).map((t) => t.host))).toEqual(new Set(['rack1-host', 'rack2-host']));

    const drained = await admin('host_drain', 'devcluster', '--hosts=rack1-host');
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stderr).toContain(' INFO] rack1-host is in state: DRAINED');
    const status = await admin('host_status', 'devcluster', '--hosts=rack1-host,rack2-host');
    expect(status.stderr.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[5])).toEqual(['DRAINED', 'NONE']);

    // Every instance runs again, all on the other host.
    const deadline = Date.now() + 30_000;
    let tasks = await activeTasks();
    while (!(tasks.length === 4 && tasks.every((t) => t.state === 'RUNNING')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      tasks = await activeTasks();
    }
    expect(tasks.map((t) => [t.state, t.host])).toEqual(Array(4).fill(['RUNNING', 'rack2-host']));

    const back = await admin('host_activate', 'devcluster', '--hosts=rack1-host');
    expect(back.stderr).toBe(' INFO] rack1-host is in state: NONE\n');
  }, 90_000);
});
