import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduledTask } from '../scheduler/api/task.js';
import { createCli } from '../client/cli/index.js';
import { runCli } from '../client/testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../client/testing/temp-dir.js';
import { testClock } from '../client/testing/test-clock.js';
import { startTestScheduler, type TestScheduler } from '../client/testing/test-scheduler.js';
import { createAdminCli } from './cli.js';
import { durationMs, groupHosts, stateLine } from './maintenance.js';

// aurora-admin's maintenance commands against the real scheduler with two played agents.

describe('host maintenance commands', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  const clock = testClock(Date.UTC(2024, 0, 1, 0, 2));
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await sched?.close();
    sched = undefined;
    tmp.remove();
  });
  const env = () => ({ AURORA_CONFIG_ROOT: tmp.dir });
  const admin = (...argv: string[]) => runCli(createAdminCli, argv, { env: env(), cwd: tmp.dir, clock });
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: env(), cwd: tmp.dir, clock });
  async function scheduler(): Promise<TestScheduler> {
    sched = await startTestScheduler({ clusterName: 'local', clockStepMs: 1 });
    tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: sched.url }]));
    return sched;
  }
  const active = async (s: TestScheduler) =>
    ((await s.app.inject({ method: 'GET', url: '/api/v1/tasks?role=www-data&history=false' })).json() as { tasks: ScheduledTask[] }).tasks.filter(
      (t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state),
    );

  it("drains a host: its tasks move to the other, host_status prints Aurora's line, host_activate ends it", async () => {
    const s = await scheduler();
    await s.agent({ host: 'h1' });
    await s.agent({ host: 'h2' });
    tmp.write('hello.aurora.ts', HELLO_CONFIG.replace("cluster: 'devcluster',", "cluster: 'local',").replace("environment: 'prod',\n    name: 'hello',", "environment: 'prod',\n    name: 'hello',\n    instances: 4,"));
    const created = await aurora('job', 'create', 'local/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    expect(new Set((await active(s)).map((t) => t.host))).toEqual(new Set(['h1', 'h2']));

    const drained = await admin('host_drain', 'local', '--hosts=h1');
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stderr).toContain(' INFO] Draining group 1 of 1: h1');
    expect(drained.stderr.trim().split('\n').at(-1)).toBe(' INFO] h1 is in state: DRAINED');
    expect((await active(s)).map((t) => t.host)).toEqual(['h2', 'h2', 'h2', 'h2']);

    const status = await admin('host_status', 'local', '--hosts=h1,h2');
    expect(status.code).toBe(0);
    expect(status.stderr).toBe(' INFO] h1 is in state: DRAINED\n INFO] h2 is in state: NONE\n');
    // The 6th whitespace field is the mode, as Aurora's scripts read it (awk '{print $6}').
    expect(status.stderr.split('\n')[0]!.trim().split(/\s+/)[5]).toBe('DRAINED');

    tmp.write('hosts.txt', '# the hosts back\nh1\n');
    const back = await admin('host_activate', 'local', '--filename=hosts.txt');
    expect(back.stderr).toBe(' INFO] h1 is in state: NONE\n');
  });

  it('deactivates hosts: SCHEDULED, nothing moves', async () => {
    const s = await scheduler();
    await s.agent({ host: 'h1' });
    const r = await admin('host_deactivate', 'local', '--hosts=h1,h9');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(' INFO] h1 is in state: SCHEDULED\n INFO] h9 is in state: SCHEDULED\n');
  });

  it('says how to name hosts when neither --hosts nor --filename is given, and a --filename it cannot read (exit 6)', async () => {
    await scheduler();
    const none = await admin('host_drain', 'local');
    expect(none.code).toBe(6);
    expect(none.stderr).toContain('--hosts=h1,h2 or --filename=FILE');
    const missing = await admin('host_deactivate', 'local', '--filename=nope.txt');
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('cannot read --filename nope.txt');
  });

  it('sla_host_drain with --force_drain_timeout=0s moves everything at once; a bad timeout exits 6', async () => {
    const s = await scheduler();
    await s.agent({ host: 'h1' });
    const r = await admin('sla_host_drain', 'local', '--hosts=h1', '--force_drain_timeout=0s');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(' INFO] h1 is in state: DRAINED\n');
    const bad = await admin('sla_host_drain', 'local', '--hosts=h1', '--force_drain_timeout=soon');
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain("--force_drain_timeout must be a duration such as 7d, 12h, 30m or 0s, not 'soon'");
    expect([durationMs('7d'), durationMs('30m'), durationMs('0s'), durationMs('2days'), durationMs('1.5h')]).toEqual([604_800_000, 1_800_000, 0, 172_800_000, 5_400_000]);
  });

  it('reconcile_tasks asks every agent to report now', async () => {
    const s = await scheduler();
    await s.agent({ host: 'h1' });
    const r = await admin('reconcile_tasks', 'local');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Task reconciliation triggered: [01] of 1 active agent\(s\) report now; the others report on their next sync\n$/);
  });

  it('groups hosts by rack, or one by one', () => {
    const agents: { host: string; attributes: Record<string, string> }[] = [
      { host: 'a', attributes: { rack: 'r1' } },
      { host: 'b', attributes: { rack: 'r1' } },
      { host: 'c', attributes: { rack: 'r2' } },
      { host: 'd', attributes: {} },
    ];
    expect(groupHosts(['a', 'b', 'c', 'd'], 'by_host', agents)).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(groupHosts(['a', 'b', 'c', 'd'], 'by_rack', agents)).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(() => groupHosts(['a'], 'by_moon', agents)).toThrow(/by_host or by_rack/);
    expect(stateLine({ host: 'h', mode: 'DRAINING' })).toBe(' INFO] h is in state: DRAINING');
  });
});
