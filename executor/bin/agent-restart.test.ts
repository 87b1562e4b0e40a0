/**
 * The compiled agent (dist/, run `npm run build` first) against the compiled scheduler: the agent
 * is killed with SIGKILL while its task runs, the task's process keeps running and ends while no
 * agent is there, and the restarted agent re-attaches and still learns the exit status.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { BINS, startAgent, startScheduler, type Daemon } from '../../devcluster/daemons.js';
import { parseCheckpoint, replayCheckpoint } from '../core/checkpoint.js';
import { processSpec } from '../testing/fixtures.js';

let root: string;
let scheduler: Daemon;
let agent: Daemon | undefined;
const built = existsSync(BINS.agent) && existsSync(BINS.scheduler);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  if (!built) return;
  root = mkdtempSync(path.join(tmpdir(), 'aurora-agent-restart-'));
  scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
});

afterAll(async () => {
  await agent?.stop();
  await scheduler?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const agentArgs = () => ({ schedulerUrl: scheduler.url, dataDir: path.join(root, 'agent'), extraArgs: ['--kill-grace-ms', '500'] });

describe.skipIf(!built)('aurora-agent restarted with SIGKILL', () => {
  it('leaves the task running, and the new agent learns how it ended', async () => {
    agent = await startAgent(agentArgs());
    const go = path.join(root, 'go');
    const base = sampleJobSpec();
    const spec = {
      ...base,
      key: { ...base.key, role: 'www-data', name: 'survivor' },
      task: {
        ...base.task,
        processes: [processSpec('waiter', `echo waiting; while [ ! -f ${go} ]; do sleep 0.05; done; exit 7`)],
        resources: { ...base.task.resources, cpu: 0.1, ramMb: 32, diskMb: 32 },
      },
    };
    const created = await fetch(`${scheduler.url}/api/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: canonicalJson({ spec }),
    });
    expect(created.status, await created.clone().text()).toBeLessThan(300);

    const sandboxes = path.join(root, 'agent', 'sandboxes');
    const checkpoint = () => {
      const dirs = existsSync(sandboxes) ? readdirSync(sandboxes) : [];
      const file = dirs[0] ? path.join(sandboxes, dirs[0], '.checkpoint.jsonl') : '';
      return file && existsSync(file) ? replayCheckpoint(parseCheckpoint(readFileSync(file, 'utf8'))) : null;
    };
    await vi.waitFor(() => expect(checkpoint()?.processes.waiter?.[0]?.state).toBe('RUNNING'), { timeout: 20_000, interval: 100 });
    const run = checkpoint()!.processes.waiter![0]!;

    await agent.stop('SIGKILL');
    agent = undefined;
    expect(alive(run.pid)).toBe(true);
    // The process ends while no agent is there.
    writeFileSync(go, '');
    await vi.waitFor(() => expect(alive(run.pid)).toBe(false), { timeout: 10_000, interval: 50 });
    expect(checkpoint()?.processes.waiter?.[0]?.state).toBe('RUNNING');

    agent = await startAgent(agentArgs());
    await vi.waitFor(() => expect(checkpoint()?.state).toBe('FAILED'), { timeout: 20_000, interval: 100 });
    const end = checkpoint()!;
    expect(end.processes.waiter?.[0]).toMatchObject({ state: 'FAILED', exitCode: 7 });
    expect(end.message).toBe('Process waiter failed 1 time(s) (exit status 7)');
    expect(agent.log()).toContain('re-attached to 1 running task(s)');
    // And the scheduler hears it.
    await vi.waitFor(
      async () => {
        const res = await fetch(`${scheduler.url}/api/v1/tasks?role=www-data&environment=prod&name=survivor`);
        const { tasks } = (await res.json()) as { tasks: { taskId: string; state: string; events: { message: string | null }[] }[] };
        const t = tasks.find((x) => x.taskId === end.taskId);
        expect(t?.state).toBe('FAILED');
      },
      { timeout: 20_000, interval: 200 },
    );
  });
});
