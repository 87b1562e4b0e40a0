import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthCheckSpec, JobSpec, TaskSpec } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { TaskManager, type TaskManagerOptions } from './task-manager.js';
import { DirectLauncher } from './process-launcher.js';

// Nothing a task brings may crash the agent: real processes, specs the kernel cannot run.

let dataDir: string;
const managers: TaskManager[] = [];
const lines: string[] = [];

function newManager(extra: Partial<TaskManagerOptions> = {}): TaskManager {
  const m = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50, gc: null, log: (l) => lines.push(l), ...extra });
  managers.push(m);
  return m;
}

/** Rejections nobody handles would crash the agent (node's default); the tests count them. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-safety-'));
  lines.length = 0;
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const m of managers.splice(0)) {
    await m.killAll('test over');
    m.close();
  }
  await rm(dataDir, { recursive: true, force: true });
});

const BIG = 200 * 1024;

const shellCheck = (command: string): HealthCheckSpec => ({
  ...sampleJobSpec().healthCheck,
  checker: { kind: 'shell', command },
  initialIntervalSecs: 0,
  intervalSecs: 0.1,
  timeoutSecs: 5,
  maxConsecutiveFailures: 0,
  minConsecutiveSuccesses: 1,
});

function launch(m: TaskManager, task: TaskSpec, taskId: string, jobExtra: Partial<JobSpec> = {}): void {
  const jobKey = { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' };
  m.launch(assignment(task, { taskId, job: { ...sampleJobSpec(), key: jobKey, task, ...jobExtra } }));
}

describe('a health check that cannot start', () => {
  const bigCheck = shellCheck(`true ${'x'.repeat(BIG)}`);

  it('fails the check with the reason (a 200 KiB shell check: spawn E2BIG)', async () => {
    const m = newManager();
    launch(m, taskSpec([processSpec('app', 'sleep 1000')]), 't-e2big', { healthCheck: bigCheck });
    const end = await m.waitFor('t-e2big');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/Failed health check: shell check could not start: .*E2BIG/);
    // The message names the command, but not all of it.
    expect((end.message ?? '').length).toBeLessThan(1000);
    expect(unhandled).toEqual([]);
  });

  it('fails it again, without crashing, for a runner rebuilt from the checkpoint', async () => {
    const first = newManager({ healthChecks: false });
    launch(first, taskSpec([processSpec('app', 'sleep 1000')]), 't-e2big-restart', { healthCheck: bigCheck });
    await vi.waitFor(() => expect(first.get('t-e2big-restart')?.state).toBe('RUNNING'), { timeout: 10_000 });
    first.close(); // the agent goes; the process keeps running
    managers.splice(managers.indexOf(first), 1);

    const second = newManager();
    expect(await second.recover(), lines.join('\n')).toBe(1);
    const end = await second.waitFor('t-e2big-restart');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/Failed health check: shell check could not start: .*E2BIG/);
    second.close();
    managers.splice(managers.indexOf(second), 1);

    // And once more: the ended task is known from its checkpoint.
    const third = newManager();
    expect(await third.recover()).toBe(0);
    expect(third.get('t-e2big-restart')).toMatchObject({ state: 'FAILED' });
    expect(lines.filter((l) => l.includes('not recovered'))).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

describe('a process that cannot be spawned', () => {
  for (const [name, launcher] of [
    ['the spawn helper', undefined],
    ['node spawn', new DirectLauncher()],
  ] as const) {
    it(`fails its run with the reason (a 200 KiB command line, ${name})`, async () => {
      const m = newManager(launcher ? { launcher } : {});
      launch(m, taskSpec([processSpec('big', `echo ${'x'.repeat(BIG)}`)]), 't-bigcmd');
      const end = await m.waitFor('t-bigcmd');
      expect(end.state).toBe('FAILED');
      expect(end.message).toMatch(/Process big could not start: .*command line .* too long/);
      expect((end.message ?? '').length).toBeLessThan(1000);
      expect(unhandled).toEqual([]);
    });
  }
});

describe('a checkpoint that cannot be written', () => {
  it('is logged; the task goes on and ends without crashing the agent', async () => {
    const { rmSync, mkdirSync } = await import('node:fs');
    const { checkpointPath, sandboxDir } = await import('./sandbox.js');
    for (const [name, launcher] of [
      ['helper', undefined],
      ['direct', new DirectLauncher()],
    ] as const) {
      const m = newManager(launcher ? { launcher } : {});
      const taskId = `t-nocheckpoint-${name}`;
      launch(m, taskSpec([processSpec('app', 'sleep 0.5')]), taskId);
      await vi.waitFor(() => expect(m.get(taskId)?.state).toBe('RUNNING'), { timeout: 10_000 });
      // The disk refuses it from now on (a directory where the file was: EISDIR).
      const path = checkpointPath(sandboxDir(dataDir, taskId));
      rmSync(path);
      mkdirSync(path);
      const end = await m.waitFor(taskId);
      expect(end.state).toBe('FINISHED');
      expect(lines.some((l) => l.includes(taskId) && l.includes('could not write its checkpoint'))).toBe(true);
    }
    expect(unhandled).toEqual([]);
  });
});
