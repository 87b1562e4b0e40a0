/**
 * The compiled agent's spawn helper, with the compiled scheduler (run `npm run build` first):
 * the agent starts its helper at once; when the helper is killed the agent starts another, the
 * task that was running goes on and its end is still learned, and new tasks launch; when the
 * agent itself is killed, its helper goes and the tasks stay.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { canonicalJson, type JobSpec } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { BINS, startAgent, startScheduler, type Daemon } from '../../devcluster/daemons.js';
import { parseCheckpoint, replayCheckpoint, type TaskRunState } from '../../executor/core/checkpoint.js';
import { processSpec } from '../../executor/testing/fixtures.js';

const built = existsSync(BINS.agent) && existsSync(BINS.scheduler) && existsSync('/usr/bin/perl') && process.platform === 'linux';

let root: string;
let scheduler: Daemon;
let agent: Daemon | undefined;

beforeAll(async () => {
  if (!built) return;
  root = mkdtempSync(path.join(tmpdir(), 'aurora-agent-helper-'));
  scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
});

afterAll(async () => {
  await agent?.stop();
  for (const s of checkpoints()) for (const runs of Object.values(s.processes)) for (const run of runs) {
    try {
      process.kill(-run.pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await scheduler?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const agentArgs = () => ({
  schedulerUrl: scheduler.url,
  dataDir: path.join(root, 'agent'),
  extraArgs: ['--kill-grace-ms', '500', '--spawn-spares', '3', '--no-run-as-role'],
});

/** Running, and not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** The child of `parent` whose command line starts with `prefix`. */
function childOf(parent: number, prefix: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith(prefix)) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

function checkpoints(): TaskRunState[] {
  const dir = root ? path.join(root, 'agent', 'sandboxes') : '';
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    try {
      return [replayCheckpoint(parseCheckpoint(readFileSync(path.join(dir, id, '.checkpoint.jsonl'), 'utf8')))];
    } catch {
      return [];
    }
  });
}
const byName = (name: string) => checkpoints().find((s) => s.assignment.job.key.name === name);

async function createJob(name: string, cmdline: string): Promise<void> {
  const base = sampleJobSpec();
  const spec: JobSpec = {
    ...base,
    key: { ...base.key, role: 'www-data', name },
    task: { ...base.task, processes: [processSpec('main', cmdline)], resources: { ...base.task.resources, cpu: 0.1, ramMb: 32, diskMb: 32 } },
  };
  const res = await fetch(`${scheduler.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: canonicalJson({ spec }) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

describe.skipIf(!built)('the compiled agent and its spawn helper', () => {
  it('comes back after the helper is killed; tasks go on, and the agent going leaves them running', async () => {
    agent = await startAgent(agentArgs());
    const agentPid = agent.child.pid as number;
    await vi.waitFor(() => expect(childOf(agentPid, 'aurora-spawn-helper')).not.toBeNull(), { timeout: 10_000 });
    const helper = childOf(agentPid, 'aurora-spawn-helper') as number;

    const go = path.join(root, 'go');
    await createJob('waiter', `while [ ! -f ${go} ]; do sleep 0.05; done; exit 5`);
    await vi.waitFor(() => expect(byName('waiter')?.processes.main?.[0]?.state).toBe('RUNNING'), { timeout: 20_000, interval: 100 });
    const waiter = byName('waiter')!.processes.main![0]!;
    // The process is the helper's child, in a session of its own.
    expect(readFileSync(`/proc/${waiter.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]).toBe(String(helper));

    process.kill(helper, 'SIGKILL');
    await vi.waitFor(() => expect([null, helper]).not.toContain(childOf(agentPid, 'aurora-spawn-helper')), { timeout: 10_000 });
    expect(alive(waiter.pid)).toBe(true);

    // A new task launches through the new helper, and the old one's end is still learned.
    await createJob('after', 'echo after');
    await vi.waitFor(() => expect(byName('after')?.state).toBe('FINISHED'), { timeout: 20_000, interval: 100 });
    writeFileSync(go, '');
    await vi.waitFor(() => expect(byName('waiter')?.processes.main?.[0]).toMatchObject({ state: 'FAILED', exitCode: 5 }), { timeout: 20_000, interval: 100 });
    expect(agent.log()).toMatch(/spawn helper \(pid \d+\) ended \(killed by SIGKILL\); starting a new one/);

    // The agent goes (SIGKILL); its helper follows, the task's process stays.
    await createJob('stayer', 'exec sleep 1000');
    await vi.waitFor(() => expect(byName('stayer')?.processes.main?.[0]?.state).toBe('RUNNING'), { timeout: 20_000, interval: 100 });
    const stayer = byName('stayer')!.processes.main![0]!;
    const helperNow = childOf(agentPid, 'aurora-spawn-helper') as number;
    await agent.stop('SIGKILL');
    agent = undefined;
    await vi.waitFor(() => expect(alive(helperNow)).toBe(false), { timeout: 10_000 });
    expect(alive(stayer.pid)).toBe(true);

    // A new agent re-attaches to it.
    agent = await startAgent(agentArgs());
    await vi.waitFor(() => expect(agent!.log()).toContain('re-attached to 1 running task(s)'), { timeout: 10_000 });
    expect(byName('stayer')?.processes.main).toHaveLength(1);
  });
});
