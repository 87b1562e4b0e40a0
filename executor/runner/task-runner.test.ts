import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskSpec } from '../../dsl/jobspec.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { readTaskRunState } from './checkpoint-file.js';
import { checkpointPath, logPath, sandboxDir } from './sandbox.js';
import { TaskManager } from './task-manager.js';
import { TaskRunner } from './task-runner.js';

// Real processes in a temp dir. Nothing here asserts on durations.

let dataDir: string;
let manager: TaskManager;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-runner-'));
  manager = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50 });
});

afterEach(async () => {
  await manager.killAll('test over');
  manager.close();
  await rm(dataDir, { recursive: true, force: true });
});

function launch(task: TaskSpec, taskId: string, ports: Record<string, number> = {}) {
  manager.launch(assignment(task, { taskId, ports }));
  return sandboxDir(dataDir, taskId);
}

/** Throws unless the process group is gone; zombies may take a moment to be reaped by init. */
async function expectGroupGone(pgid: number): Promise<void> {
  await vi.waitFor(() => expect(() => process.kill(-pgid, 0)).toThrow(), { timeout: 15_000, interval: 100 });
}

describe('TaskRunner', () => {
  it("writes a process's stdout and stderr to its log files and finishes the task", async () => {
    const sandbox = launch(taskSpec([processSpec('hello', 'echo hello world; echo oops >&2; pwd')]), 't-hello');
    const end = await manager.waitFor('t-hello');
    expect(end.state).toBe('FINISHED');
    expect(end.message).toBe('Task finished successfully');
    const stdout = await readFile(logPath(sandbox, 'hello', 0, 'stdout'), 'utf8');
    expect(stdout).toContain('hello world');
    expect(stdout).toContain(sandbox); // the sandbox is the working directory
    expect(await readFile(logPath(sandbox, 'hello', 0, 'stderr'), 'utf8')).toBe('oops\n');
    expect(end.processes.hello?.[0]).toMatchObject({ state: 'SUCCESS', exitCode: 0 });
  });

  it('starts a process with no signal ignored, so it can be interrupted and trap SIGINT', async () => {
    const sandbox = launch(taskSpec([processSpec('sig', 'grep SigIgn /proc/self/status')]), 't-sig');
    expect((await manager.waitFor('t-sig')).state).toBe('FINISHED');
    expect(await readFile(logPath(sandbox, 'sig', 0, 'stdout'), 'utf8')).toBe('SigIgn:\t0000000000000000\n');
  });

  it('binds ports and the task id into the command line and the environment', async () => {
    const task = taskSpec([processSpec('web', 'echo "port={{thermos.ports[http]}} env=$THERMOS_PORT_HTTP id={{thermos.task_id}} i=$MESOS_INSTANCE"')]);
    const sandbox = launch(task, 't-bind', { http: 31555 });
    await manager.waitFor('t-bind');
    expect(await readFile(logPath(sandbox, 'web', 0, 'stdout'), 'utf8')).toBe('port=31555 env=31555 id=t-bind i=0\n');
  });

  it('fails a task at once when a template has no value', async () => {
    launch(taskSpec([processSpec('web', 'serve --port={{thermos.ports[http]}}')]), 't-unbound');
    const end = await manager.waitFor('t-unbound');
    expect(end.state).toBe('FAILED');
    expect(end.message).toBe('Process web cannot start: {{thermos.ports[http]}} has no value on this agent');
  });

  it('runs ordered processes one after the other', async () => {
    const task = taskSpec(
      [processSpec('second', 'echo second >> order.txt'), processSpec('first', 'sleep 0.3; echo first >> order.txt')],
      { constraints: [{ order: ['first', 'second'] }] },
    );
    const sandbox = launch(task, 't-order');
    const end = await manager.waitFor('t-order');
    expect(end.state).toBe('FINISHED');
    expect(await readFile(join(sandbox, 'order.txt'), 'utf8')).toBe('first\nsecond\n');
    const first = end.processes.first?.[0];
    const second = end.processes.second?.[0];
    expect(second?.startedAt).toBeGreaterThanOrEqual(first?.endedAt ?? Infinity);
  });

  it('retries a failing process once when it may fail twice, then fails the task', async () => {
    const task = taskSpec([processSpec('flaky', 'echo try >> tries.txt; exit 3', { maxFailures: 2 })]);
    const sandbox = launch(task, 't-flaky');
    const end = await manager.waitFor('t-flaky');
    expect(end.state).toBe('FAILED');
    expect(end.message).toBe('Process flaky failed 2 time(s) (exit status 3)');
    expect(end.processes.flaky?.map((r) => [r.run, r.state, r.exitCode])).toEqual([
      [0, 'FAILED', 3],
      [1, 'FAILED', 3],
    ]);
    expect(await readFile(join(sandbox, 'tries.txt'), 'utf8')).toBe('try\ntry\n');
  });

  it('stops ephemeral processes once the rest succeeded, then runs the final ones', async () => {
    const task = taskSpec([
      processSpec('main', 'echo main >> trail.txt'),
      processSpec('sidecar', 'sleep 1000', { ephemeral: true }),
      processSpec('cleanup', 'echo cleanup >> trail.txt', { final: true }),
    ]);
    const sandbox = launch(task, 't-final');
    const end = await manager.waitFor('t-final');
    expect(end.state).toBe('FINISHED');
    expect(end.processes.sidecar?.[0]?.state).toBe('KILLED');
    expect(end.processes.cleanup?.[0]?.state).toBe('SUCCESS');
    expect(await readFile(join(sandbox, 'trail.txt'), 'utf8')).toBe('main\ncleanup\n');
    expect(end.finalizing?.outcome.state).toBe('FINISHED');
  });

  it('kills a task so that nothing of it is left, even what ignores SIGTERM', async () => {
    // Both the shell and its background sleep ignore SIGTERM: only SIGKILL ends them.
    const task = taskSpec([processSpec('stubborn', "trap '' TERM; sleep 1000 & echo started; wait")]);
    const sandbox = launch(task, 't-kill');
    await vi.waitFor(async () => expect(await readFile(logPath(sandbox, 'stubborn', 0, 'stdout'), 'utf8')).toContain('started'), {
      timeout: 10_000,
    });
    const pgid = manager.get('t-kill')?.processes.stubborn?.[0]?.pgid as number;
    expect(manager.get('t-kill')?.state).toBe('RUNNING');
    manager.kill('t-kill', 'Killed by the test');
    expect(manager.get('t-kill')?.state).toBe('KILLING');
    const end = await manager.waitFor('t-kill');
    expect(end.state).toBe('KILLED');
    expect(end.message).toBe('Killed by the test');
    expect(end.processes.stubborn?.[0]?.state).toBe('KILLED');
    await expectGroupGone(pgid);
  });

  it('re-attached from its checkpoint alone, still learns how a process ended', async () => {
    const task = taskSpec([processSpec('slow', 'sleep 0.5; exit 4')]);
    const taskId = 't-reattach';
    const sandbox = sandboxDir(dataDir, taskId);
    const first = TaskRunner.launch(assignment(task, { taskId }), 'test-host', { sandbox, killGraceMs: 300, tickMs: 50 });
    first.start();
    await vi.waitFor(() => expect(first.state.state).toBe('RUNNING'));
    // The agent goes away: its in-memory state is dropped, the process keeps running.
    first.stop();

    const recovered = await readTaskRunState(checkpointPath(sandbox));
    expect(recovered?.processes.slow?.[0]?.state).toBe('RUNNING');
    const second = TaskRunner.recover(recovered!, { sandbox, killGraceMs: 300, tickMs: 50 });
    second.start();
    const end = await second.done;
    expect(end.state).toBe('FAILED');
    expect(end.processes.slow?.[0]).toMatchObject({ state: 'FAILED', exitCode: 4 });
    expect(end.message).toBe('Process slow failed 1 time(s) (exit status 4)');
    // And the checkpoint on disk says the same.
    expect((await readTaskRunState(checkpointPath(sandbox)))?.state).toBe('FAILED');
  });

  it('a manager started on a data dir re-attaches to a running task and can kill it', async () => {
    const sandbox = launch(taskSpec([processSpec('forever', 'echo up; sleep 1000')]), 't-recover');
    await vi.waitFor(async () => expect(await readFile(logPath(sandbox, 'forever', 0, 'stdout'), 'utf8')).toContain('up'), {
      timeout: 10_000,
    });
    const pgid = manager.get('t-recover')?.processes.forever?.[0]?.pgid as number;
    manager.close();

    manager = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50 });
    expect(await manager.recover()).toBe(1);
    expect(manager.reports()).toEqual([{ taskId: 't-recover', state: 'RUNNING', message: null, health: 'UNKNOWN', ports: {} }]);
    manager.kill('t-recover');
    expect((await manager.waitFor('t-recover')).state).toBe('KILLED');
    await expectGroupGone(pgid);
  });
});
