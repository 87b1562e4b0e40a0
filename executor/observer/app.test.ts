import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiErrorBodySchema } from '../../scheduler/api/errors.js';
import { RESOURCE_SAMPLE_FILE, type ResourceSample } from '../core/resource-sample.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { CheckpointWriter } from '../runner/checkpoint-file.js';
import { checkpointPath, logPath, runLogDir, sandboxDir } from '../runner/sandbox.js';
import {
  FileDataResponseSchema,
  LogDataResponseSchema,
  SandboxListingResponseSchema,
  TaskDetailResponseSchema,
  TaskListResponseSchema,
} from './api.js';
import { createObserverApp, toObserverError } from './app.js';

// Sandboxes written by hand, as the runner and the monitor would leave them: the observer only reads files.

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const TASK_ID = 'www-data-prod-hello-0-abc';
const DONE_ID = 'www-data-prod-batch-0-def';
const MIB = 1024 * 1024;
let dataDir: string;
let sandbox: string;
let app: FastifyInstance;
let doneWriter: CheckpointWriter;

const SAMPLE: ResourceSample = {
  at: T0 + 60_000,
  cpu: 0.05,
  rssBytes: 12 * MIB,
  diskBytes: 3 * MIB,
  processes: { hello: { cpu: 0.05, rssBytes: 12 * MIB } },
  enforcement: 'monitor',
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-observer-'));
  sandbox = sandboxDir(dataDir, TASK_ID);
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
  w.append({ type: 'HEALTH', at: T0 + 9000, health: 'HEALTHY', message: 'GET /health answered 200 ok' });
  await mkdir(runLogDir(sandbox, 'hello', 0), { recursive: true });
  await mkdir(runLogDir(sandbox, 'hello', 1), { recursive: true });
  await writeFile(logPath(sandbox, 'hello', 0, 'stdout'), 'first run\n');
  await writeFile(logPath(sandbox, 'hello', 1, 'stdout'), 'x'.repeat(40_000) + '\nhello <script>alert(1)</script> 31001\n');
  await writeFile(logPath(sandbox, 'hello', 1, 'stderr'), 'a warning\n');
  await writeFile(join(sandbox, RESOURCE_SAMPLE_FILE), JSON.stringify(SAMPLE));
  // A log that points outside the sandbox must not be served.
  await mkdir(runLogDir(sandbox, 'hello', 2), { recursive: true });
  await symlink('/etc/passwd', logPath(sandbox, 'hello', 2, 'stdout'));
  // Files the processes wrote, and symlinks in and out of the sandbox.
  await mkdir(join(sandbox, 'data', 'deep'), { recursive: true });
  await writeFile(join(sandbox, 'data', 'notes.txt'), 'héllo <b>notes</b>\n');
  await writeFile(join(sandbox, 'data', 'deep', 'big.txt'), '0123456789'.repeat(10));
  await symlink('/etc', join(sandbox, 'escape'));
  await symlink('/etc/passwd', join(sandbox, 'passwd'));
  await symlink(`../${DONE_ID}`, join(sandbox, 'sibling'));
  await symlink('data', join(sandbox, 'data-link'));
  await symlink('missing', join(sandbox, 'dangling'));
  await symlink('/nonexistent-outside-path', join(sandbox, 'escape-missing'));

  // A finished task.
  const done = sandboxDir(dataDir, DONE_ID);
  await mkdir(done, { recursive: true });
  doneWriter = new CheckpointWriter(checkpointPath(done));
  const batch = taskSpec([processSpec('work', 'echo done')]);
  doneWriter.append({
    type: 'ASSIGNED',
    at: T0 - 50_000,
    version: 1,
    host: 'agent-1',
    assignment: assignment(batch, { taskId: DONE_ID, jobKey: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'batch' } }),
  });
  doneWriter.append({ type: 'PROCESS_STARTED', at: T0 - 49_000, process: 'work', run: 0, pid: 100, pgid: 100, cmdline: 'echo done' });
  doneWriter.append({ type: 'TASK_STATE', at: T0 - 49_000, state: 'RUNNING', message: null });
  doneWriter.append({ type: 'PROCESS_ENDED', at: T0 - 40_000, process: 'work', run: 0, state: 'SUCCESS', exitCode: 0, message: null });
  doneWriter.append({ type: 'TASK_STATE', at: T0 - 40_000, state: 'FINISHED', message: 'Task finished' });
  await writeFile(join(done, 'secret.txt'), 'only for the batch task\n');

  app = createObserverApp({ dataDir, host: 'agent-1', now: () => T0 + 65_000 });
});

afterAll(async () => {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
});

const get = (url: string) => app.inject({ url });

describe('the tasks page', () => {
  it('lists live tasks with their use and health, then finished ones', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Tasks on agent-1');
    expect(res.body).toContain(`href="/task/${TASK_ID}"`);
    expect(res.body).toContain('<b>www-data/prod/hello</b>/0');
    expect(res.body).toContain('<span class="badge RUNNING">RUNNING</span>');
    expect(res.body).toContain('<span class="badge HEALTHY">HEALTHY</span>');
    expect(res.body).toContain('1m 5s'); // uptime
    expect(res.body).toContain('0.05 <span class="muted">/ 0.1</span>'); // cpu used / reserved
    expect(res.body).toContain('12 MiB <span class="muted">/ 16 MiB</span>');
    expect(res.body).toContain('1 / 2'); // processes running / all
    expect(res.body).toContain('1 active · 1 finished');
    const finished = res.body.slice(res.body.indexOf('id="finished"'));
    expect(finished).toContain(`href="/task/${DONE_ID}"`);
    expect(finished).toContain('<span class="badge FINISHED">FINISHED</span>');
    expect(finished).toContain(`title="${'2024-05-01 11:59:20Z'}">1m 45s ago</time>`); // relative, exact on hover
    expect(res.body.indexOf(TASK_ID)).toBeLessThan(res.body.indexOf(DONE_ID));
  });

  it('filters by job', async () => {
    const res = await get('/?job=batch');
    expect(res.body).toContain(DONE_ID);
    expect(res.body).not.toContain(`href="/task/${TASK_ID}"`);
    expect(res.body).toContain('No task is running on this host that matches the filter');
  });

  it('shows the latest finished tasks and a link to all of them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurora-observer-many-'));
    try {
      for (let i = 0; i < 105; i++) {
        const id = `r-e-job-${i}-x`;
        await mkdir(sandboxDir(dir, id), { recursive: true });
        const w = new CheckpointWriter(checkpointPath(sandboxDir(dir, id)));
        w.append({ type: 'ASSIGNED', at: T0 + i, version: 1, host: 'h', assignment: assignment(taskSpec([processSpec('p', 'true')]), { taskId: id }) });
        w.append({ type: 'TASK_STATE', at: T0 + 1000 + i, state: 'FINISHED', message: null });
      }
      const many = createObserverApp({ dataDir: dir, host: 'h', now: () => T0 + 65_000 });
      const capped = (await many.inject({ url: '/' })).body;
      expect(capped).toContain('Showing the latest 100 of 105');
      expect(capped).toContain('href="?finished=all#finished"');
      expect(capped).toContain('r-e-job-104-x'); // the latest ended first
      expect(capped).not.toContain('r-e-job-4-x');
      const all = (await many.inject({ url: '/?finished=all' })).body;
      expect(all).toContain('r-e-job-4-x');
      expect(all).not.toContain('Showing the latest');
      await many.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the task page', () => {
  it('shows processes, runs, ports, health, use against the reservation and the config', async () => {
    const res = await get(`/task/${TASK_ID}`);
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('www-data/prod/hello/0 <span class="badge RUNNING">');
    expect(body).toContain(`Task <code>${TASK_ID}</code> on agent-1`);
    expect(body).toContain('<span class="mono">http:31001</span>');
    expect(body).toContain('GET /health answered 200 ok');
    expect(body).toContain('0.05 cores <span class="of">/ 0.1 cores</span>');
    expect(body).toContain('12 MiB <span class="of">/ 16 MiB</span>');
    expect(body).toContain('3 MiB <span class="of">/ 16 MiB</span>');
    expect(body).toContain('limits enforced by monitor');
    expect(body).toContain('<td class="num">2</td>'); // the first run's exit status
    expect(body).toContain('4250');
    expect(body).toContain('exit status 2');
    expect(body).toContain('<span class="badge WAITING">WAITING</span>'); // `after` waits on hello
    expect(body).toContain(`href="/task/${TASK_ID}/tail/hello/1/stdout"`);
    expect(body).toContain(`href="/task/${TASK_ID}/logs/hello/0/stdout?download=1"`);
    expect(body).toContain(`href="/task/${TASK_ID}/files"`);
    // The compiled JobSpec, canonical (sorted keys), escaped.
    expect(body).toContain('&quot;cmdline&quot;: &quot;echo hello {{thermos.ports[http]}}&quot;');
    expect(body.indexOf('&quot;constraints&quot;')).toBeLessThan(body.indexOf('&quot;instances&quot;'));
  });

  it("tails the latest run's logs, escaped", async () => {
    const { body } = await get(`/task/${TASK_ID}`);
    expect(body).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt; 31001');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('a warning');
    expect(body).not.toContain('first run'); // only the latest run's tail
    // The tail is about 16 KiB, not the whole 40 KB log.
    expect(body.length).toBeLessThan(60_000);
  });

  it("links back to the scheduler's job page when it knows the scheduler", async () => {
    const linked = createObserverApp({ dataDir, host: 'agent-1', schedulerUrl: 'http://scheduler.test:8081/', now: () => T0 + 65_000 });
    try {
      const body = (await linked.inject({ method: 'GET', url: `/task/${TASK_ID}` })).body;
      expect(body).toContain('<a href="http://scheduler.test:8081/scheduler">Scheduler</a>');
      expect(body).toContain('<a class="button" href="http://scheduler.test:8081/scheduler/www-data/prod/hello">Job on the scheduler</a>');
    } finally {
      await linked.close();
    }
    // Without a scheduler there is nothing to link to.
    expect((await get(`/task/${TASK_ID}`)).body).not.toContain('Job on the scheduler');
  });

  it('shows a finished task with its outcome', async () => {
    const { body } = await get(`/task/${DONE_ID}`);
    expect(body).toContain('<span class="badge FINISHED">FINISHED</span>');
    expect(body).toContain('Task finished');
    expect(body).toContain('<span class="badge SUCCESS">SUCCESS</span>');
    expect(body).toContain('— <span class="of">/ 0.1 cores reserved</span>'); // no sample
  });

  it('says clearly when a task is unknown', async () => {
    const res = await get('/task/nope');
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('No task nope on this host');
  });

  it('sees a checkpoint that grew since the last read', async () => {
    const before = TaskListResponseSchema.parse((await get('/api/tasks')).json());
    expect(before.tasks.find((t) => t.taskId === DONE_ID)?.health).toBe('UNKNOWN');
    doneWriter.append({ type: 'HEALTH', at: T0 - 39_000, health: 'UNHEALTHY', message: 'late news' });
    const after = TaskListResponseSchema.parse((await get('/api/tasks')).json());
    expect(after.tasks.find((t) => t.taskId === DONE_ID)).toMatchObject({ health: 'UNHEALTHY', healthMessage: 'late news' });
  });
});

describe('logs', () => {
  it('serves a whole log and its tail as text', async () => {
    const whole = await get(`/task/${TASK_ID}/logs/hello/0/stdout`);
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toContain('text/plain');
    expect(whole.headers['content-disposition']).toBeUndefined();
    expect(whole.body).toBe('first run\n');
    const tail = await get(`/api/tasks/${TASK_ID}/logs/hello/1/stderr?tail=8`);
    expect(tail.body).toBe('warning\n');
  });

  it('serves a log as a download', async () => {
    const res = await get(`/task/${TASK_ID}/logs/hello/0/stdout?download=1`);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${TASK_ID}-hello-0-stdout.log"`);
    expect(res.body).toBe('first run\n');
  });

  it('renders a log page that follows the run', async () => {
    const res = await get(`/task/${TASK_ID}/tail/hello/1/stdout`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`data-src="/api/tasks/${TASK_ID}/logdata/hello/1/stdout"`);
    expect(res.body).toMatch(/data-next="40039" data-live="true"/);
    expect(res.body).toContain('hello &lt;script&gt;alert(1)&lt;/script&gt; 31001');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).toContain('<button class="button" id="follow" type="button">Pause</button>');
    expect(res.body).toContain(`href="/task/${TASK_ID}/logs/hello/1/stdout?download=1" download>Download</a>`);
    expect(res.body).toContain(`href="/task/${TASK_ID}/tail/hello/1/stderr"`);
    expect(res.body).toContain("fetch(src + '?offset='");
  });

  it('renders the log page of an ended run without following', async () => {
    const res = await get(`/task/${TASK_ID}/tail/hello/0/stdout`);
    expect(res.body).toContain('data-live="false"');
    expect(res.body).toContain('The run is over: not following.');
  });

  it('reads a byte range of a log as JSON for the follower', async () => {
    const tail = LogDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/logdata/hello/1/stdout?length=10`)).json());
    expect(tail).toEqual({ offset: 40029, next: 40039, size: 40039, data: 'pt> 31001\n', runState: 'RUNNING' });
    const range = LogDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/logdata/hello/0/stdout?offset=6&length=100`)).json());
    expect(range).toEqual({ offset: 6, next: 10, size: 10, data: 'run\n', runState: 'FAILED' });
    const atEnd = LogDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/logdata/hello/0/stdout?offset=10`)).json());
    expect(atEnd).toMatchObject({ offset: 10, next: 10, data: '' });
  });

  it.each(['offset=-1', 'offset=x', 'length=0', `length=${2 * MIB}`])('refuses a range with %s', async (q) => {
    const res = await get(`/api/tasks/${TASK_ID}/logdata/hello/0/stdout?${q}`);
    expect(res.statusCode).toBe(400);
    expect(ApiErrorBodySchema.parse(res.json()).error.code).toBe('INVALID_REQUEST');
  });

  it.each([
    `/api/tasks/${TASK_ID}/logs/hello/..%2F..%2F..%2Fetc/stdout`,
    `/api/tasks/${TASK_ID}/logs/hello/0/..%2Fstdout`,
    `/api/tasks/${TASK_ID}/logs/hello/0/checkpoint`,
    `/api/tasks/..%2F${TASK_ID}/logs/hello/0/stdout`,
    `/api/tasks/${TASK_ID}/logs/hello/2/stdout`,
    `/api/tasks/${TASK_ID}/logdata/hello/2/stdout`,
    `/api/tasks/${TASK_ID}/logdata/..%2F..%2Fetc/0/stdout`,
  ])('refuses %s', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(ApiErrorBodySchema.parse(res.json()).error.code).toBe('INVALID_PATH');
    expect(res.body).not.toContain('root:');
  });

  it.each([`/task/${TASK_ID}/tail/hello/2/stdout`, `/task/${TASK_ID}/logs/hello/2/stdout?download=1`])('refuses the page %s', async (url) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('That log is outside the task sandbox');
    expect(res.body).not.toContain('root:');
  });

  it('refuses a literal .. sent over a real socket (inject would normalize it away)', async () => {
    const server = createObserverApp({ dataDir });
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = server.server.address() as AddressInfo;
      for (const path of [
        `/api/tasks/${TASK_ID}/logs/../0/stdout`,
        `/task/${TASK_ID}/logs/hello/%2E%2E/stdout`,
        `/task/${TASK_ID}/tail/hello/%2E%2E/stdout`,
      ]) {
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
    const res = await get(`/api/tasks/${TASK_ID}/logs/after/0/stdout`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toBe('No stdout for run 0 of process after');
  });
});

describe('the sandbox browser', () => {
  it('lists the sandbox with directories first, sizes and times', async () => {
    const res = await get(`/task/${TASK_ID}/files`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`href="/task/${TASK_ID}/files?path=.logs">.logs/</a>`);
    expect(res.body).toContain(`href="/task/${TASK_ID}/files?path=.checkpoint.jsonl">.checkpoint.jsonl</a>`);
    expect(res.body).toContain(`href="/task/${TASK_ID}/download?path=.checkpoint.jsonl"`);
    expect(res.body).toContain('escape</a> <span class="muted small">symlink</span>');
    expect(res.body.indexOf('>.logs/<')).toBeLessThan(res.body.indexOf('>.checkpoint.jsonl<'));
  });

  it('walks into directories with breadcrumbs and a way up', async () => {
    const res = await get(`/task/${TASK_ID}/files?path=.logs/hello`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`href="/task/${TASK_ID}/files?path=.logs%2Fhello%2F0">0/</a>`);
    expect(res.body).toContain(`<a href="/task/${TASK_ID}/files?path=.logs">.logs</a> › hello`);
    expect(res.body).toContain(`href="/task/${TASK_ID}/files?path=.logs">../</a>`);
  });

  it("shows a file's text, escaped, with a download", async () => {
    const res = await get(`/task/${TASK_ID}/files?path=data/notes.txt`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('héllo &lt;b&gt;notes&lt;/b&gt;');
    expect(res.body).toContain(`href="/task/${TASK_ID}/download?path=data%2Fnotes.txt" download>Download</a>`);
    const dl = await get(`/task/${TASK_ID}/download?path=data/notes.txt`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-disposition']).toBe('attachment; filename="notes.txt"');
    expect(dl.body).toBe('héllo <b>notes</b>\n');
  });

  it('follows a symlink that stays inside the sandbox', async () => {
    const res = await get(`/task/${TASK_ID}/files?path=data-link/notes.txt`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('héllo');
  });

  it('lists and reads as JSON', async () => {
    const listing = SandboxListingResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/files?path=data`)).json());
    expect(listing.path).toBe('data');
    expect(listing.entries.map((e) => [e.name, e.type, e.path])).toEqual([
      ['deep', 'directory', 'data/deep'],
      ['notes.txt', 'file', 'data/notes.txt'],
    ]);
    expect(listing.entries[1]?.size).toBe(20);
    const root = SandboxListingResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/files`)).json());
    expect(root.entries.find((e) => e.name === 'escape')?.type).toBe('symlink');
    const data = FileDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/filedata?path=data/deep/big.txt&offset=95&length=10`)).json());
    expect(data).toEqual({ taskId: TASK_ID, path: 'data/deep/big.txt', offset: 95, next: 100, size: 100, data: '56789' });
  });

  it('never ends a range inside a UTF-8 character', async () => {
    // 'héllo': h is 1 byte, é is 2; 2 bytes from 0 would cut é in half.
    const cut = FileDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/filedata?path=data/notes.txt&length=2`)).json());
    expect(cut).toMatchObject({ offset: 0, next: 1, data: 'h' });
    const rest = FileDataResponseSchema.parse((await get(`/api/tasks/${TASK_ID}/filedata?path=data/notes.txt&offset=1&length=3`)).json());
    expect(rest).toMatchObject({ offset: 1, next: 4, data: 'él' });
  });

  const refusals: [string, string][] = [
    ['..', "'..' leaves the task sandbox: '..' is not allowed"],
    [`../${DONE_ID}/secret.txt`, 'is not allowed'],
    ['.logs/../../..', 'is not allowed'],
    ['/etc/passwd', "'/etc/passwd' is an absolute path: give a path relative to the task sandbox"],
    ['escape', "'escape' resolves outside the task sandbox (through a symlink): refused"],
    ['escape/passwd', 'resolves outside the task sandbox'],
    ['passwd', 'resolves outside the task sandbox'],
    ['sibling/secret.txt', 'resolves outside the task sandbox'],
    ['.logs/hello/2/stdout', 'resolves outside the task sandbox'],
    // A link to a path outside that does not exist is refused the same way: no answer tells what exists outside.
    ['escape-missing', "'escape-missing' resolves outside the task sandbox (through a symlink): refused"],
    ['escape/no-such-file', 'resolves outside the task sandbox'],
  ];

  it.each(refusals)('refuses the page of %s', async (path, message) => {
    for (const route of ['files', 'download']) {
      const res = await get(`/task/${TASK_ID}/${route}?path=${encodeURIComponent(path)}`);
      expect(res.statusCode, route).toBe(400);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain(message.replace(/'/g, '&#39;'));
      expect(res.body).not.toContain('root:');
      expect(res.body).not.toContain('only for the batch task');
    }
  });

  it.each(refusals)('refuses the JSON of %s', async (path, message) => {
    for (const route of ['files', 'filedata']) {
      const res = await get(`/api/tasks/${TASK_ID}/${route}?path=${encodeURIComponent(path)}`);
      expect(res.statusCode, route).toBe(400);
      const body = ApiErrorBodySchema.parse(res.json());
      expect(body.error.code).toBe('INVALID_PATH');
      expect(body.error.message).toContain(message);
    }
  });

  it('refuses a NUL byte and a repeated path', async () => {
    expect((await get(`/api/tasks/${TASK_ID}/files?path=data%00`)).json().error.code).toBe('INVALID_PATH');
    expect((await get(`/api/tasks/${TASK_ID}/files?path=data&path=..`)).json().error.code).toBe('INVALID_REQUEST');
  });

  it('answers 404 for a path that is not there, and 400 for the wrong kind', async () => {
    for (const path of ['nothing', 'dangling']) {
      const res = await get(`/api/tasks/${TASK_ID}/files?path=${path}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('PATH_NOT_FOUND');
    }
    const page = await get(`/task/${TASK_ID}/files?path=nothing`);
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('No file or directory &#39;nothing&#39; in the task sandbox');
    expect(page.body).toContain(`href="/task/${TASK_ID}/files">The task sandbox</a>`);
    expect((await get(`/api/tasks/${TASK_ID}/files?path=data/notes.txt`)).json().error.message).toBe("'data/notes.txt' is a file, not a directory");
    expect((await get(`/api/tasks/${TASK_ID}/filedata?path=data`)).json().error.message).toBe("'data' is a directory, not a file");
  });
});

describe('JSON', () => {
  it('lists tasks with health, reservation and use', async () => {
    const body = TaskListResponseSchema.parse((await get('/api/tasks')).json());
    expect(body.counts).toEqual({ active: 1, finished: 1 });
    expect(body.tasks.map((t) => t.taskId)).toEqual([TASK_ID, DONE_ID]);
    expect(body.tasks[0]).toEqual({
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
      health: 'HEALTHY',
      healthMessage: 'GET /health answered 200 ok',
      resources: { cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 },
      usage: { at: SAMPLE.at, cpu: 0.05, rssBytes: 12 * MIB, diskBytes: 3 * MIB, enforcement: 'monitor' },
    });
    expect(body.tasks[1]?.usage).toBeNull();
  });

  it('filters and pages the list', async () => {
    const finished = TaskListResponseSchema.parse((await get('/api/tasks?state=finished')).json());
    expect(finished.tasks.map((t) => t.taskId)).toEqual([DONE_ID]);
    expect(finished.counts).toEqual({ active: 1, finished: 1 });
    const page = TaskListResponseSchema.parse((await get('/api/tasks?limit=1&offset=1')).json());
    expect(page.tasks.map((t) => t.taskId)).toEqual([DONE_ID]);
    const bad = await get('/api/tasks?state=sleeping');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_REQUEST');
  });

  it('describes one task with its processes, runs, use and config', async () => {
    const body = TaskDetailResponseSchema.parse((await get(`/api/tasks/${TASK_ID}`)).json());
    expect(body.host).toBe('agent-1');
    expect(body.resources).toEqual({ cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 });
    expect(body.processes.map((p) => [p.name, p.state, p.runs.length, p.usage])).toEqual([
      ['hello', 'RUNNING', 2, { cpu: 0.05, rssBytes: 12 * MIB }],
      ['after', 'WAITING', 0, null],
    ]);
    expect(body.processes[0]?.runs[0]).toMatchObject({ run: 0, state: 'FAILED', exitCode: 2, pid: 4242, cmdline: 'echo hello 31001' });
    expect(body.processes[0]?.runs[1]?.logs.stdout).toBe(`/task/${TASK_ID}/logs/hello/1/stdout`);
    expect(body.sample).toEqual(SAMPLE);
    expect(body.job.task.processes[0]?.cmdline).toBe('echo hello {{thermos.ports[http]}}');
  });

  it('answers 404 JSON for an unknown task', async () => {
    const res = await get('/api/tasks/nope');
    expect(res.statusCode).toBe(404);
    expect(ApiErrorBodySchema.parse(res.json())).toEqual({ error: { code: 'TASK_NOT_FOUND', message: 'No task nope on this host' } });
  });
});

describe('errors, as the scheduler answers them', () => {
  it('answers an unknown API route with NOT_FOUND JSON and an unknown page with a page', async () => {
    const res = await get('/api/nothing?x=1');
    expect(res.statusCode).toBe(404);
    expect(ApiErrorBodySchema.parse(res.json()).error).toEqual({
      code: 'NOT_FOUND',
      message: 'no route GET /api/nothing on this observer; its tasks are listed at /api/tasks',
    });
    const page = await get('/nothing');
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('No page /nothing on this observer');
  });

  it('refuses a repeated query parameter on a page with a page naming it', async () => {
    const res = await get(`/task/${TASK_ID}/files?path=data&path=data`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('invalid query at path: give path once');
  });

  it('names no host path when a checkpoint cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurora-observer-errors-'));
    try {
      const broken = sandboxDir(dir, 'broken-task');
      await mkdir(broken, { recursive: true });
      // A checkpoint that is a link to itself: stat fails with ELOOP, whose message names the path.
      await symlink(checkpointPath(broken), checkpointPath(broken));
      const observer = createObserverApp({ dataDir: dir, host: 'h' });
      for (const url of ['/api/tasks/broken-task', '/task/broken-task']) {
        const res = await observer.inject({ url });
        expect(res.statusCode, url).toBe(500);
        expect(res.body, url).toContain('The checkpoint of task broken-task cannot be read: ELOOP');
        expect(res.body, url).not.toContain(dir);
      }
      expect(ApiErrorBodySchema.parse((await observer.inject({ url: '/api/tasks/broken-task' })).json()).error.code).toBe('CHECKPOINT_UNREADABLE');
      await observer.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers what is not a refusal as INTERNAL without its message, which goes to the log', () => {
    const logged: string[] = [];
    const failure = Object.assign(new Error("EACCES: permission denied, open '/var/lib/aurora/sandboxes/t/.logs/p/0/stdout'"), { code: 'EACCES' });
    const error = toObserverError(failure, (line) => logged.push(line));
    expect(error.toBody()).toEqual({ error: { code: 'INTERNAL', message: "internal error; the agent's log has details" } });
    expect(logged.join('\n')).toContain('/var/lib/aurora/sandboxes/t');
  });
});
