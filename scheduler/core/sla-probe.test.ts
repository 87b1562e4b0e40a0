/** The SLA reports of hosts, as tables; most rows are Aurora's own (test_sla.py). */
import { describe, expect, it } from 'vitest';
import { instanceUptimes, probeHosts, safeHosts, taskUpPercentage, waitTimeToSla, type SlaLimit, type SlaTask } from './sla-probe.js';

const NOW = 1_700_000_000_000;

/** A task up `secs` seconds (null: never RUNNING) on `host`. */
const up = (secs: number | null, instance: number, host = `h${instance}`): SlaTask => ({ host, instance, runningSince: secs === null ? null : NOW - secs * 1000 });
/** Jobs of tasks: `{ j1: [[100, 1, 'h1'], ...] }`. */
function jobs(spec: Record<string, [number | null, number, string][]>): Map<string, SlaTask[]> {
  return new Map(Object.entries(spec).map(([job, tasks]) => [job, tasks.map(([s, i, h]) => up(s, i, h))]));
}
const byHost = (h: string) => h;
/** Aurora's test grouping: the middle of `cl-r1-h01`. */
const byRack = (h: string) => h.split('-')[1] ?? h;

describe('up counts and wait times', () => {
  it.each<{ ups: number[]; duration: number; total?: number; percentage: number }>([
    { ups: [], duration: 0, percentage: 0 },
    { ups: [600, 900, 100, 200], duration: 300, percentage: 50 },
    { ups: [100, 200, 300, 400, 500], duration: 50, percentage: 100 },
    { ups: [100, 200], duration: 100, total: 4, percentage: 50 },
  ])('$ups up for $duration s: $percentage%', ({ ups, duration, total, percentage }) => {
    expect(taskUpPercentage(ups, duration, total ?? ups.length)).toBe(percentage);
  });

  it.each<{ name: string; ups: number[]; percentage: number; duration: number; total?: number; wait: number | null }>([
    { name: 'empty', ups: [], percentage: 50, duration: 200, wait: null },
    { name: 'already there', ups: [100, 200, 300, 400], percentage: 75, duration: 200, wait: 0 },
    { name: 'infeasible: too few tasks left', ups: [100, 200, 300, 400], percentage: 95, duration: 200, total: 5, wait: null },
    { name: 'upper', ups: [100, 200, 300, 400], percentage: 25, duration: 450, wait: 50 },
    { name: 'mid', ups: [100, 200, 300, 400, 500], percentage: 50, duration: 350, wait: 50 },
    { name: 'lower', ups: [100, 200, 300, 400, 500], percentage: 90, duration: 150, wait: 50 },
    { name: 'with a total', ups: [100, 200, 300, 400], percentage: 80, duration: 250, wait: 150 },
  ])('wait: $name', ({ ups, percentage, duration, total, wait }) => {
    expect(waitTimeToSla(ups, percentage, duration, total ?? ups.length)).toBe(wait);
  });

  it("counts a task's uptime in whole seconds, once per instance, and not a task that never ran", () => {
    const tasks: SlaTask[] = [
      { host: 'a', instance: 0, runningSince: NOW - 1_999 },
      { host: 'a', instance: 1, runningSince: null },
      { host: 'b', instance: 2, runningSince: NOW - 60_000 },
    ];
    expect(instanceUptimes(tasks, NOW)).toEqual([1, 60]);
  });
});

describe('sla_list_safe_domain', () => {
  const safe = (j: Map<string, SlaTask[]>, limit: SlaLimit, opts: { min?: number; groupOf?: (h: string) => string; overrides?: Map<string, SlaLimit>; include?: string[] } = {}) =>
    safeHosts({
      jobs: j,
      minInstanceCount: opts.min ?? 1,
      groupOf: opts.groupOf ?? byHost,
      now: NOW,
      ...limit,
      overrides: opts.overrides ?? new Map(),
      includeHosts: opts.include ? new Set(opts.include) : null,
    });

  it.each<{ name: string; jobs: Record<string, [number | null, number, string][]>; limit: SlaLimit; min?: number; hosts: string[] }>([
    { name: 'no tasks', jobs: {}, limit: { percentage: 50, durationSecs: 400 }, hosts: [] },
    { name: 'nothing has run long enough', jobs: { j1: [[100, 1, 'h1'], [200, 2, 'h2']] }, limit: { percentage: 50, durationSecs: 400 }, hosts: [] },
    {
      name: 'jobs under the minimum instance count do not count (so their hosts are not listed)',
      jobs: { j1: [[100, 1, 'h1'], [400, 2, 'h2'], [400, 3, 'h3']], j2: [[100, 1, 'h2']] },
      limit: { percentage: 10, durationSecs: 200 },
      min: 4,
      hosts: [],
    },
    {
      name: 'h1 is safe: j1 keeps 50% up for 200 s without it; h2 is not',
      jobs: { j1: [[100, 1, 'h1'], [200, 2, 'h2']], j2: [[100, 1, 'h2']] },
      limit: { percentage: 50, durationSecs: 200 },
      hosts: ['h1'],
    },
  ])('$name', ({ jobs: j, limit, min, hosts }) => {
    expect(safe(jobs(j), limit, { ...(min ? { min } : {}) }).flatMap((g) => g.map((r) => r.host))).toEqual(hosts);
  });

  it("applies a job's override instead of the defaults, and reports what the job keeps and the duration used", () => {
    const j = jobs({ job: [[100, 1, 'h1'], [200, 2, 'h2']], j2: [[100, 1, 'h2']] });
    const overrides = new Map([['job', { percentage: 50, durationSecs: 100 }]]);
    expect(safe(j, { percentage: 50, durationSecs: 400 }, { overrides })).toEqual([[{ host: 'h1', jobs: [{ job: 'job', percentage: 50, durationSecs: 100 }] }]]);
  });

  it('a group is safe only whole: by rack, r1 can go (the job keeps r2), but not when each rack holds half the job', () => {
    const two = jobs({ job: [[100, 1, 'cl-r1-h01'], [200, 3, 'cl-r2-h03']] });
    expect(safe(two, { percentage: 50, durationSecs: 150 }, { groupOf: byRack })).toEqual([[{ host: 'cl-r1-h01', jobs: [{ job: 'job', percentage: 50, durationSecs: 150 }] }]]);
    const four = jobs({ job: [[200, 1, 'cl-r1-h01'], [100, 2, 'cl-r1-h02'], [200, 3, 'cl-r2-h03'], [100, 4, 'cl-r2-h04']] });
    expect(safe(four, { percentage: 50, durationSecs: 150 }, { groupOf: byRack })).toEqual([]);
  });

  it('with included hosts, looks only at the jobs on them', () => {
    const j = jobs({ j1: [[500, 1, 'h1'], [500, 2, 'h2']], j2: [[500, 1, 'h3'], [500, 2, 'h4']] });
    expect(safe(j, { percentage: 50, durationSecs: 100 }, { include: ['h1'] }).flatMap((g) => g.map((r) => r.host))).toEqual(['h1']);
  });
});

describe('sla_probe_hosts', () => {
  const probe = (j: Map<string, SlaTask[]>, hosts: string[], limit: SlaLimit, opts: { min?: number; groupOf?: (h: string) => string } = {}) =>
    probeHosts({ jobs: j, hosts, minInstanceCount: opts.min ?? 1, groupOf: opts.groupOf ?? byHost, now: NOW, ...limit });
  const four = () => jobs({ job: [[100, 1, 'h1'], [200, 2, 'h2'], [300, 3, 'h3'], [400, 4, 'h4']] });

  it('no hosts, no tasks on them, or only jobs under the minimum: nothing', () => {
    expect(probe(new Map(), [], { percentage: 90, durationSecs: 200 })).toEqual([]);
    expect(probe(jobs({ j1: [[100, 1, 'h3']], j2: [[100, 1, 'h4']] }), ['h1', 'h2'], { percentage: 90, durationSecs: 200 })).toEqual([]);
    expect(probe(jobs({ j1: [[100, 1, 'h3'], [100, 1, 'h4'], [100, 1, 'h5']] }), ['h4'], { percentage: 50, durationSecs: 50 }, { min: 4 })).toEqual([]);
  });

  it('a safe host: what stays up meets the percentage', () => {
    const r = probe(jobs({ job: [[100, 1, 'h1'], [100, 2, 'h2']] }), ['h1', 'h2'], { percentage: 20, durationSecs: 100 });
    expect(r).toEqual([
      [{ host: 'h1', jobs: [{ job: 'job', predictedPercentage: 50, safe: true, safeInSecs: 0 }] }],
      [{ host: 'h2', jobs: [{ job: 'job', predictedPercentage: 50, safe: true, safeInSecs: 0 }] }],
    ]);
  });

  it.each<{ percentage: number; safeInSecs: number | null }>([
    { percentage: 75, safeInSecs: 100 },
    { percentage: 80, safeInSecs: null },
  ])('an unsafe host at $percentage%: safe in $safeInSecs s', ({ percentage, safeInSecs }) => {
    const [first] = probe(four(), ['h1', 'h2', 'h3', 'h4'], { percentage, durationSecs: 300 });
    expect(first).toEqual([{ host: 'h1', jobs: [{ job: 'job', predictedPercentage: 50, safe: false, safeInSecs }] }]);
  });

  it('by rack: the hosts of a group go down together', () => {
    const j = jobs({ job: [[100, 1, 'cl-r1-h01'], [100, 2, 'cl-r1-h02'], [100, 3, 'cl-r2-h03'], [100, 4, 'cl-r2-h04']] });
    const r = probe(j, ['cl-r1-h01', 'cl-r1-h02', 'cl-r2-h03'], { percentage: 25, durationSecs: 50 }, { groupOf: byRack });
    expect(r.map((g) => g.map((h) => [h.host, h.jobs[0]?.predictedPercentage, h.jobs[0]?.safe]))).toEqual([
      [
        ['cl-r1-h01', 50, true],
        ['cl-r1-h02', 50, true],
      ],
      [['cl-r2-h03', 75, true]],
    ]);
  });

  it('lists every job on a host, by job', () => {
    const j = jobs({ b: [[500, 0, 'h1'], [500, 1, 'h2']], a: [[500, 0, 'h1'], [null, 1, 'h2']] });
    const h1 = probe(j, ['h1'], { percentage: 50, durationSecs: 100 })[0]?.[0];
    expect(h1?.jobs.map((x) => [x.job, x.predictedPercentage])).toEqual([
      ['a', 0],
      ['b', 50],
    ]);
  });
});
