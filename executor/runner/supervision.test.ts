import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthCheckSpec, JobSpec, TaskSpec } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { freePort } from '../../devcluster/daemons.js';
import { CHECKPOINT_VERSION, formatRecord, type CheckpointRecord } from '../core/checkpoint.js';
import { ResourceSampleSchema } from '../core/resource-sample.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { detectCgroups, TaskCgroup } from './cgroups.js';
import { readProcStat } from './proc.js';
import { checkpointPath, logPath, sandboxDir } from './sandbox.js';
import { TaskManager, type TaskManagerOptions } from './task-manager.js';
import { SpawnHelper } from './spawn-helper.js';
import { lookupUser } from './users.js';

// Real processes in temp dirs; nothing here asserts on durations.

let dataDir: string;
let manager: TaskManager;
const lines: string[] = [];

async function newManager(extra: Partial<TaskManagerOptions> = {}): Promise<TaskManager> {
  manager?.close();
  manager = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50, gc: null, log: (l) => lines.push(l), ...extra });
  return manager;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-supervision-'));
  lines.length = 0;
  await newManager();
});

afterEach(async () => {
  await manager.killAll('test over');
  manager.close();
  await rm(dataDir, { recursive: true, force: true });
});

function job(task: TaskSpec, extra: Partial<JobSpec> = {}): Partial<Parameters<typeof assignment>[1]> {
  return { job: { ...sampleJobSpec(), key: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' }, task, ...extra } };
}

function launch(task: TaskSpec, taskId: string, ports: Record<string, number> = {}, jobExtra: Partial<JobSpec> = {}) {
  manager.launch(assignment(task, { taskId, ports, ...job(task, jobExtra) }));
  return sandboxDir(dataDir, taskId);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function fileText(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}

/** A tiny HTTP server as a task process: /health answers 200 ok, 500 once the file `sick` exists; POSTs are logged to requests.txt and /quitquitquit exits 0. */
const SERVER = `node -e '
const fs = require("fs");
require("http").createServer((req, res) => {
  if (req.method === "POST") { fs.appendFileSync("requests.txt", req.url + "\\n"); res.end("bye"); if (req.url === "/quitquitquit") setTimeout(() => process.exit(0), 50); return; }
  res.statusCode = fs.existsSync("sick") ? 500 : 200; res.end("ok");
}).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("listening"));
' {{thermos.ports[health]}}`;

const healthCheck = (extra: Partial<HealthCheckSpec> = {}): HealthCheckSpec => ({
  ...sampleJobSpec().healthCheck,
  initialIntervalSecs: 0,
  intervalSecs: 0.1,
  timeoutSecs: 1,
  maxConsecutiveFailures: 1,
  minConsecutiveSuccesses: 1,
  ...extra,
});

describe('kill', () => {
  it('asks the task to quit through its lifecycle endpoint before any signal', async () => {
    const port = await freePort();
    const lifecycle = {
      http: { port: 'health', gracefulShutdownEndpoint: '/quitquitquit', shutdownEndpoint: '/abortabortabort', gracefulShutdownWaitSecs: 30, shutdownWaitSecs: 30 },
    };
    const sandbox = launch(taskSpec([processSpec('web', SERVER)]), 't-lifecycle', { health: port }, { lifecycle, healthCheck: healthCheck({ initialIntervalSecs: 600 }) });
    await vi.waitFor(async () => expect(await fileText(logPath(sandbox, 'web', 0, 'stdout'))).toContain('listening'), { timeout: 10_000 });
    manager.kill('t-lifecycle', 'Killed by the test');
    const end = await manager.waitFor('t-lifecycle');
    expect(end.state).toBe('KILLED');
    expect(await fileText(join(sandbox, 'requests.txt'))).toBe('/quitquitquit\n');
    // It quit by itself (exit 0) well within the 30 s wait: no signal was needed.
    expect(end.processes.web?.[0]).toMatchObject({ state: 'SUCCESS', exitCode: 0 });
  });

  it('leaves no orphan of a process tree behind', async () => {
    const sandbox = launch(taskSpec([processSpec('tree', 'sleep 1000 & echo $! >> pids; bash -c "sleep 1000 & echo \\$! >> pids; wait" & wait')]), 't-tree');
    await vi.waitFor(async () => expect((await fileText(join(sandbox, 'pids'))).trim().split('\n')).toHaveLength(2), { timeout: 10_000 });
    const pids = (await fileText(join(sandbox, 'pids'))).trim().split('\n').map(Number);
    expect(pids.every(alive)).toBe(true);
    manager.kill('t-tree');
    expect((await manager.waitFor('t-tree')).state).toBe('KILLED');
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 10_000 });
  });
});

describe('logs', () => {
  it('rotates a file past its size, keeping the configured backups', async () => {
    const logger = { destination: 'file' as const, mode: 'rotate' as const, logSizeBytes: 10_000, logBackups: 2 };
    const writer = 'for i in $(seq 1 60); do head -c 3000 /dev/zero | tr "\\0" a; echo; sleep 0.03; done; echo done';
    const sandbox = launch(taskSpec([processSpec('chatty', writer, { logger })]), 't-rotate');
    expect((await manager.waitFor('t-rotate')).state).toBe('FINISHED');
    const files = (await readdir(join(sandbox, '.logs', 'chatty', '0'))).sort();
    expect(files).toEqual(['exit', 'stderr', 'stdout', 'stdout.1', 'stdout.2']);
    // Rotated files are the capped size plus what came between two looks, far under the 180 kB written.
    for (const f of ['stdout.1', 'stdout.2']) expect((await readFile(join(sandbox, '.logs', 'chatty', '0', f))).length).toBeLessThan(60_000);
  });

  it('honours the destinations none and console', async () => {
    const forwarded: string[] = [];
    await newManager({ console: (taskId, process, stream, line) => forwarded.push(`${taskId} ${process} ${stream} ${line}`) });
    const none = { destination: 'none' as const, mode: 'standard' as const, logSizeBytes: 1000, logBackups: 0 };
    const consoleOnly = { ...none, destination: 'console' as const };
    const both = { ...none, destination: 'both' as const };
    const sandbox = launch(
      taskSpec([
        processSpec('quiet', 'echo nobody sees this', { logger: none }),
        processSpec('loud', 'echo to the console; echo oops >&2', { logger: consoleOnly }),
        processSpec('twice', 'echo everywhere', { logger: both }),
      ]),
      't-dest',
    );
    expect((await manager.waitFor('t-dest')).state).toBe('FINISHED');
    expect(await fileText(logPath(sandbox, 'quiet', 0, 'stdout'))).toBe('');
    expect(forwarded.sort()).toEqual(['t-dest loud stderr oops', 't-dest loud stdout to the console', 't-dest twice stdout everywhere']);
    expect(await fileText(logPath(sandbox, 'loud', 0, 'stdout'))).toBe('');
    expect(await fileText(logPath(sandbox, 'twice', 0, 'stdout'))).toBe('everywhere\n');
  });
});

describe('health checks', () => {
  it('kills a task whose http check keeps failing; it ends FAILED with the reason', async () => {
    const port = await freePort();
    // The initial interval covers the server's start; once healthy, every failure counts.
    const sandbox = launch(taskSpec([processSpec('web', SERVER)]), 't-unhealthy', { health: port }, { healthCheck: healthCheck({ initialIntervalSecs: 600 }) });
    await vi.waitFor(() => expect(manager.get('t-unhealthy')?.health).toBe('HEALTHY'), { timeout: 20_000 });
    await writeFile(join(sandbox, 'sick'), '');
    const end = await manager.waitFor('t-unhealthy');
    expect(end.state).toBe('FAILED');
    expect(end.message).toBe('Failed health check: GET /health answered 500 (expected 2xx), twice');
    expect(end.health).toBe('UNHEALTHY');
  });

  it('reports a healthy task HEALTHY, once', async () => {
    const port = await freePort();
    // The initial interval covers the server's start, however slow the machine.
    launch(taskSpec([processSpec('web', SERVER)]), 't-healthy', { health: port }, { healthCheck: healthCheck({ initialIntervalSecs: 600 }) });
    await vi.waitFor(() => expect(manager.reports()[0]?.health).toBe('HEALTHY'), { timeout: 20_000 });
    const records = (await fileText(checkpointPath(sandboxDir(dataDir, 't-healthy')))).split('\n').filter((l) => l.includes('"HEALTH"'));
    expect(records).toHaveLength(1);
  });

  it('runs a shell check, and skips an http check on a port the task does not use', async () => {
    const shell = healthCheck({ checker: { kind: 'shell', command: 'test -f ready' }, initialIntervalSecs: 600 });
    launch(taskSpec([processSpec('app', 'sleep 0.3; touch ready; sleep 1000')]), 't-shell', {}, { healthCheck: shell });
    await vi.waitFor(() => expect(manager.get('t-shell')?.health).toBe('HEALTHY'), { timeout: 10_000 });
    // The default http check names the port 'health', which this task was not given.
    launch(taskSpec([processSpec('app', 'sleep 1000')]), 't-noport', {}, { healthCheck: healthCheck() });
    await vi.waitFor(() => expect(manager.get('t-noport')?.state).toBe('RUNNING'));
    await manager.sampleResources();
    expect(manager.get('t-noport')?.health).toBe('UNKNOWN');
  });

  it('fails a tcp check on a port nobody listens on', async () => {
    const port = await freePort();
    launch(taskSpec([processSpec('app', 'sleep 1000')]), 't-tcp', { admin: port }, { healthCheck: healthCheck({ checker: { kind: 'tcp', port: 'admin' } }) });
    const end = await manager.waitFor('t-tcp');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(new RegExp(`^Failed health check: connect to port ${port} failed: ECONNREFUSED, twice$`));
  });
});

describe('resources', () => {
  const hog = (mb: number) => `node -e 'const b = Buffer.alloc(${mb} * 1048576, 1); console.log("allocated", b.length); setTimeout(() => {}, 1e9)'`;
  const small = (t: TaskSpec): TaskSpec => ({ ...t, resources: { ...t.resources, ramMb: 48, diskMb: 16 } });

  it('the monitor writes samples and kills a task over its ram, with the reason', async () => {
    await newManager({ sampleIntervalMs: 100, cgroups: null });
    manager.startMonitoring();
    const sandbox = launch(small(taskSpec([processSpec('hog', hog(120))])), 't-ram-monitor');
    const end = await manager.waitFor('t-ram-monitor');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/^exceeded ram limit 48 MiB \(used \d+ MiB\)$/);
    const used = Number(/used (\d+)/.exec(end.message ?? '')?.[1]);
    expect(used).toBeGreaterThan(48);
    const sample = ResourceSampleSchema.parse(JSON.parse(await readFile(join(sandbox, '.resources.json'), 'utf8')));
    expect(sample.enforcement).toBe('monitor');
  });

  it('the monitor kills a task over its disk', async () => {
    await newManager({ sampleIntervalMs: 100, cgroups: null });
    manager.startMonitoring();
    launch(small(taskSpec([processSpec('filler', 'head -c 30000000 /dev/urandom > big; sleep 1000')])), 't-disk');
    const end = await manager.waitFor('t-disk');
    expect(end.message).toMatch(/^exceeded disk limit 16 MiB \(used \d+ MiB\)$/);
  });

  const cgroups = detectCgroups();
  it.skipIf(!cgroups)('with cgroups the kernel holds the ram limit and the task fails with the reason', async () => {
    await newManager({ sampleIntervalMs: 100, cgroups });
    manager.startMonitoring();
    const cgroup = new TaskCgroup(cgroups!, 't-ram-cgroup');
    const sandbox = launch(small(taskSpec([processSpec('hog', hog(120), { maxFailures: 3 })])), 't-ram-cgroup');
    const end = await manager.waitFor('t-ram-cgroup');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/^exceeded ram limit 48 MiB \(used \d+ MiB\)$/);
    // One OOM kill fails the task: the process is not retried into the same wall.
    expect(end.processes.hog).toHaveLength(1);
    const sample = ResourceSampleSchema.safeParse(JSON.parse((await fileText(join(sandbox, '.resources.json'))) || 'null'));
    if (sample.success) expect(sample.data.enforcement).toBe(cgroups!.version === 'v1' ? 'cgroup-v1' : 'cgroup-v2');
    await vi.waitFor(() => expect(existsSync(cgroup.dirs[0]!)).toBe(false), { timeout: 5000 });
  });

  it.skipIf(!cgroups)('with cgroups a double-forked daemon gets SIGTERM and the grace period when its task is killed, then no orphan is left', async () => {
    await newManager({ cgroups, killGraceMs: 2000 });
    // The daemon escapes the process group (setsid, double fork) and records the SIGTERM it gets.
    const daemon = `setsid bash -c 'trap "echo term > got-term; exit 0" TERM; while true; do sleep 0.1; done' < /dev/null > /dev/null 2>&1 &`;
    const sandbox = launch(small(taskSpec([processSpec('main', `${daemon} sleep 1000`)])), 't-daemon');
    await vi.waitFor(() => expect(manager.get('t-daemon')?.state).toBe('RUNNING'));
    const cgroup = new TaskCgroup(cgroups!, 't-daemon');
    const wrapperPgid = () => manager.get('t-daemon')!.processes.main![0]!.pgid;
    // Wait until the daemon has its own session and runs its loop (its trap is set by then).
    await vi.waitFor(
      () =>
        expect(
          cgroup.pids().some((p) => {
            const st = readProcStat(p);
            return st !== null && st !== undefined && st.pgrp !== wrapperPgid() && readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('sleep');
          }),
        ).toBe(true),
      { timeout: 10_000 },
    );
    manager.kill('t-daemon', 'test kill');
    expect((await manager.waitFor('t-daemon')).state).toBe('KILLED');
    await vi.waitFor(async () => expect(await fileText(join(sandbox, 'got-term'))).toBe('term\n'), { timeout: 5000 });
    await vi.waitFor(() => expect(existsSync(cgroup.dirs[0]!)).toBe(false), { timeout: 5000 });
  });

  it.skipIf(!cgroups)('with cgroups the task processes are inside their cgroup with its limits', async () => {
    await newManager({ cgroups });
    launch(small(taskSpec([processSpec('app', 'sleep 1000 & wait')])), 't-in-cgroup');
    await vi.waitFor(() => expect(manager.get('t-in-cgroup')?.state).toBe('RUNNING'));
    const cgroup = new TaskCgroup(cgroups!, 't-in-cgroup');
    await vi.waitFor(() => expect(cgroup.pids().length).toBeGreaterThanOrEqual(2)); // the wrapper, bash, sleep
    const pgid = manager.get('t-in-cgroup')!.processes.app![0]!.pgid;
    for (const pid of cgroup.pids()) expect(readProcStat(pid)?.pgrp).toBe(pgid);
    if (cgroups!.version === 'v1') expect((await readFile(join(cgroup.dirs[0]!, 'memory.limit_in_bytes'), 'utf8')).trim()).toBe(String(48 * 1048576));
  });
});

describe('users, docker, garbage collection, pid reuse', () => {
  const www = lookupUser('www-data');
  it.skipIf(process.getuid?.() !== 0 || !www)("runs a task as its role's user when the agent is root", async () => {
    await newManager({ runAsRole: true });
    const sandbox = launch(taskSpec([processSpec('who', 'id -un > who.txt; echo $HOME $USER')]), 't-user');
    expect((await manager.waitFor('t-user')).state).toBe('FINISHED');
    expect(await fileText(join(sandbox, 'who.txt'))).toBe('www-data\n');
    expect(await fileText(logPath(sandbox, 'who', 0, 'stdout'))).toBe(`${www!.home} www-data\n`);
  });

  it('fails a task with a container at once on an agent without a Docker engine', async () => {
    await newManager({ docker: { available: false, why: 'no /var/run/docker.sock' } });
    const container = { docker: { image: 'busybox:1.36', parameters: [], portMappings: {}, volumes: [] } };
    launch(taskSpec([processSpec('app', 'echo hi')]), 't-docker', {}, { container });
    const end = await manager.waitFor('t-docker');
    expect(end.state).toBe('FAILED');
    expect(end.message).toBe('This agent has no Docker engine (no /var/run/docker.sock); the task needs image busybox:1.36');
    expect(end.processes.app).toEqual([]);
  });

  it('fails a task with a Mesos container at once: a Docker image without an engine, an appc image always', async () => {
    await newManager({ docker: { available: false, why: 'no /var/run/docker.sock' } });
    const image = { kind: 'docker' as const, name: 'http_example_netcat', tag: 'latest' };
    launch(taskSpec([processSpec('app', 'echo hi')]), 't-mesos-docker', {}, { container: { mesos: { image, volumes: [] } } });
    const docker = await manager.waitFor('t-mesos-docker');
    expect([docker.state, docker.message]).toEqual(['FAILED', 'This agent has no Docker engine (no /var/run/docker.sock); the task needs image http_example_netcat:latest']);
    const appc = { kind: 'appc' as const, name: 'http_example_netcat', imageId: 'sha512-1' };
    launch(taskSpec([processSpec('app', 'echo hi')]), 't-mesos-appc', {}, { container: { mesos: { image: appc, volumes: [] } } });
    const end = await manager.waitFor('t-mesos-appc');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/^This agent has no Mesos containerizer; the task needs appc image http_example_netcat \(sha512-1\)/);
    expect(end.processes.app).toEqual([]);
  });

  it("collects finished sandboxes, never a running task's", async () => {
    launch(taskSpec([processSpec('quick', 'echo done')]), 't-finished');
    launch(taskSpec([processSpec('slow', 'sleep 1000')]), 't-running');
    await manager.waitFor('t-finished');
    await vi.waitFor(() => expect(manager.get('t-running')?.state).toBe('RUNNING'));
    expect(await manager.collectGarbage({ maxAgeMs: 0, maxTotalBytes: 0 })).toEqual(['t-finished']);
    expect(existsSync(sandboxDir(dataDir, 't-finished'))).toBe(false);
    expect(existsSync(sandboxDir(dataDir, 't-running'))).toBe(true);
    expect(manager.get('t-running')?.state).toBe('RUNNING');
  });

  it('a re-attaching agent does not take a reused pid for its process', async () => {
    // A process that is not the task's, with a pid the checkpoint names (as if the pid was reused).
    const stranger = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    try {
      const pid = stranger.pid!;
      const task = taskSpec([processSpec('web', 'sleep 1000')]);
      const sandbox = sandboxDir(dataDir, 't-reused');
      await chmod(dataDir, 0o755);
      await import('node:fs/promises').then((fs) => fs.mkdir(sandbox, { recursive: true }));
      const a = assignment(task, { taskId: 't-reused' });
      const records: CheckpointRecord[] = [
        { type: 'ASSIGNED', at: 1, version: CHECKPOINT_VERSION, host: 'test-host', assignment: a },
        { type: 'TASK_STATE', at: 2, state: 'RUNNING', message: null },
        { type: 'PROCESS_STARTED', at: 2, process: 'web', run: 0, pid, pgid: pid, cmdline: 'sleep 1000', startTicks: 1 },
      ];
      await writeFile(checkpointPath(sandbox), records.map(formatRecord).join(''));
      await newManager();
      await manager.recover();
      await vi.waitFor(() => expect(manager.get('t-reused')?.processes.web?.[0]?.state).toBe('LOST'));
      expect(alive(pid)).toBe(true);
      manager.kill('t-reused');
      await manager.waitFor('t-reused');
      expect(alive(pid)).toBe(true);
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});

describe('Thermos profiles', () => {
  it.each([
    ['the spawn helper', true],
    ['the direct launcher', false],
  ])("sources the sandbox's .thermos_profile before each process (%s), as Aurora's http example relies on", async (_what, helper) => {
    if (!helper) await newManager({ spawnHelper: false });
    const writer = processSpec('writer', "echo 'export IT_WORKED=hello' > .thermos_profile");
    const reader = processSpec('reader', 'echo "it worked: $IT_WORKED"');
    const sandbox = launch(taskSpec([writer, reader], { constraints: [{ order: ['writer', 'reader'] }] }), `t-profile-${helper}`);
    const end = await manager.waitFor(`t-profile-${helper}`);
    expect(end.state).toBe('FINISHED');
    expect(await fileText(logPath(sandbox, 'reader', 0, 'stdout'))).toBe('it worked: hello\n');
  });

  it('fails a process whose profile fails, with the profile\'s status', async () => {
    const bad = processSpec('bad', "echo 'return 3' > .thermos_profile");
    const after = processSpec('after', 'echo never');
    const sandbox = launch(taskSpec([bad, after], { constraints: [{ order: ['bad', 'after'] }], finalizationWaitSecs: 1 }), 't-profile-bad');
    const end = await manager.waitFor('t-profile-bad');
    expect(end.processes.after?.[0]).toMatchObject({ state: 'FAILED', exitCode: 3 });
    expect(await fileText(logPath(sandbox, 'after', 0, 'stdout'))).toBe('');
  });
});

describe('spawn helper', () => {
  it('a task outlives its spawn helper: the runner still learns how its process ended, and new launches run', async () => {
    const helper = manager.launcher;
    expect(helper).toBeInstanceOf(SpawnHelper);
    const sandbox = launch(taskSpec([processSpec('waiter', 'touch started; while [ ! -f go ]; do sleep 0.05; done; exit 4')]), 't-outlives');
    await vi.waitFor(() => expect(manager.get('t-outlives')?.state).toBe('RUNNING'), { timeout: 10_000 });
    // RUNNING is recorded when the go-ahead is sent; a helper killed before it passed it on
    // leaves a run that never started (LOST, and run again). Kill it once the command runs.
    await vi.waitFor(() => expect(existsSync(join(sandbox, 'started'))).toBe(true), { timeout: 10_000 });
    const run = manager.get('t-outlives')!.processes.waiter![0]!;
    const first = (helper as SpawnHelper).pid as number;
    process.kill(first, 'SIGKILL');
    await vi.waitFor(() => expect((helper as SpawnHelper).pid).toBeNull());
    expect(alive(run.pid)).toBe(true);

    launch(taskSpec([processSpec('quick', 'echo after the helper died')]), 't-after');
    expect((await manager.waitFor('t-after')).state).toBe('FINISHED');
    expect((helper as SpawnHelper).pid).not.toBe(first);

    await writeFile(join(sandbox, 'go'), '');
    const end = await manager.waitFor('t-outlives');
    expect(end.processes.waiter?.[0]).toMatchObject({ state: 'FAILED', exitCode: 4 });
    expect(end.processes.waiter).toHaveLength(1);
  });

  it('without the spawn helper the agent spawns processes itself', async () => {
    await newManager({ spawnHelper: false });
    expect(manager.launcher).not.toBeInstanceOf(SpawnHelper);
    const sandbox = launch(taskSpec([processSpec('direct', 'echo direct; exit 2')]), 't-direct');
    const end = await manager.waitFor('t-direct');
    expect(end.processes.direct?.[0]).toMatchObject({ state: 'FAILED', exitCode: 2 });
    expect(await fileText(logPath(sandbox, 'direct', 0, 'stdout'))).toBe('direct\n');
  });
});
