import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../dsl/jobspec.js';
import { sampleJobSpec } from '../dsl/testing/sample-spec.js';
import { PATHS } from '../scheduler/api/routes.js';
import type { SlaProbeHostsResponse, SlaSafeDomainResponse } from '../scheduler/api/sla-api.js';
import { runCli } from '../client/testing/run-cli.js';
import { tempDir } from '../client/testing/temp-dir.js';
import { testClock } from '../client/testing/test-clock.js';
import { startTestScheduler, type TestScheduler } from '../client/testing/test-scheduler.js';
import { createAdminCli } from './cli.js';
import { parseOverrides, parseSlaDuration, parseSlaPercentage, probeLines, safeDomainLines } from './sla.js';

const key = { cluster: 'local', role: 'www-data', environment: 'prod', name: 'hello' };
const path = (k: { role: string; environment: string; name: string }) => `local/${k.role}/${k.environment}/${k.name}`;

describe('SLA report arguments and lines', () => {
  it.each([
    ['95', 95],
    ['99.9', 99.9],
    ['100', 100],
  ])('percentage %s', (text, value) => expect(parseSlaPercentage(text)).toBe(value));

  it.each(['0', '-5', '100.1', 'most', ''])("refuses percentage '%s' as Aurora does", (text) => {
    expect(() => parseSlaPercentage(text)).toThrow(`Invalid percentage ${text}. Must be within (0, 100].`);
  });

  it('reads durations as XdYhZmWs', () => {
    expect([parseSlaDuration('30m'), parseSlaDuration('1d3h45m'), parseSlaDuration('100s')]).toEqual([1800, 99_900, 100]);
    expect(() => parseSlaDuration('soon')).toThrow(/XdYhZmWs/);
  });

  it("reads Aurora's override file, and names the line of a bad one", () => {
    const text = '# per-job limits\nlocal/www-data/prod/hello 95 2h\n\nlocal/mesos/prod/labrat 50 100s\n';
    expect(parseOverrides(text, 'o.txt', 'local')).toEqual([
      { job: { role: 'www-data', environment: 'prod', name: 'hello' }, percentage: 95, durationSecs: 7200 },
      { job: { role: 'mesos', environment: 'prod', name: 'labrat' }, percentage: 50, durationSecs: 100 },
    ]);
    expect(() => parseOverrides('30 200s\n', 'o.txt', 'local')).toThrow("Invalid line in o.txt:1: '30 200s'");
    expect(() => parseOverrides('local/a/prod/b 101 1m\n', 'o.txt', 'local')).toThrow('o.txt:1: Invalid percentage 101. Must be within (0, 100].');
    expect(() => parseOverrides('west/a/prod/b 50 1m\n', 'o.txt', 'local')).toThrow('o.txt:1: west/a/prod/b is a job of cluster west, not local');
  });

  it("prints Aurora's probe lines: HOST JOB PREDICTED_SLA SAFE? PREDICTED_SAFE_IN", () => {
    const res: SlaProbeHostsResponse = {
      groups: [
        { hosts: [{ host: 'h0', jobs: [{ job: { ...key, name: 'job0' }, predictedPercentage: 80, safe: true, safeInSecs: 0 }] }] },
        { hosts: [{ host: 'h1', jobs: [{ job: { ...key, name: 'job1' }, predictedPercentage: 100 / 3, safe: false, safeInSecs: null }] }] },
        { hosts: [{ host: 'h2', jobs: [{ job: { ...key, name: 'job2' }, predictedPercentage: 50, safe: false, safeInSecs: 3540 }] }] },
      ],
    };
    expect(probeLines(res, path)).toEqual([
      'h0\tlocal/www-data/prod/job0\t80.00\tTrue\t0',
      'h1\tlocal/www-data/prod/job1\t33.33\tFalse\tn/a',
      'h2\tlocal/www-data/prod/job2\t50.00\tFalse\t3540',
    ]);
  });

  it("prints Aurora's safe domain lines: a host a line, or HOST JOB PERCENTAGE DURATION with --list_jobs, less excluded hosts", () => {
    const res: SlaSafeDomainResponse = {
      groups: [0, 1, 2].map((i) => ({ hosts: [{ host: `h${i}`, jobs: [{ job: { ...key, name: `job${i}` }, percentage: 50, durationSecs: 100 }] }] })),
    };
    expect(safeDomainLines(res, { listJobs: false, exclude: new Set() }, path)).toEqual(['h0', 'h1', 'h2']);
    expect(safeDomainLines(res, { listJobs: false, exclude: new Set(['h1']) }, path)).toEqual(['h0', 'h2']);
    expect(safeDomainLines(res, { listJobs: true, exclude: new Set() }, path)).toEqual([
      'h0\tlocal/www-data/prod/job0\t50.00\t100',
      'h1\tlocal/www-data/prod/job1\t50.00\t100',
      'h2\tlocal/www-data/prod/job2\t50.00\t100',
    ]);
  });
});

// The verbs against the real scheduler, with agents played by the test and the scheduler's clock moved by hand.
describe('sla_probe_hosts and sla_list_safe_domain', () => {
  let tmp: ReturnType<typeof tempDir>;
  let s: TestScheduler;
  const clock = testClock(Date.UTC(2024, 0, 1, 0, 2));
  beforeEach(async () => {
    tmp = tempDir();
    s = await startTestScheduler({ clusterName: 'local' });
    tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: s.url }]));
    await s.agent({ host: 'h1' });
    await s.agent({ host: 'h2' });
    const quota = await s.app.inject({ method: 'POST', url: PATHS.quota('www-data'), headers: { 'x-aurora-client': 'test' }, payload: { quota: { cpu: 100, ramMb: 100_000, diskMb: 100_000, gpu: 0 } } });
    expect(quota.statusCode, quota.body).toBe(200);
    const sample = sampleJobSpec();
    const spec: JobSpec = { ...sample, key, service: true, instances: 4, production: true, tier: 'preferred' };
    const created = await s.app.inject({ method: 'POST', url: PATHS.jobs, payload: { spec } });
    expect(created.statusCode, created.body).toBe(201);
    // Every instance RUNNING, two on each host, for two minutes.
    await s.waitForJob('www-data/prod/hello', (job) => job !== undefined && job.tasks.filter((t) => t.state === 'RUNNING').length === 4);
    s.clock.advance(120_000);
  });
  afterEach(async () => {
    await s.close();
    tmp.remove();
  });
  const admin = (...argv: string[]) => runCli(createAdminCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock });

  async function running(): Promise<Record<string, number>> {
    const tasks = (await s.app.inject({ method: 'GET', url: '/api/v1/tasks?role=www-data&history=false' })).json().tasks as { state: string; host: string }[];
    const by: Record<string, number> = {};
    for (const t of tasks) if (t.state === 'RUNNING') by[t.host] = (by[t.host] ?? 0) + 1;
    return by;
  }

  it("probes hosts: each job's share up without the host, whether that is safe and when it would be", async () => {
    expect(await running()).toEqual({ h1: 2, h2: 2 });
    const safe = await admin('sla_probe_hosts', 'local', '50', '1m', '--hosts=h1', '--min_job_instance_count=1');
    expect(safe.code, safe.stderr).toBe(0);
    expect(safe.stdout).toBe('h1\tlocal/www-data/prod/hello\t50.00\tTrue\t0\n');

    // Both hosts at once (grouping none): nothing stays, and waiting cannot help.
    tmp.write('hosts.txt', 'h1\nh2\n');
    const both = await admin('sla_probe_hosts', 'local', '75', '1m', '--filename=hosts.txt', '--grouping=none', '--min_job_instance_count=1');
    expect(both.stdout).toBe('h1\tlocal/www-data/prod/hello\t0.00\tFalse\tn/a\nh2\tlocal/www-data/prod/hello\t0.00\tFalse\tn/a\n');

    // The job is under Aurora's default minimum of 10 instances: nothing to report.
    expect((await admin('sla_probe_hosts', 'local', '50', '1m', '--hosts=h1')).stdout).toBe('');

    const json = await admin('sla_probe_hosts', 'local', '50', '1m', '--hosts=h1', '--min_job_instance_count=1', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      groups: [{ hosts: [{ host: 'h1', jobs: [{ job: key, predictedPercentage: 50, safe: true, safeInSecs: 0 }] }] }],
    });
  });

  it('lists the safe domain, with --list_jobs, exclusions and per-job overrides', async () => {
    const all = await admin('sla_list_safe_domain', 'local', '50', '1m', '--min_job_instance_count=1');
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('h1\nh2\n');
    expect((await admin('sla_list_safe_domain', 'local', '50', '1m', '--min_job_instance_count=1', '-l', '-x', 'h2')).stdout).toBe('h1\tlocal/www-data/prod/hello\t50.00\t60\n');
    // Three minutes' uptime is more than the tasks have.
    expect((await admin('sla_list_safe_domain', 'local', '50', '3m', '--min_job_instance_count=1')).stdout).toBe('');
    tmp.write('overrides.txt', 'local/www-data/prod/hello 50 90s\n');
    expect((await admin('sla_list_safe_domain', 'local', '50', '3m', '--min_job_instance_count=1', '--override_jobs=overrides.txt', '--list_jobs')).stdout).toBe(
      'h1\tlocal/www-data/prod/hello\t50.00\t90\nh2\tlocal/www-data/prod/hello\t50.00\t90\n',
    );
    const json = await admin('sla_list_safe_domain', 'local', '50', '1m', '--min_job_instance_count=1', '--include_hosts=h2', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ groups: [{ hosts: [{ host: 'h2', jobs: [{ job: key, percentage: 50, durationSecs: 60 }] }] }] });
  });

  it('refuses bad arguments before asking the scheduler (exit 6)', async () => {
    for (const argv of [
      ['sla_probe_hosts', 'local', '0', '1m', '--hosts=h1'],
      ['sla_probe_hosts', 'local', '50', 'soon', '--hosts=h1'],
      ['sla_probe_hosts', 'local', '50', '1m'],
      ['sla_probe_hosts', 'local', '50', '1m', '--hosts=h1', '--grouping=by_moon'],
      ['sla_list_safe_domain', 'local', '50', '1m', '--exclude_hosts=h1', '--exclude_file=x.txt'],
    ]) {
      const r = await admin(...argv);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(6);
    }
    expect((await admin('sla_probe_hosts', 'local', '50', '1m', '--hosts=h1', '--grouping=by_moon')).stderr).toContain('Unknown grouping function by_moon. Must be one of: by_host, by_rack, none');
  });
});
