import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { CheckpointWriter } from '../runner/checkpoint-file.js';
import { checkpointPath, logPath, runLogDir, sandboxDir } from '../runner/sandbox.js';
import { ObserverErrorBodySchema, TaskDetailResponseSchema, TaskListResponseSchema } from './api.js';
import { createObserverApp } from './app.js';

// A sandbox written by hand, as the runner would leave it: the observer only reads files.

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const TASK_ID = 'www-data-prod-hello-0-abc';
let dataDir: string;
let app: FastifyInstance;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-observer-'));
  const sandbox = sandboxDir(dataDir, TASK_ID);
  await mkdir(sandbox, { recursive: true });
  const task = taskSpec([processSpec('hello', 'echo hello {{thermos.ports[http]}}', { maxFailures: 3 }), processSpec('after', 'true')], {
    constraints: [{ order: ['hello', 'after'] }],
  });
  const w = new CheckpointWriter(checkpointPath(sandbox));
  w.append({ type: 'ASSIGNED', at: T0, version: 1, host: 'agent-1', assignment: assignment(task, { taskId: TASK_ID, ports: { http: 31001 } }) });
  w.append({ type: 'TASK_STATE', at: T0, state: 'STARTING', message: null });
  w.append({ type: 'PROCESS_STARTED', at: T0 + 1000, process: 'hello', run: 0, pid: 4242, pgid: 4242, cmdline: 'echo hello 31001' });
  w.append({ type: 'TASK_STATE', at: T0 + 1000, state: 'RUNNING', message: null });
  w.append({ type: 'PROCESS_ENDED', at: T0 + 3000, process: 'hello', run: 0, state: 'FAILED', exitCode: 2, message: 'exit status 2' });
  w.append({ type: 'PROCESS_STARTED', at: T0 + 8000, process: 'hello', run: 1, pid: 4250, pgid: 4250, cmdline: 'echo hello 31001' });
  await mkdir(runLogDir(sandbox, 'hello', 0), { recursive: true });
  await mkdir(runLogDir(sandbox, 'hello', 1), { recursive: true });
  await writeFile(logPath(sandbox, 'hello', 0, 'stdout'), 'first run\n');
  await writeFile(logPath(sandbox, 'hello', 1, 'stdout'), 'x'.repeat(40_000) + '\nhello <script>alert(1)</script> 31001\n');
  await writeFile(logPath(sandbox, 'hello', 1, 'stderr'), 'a warning\n');
  // A log that points outside the sandbox must not be served.
  await mkdir(runLogDir(sandbox, 'hello', 2), { recursive: true });
  await symlink('/etc/passwd', logPath(sandbox, 'hello', 2, 'stdout'));

  app = createObserverApp({ dataDir, host: 'agent-1', now: () => T0 + 65_000 });
});

afterAll(async () => {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('observer HTML', () => {
  it('lists the tasks on the host', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Tasks on agent-1');
    expect(res.body).toContain(`href="/task/${TASK_ID}"`);
    expect(res.body).toContain('www-data/prod/hello');
    expect(res.body).toContain('RUNNING');
    expect(res.body).toContain('up 1m 5s');
    expect(res.body).toContain('1 running / 2');
  });

  it("shows a task's processes, runs and the escaped tail of the latest run's logs", async () => {
    const res = await app.inject({ url: `/task/${TASK_ID}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('devcluster/www-data/prod/hello, instance 0');
    expect(res.body).toContain('http: 31001');
    expect(res.body).toContain('0.1 cpu, 16 MiB ram, 16 MiB disk');
    expect(res.body).toContain('<td>2</td>'); // the first run's exit status
    expect(res.body).toContain('4250');
    expect(res.body).toContain('WAITING'); // `after` waits on hello
    expect(res.body).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt; 31001');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).toContain('a warning');
    expect(res.body).not.toContain('first run'); // only the latest run's tail
    expect(res.body).toContain(`href="/task/${TASK_ID}/logs/hello/1/stdout"`);
    // The tail is about 16 KiB, not the whole 40 KB log.
    expect(res.body.length).toBeLessThan(30_000);
  });

  it('says clearly when a task is unknown', async () => {
    const res = await app.inject({ url: '/task/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('No task nope on this host');
  });
});

describe('observer logs', () => {
  it('serves a whole log and its tail as text', async () => {
    const whole = await app.inject({ url: `/task/${TASK_ID}/logs/hello/0/stdout` });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toContain('text/plain');
    expect(whole.body).toBe('first run\n');
    const tail = await app.inject({ url: `/api/tasks/${TASK_ID}/logs/hello/1/stderr?tail=8` });
    expect(tail.body).toBe('warning\n');
  });

  it.each([
    `/api/tasks/${TASK_ID}/logs/hello/..%2F..%2F..%2Fetc/stdout`,
    `/api/tasks/${TASK_ID}/logs/hello/0/..%2Fstdout`,
    `/api/tasks/${TASK_ID}/logs/hello/0/checkpoint`,
    `/api/tasks/..%2F${TASK_ID}/logs/hello/0/stdout`,
    `/api/tasks/${TASK_ID}/logs/hello/2/stdout`,
  ])('refuses %s', async (url) => {
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(400);
    expect(ObserverErrorBodySchema.parse(res.json()).error.code).toBe('INVALID_PATH');
    expect(res.body).not.toContain('root:');
  });

  it('refuses a literal .. sent over a real socket (inject would normalize it away)', async () => {
    const server = createObserverApp({ dataDir });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = server.server.address() as AddressInfo;
      for (const path of [`/api/tasks/${TASK_ID}/logs/../0/stdout`, `/task/${TASK_ID}/logs/hello/%2E%2E/stdout`]) {
        const res = await new Promise<{ status: number; body: string }>((resolve, reject) =>
          httpGet({ host: '127.0.0.1', port, path }, (r) => {
            let body = '';
            r.on('data', (c: Buffer) => (body += c.toString()));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          }).on('error', reject),
        );
        expect(res.status).toBe(400);
        expect(res.body).toContain('is not a valid');
      }
    } finally {
      await server.close();
    }
  });

  it('answers 404 for a run that has no log', async () => {
    const res = await app.inject({ url: `/api/tasks/${TASK_ID}/logs/after/0/stdout` });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe('No stdout for run 0 of process after');
  });
});

describe('observer JSON', () => {
  it('lists tasks', async () => {
    const body = TaskListResponseSchema.parse((await app.inject({ url: '/api/tasks' })).json());
    expect(body.tasks).toEqual([
      {
        taskId: TASK_ID,
        jobKey: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
        instance: 0,
        state: 'RUNNING',
        message: null,
        startedAt: T0,
        endedAt: null,
        processCount: 2,
        runningProcessCount: 1,
        ports: { http: 31001 },
      },
    ]);
  });

  it('describes one task with its processes and runs', async () => {
    const body = TaskDetailResponseSchema.parse((await app.inject({ url: `/api/tasks/${TASK_ID}` })).json());
    expect(body.host).toBe('agent-1');
    expect(body.resources).toEqual({ cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 });
    expect(body.processes.map((p) => [p.name, p.state, p.runs.length])).toEqual([
      ['hello', 'RUNNING', 2],
      ['after', 'WAITING', 0],
    ]);
    expect(body.processes[0]?.runs[0]).toMatchObject({ run: 0, state: 'FAILED', exitCode: 2, pid: 4242, cmdline: 'echo hello 31001' });
    expect(body.processes[0]?.runs[1]?.logs.stdout).toBe(`/task/${TASK_ID}/logs/hello/1/stdout`);
  });

  it('answers 404 JSON for an unknown task', async () => {
    const res = await app.inject({ url: '/api/tasks/nope' });
    expect(res.statusCode).toBe(404);
    expect(ObserverErrorBodySchema.parse(res.json())).toEqual({ error: { code: 'TASK_NOT_FOUND', message: 'No task nope on this host' } });
  });
});
