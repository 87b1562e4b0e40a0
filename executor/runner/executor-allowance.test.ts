import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TaskSpec } from '../../dsl/jobspec.js';
import type { ExecutorAllowance } from '../../scheduler/api/agent-protocol.js';
import { DEFAULT_EXECUTOR_ALLOWANCE } from '../../scheduler/core/effective-resources.js';
import { parseCheckpoint, replayCheckpoint } from '../core/checkpoint.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { detectCgroups, TaskCgroup, type CgroupSupport } from './cgroups.js';
import { checkpointPath, logPath, sandboxDir } from './sandbox.js';
import { TaskManager } from './task-manager.js';

/**
 * Aurora's e2e configs ask for `ram = 1*MB`: with the executor allowance of its launch, such a
 * task runs on a real agent, whether the kernel (cgroups) or the monitor holds its limits.
 * Real processes in temp dirs; nothing here asserts on durations.
 */

let dataDir: string;
let manager: TaskManager | undefined;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-allowance-'));
});

afterEach(async () => {
  await manager?.killAll('test over');
  manager?.close();
  manager = undefined;
  // A wrapper may still be writing its exit status as the task's sandbox goes.
  await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

function start(cgroups: CgroupSupport | null): TaskManager {
  manager = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50, gc: null, cgroups, sampleIntervalMs: 100 });
  manager.startMonitoring();
  return manager;
}

/** One process under a task that asks for 1 MiB of ram and 8 MiB of disk, as Aurora's e2e configs do. */
function oneMiB(cmdline: string): TaskSpec {
  const t = taskSpec([processSpec('main', cmdline)]);
  return { ...t, resources: { ...t.resources, ramMb: 1, diskMb: 8 } };
}

function launch(m: TaskManager, task: TaskSpec, taskId: string, allowance?: ExecutorAllowance): string {
  m.launch(assignment(task, { taskId, ...(allowance ? { allowance } : {}) }));
  return sandboxDir(dataDir, taskId);
}

const cgroups = detectCgroups();

describe('a task that asks for 1 MiB', () => {
  it('runs to success under the monitor with the default allowance, and keeps the allowance in its checkpoint', async () => {
    const m = start(null);
    const sandbox = launch(m, oneMiB('echo hi; sleep 2; echo bye'), 't-monitor', DEFAULT_EXECUTOR_ALLOWANCE);
    const end = await m.waitFor('t-monitor');
    expect(end.state).toBe('FINISHED');
    expect(await readFile(logPath(sandbox, 'main', 0, 'stdout'), 'utf8')).toBe('hi\nbye\n');
    // A restarted agent replays the launch from the checkpoint: the same limits hold after it.
    const replayed = replayCheckpoint(parseCheckpoint(await readFile(checkpointPath(sandbox), 'utf8')));
    expect(replayed.assignment.allowance).toEqual(DEFAULT_EXECUTOR_ALLOWANCE);
  });

  it('is killed by the monitor at once without one: the wrapper and bash alone are several MiB of resident pages', async () => {
    const m = start(null);
    launch(m, oneMiB('echo hi; sleep 2; echo bye'), 't-monitor-none');
    const end = await m.waitFor('t-monitor-none');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/^exceeded ram limit 1 MiB \(used \d+ MiB\)$/);
  });

  it.skipIf(!cgroups)('runs to success with cgroups, limited to its ram and the allowance', async () => {
    const m = start(cgroups);
    const sandbox = launch(m, oneMiB('echo hi; sleep 2; echo bye'), 't-cgroup', DEFAULT_EXECUTOR_ALLOWANCE);
    await vi.waitFor(() => expect(m.get('t-cgroup')?.state).toBe('RUNNING'));
    const cgroup = new TaskCgroup(cgroups!, 't-cgroup');
    const limitFile = cgroups!.version === 'v1' ? 'memory.limit_in_bytes' : 'memory.max';
    await vi.waitFor(async () => expect((await readFile(join(cgroup.dirs[0]!, limitFile), 'utf8')).trim()).toBe(String(17 * 1024 * 1024)));
    const end = await m.waitFor('t-cgroup');
    expect(end.state).toBe('FINISHED');
    expect(await readFile(logPath(sandbox, 'main', 0, 'stdout'), 'utf8')).toBe('hi\nbye\n');
  });

  // A process that needs a few MiB (as the python daemon of Aurora's daemonize config does).
  const needs4MiB = `perl -e '$x = "a" x (4 * 1024 * 1024); print "held ", length($x), "\\n"; sleep 1'`;

  it.skipIf(!cgroups)('with cgroups, a process needing 4 MiB runs within the allowance', async () => {
    const m = start(cgroups);
    const sandbox = launch(m, oneMiB(needs4MiB), 't-cgroup-4', DEFAULT_EXECUTOR_ALLOWANCE);
    const end = await m.waitFor('t-cgroup-4');
    expect(end.state).toBe('FINISHED');
    expect(await readFile(logPath(sandbox, 'main', 0, 'stdout'), 'utf8')).toBe(`held ${4 * 1024 * 1024}\n`);
  });

  it.skipIf(!cgroups)('with cgroups and no allowance, the same process is OOM-killed and the task fails with the reason', async () => {
    const m = start(cgroups);
    launch(m, oneMiB(needs4MiB), 't-cgroup-oom');
    const end = await m.waitFor('t-cgroup-oom');
    expect(end.state).toBe('FAILED');
    expect(end.message).toMatch(/^exceeded ram limit 1 MiB \(used (\d+ MiB|more)\)$/);
  });
});
