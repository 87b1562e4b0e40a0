/**
 * The whole path with real parts: the compiled scheduler and agent as processes on loopback with
 * temporary data dirs, the real `aurora` CLI creating examples/hello_world.aurora.ts, the observer
 * serving its output, a scheduler killed with SIGKILL and restarted, and a kill that leaves no
 * process behind.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, freePort, projectRoot, runCli } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/hello';
const CONFIG = path.join(projectRoot, 'examples', 'hello_world.aurora.ts');

let cluster: TestCluster;
let root: string;

const aurora = (...args: string[]) => cluster.aurora(...args);

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function jobStatus(): Promise<{ tasks: { taskId: string; state: string; instance: number }[] }> {
  const r = await aurora('job', 'status', KEY, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { tasks: { taskId: string; state: string; instance: number }[] };
}

beforeAll(async () => {
  // The client finds this scheduler as `devcluster` through clusters.json, as a user's would, and
  // keeps its config cache where a user's is.
  cluster = await startTestCluster({ tmpPrefix: 'aurora-e2e-', agents: [{ args: ['--kill-grace-ms', '2000'] }], cacheDir: null });
  root = cluster.root;
});

afterAll(async () => {
  await cluster?.stop();
});

describe('a job written in TypeScript runs on a local cluster', () => {
  let taskId: string;
  let pids: number[];

  it('creates hello_world and waits until it is RUNNING', async () => {
    const r = await aurora('job', 'create', KEY, CONFIG, '--wait-until', 'RUNNING');
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(KEY);
    expect(r.stdout).toMatch(/RUNNING/);
    const status = await jobStatus();
    const running = status.tasks.filter((t) => t.state === 'RUNNING');
    expect(running).toHaveLength(1);
    taskId = running[0]!.taskId;
  });

  it('lists the job under its role', async () => {
    const r = await aurora('job', 'list', 'devcluster/www-data');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(KEY);
  });

  it('shows the process and its output in the observer', async () => {
    const task = await eventually('the observer to show the hello process', async () => {
      const res = await fetch(`${cluster.agent.url}/api/tasks/${taskId}`);
      if (!res.ok) return undefined;
      const body = (await res.json()) as ObserverTask;
      return body.processes.find((p) => p.name === 'hello' && p.runs.at(-1)?.state === 'RUNNING') ? body : undefined;
    });
    pids = task.processes.flatMap((p) => p.runs.map((run) => run.pid).filter((pid): pid is number => typeof pid === 'number'));
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.every(alive)).toBe(true);

    const log = await eventually('hello world in stdout', async () => {
      const res = await fetch(`${cluster.agent.url}/api/tasks/${taskId}/logs/hello/0/stdout`);
      const text = await res.text();
      return text.includes('hello world') ? text : undefined;
    });
    expect(log).toContain('hello world from www-data/prod/hello');

    const page = await (await fetch(`${cluster.agent.url}/task/${taskId}`)).text();
    expect(page).toContain('hello');
    expect(page).toContain('hello world from www-data/prod/hello');
    const index = await (await fetch(`${cluster.agent.url}/`)).text();
    expect(index).toContain(taskId);
  });

  it('keeps its jobs and tasks across a scheduler killed with SIGKILL', async () => {
    await cluster.restartScheduler({ signal: 'SIGKILL' });
    const status = await jobStatus();
    const current = status.tasks.find((t) => t.taskId === taskId);
    expect(current?.state).toBe('RUNNING');
    // The agent reconnected and kept the task: its processes never stopped.
    expect(pids.every(alive)).toBe(true);
  });

  it('kills the job and leaves nothing running', async () => {
    const r = await aurora('job', 'kill', KEY);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    await eventually('the processes to be gone', async () => (pids.some(alive) ? undefined : true), 15_000);
    const tasks = await eventually('the task to be KILLED', async () => {
      const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&environment=prod&name=hello&history=true`);
      const body = (await res.json()) as { tasks: { taskId: string; state: string }[] };
      return body.tasks.find((t) => t.taskId === taskId && t.state === 'KILLED') ? body.tasks : undefined;
    });
    expect(tasks.find((t) => t.taskId === taskId)?.state).toBe('KILLED');
    const list = await aurora('job', 'list', 'devcluster/www-data');
    expect(list.stdout).not.toContain(KEY);
  });
});

describe('bad input gets a clear error and a non-zero exit', () => {
  it('an unknown cluster', async () => {
    const r = await aurora('job', 'create', 'nocluster/www-data/prod/hello', CONFIG);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/nocluster/);
    expect(r.stderr).toMatch(/devcluster/);
  });

  it('a malformed job key', async () => {
    const r = await aurora('job', 'status', 'devcluster/www-data/hello');
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/cluster\/role\/environment\/name/);
  });

  it('a missing file', async () => {
    const r = await aurora('job', 'create', KEY, path.join(root, 'nope.aurora.ts'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/nope\.aurora\.ts/);
  });

  it('a config with a type error, shown at its line', async () => {
    const file = path.join(root, 'typo.aurora.ts');
    writeFileSync(
      file,
      [
        "import { Job, Process, Resources, Task, MB } from '@aurora/dsl';",
        "const p = Process({ name: 'p', cmdline: 'true' });",
        "export const jobs = [Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'typo',",
        "  task: Task({ processes: [p], resources: Resources({ cpu: '1', ram: 16 * MB, disk: 16 * MB }) }) })];",
        '',
      ].join('\n'),
    );
    const r = await aurora('job', 'create', 'devcluster/www-data/prod/typo', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/typo\.aurora\.ts:4:\d+/);
    expect(r.stderr).toContain("cpu: '1'");
  });

  it('a config that throws, located in the config', async () => {
    const file = path.join(root, 'throws.aurora.ts');
    writeFileSync(file, ["import { Job } from '@aurora/dsl';", '', "throw new Error('no jobs today');", 'export const jobs = [];', ''].join('\n'));
    const r = await aurora('job', 'create', 'devcluster/www-data/prod/x', file);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no jobs today');
    expect(r.stderr).toMatch(/throws\.aurora\.ts:3/);
  });

  it('a job key the file does not define, listing the ones it does', async () => {
    const r = await aurora('job', 'create', 'devcluster/www-data/prod/hellox', CONFIG);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('devcluster/www-data/prod/hello');
  });

  it('a scheduler that is down', async () => {
    const port = await freePort();
    const downRoot = mkdtempSync(path.join(tmpdir(), 'aurora-down-'));
    writeFileSync(
      path.join(downRoot, 'clusters.json'),
      JSON.stringify([{ name: 'devcluster', scheduler_uri: `http://127.0.0.1:${port}`, auth_mechanism: 'UNAUTHENTICATED' }]),
    );
    const r = await runCli(BINS.aurora, ['job', 'list', 'devcluster/www-data'], { env: { ...process.env, AURORA_CONFIG_ROOT: downRoot } });
    rmSync(downRoot, { recursive: true, force: true });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/Could not reach the scheduler/);
  });
});

interface ObserverTask {
  processes: { name: string; runs: { state: string; pid?: number | null }[] }[];
}
