import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCli } from './index.js';
import { runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { testClock } from '../testing/test-clock.js';
import { SCHEDULER_T0, startTestScheduler, type TestScheduler } from '../testing/test-scheduler.js';
import { parseDurations, parsePercentiles, taskUpPercentage, uptimeAtPercentile, uptimes } from './sla-actions.js';

describe('SLA figures', () => {
  it('reads durations and percentiles as Aurora does, and says what is wrong', () => {
    expect(parseDurations('1m,10s,1h3m10s,1d')).toEqual([
      { text: '1m', seconds: 60 },
      { text: '10s', seconds: 10 },
      { text: '1h3m10s', seconds: 3790 },
      { text: '1d', seconds: 86_400 },
    ]);
    expect(() => parseDurations('3m1h')).toThrow(/XdYhZmWs/);
    expect(() => parseDurations('')).toThrow(/not a duration/);
    expect(parsePercentiles('50,75,95.5')).toEqual([50, 75, 95.5]);
    expect(() => parsePercentiles('100')).toThrow(/within \(0, 100\)/);
  });

  it("takes each instance's current task: up since its RUNNING, 0 when not running", () => {
    const T = 1_000_000;
    const running = (instance: number, since: number) => ({ instance, state: 'RUNNING' as const, events: [{ state: 'PENDING' as const, at: 0, message: null }, { state: 'RUNNING' as const, at: since, message: null }] });
    const up = uptimes([running(0, T - 120_000), running(1, T - 30_000), { instance: 2, state: 'PENDING', events: [] }, running(2, 0)], T);
    expect(up).toEqual([120, 30, 0]);
    expect(taskUpPercentage(up, 60)).toBeCloseTo(33.33, 2);
    expect(taskUpPercentage(up, 0)).toBe(100);
    expect(uptimeAtPercentile(up, 99)).toBe(0);
    expect(uptimeAtPercentile(up, 50)).toBe(30);
    expect(uptimeAtPercentile(up, 10)).toBe(120);
    expect([taskUpPercentage([], 1), uptimeAtPercentile([], 50)]).toEqual([0, 0]);
  });
});

describe('aurora sla', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  // The CLI's clock: ten minutes after the scheduler's start.
  const clock = testClock(SCHEDULER_T0 + 10 * 60_000);
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await sched?.close();
    tmp.remove();
  });
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock });

  it("prints Aurora's get-task-up-count and get-job-uptime lines for a running job", async () => {
    sched = await startTestScheduler();
    await sched.agent();
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
    const created = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'RUNNING');
    expect(created.code, created.stderr).toBe(0);
    const up = await aurora('sla', 'get-task-up-count', 'devcluster/www-data/prod/hello', '--durations=1m,1h');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toBe('1m\t- 100.00 %\n1h\t- 0.00 %\n');
    const uptime = await aurora('sla', 'get-job-uptime', 'devcluster/www-data/prod/hello', '--percentiles=50');
    expect(uptime.code, uptime.stderr).toBe(0);
    expect(uptime.stdout).toMatch(/^50 percentile\t- \d+ seconds\n$/);
    const bad = await aurora('sla', 'get-job-uptime', 'devcluster/www-data/prod/hello', '--percentiles=120');
    expect(bad.code).toBe(6);
  });
});
