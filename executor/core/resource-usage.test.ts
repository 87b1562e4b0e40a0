import { describe, expect, it } from 'vitest';
import { cgroupLimits, coresUsed, limitViolation, MiB, parseProcStat, sumUsage, treePids, type ProcStat } from './resource-usage.js';

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
});
