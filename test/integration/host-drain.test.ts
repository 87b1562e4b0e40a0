/**
 * A host drain end to end: the compiled scheduler and two real agents with distinct `--host`
 * names, a 4-instance service created with the real CLI; `aurora_admin host_drain` of one host
 * moves its tasks to the other (real processes killed and started again), and `host_status`
 * prints DRAINED in Aurora's form; `host_activate` brings it back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, runCli, startAgent, startScheduler, type Daemon } from '../../devcluster/daemons.js';

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

let root: string;
let env: NodeJS.ProcessEnv;
let scheduler: Daemon;
const agents: Daemon[] = [];

const aurora = (...args: string[]) => runCli(BINS.aurora, args, { env });
const admin = (...args: string[]) => runCli(BINS.auroraAdmin, args, { env });

async function activeTasks(): Promise<Task[]> {
  const res = await fetch(`${scheduler.url}/api/v1/tasks?role=www-data&name=spread`);
  return ((await res.json()) as { tasks: Task[] }).tasks.filter((t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state));
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'aurora-drain-'));
  scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
  for (const host of ['rack1-host', 'rack2-host']) {
    agents.push(
      await startAgent({ schedulerUrl: scheduler.url, dataDir: path.join(root, host), extraArgs: ['--host', host, '--kill-grace-ms', '300'] }),
    );
  }
  writeFileSync(path.join(root, 'clusters.json'), JSON.stringify([{ name: 'devcluster', scheduler_uri: scheduler.url, auth_mechanism: 'UNAUTHENTICATED' }]));
  writeFileSync(path.join(root, 'spread.aurora.ts'), CONFIG);
  env = { ...process.env, AURORA_CONFIG_ROOT: root, AURORA_CACHE_DIR: path.join(root, 'cache') };
}, 60_000);

afterAll(async () => {
  await aurora('job', 'kill', KEY);
  for (const agent of agents) await agent.stop();
  await scheduler?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('draining a host', () => {
  it('moves its tasks to the other host, shows DRAINED, and takes it back on host_activate', async () => {
    const created = await aurora('job', 'create', KEY, path.join(root, 'spread.aurora.ts'), '--wait-until', 'RUNNING');
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
