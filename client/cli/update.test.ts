import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_HEADER } from '../../scheduler/api/agent-protocol.js';
import { runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { testClock, type TestClock } from '../testing/test-clock.js';
import { startTestScheduler, type PlayedAgentOptions, type TestScheduler } from '../testing/test-scheduler.js';
import { createCli } from './index.js';

// `aurora update` against the real scheduler (client/testing/test-scheduler.ts) with an agent
// played in-process. The scheduler's clock moves a millisecond whenever it is read, so every
// change of an update has its own lastModifiedAt, as on a real clock.

const KEY = 'devcluster/www-data/prod/hello';
/** hello with 2 instances, updated one at a time and counted as updated once RUNNING (no watch). */
const V1 = HELLO_CONFIG.replace('MB }', 'MB, UpdateConfig }').replace(
  "name: 'hello',\n    task",
  "name: 'hello',\n    instances: 2,\n    updateConfig: UpdateConfig({ watchSecs: 0 }),\n    task",
);
const V2 = V1.replace('hello world', 'hello again');
/** A config no agent can run (more cpu than any has): its tasks stay PENDING, so its update stays active. */
const STUCK = V1.replace('cpu: 0.1', 'cpu: 1000');
const CRON = V1.replace(/Service/g, 'Job').replace("name: 'hello',\n", "name: 'hello',\n    cronSchedule: '0 * * * *',\n");

describe('aurora update', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  let clock: TestClock;

  beforeEach(() => {
    tmp = tempDir();
    for (const [file, text] of Object.entries({ 'v1.aurora.ts': V1, 'v2.aurora.ts': V2, 'stuck.aurora.ts': STUCK, 'cron.aurora.ts': CRON })) tmp.write(file, text);
    clock = testClock();
  });
  afterEach(async () => {
    await sched?.close();
    sched = undefined;
    tmp.remove();
  });

  async function scheduler(agent: PlayedAgentOptions | false = {}): Promise<TestScheduler> {
    sched = await startTestScheduler({ clockStepMs: 1 });
    if (agent !== false) await sched.agent(agent);
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    return sched;
  }
  type RunOptions = { signal?: AbortSignal; tty?: { columns: number } };
  const run = (options: RunOptions, ...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock, ...options });
  const aurora = (...argv: string[]) => run({}, ...argv);
  /** hello, created from v1 and RUNNING. */
  async function running(): Promise<void> {
    const r = await aurora('job', 'create', KEY, 'v1.aurora.ts', '--wait-until', 'RUNNING');
    expect(r.code, r.stderr).toBe(0);
  }
  /** Starts an update to a config whose tasks never run; its ID. */
  async function stuckUpdate(): Promise<string> {
    const r = await aurora('update', 'start', KEY, 'stuck.aurora.ts');
    expect(r.code, r.stderr).toBe(0);
    return /Update ID: (\S+)/.exec(r.stdout)?.[1] as string;
  }
  const updateReads = (s: TestScheduler) => s.requests.filter((q) => q.method === 'GET' && q.url.includes('/updates/')).map((q) => new URL(q.url, s.url));
  /** A held read of an update, once the CLI sends it. */
  const heldRead = (s: TestScheduler) => s.nextRequest((q) => q.method === 'GET' && q.url.includes('/updates/') && q.url.includes('waitMs='));

  describe('start', () => {
    it('updates the job to the config, prints the update ID, and with --wait follows it to ROLLED_FORWARD (exit 0)', async () => {
      const s = await scheduler();
      await running();
      const r = await aurora('update', 'start', KEY, 'v2.aurora.ts', '--wait', '--message', 'say it again');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      const id = /^Update ID: (\S+)$/.exec(lines[1] ?? '')?.[1];
      expect(id).toBeDefined();
      expect(lines[0]).toBe(`Job update has started. View your update progress at ${s.url}/scheduler/www-data/prod/hello/update/${id}`);
      expect(lines[2]).toBe('ROLLING_FORWARD: 0/2 instances updated');
      expect(lines.slice(-2)).toEqual(['ROLLED_FORWARD: 2/2 instances updated', '']);
      const post = s.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/jobs/www-data/prod/hello/updates');
      expect(post?.headers[CLIENT_HEADER]).toBeTruthy();
      expect(post?.body).toMatchObject({ message: 'say it again', spec: { instances: 2, task: { processes: [{ cmdline: expect.stringContaining('hello again') }] } } });
      // Every read held by the scheduler until the update changed, each after the version the last one saw: no busy loop.
      const reads = updateReads(s);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.every((u) => u.searchParams.get('waitMs') === '30000')).toBe(true);
      expect(new Set(reads.map((u) => u.searchParams.get('since'))).size).toBe(reads.length);
      expect(r.slept).toBe(0);
      const job = await s.waitForJob('www-data/prod/hello', () => true);
      expect(job?.spec.task.processes[0]?.cmdline).toContain('hello again');
    });

    it('shows progress as one line rewritten on a terminal', async () => {
      await scheduler();
      await running();
      const r = await run({ tty: { columns: 80 } }, 'update', 'start', KEY, 'v2.aurora.ts', '--wait');
      expect(r.code, r.stderr).toBe(0);
      const progress = r.stdout.slice(r.stdout.indexOf('\r'));
      expect(progress).toMatch(/^(\r\x1b\[2K[^\r\n]+)+\n$/);
      expect(progress.startsWith('\r\x1b[2KROLLING_FORWARD: 0/2 instances updated')).toBe(true);
      expect(progress.endsWith('\r\x1b[2KROLLED_FORWARD: 2/2 instances updated\n')).toBe(true);
    });

    it('exits 4 when the update it waits for is rolled back, saying who rolled it back', async () => {
      const s = await scheduler();
      await running();
      const waiting = aurora('update', 'start', KEY, 'stuck.aurora.ts', '--wait');
      await heldRead(s);
      const rollback = await aurora('update', 'rollback', KEY, '--wait', '--message', 'too big');
      expect(rollback).toMatchObject({ code: 0, stderr: '' });
      expect(rollback.stdout.split('\n')[0]).toBe('Update rollback has started.');
      expect(rollback.stdout.split('\n').at(-2)).toBe('ROLLED_BACK: 2/2 instances rolled back');
      const r = await waiting;
      expect(r.code).toBe(4);
      expect(r.stdout.split('\n').at(-2)).toBe('ROLLED_BACK: 2/2 instances rolled back');
      const id = /Update ID: (\S+)/.exec(r.stdout)?.[1];
      expect(r.stderr).toMatch(new RegExp(`^  ROLLING_BACK by anonymous: too big\\n(  .*\\n)*Error: Update ${id} of ${KEY} ended ROLLED_BACK\\n$`));
    });

    it("refuses a cron config with Aurora's words (exit 4), sending nothing", async () => {
      const s = await scheduler(false);
      const r = await aurora('update', 'start', KEY, 'cron.aurora.ts');
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(`Error: Cron jobs may only be updated with "aurora cron schedule" command (${KEY} has cronSchedule '0 * * * *')\n`);
      expect(s.requests).toEqual([]);
    });

    it('updates only the instances of KEY/INSTANCES, as Aurora', async () => {
      const s = await scheduler();
      await running();
      const r = await aurora('update', 'start', `${KEY}/1`, 'v2.aurora.ts', '--wait');
      expect(r.code, r.stderr).toBe(0);
      const post = s.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/jobs/www-data/prod/hello/updates');
      expect(post?.body).toMatchObject({ instances: [1] });
      expect(r.stdout).toContain('ROLLED_FORWARD: 1/1 instance updated');
      const job = await s.waitForJob('www-data/prod/hello', () => true);
      const cmdOf = (t: { specHash: string }) => (t.specHash === job?.summary.specHash ? 'v2' : 'v1');
      expect(job?.tasks.filter((t) => t.state === 'RUNNING').map((t) => [t.instance, cmdOf(t)]).sort()).toEqual([
        [0, 'v1'],
        [1, 'v2'],
      ]);
    });

    it("passes on the scheduler's refusals: another update active (UPDATE_IN_PROGRESS, exit 10); a job that does not exist is added, as Aurora's", async () => {
      await scheduler();
      await running();
      const id = await stuckUpdate();
      const again = await aurora('update', 'start', KEY, 'v2.aurora.ts');
      expect(again.code).toBe(10);
      expect(again.stderr).toMatch(new RegExp(`^Error: .*${id}.* \\(UPDATE_IN_PROGRESS\\)\\n$`));
      tmp.write('other.aurora.ts', V1.replace("name: 'hello',\n    instances", "name: 'other',\n    instances"));
      const missing = await aurora('update', 'start', 'devcluster/www-data/prod/other', 'other.aurora.ts');
      expect(missing).toMatchObject({ code: 0, stderr: '' });
      expect(missing.stdout).toMatch(/^Job update has started\./);
    });
  });

  describe('pause, resume, abort, rollback and pulse', () => {
    it("act on the active update with Aurora's words, sending the message", async () => {
      const s = await scheduler();
      await running();
      await stuckUpdate();
      expect(await aurora('update', 'pause', KEY, '-m', 'lunch')).toMatchObject({ code: 0, stdout: 'Update has been paused.\n', stderr: '' });
      expect(s.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/jobs/www-data/prod/hello/update/pause', body: { message: 'lunch' } });
      const twice = await aurora('update', 'pause', KEY);
      expect(twice.code).toBe(10);
      expect(twice.stderr).toMatch(/^Error: Failed to pause update due to error: .* \(INVALID_UPDATE_ACTION\)\n$/);
      expect(await aurora('update', 'resume', KEY)).toMatchObject({ code: 0, stdout: 'Update has been resumed.\n' });
      expect(await aurora('update', 'abort', KEY)).toMatchObject({ code: 0, stdout: 'Update has been aborted.\n' });
      const info = await aurora('update', 'list', KEY);
      expect(info.stdout).toMatch(/ ABORTED /);
    });

    it('say "No active update found for this job." with exit 6 when there is none', async () => {
      await scheduler(false);
      for (const verb of ['pause', 'resume', 'abort', 'rollback', 'pulse']) {
        expect(await aurora('update', verb, KEY), verb).toMatchObject({ code: 6, stdout: '', stderr: 'Error: No active update found for this job.\n' });
      }
    });
  });

  describe('wait', () => {
    it('follows the active update, and exits 20 when it is aborted', async () => {
      const s = await scheduler();
      await running();
      const id = await stuckUpdate();
      const waiting = aurora('update', 'wait', KEY);
      await heldRead(s);
      expect((await aurora('update', 'abort', KEY)).code).toBe(0);
      const r = await waiting;
      expect(r.code).toBe(20);
      expect(r.stdout.split('\n').at(-2)).toMatch(/^ABORTED: /);
      expect(r.stderr).toMatch(new RegExp(`Error: Update ${id} of ${KEY} ended ABORTED\\n$`));
      // An ended update, by its ID: its outcome at once.
      const again = await aurora('update', 'wait', KEY, id);
      expect(again.code).toBe(20);
      expect(again.stdout).toMatch(/^ABORTED: .*\n$/);
    });

    it('exits 6 when there is no such update', async () => {
      await scheduler(false);
      expect(await aurora('update', 'wait', KEY)).toMatchObject({ code: 6, stderr: 'Error: No active update found for this job.\n' });
      expect(await aurora('update', 'wait', KEY, 'no-such-id')).toMatchObject({ code: 6, stderr: `Error: Job update not found: ${KEY} has no update no-such-id.\n` });
    });

    it('ends with exit 130 on Ctrl-C and leaves the update alone', async () => {
      const s = await scheduler();
      await running();
      const id = await stuckUpdate();
      const ctrlC = new AbortController();
      const waiting = run({ signal: ctrlC.signal, tty: { columns: 100 } }, 'update', 'wait', KEY);
      await heldRead(s);
      s.requests.length = 0;
      ctrlC.abort();
      const r = await waiting;
      expect(r.code).toBe(130);
      // The progress line is ended before the error.
      expect(r.stdout).toBe('\r\x1b[2KROLLING_FORWARD: 0/2 instances updated\n');
      expect(r.stderr).toBe(`Error: interrupted; update ${id} goes on (aurora update info|pause|abort ${KEY})\n`);
      expect(s.requests.filter((q) => q.method !== 'GET')).toEqual([]);
      expect((await aurora('update', 'info', KEY)).stdout).toContain('Current status: ROLLING_FORWARD\n');
    });
  });

  describe('list', () => {
    it("lists updates newest first in Aurora's columns, filtered by job, status (or group) and user", async () => {
      await scheduler();
      await running();
      const first = await stuckUpdate();
      expect((await aurora('update', 'abort', KEY)).code).toBe(0);
      const r0 = await aurora('update', 'start', KEY, 'v2.aurora.ts', '--wait');
      expect(r0.code, r0.stderr).toBe(0);
      const second = /Update ID: (\S+)/.exec(r0.stdout)?.[1] as string;
      const r = await aurora('update', 'list', 'devcluster/www-data');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe('JOB                                             UPDATE ID                            STATUS          CREATED BY  STARTED             LAST MODIFIED');
      const row = (id: string, status: string) =>
        new RegExp(`^${KEY} {18}${id} ${status.padEnd(15)} anonymous   2024-01-01T00:00:00\\.\\d{6} 2024-01-01T00:00:00\\.\\d{6}$`);
      expect(lines[1]).toMatch(row(second, 'ROLLED_FORWARD'));
      expect(lines[2]).toMatch(row(first, 'ABORTED'));
      expect(lines).toHaveLength(4);
      expect((await aurora('update', 'list', KEY, '--status', 'succeeded')).stdout.split('\n')).toHaveLength(3);
      expect((await aurora('update', 'list', 'devcluster', '--status', 'failed', '--status', 'active')).stdout).toBe('');
      expect((await aurora('update', 'list', 'devcluster/www-data/prod', '--user', 'bob')).stdout).toBe('');
      const json = JSON.parse((await aurora('update', 'list', 'devcluster', '--status', 'ABORTED', '--write-json')).stdout) as unknown[];
      expect(json).toEqual([{ job: KEY, id: first, user: 'anonymous', started: expect.stringMatching(/^2024-01-01T00:00:00/), last_modified: expect.any(String), status: 'ABORTED' }]);
    });

    it('refuses an unknown status (exit 5) and a malformed filter (exit 6)', async () => {
      await scheduler(false);
      const bad = await aurora('update', 'list', 'devcluster', '--status', 'done');
      expect(bad.code).toBe(5);
      expect(bad.stderr).toMatch(/^Error: --status done is neither an update status nor a group; choose from active, paused, blocked, all, failed, inactive, succeeded, ROLLING_FORWARD, /);
      expect((await aurora('update', 'list', 'devcluster/a/b/c/d')).code).toBe(6);
    });
  });

  describe('info', () => {
    it("shows the active update (or one by ID): status, each instance's progress and the events", async () => {
      await scheduler();
      await running();
      const id = await stuckUpdate();
      const r = await aurora('update', 'info', KEY);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`Job: ${KEY}, UpdateID: ${id}`);
      expect(lines[1]).toMatch(/^Started 2024-01-01T00:00:00\.\d{6}, last activity: 2024-01-01T00:00:00\.\d{6}$/);
      expect(lines[2]).toBe('Current status: ROLLING_FORWARD');
      expect(lines).toContain('Instances:');
      expect(lines).toContain('  Instance 1: PENDING, 0 failures');
      expect(lines).toContain('Update events:');
      expect(lines.some((l) => /^ {2}Status: ROLLING_FORWARD at \S+ by anonymous$/.test(l))).toBe(true);
      expect(lines.some((l) => /^ {2}Instance 0 at \S+: INSTANCE_UPDATING/.test(l))).toBe(true);
      expect((await aurora('update', 'info', KEY, id)).stdout).toBe(r.stdout);
      const json = JSON.parse((await aurora('update', 'info', KEY, '--write-json')).stdout) as Record<string, unknown>;
      expect(json).toMatchObject({ updateId: id, job: KEY, status: 'ROLLING_FORWARD', instances: [{ instance: 0 }, { instance: 1, status: 'PENDING' }] });
    });

    it('exits 6 without an active update, and for an unknown ID', async () => {
      await scheduler(false);
      expect(await aurora('update', 'info', KEY)).toMatchObject({ code: 6, stderr: 'Error: There is no active update for this job.\n' });
      expect((await aurora('update', 'info', KEY, 'nope')).code).toBe(6);
    });
  });

  it('lists its commands in help', async () => {
    const r = await aurora('update', '--help');
    expect(r.code).toBe(0);
    for (const verb of ['start <instancekey> <config>', 'pause <jobkey>', 'resume', 'abort', 'rollback', 'pulse', 'wait <jobkey> [id]', 'list <filter>', 'info <jobkey> [id]']) {
      expect(r.stdout).toContain(`aurora update ${verb}`);
    }
    expect((await aurora('--help')).stdout).toMatch(/^ {2}aurora update {2}Roll out new configs: start, follow, pause, resume, abort and roll back updates$/m);
  });
});
