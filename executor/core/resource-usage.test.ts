import { describe, expect, it } from 'vitest';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { cgroupLimits, coresUsed, limitExceeded, limitViolation, MiB, parseProcStat, sumUsage, taskLimits, treePids, type ProcStat } from './resource-usage.js';

const resources = { cpu: 0.5, ramMb: 128, diskMb: 64, gpu: 0 };

function proc(pid: number, ppid: number, pgrp: number, extra: Partial<ProcStat> = {}): ProcStat {
  return { pid, ppid, pgrp, state: 'S', cpuTicks: 10, startTicks: 1000 + pid, rssPages: 256, ...extra };
}

describe('resource use', () => {
  it('parses /proc/<pid>/stat, command names with spaces and parentheses included', () => {
    const text = '4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 123456 10000000 512 18446744073709551615';
    expect(parseProcStat(text)).toEqual({ pid: 4242, ppid: 1, pgrp: 4242, state: 'S', cpuTicks: 10, startTicks: 123456, rssPages: 512 });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('finds a tree by group and by parentage, across a setsid', () => {
    const procs = new Map(
      [proc(10, 1, 10), proc(11, 10, 10), proc(12, 11, 12), proc(13, 12, 12), proc(20, 1, 20)].map((p) => [p.pid, p]),
    );
    expect([...treePids(procs, [10])].sort()).toEqual([10, 11, 12, 13]);
    expect(sumUsage(procs, [10, 11], 4096)).toEqual({ rssBytes: 2 * 256 * 4096, cpuTicks: 20 });
    const zombie = new Map([[10, proc(10, 1, 10, { state: 'Z' })]]);
    expect(sumUsage(zombie, [10], 4096).rssBytes).toBe(0);
  });

  it('turns cpu ticks into cores', () => {
    expect(coresUsed(100, 150, 1000, 100)).toBe(0.5);
    expect(coresUsed(150, 100, 1000, 100)).toBe(0);
    expect(coresUsed(0, 100, 0, 100)).toBe(0);
  });

  it('says which limit a task broke, in words', () => {
    expect(limitViolation(resources, { rssBytes: 100 * MiB, diskBytes: 10 * MiB })).toBeNull();
    expect(limitViolation(resources, { rssBytes: 131 * MiB, diskBytes: 0 })).toBe('exceeded ram limit 128 MiB (used 131 MiB)');
    expect(limitViolation(resources, { rssBytes: 0, diskBytes: 70 * MiB })).toBe('exceeded disk limit 64 MiB (used 70 MiB)');
  });

  it('maps resources to cgroup settings', () => {
    expect(cgroupLimits(resources)).toEqual({ memoryBytes: 128 * MiB, cpuShares: 512, cpuWeight: 50, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000 });
  });

  describe('with the executor allowance of the launch', () => {
    const tiny = { cpu: 0.1, ramMb: 1, diskMb: 8, gpu: 0 };
    const allowance = { cpu: 0.25, ramMb: 16, diskMb: 1 };
    const job = { ...sampleJobSpec(), task: { ...sampleJobSpec().task, resources: tiny } };

    it('limits a task to its resources and the allowance; a launch without one to its resources', () => {
      expect(taskLimits({ job, allowance })).toEqual({ cpu: 0.35, ramMb: 17, diskMb: 9, gpu: 0 });
      expect(taskLimits({ job })).toEqual(tiny);
      expect(cgroupLimits(taskLimits({ job, allowance })).memoryBytes).toBe(17 * MiB);
    });

    it('lets a 1 MiB task use the allowance, and says both parts of the limit when it is over', () => {
      expect(limitViolation(tiny, { rssBytes: 7 * MiB, diskBytes: 48 * 1024 }, allowance)).toBeNull();
      expect(limitViolation(tiny, { rssBytes: 7 * MiB, diskBytes: 0 })).toBe('exceeded ram limit 1 MiB (used 7 MiB)');
      expect(limitViolation(tiny, { rssBytes: 20 * MiB, diskBytes: 0 }, allowance)).toBe('exceeded ram limit 17 MiB (used 20 MiB; 1 MiB asked and 16 MiB executor allowance)');
      expect(limitViolation(tiny, { rssBytes: 0, diskBytes: 10 * MiB }, allowance)).toBe('exceeded disk limit 9 MiB (used 10 MiB; 8 MiB asked and 1 MiB executor allowance)');
      expect(limitExceeded('ram', 1, 16, null)).toBe('exceeded ram limit 17 MiB (used more; 1 MiB asked and 16 MiB executor allowance)');
    });
  });
});
