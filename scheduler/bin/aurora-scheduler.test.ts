import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ListAgentsResponseSchema } from '../api/agent-protocol.js';
import { GetJobResponseSchema, ListTasksResponseSchema } from '../api/jobs-api.js';
import { PATHS } from '../api/routes.js';
import { agentRegistration, jobSpec } from '../testing/scheduler-harness.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'dist/scheduler/bin/aurora-scheduler.js');
const READY = /^aurora-scheduler: serving cluster (\S+) at (http:\/\/\S+)$/;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The test runs the compiled CLI; compile it when it is missing or older than its sources. */
function ensureBuilt(): void {
  const sources = Math.max(newestSource(join(root, 'scheduler')), newestSource(join(root, 'dsl')));
  if (existsSync(bin) && statSync(bin).mtimeMs >= sources) return;
  // Other parts may not type-check yet; tsc still emits, so only the output matters.
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'ignore',
  });
  if (!existsSync(bin)) throw new Error(`${bin} was not built; run npm run build and look at the errors`);
}

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const children: ChildProcess[] = [];

function run(args: string[]): { child: ChildProcess; exited: Running['exited']; ready: Promise<string> } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stderr })),
  );
  const ready = new Promise<string>((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = READY.exec(line);
      if (m) res(m[2] as string);
    });
    void exited.then((e) => rej(new Error(`aurora-scheduler exited (${e.code ?? e.signal}) before serving:\n${e.stderr}`)));
  });
  ready.catch(() => {}); // tests of failed starts only look at `exited`
  return { child, exited, ready };
}

async function start(dataDir: string): Promise<Running> {
  const { child, exited, ready } = run(['--http-port', '0', '--data-dir', dataDir]);
  return { child, exited, url: await ready };
}

async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('aurora-scheduler (the compiled CLI)', () => {
  let dataDir: string;
  beforeAll(() => ensureBuilt());
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('loses no acknowledged job or task when killed with SIGKILL', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const first = await start(dataDir);
    const created = await call('POST', `${first.url}${PATHS.jobs}`, { spec: jobSpec({ instances: 2 }) });
    expect(created.status).toBe(201);
    const before = ListTasksResponseSchema.parse((await call('GET', `${first.url}${PATHS.tasks}`)).body).tasks;
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start(dataDir);
    const job = await call('GET', `${second.url}${PATHS.job('www-data', 'prod', 'hello')}`);
    expect(job.status).toBe(200);
    expect(GetJobResponseSchema.parse(job.body).job.summary.taskCounts).toEqual({ PENDING: 2 });
    const after = ListTasksResponseSchema.parse((await call('GET', `${second.url}${PATHS.tasks}`)).body).tasks;
    expect(after.map((t) => t.taskId)).toEqual(before.map((t) => t.taskId));
  });

  it('answers a held agent sync and exits 0 on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const s = await start(dataDir);
    const { body } = await call('POST', `${s.url}${PATHS.agentRegister}`, agentRegistration('host1'));
    const { agentId, token } = body as { agentId: string; token: string };
    const lastSeen = async () => ListAgentsResponseSchema.parse((await call('GET', `${s.url}${PATHS.agents}`)).body).agents[0]!.lastSeenAt;
    const registeredAt = await lastSeen();
    await new Promise((res) => setTimeout(res, 20)); // so that the sync's lastSeenAt differs from registration's
    const held = call('POST', `${s.url}${PATHS.agentSync}`, { agentId, token, seq: 1, tasks: [], waitMs: 60_000 });
    await vi.waitFor(async () => expect(await lastSeen()).toBeGreaterThan(registeredAt)); // the sync is being held
    s.child.kill('SIGTERM');
    expect((await held).body).toEqual({ launch: [], kill: [], ack: [] });
    expect((await s.exited).code).toBe(0);
  });

  it('says in one line that the port is taken, and exits 1', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { exited } = run(['--http-port', String(port), '--data-dir', dataDir]);
      const { code, stderr } = await exited;
      expect(code).toBe(1);
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `aurora-scheduler: port ${port} on 127.0.0.1 is already in use; choose another with --http-port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('says that the data dir cannot be used, and exits 1', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const file = join(dataDir, 'not-a-dir');
    writeFileSync(file, '');
    const { exited } = run(['--http-port', '0', '--data-dir', join(file, 'data')]);
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/^aurora-scheduler: cannot create data dir .*not-a-dir\/data: .*\(set --data-dir to a writable directory\)\n$/);
  });

  it('refuses a 0-byte database rather than start an empty cluster, and creates one with --init, keeping the file', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    writeFileSync(join(dataDir, 'scheduler.db'), '');
    const refused = await run(['--http-port', '0', '--data-dir', dataDir]).exited;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('scheduler.db is empty (0 bytes), so it holds no cluster state');
    expect(refused.stderr).toContain('--init');
    const init = run(['--http-port', '0', '--data-dir', dataDir, '--init']);
    const url = await init.ready;
    expect((await call('GET', `${url}${PATHS.jobs}`)).body).toEqual({ jobs: [] });
    expect(readdirSync(dataDir).some((f) => /^scheduler\.db\.unusable-\d+$/.test(f))).toBe(true);
    init.child.kill('SIGTERM');
    await init.exited;
    // A cluster that exists is never replaced by --init.
    const again = await run(['--http-port', '0', '--data-dir', dataDir, '--init']).exited;
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("holds a cluster's state already; --init creates a cluster only where there is none");
  });

  it('refuses a database that is not SQLite, or is corrupt, saying so; it never serves 500s behind an OK /health', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    writeFileSync(join(dataDir, 'scheduler.db'), 'these are not the bytes of a database\n'.repeat(200));
    const garbage = await run(['--http-port', '0', '--data-dir', dataDir]).exited;
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toContain('is not a SQLite database');
    rmSync(dataDir, { recursive: true, force: true });
    // A real database whose pages after the header are overwritten.
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const first = await start(dataDir);
    expect((await call('POST', `${first.url}${PATHS.jobs}`, { spec: jobSpec() })).status).toBe(201);
    first.child.kill('SIGTERM');
    await first.exited;
    const file = join(dataDir, 'scheduler.db');
    const { openSync, writeSync, closeSync, fstatSync } = await import('node:fs');
    const fd = openSync(file, 'r+');
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.alloc(size - 100, 0x5a), 0, size - 100, 100);
    closeSync(fd);
    const corrupt = await run(['--http-port', '0', '--data-dir', dataDir]).exited;
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain('scheduler.db is corrupt (database disk image is malformed); the scheduler does not serve from it');
    expect(corrupt.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects unknown flags', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aurora-scheduler-bin-'));
    const { exited } = run(['--http-prot', '0']);
    const { code, stderr } = await exited;
    expect(code).toBe(1);
    expect(stderr).toBe('aurora-scheduler: Unknown argument: http-prot (see aurora-scheduler --help)\n');
  });
});
