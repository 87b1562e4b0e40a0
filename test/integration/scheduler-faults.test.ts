/**
 * The scheduler's promises under faults, with the real compiled processes on loopback: an agent
 * that stops syncing (SIGSTOP) is LOST on time although its held sync's connection stays open,
 * its task's replacement backs off, and when it comes back nothing runs twice; a scheduler
 * killed with SIGKILL loses nothing it acknowledged and keeps its history bound; admission
 * limits reach the `aurora` CLI's user.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentSecretFile, BINS, freePort, runCli, startAgent, startScheduler, type Daemon } from '../../devcluster/daemons.js';
import { AGENT_SECRET_HEADER } from '../../scheduler/api/agent-protocol.js';
import { readSecretFile } from '../../scheduler/api/secret-file.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { PATHS } from '../../scheduler/api/routes.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { jobSpec } from '../../scheduler/testing/scheduler-harness.js';

const daemons: Daemon[] = [];
const roots: string[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0).reverse()) {
    try {
      process.kill(d.child.pid as number, 'SIGCONT');
    } catch {
      // already gone
    }
    await d.stop('SIGKILL');
  }
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'aurora-faults-'));
  roots.push(root);
  return root;
}

async function call(method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    ...(body === undefined
      ? { headers: { 'x-aurora-client': 'test', ...headers } }
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }),
  });
  return { status: res.status, body: await res.json() };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A service whose one process sleeps. */
function sleeper(name: string): JobSpec {
  const spec = jobSpec({ name, service: true, resources: { cpu: 0.1, ramMb: 16, diskMb: 16 } });
  return { ...spec, task: { ...spec.task, processes: [{ ...spec.task.processes[0]!, name: 'sleep', cmdline: 'sleep 600' }] } };
}

/**
 * Live `sleep` processes (zombies do not count) started for a task whose id begins with
 * `taskIdPrefix`, found by the THERMOS_TASK_ID the executor puts in every process's environment.
 */
function processesWith(taskIdPrefix: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (comm !== 'sleep' || state === 'Z') continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.some((v) => v.startsWith(`THERMOS_TASK_ID=${taskIdPrefix}`))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const tasksOf = async (url: string, name: string): Promise<ScheduledTask[]> =>
  (await call('GET', `${url}${PATHS.tasks}?name=${name}&history=true`)).body.tasks as ScheduledTask[];

describe('an agent that stops syncing', () => {
  it('is LOST on time, its replacement backs off, and when it comes back nothing runs twice', async () => {
    const root = tempRoot();
    const name = `lost${process.pid}x${Date.now()}`;
    const marker = `www-data-prod-${name}-0-`;
    const scheduler = await startScheduler({
      dataDir: path.join(root, 'scheduler'),
      extraArgs: ['--agent-lost-timeout-ms', '2000', '--lost-initial-delay-ms', '1500'],
    });
    daemons.push(scheduler);
    const agent = await startAgent({ schedulerUrl: scheduler.url, dataDir: path.join(root, 'agent'), extraArgs: ['--kill-grace-ms', '300'] });
    daemons.push(agent);
    expect((await call('POST', `${scheduler.url}${PATHS.jobs}`, { spec: sleeper(name) })).status).toBe(201);
    const first = await eventually('the task to run', async () => (await tasksOf(scheduler.url, name)).find((t) => t.state === 'RUNNING'));
    // RUNNING is reported once the process is forked; its `sleep` may exec a moment later.
    await eventually('the process to start', async () => (processesWith(marker).length === 1 ? true : undefined), 15_000);

    // The agent freezes: its held sync's connection stays open, but it syncs no more.
    process.kill(agent.child.pid as number, 'SIGSTOP');
    const stoppedAt = Date.now();
    await eventually(
      'the agent to be LOST',
      async () => ((await call('GET', `${scheduler.url}${PATHS.agents}`)).body.agents[0].status === 'LOST' ? true : undefined),
      15_000,
    );
    // The timeout is 2 s and the check runs every second; a held sync no longer counts as alive.
    expect(Date.now() - stoppedAt).toBeLessThan(6_000);
    const afterLoss = await tasksOf(scheduler.url, name);
    expect(afterLoss.find((t) => t.taskId === first.taskId)?.state).toBe('LOST');
    const replacement = afterLoss.find((t) => t.taskId !== first.taskId);
    expect(replacement?.state).toBe('THROTTLED');
    expect(replacement?.throttle?.penaltyMs).toBe(1500);

    // It comes back: the old copy is killed, the replacement runs there, one process in all.
    process.kill(agent.child.pid as number, 'SIGCONT');
    await eventually('the replacement to run', async () =>
      (await tasksOf(scheduler.url, name)).find((t) => t.taskId === replacement!.taskId && t.state === 'RUNNING'),
    );
    await eventually('one process of the instance', async () => (processesWith(marker).length === 1 ? true : undefined), 15_000);
    const current = (await call('GET', `${scheduler.url}${PATHS.job('www-data', 'prod', name)}`)).body.job.tasks as ScheduledTask[];
    expect(current.map((t) => [t.taskId, t.state])).toEqual([[replacement!.taskId, 'RUNNING']]);
    await call('POST', `${scheduler.url}${PATHS.jobKill('www-data', 'prod', name)}`);
    await eventually('no process left', async () => (processesWith(marker).length === 0 ? true : undefined), 15_000);
  });
});

describe('a scheduler killed with SIGKILL', () => {
  it('loses nothing it acknowledged and keeps the history bound when it starts again', async () => {
    const root = tempRoot();
    const port = await freePort();
    const args = ['--history-max-per-job', '2', '--history-min-retention', '0s', '--flapping-threshold-ms', '0'];
    const dataDir = path.join(root, 'scheduler');
    let scheduler = await startScheduler({ dataDir, port, extraArgs: args });
    daemons.push(scheduler);
    const url = scheduler.url;

    // A simulated agent makes one service fail five times.
    const { agentId, token } = (
      await call('POST', `${url}${PATHS.agentRegister}`, {
        host: 'sim1',
        observerUrl: 'http://sim1:1338',
        attributes: {},
        resources: { cpu: 4, ramMb: 4096, diskMb: 4096, gpu: 0 },
        portRange: { begin: 31000, end: 31100 },
        version: 'test',
      }, { [AGENT_SECRET_HEADER]: readSecretFile(agentSecretFile()).value })
    ).body as { agentId: string; token: string };
    let seq = 0;
    expect((await call('POST', `${url}${PATHS.jobs}`, { spec: jobSpec({ name: 'flaky', service: true }) })).status).toBe(201);
    const report = (taskId: string, state: string) => ({ taskId, state, message: null, health: 'UNKNOWN', ports: {} });
    for (let failures = 0; failures < 5; ) {
      const { body } = await call('POST', `${url}${PATHS.agentSync}`, { agentId, token, seq: ++seq, tasks: [], waitMs: 1000 });
      for (const l of body.launch as { taskId: string }[]) {
        await call('POST', `${url}${PATHS.agentSync}`, { agentId, token, seq: ++seq, tasks: [report(l.taskId, 'RUNNING')], waitMs: 0 });
        await call('POST', `${url}${PATHS.agentSync}`, { agentId, token, seq: ++seq, tasks: [report(l.taskId, 'FAILED')], waitMs: 0 });
        failures++;
      }
    }

    // Many creations at once; the scheduler is killed as soon as the last answer arrived.
    const created = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => ({ i, status: (await call('POST', `${url}${PATHS.jobs}`, { spec: jobSpec({ name: `job${i}`, instances: 20 }) })).status })),
    );
    await scheduler.stop('SIGKILL');
    daemons.splice(daemons.indexOf(scheduler), 1);

    scheduler = await startScheduler({ dataDir, port, extraArgs: args });
    daemons.push(scheduler);
    const jobs = (await call('GET', `${url}${PATHS.jobs}`)).body.jobs as { key: { name: string }; taskCounts: Record<string, number> }[];
    for (const { i, status } of created) {
      expect(status).toBe(201);
      const job = jobs.find((j) => j.key.name === `job${i}`);
      // Every instance is there, waiting or placed on the simulated agent.
      expect(Object.values(job?.taskCounts ?? {}).reduce((a, b) => a + b, 0)).toBe(20);
      expect(Object.keys(job?.taskCounts ?? {}).every((s) => s === 'PENDING' || s === 'ASSIGNED')).toBe(true);
    }
    const flaky = await tasksOf(url, 'flaky');
    expect(flaky.filter((t) => t.state === 'FAILED')).toHaveLength(2);
    expect(flaky.filter((t) => t.state !== 'FAILED')).toHaveLength(1);
  });
});

describe('admission limits through the CLI', () => {
  it('tells the user what is too big, and how big it may be', async () => {
    const root = tempRoot();
    const scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler'), extraArgs: ['--max-instances-per-job', '10'] });
    daemons.push(scheduler);
    writeFileSync(path.join(root, 'clusters.json'), JSON.stringify([{ name: 'devcluster', scheduler_uri: scheduler.url, auth_mechanism: 'UNAUTHENTICATED' }]));
    const config = path.join(root, 'limits.aurora.ts');
    writeFileSync(
      config,
      `import { Job, MB, Process, Resources, Task } from '@aurora/dsl';
const resources = Resources({ cpu: 0.1, ram: 8 * MB, disk: 8 * MB });
const small = Task({ processes: [Process({ name: 'p', cmdline: 'sleep 1' })], resources });
// Twenty processes of 60 KB each: every command line fits, the job as a whole is over 1 MiB.
const huge = Task({ processes: Array.from({ length: 20 }, (_, i) => Process({ name: 'p' + i, cmdline: 'echo ' + 'x'.repeat(60_000) })), resources });
const base = { cluster: 'devcluster', role: 'www-data', environment: 'prod' };
export const jobs = [
  Job({ ...base, name: 'many', instances: 11, task: small }),
  Job({ ...base, name: '${'n'.repeat(180)}', task: small }),
  Job({ ...base, name: 'huge', task: huge }),
];
`,
    );
    const create = (name: string) =>
      runCli(BINS.aurora, ['job', 'create', `devcluster/www-data/prod/${name}`, config], { env: { ...process.env, AURORA_CONFIG_ROOT: root } });

    const many = await create('many');
    expect(many.code).toBe(10);
    expect(many.stderr).toContain('Instance count must be between 1 and 10 inclusive.');

    const long = await create('n'.repeat(180));
    expect(long.code).toBe(10);
    expect(long.stderr).toContain('Task ID is too long, please shorten your role or job name');

    const huge = await create('huge');
    expect(huge.code).toBe(10);
    expect(huge.stderr).toMatch(/BODY_TOO_LARGE/);

    // Refused before anything is sent: a key part '..', and a command line no process can be started with.
    const dots = await create('..');
    expect(dots.code).toBe(6);
    expect(dots.stderr).toContain("must not be '.' or '..'");
    const tooLongCommand = path.join(root, 'cmd.aurora.ts');
    writeFileSync(
      tooLongCommand,
      `import { Job, MB, Process, Resources, Task } from '@aurora/dsl';
export const jobs = [Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'cmd',
  task: Task({ processes: [Process({ name: 'p', cmdline: 'echo ' + 'x'.repeat(70_000) })], resources: Resources({ cpu: 0.1, ram: 8 * MB, disk: 8 * MB }) }) })];
`,
    );
    const cmd = await runCli(BINS.aurora, ['job', 'create', 'devcluster/www-data/prod/cmd', tooLongCommand], { env: { ...process.env, AURORA_CONFIG_ROOT: root } });
    expect(cmd.code).toBe(3);
    expect(cmd.stderr).toMatch(/cmdline is 70005 bytes, more than the 65536/);
    expect((await call('GET', `${scheduler.url}${PATHS.jobs}`)).body.jobs).toEqual([]);
  });
});
