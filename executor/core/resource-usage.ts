import type { ResourcesSpec } from '../../dsl/jobspec.js';
import type { TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import { effectiveResources, NO_ALLOWANCE, type ExecutorAllowance } from '../../scheduler/core/effective-resources.js';

/**
 * Resource use, the pure part: reading /proc/<pid>/stat text, finding a process tree, turning
 * cpu ticks into cores, and deciding when a task is over its limits (with the reason
 * "exceeded ram limit 128 MiB (used 131 MiB)"). No file access, no clock.
 *
 * A task's limits are its resources plus the executor allowance its launch carried (the
 * scheduler placed it with that much: scheduler/core/effective-resources.ts, the one rule both
 * read).
 */

/** The limits the agent holds a task to: its resources and the allowance of its launch (none if it carried none). */
export function taskLimits(assignment: Pick<TaskAssignment, 'job' | 'allowance'>): ResourcesSpec {
  return effectiveResources(assignment.job.task.resources, assignment.allowance ?? NO_ALLOWANCE);
}

export const MiB = 1024 * 1024;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgrp: number;
  /** R, S, D, Z, ... */
  readonly state: string;
  /** utime + stime of the process itself, in clock ticks. */
  readonly cpuTicks: number;
  /** When it started, in clock ticks since boot: with the pid, it names one process for good. */
  readonly startTicks: number;
  /** Resident set size in pages. */
  readonly rssPages: number;
}

/** Parses `/proc/<pid>/stat`; null when it does not look like one. The command name may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // Fields from the state on: state(3) ppid(4) pgrp(5) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24)
  const f = text.slice(close + 2).trim().split(/\s+/);
  const num = (field: number) => Number(f[field - 3]);
  const stat: ProcStat = {
    pid,
    state: f[0] ?? '?',
    ppid: num(4),
    pgrp: num(5),
    cpuTicks: num(14) + num(15),
    startTicks: num(22),
    rssPages: num(24),
  };
  return Number.isInteger(pid) && Number.isFinite(stat.startTicks) && Number.isFinite(stat.rssPages) ? stat : null;
}

/**
 * The pids of a run's tree: the processes in any of `pgids` and every descendant of them (a
 * child that made itself a new group or session is still found through its parent).
 */
export function treePids(procs: ReadonlyMap<number, ProcStat>, pgids: Iterable<number>): Set<number> {
  const groups = new Set(pgids);
  const children = new Map<number, number[]>();
  for (const p of procs.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  const stack = [...procs.values()].filter((p) => groups.has(p.pgrp)).map((p) => p.pid);
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (found.has(pid)) continue;
    found.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

export interface TreeUsage {
  readonly rssBytes: number;
  readonly cpuTicks: number;
}

/** Sums rss and cpu ticks over `pids` (zombies hold no memory). */
export function sumUsage(procs: ReadonlyMap<number, ProcStat>, pids: Iterable<number>, pageSize: number): TreeUsage {
  let rssBytes = 0;
  let cpuTicks = 0;
  for (const pid of pids) {
    const p = procs.get(pid);
    if (!p) continue;
    if (p.state !== 'Z') rssBytes += p.rssPages * pageSize;
    cpuTicks += p.cpuTicks;
  }
  return { rssBytes, cpuTicks };
}

/**
 * Cores used between two samples, from cpu ticks. A tree that lost members may show fewer ticks
 * than before; that reads as 0, not as negative use.
 */
export function coresUsed(prevTicks: number, ticks: number, elapsedMs: number, ticksPerSecond: number): number {
  if (elapsedMs <= 0) return 0;
  return Math.max(0, ticks - prevTicks) / ticksPerSecond / (elapsedMs / 1000);
}

/** `131 MiB`, rounded up so "used" never reads as the limit itself while over it. */
export function formatMiB(bytes: number): string {
  return `${Math.ceil(bytes / MiB)} MiB`;
}

/**
 * Why a task must die for its resource use, or null when it is within its limits: its
 * `resources` plus the executor `allowance`.
 */
export function limitViolation(
  resources: ResourcesSpec,
  usage: { rssBytes: number; diskBytes: number },
  allowance: ExecutorAllowance = NO_ALLOWANCE,
): string | null {
  const limits = effectiveResources(resources, allowance);
  if (usage.rssBytes > limits.ramMb * MiB) return limitExceeded('ram', resources.ramMb, allowance.ramMb, usage.rssBytes);
  if (usage.diskBytes > limits.diskMb * MiB) return limitExceeded('disk', resources.diskMb, allowance.diskMb, usage.diskBytes);
  return null;
}

/**
 * "exceeded ram limit 128 MiB (used 131 MiB)", or with an executor allowance "exceeded ram limit
 * 17 MiB (used 20 MiB; 1 MiB asked and 16 MiB executor allowance)"; `usedBytes` null is "more".
 */
export function limitExceeded(resource: 'ram' | 'disk', askedMb: number, allowanceMb: number, usedBytes: number | null): string {
  const used = usedBytes === null ? 'more' : formatMiB(usedBytes);
  const parts = allowanceMb > 0 ? `; ${askedMb} MiB asked and ${allowanceMb} MiB executor allowance` : '';
  return `exceeded ${resource} limit ${askedMb + allowanceMb} MiB (used ${used}${parts})`;
}

/** The cgroup v1/v2 settings for a task's resources: memory in bytes, cpu shares/weight and a quota per 100 ms period. */
export function cgroupLimits(resources: ResourcesSpec): { memoryBytes: number; cpuShares: number; cpuWeight: number; cpuQuotaUs: number; cpuPeriodUs: number } {
  const cpuPeriodUs = 100_000;
  return {
    memoryBytes: resources.ramMb * MiB,
    // v1 shares: 1024 per core, at least 2 (the kernel's minimum).
    cpuShares: Math.max(2, Math.round(resources.cpu * 1024)),
    // v2 weight: 1..10000, 100 per core.
    cpuWeight: Math.min(10_000, Math.max(1, Math.round(resources.cpu * 100))),
    cpuQuotaUs: Math.max(1000, Math.round(resources.cpu * cpuPeriodUs)),
    cpuPeriodUs,
  };
}
