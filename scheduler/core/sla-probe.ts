import type { TaskState } from '../api/constants.js';

/**
 * Aurora's SLA reports of hosts (`aurora-admin sla_probe_hosts` and `sla_list_safe_domain`, its
 * client's DomainUpTimeSlaVector), pure: from the live tasks of production jobs and how long each
 * has been RUNNING, what share of each job would stay up for a duration if some hosts went down.
 *
 * A job counts when it is production and has at least `minInstanceCount` live tasks. Its
 * "up count" for a duration is the percentage of its live tasks that have been RUNNING at least
 * that long, over all its live tasks; taking hosts down removes their tasks from the up ones but
 * not from the total. A host is safe for a job when what stays up is at least the percentage.
 */

/** Aurora's LIVE_STATES: a task in one of these holds a sandbox on its host. */
export const LIVE_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['KILLING', 'PREEMPTING', 'RESTARTING', 'DRAINING', 'PARTITIONED', 'RUNNING']);

/** One live task of a production job, as the reports see it. */
export interface SlaTask {
  readonly host: string;
  readonly instance: number;
  /** When it last became RUNNING; null if it never ran. */
  readonly runningSince: number | null;
}

export interface SlaLimit {
  readonly percentage: number;
  readonly durationSecs: number;
}

export interface SlaReportInput {
  /** Live tasks of production jobs, by job path; jobs with fewer than `minInstanceCount` are left out here. */
  readonly jobs: ReadonlyMap<string, readonly SlaTask[]>;
  readonly minInstanceCount: number;
  /** The group a host is taken down with (by_host: the host itself). */
  readonly groupOf: (host: string) => string;
  readonly now: number;
}

/** `sla_probe_hosts`: a job on a probed host, if the host's group went down. */
export interface ProbedJob {
  readonly job: string;
  /** The percentage of the job's tasks up for the duration that would remain. */
  readonly predictedPercentage: number;
  readonly safe: boolean;
  /** Seconds until the job would meet the percentage (0 when safe); null when waiting cannot get it there. */
  readonly safeInSecs: number | null;
}

/** `sla_list_safe_domain`: a job on a safe host, with what it would keep and the duration that applied. */
export interface SafeJob {
  readonly job: string;
  readonly percentage: number;
  readonly durationSecs: number;
}

export interface HostReport<J> {
  readonly host: string;
  /** By job path. */
  readonly jobs: readonly J[];
}

/** Hosts taken down together, by host name. */
export type GroupReport<J> = readonly HostReport<J>[];

/** Each instance's uptime in whole seconds (Aurora's floor), of the tasks that have run. */
export function instanceUptimes(tasks: readonly SlaTask[], now: number): number[] {
  const byInstance = new Map<number, number>();
  for (const t of tasks) if (t.runningSince !== null) byInstance.set(t.instance, Math.floor((now - t.runningSince) / 1000));
  return [...byInstance.values()];
}

/** The percentage of `total` tasks up at least `durationSecs` (Aurora's get_task_up_count). */
export function taskUpPercentage(uptimes: readonly number[], durationSecs: number, total: number): number {
  if (total === 0) return 0;
  return (100 * uptimes.filter((u) => u >= durationSecs).length) / total;
}

/**
 * Seconds until `percentage` of `total` tasks will have been up `durationSecs`, if nothing else
 * changes: 0 when they are already; null when the tasks that remain are too few ever to be
 * (Aurora's get_wait_time_to_sla).
 */
export function waitTimeToSla(uptimes: readonly number[], percentage: number, durationSecs: number, total: number): number | null {
  if (taskUpPercentage(uptimes, durationSecs, total) >= percentage) return 0;
  const target = Math.ceil((total * percentage) / 100 - 1e-9);
  const index = uptimes.length - target;
  if (index < 0 || index >= uptimes.length) return null;
  const sorted = [...uptimes].sort((a, b) => a - b);
  return durationSecs - sorted[index]!;
}

/** The job's up percentage for the duration with the tasks on `down` hosts gone. */
function simulateHostsDown(tasks: readonly SlaTask[], down: ReadonlySet<string>, durationSecs: number, now: number) {
  const remaining = instanceUptimes(
    tasks.filter((t) => !down.has(t.host)),
    now,
  );
  return { percentage: taskUpPercentage(remaining, durationSecs, tasks.length), total: tasks.length, remaining };
}

interface Vector {
  readonly jobs: ReadonlyMap<string, readonly SlaTask[]>;
  readonly jobsByHost: ReadonlyMap<string, ReadonlySet<string>>;
  readonly hostsByJob: ReadonlyMap<string, ReadonlySet<string>>;
}

function vector(input: SlaReportInput): Vector {
  const jobs = new Map<string, readonly SlaTask[]>();
  const jobsByHost = new Map<string, Set<string>>();
  const hostsByJob = new Map<string, Set<string>>();
  for (const [job, tasks] of input.jobs) {
    if (tasks.length < input.minInstanceCount) continue;
    jobs.set(job, tasks);
    for (const t of tasks) {
      jobsByHost.set(t.host, (jobsByHost.get(t.host) ?? new Set()).add(job));
      hostsByJob.set(job, (hostsByJob.get(job) ?? new Set()).add(t.host));
    }
  }
  return { jobs, jobsByHost, hostsByJob };
}

/**
 * Hosts in groups sorted by group name; each group with the jobs on its hosts (of the hosts that
 * pass `filter`, when given), as Aurora's _iter_groups.
 */
function groups(v: Vector, hosts: Iterable<string>, groupOf: (host: string) => string, filter: ReadonlySet<string> | null) {
  const byGroup = new Map<string, Set<string>>();
  for (const h of hosts) byGroup.set(groupOf(h), (byGroup.get(groupOf(h)) ?? new Set()).add(h));
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, members]) => {
      const jobs = new Set<string>();
      for (const h of members) if (!filter || filter.has(h)) for (const j of v.jobsByHost.get(h) ?? []) jobs.add(j);
      return { hosts: members, jobs: [...jobs].sort() };
    });
}

function byHost<J>(entries: readonly (readonly [string, J])[]): HostReport<J>[] {
  const out = new Map<string, J[]>();
  for (const [host, job] of entries) out.set(host, [...(out.get(host) ?? []), job]);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([host, jobs]) => ({ host, jobs }));
}

/**
 * `sla_probe_hosts`: for each group of the given hosts (all of a group's hosts down at once),
 * each job with tasks there: what it would keep up, whether that meets the percentage, and how
 * long until it would. Groups whose hosts run no such job are left out.
 */
export function probeHosts(input: SlaReportInput & SlaLimit & { readonly hosts: readonly string[] }): GroupReport<ProbedJob>[] {
  const v = vector(input);
  const out: GroupReport<ProbedJob>[] = [];
  for (const group of groups(v, input.hosts, input.groupOf, null)) {
    const entries: [string, ProbedJob][] = [];
    for (const job of group.jobs) {
      const down = intersect(group.hosts, v.hostsByJob.get(job));
      const sim = simulateHostsDown(v.jobs.get(job)!, down, input.durationSecs, input.now);
      const safe = sim.percentage >= input.percentage;
      const safeInSecs = safe ? 0 : waitTimeToSla(sim.remaining, input.percentage, input.durationSecs, sim.total);
      for (const host of down) entries.push([host, { job, predictedPercentage: sim.percentage, safe, safeInSecs }]);
    }
    if (entries.length > 0) out.push(byHost(entries));
  }
  return out;
}

/**
 * `sla_list_safe_domain`: the groups of hosts (running tasks of the jobs that count) that can go
 * down at once with every job on them keeping its percentage for its duration (`overrides` by
 * job path, else the defaults); a group is safe only whole. With `includeHosts`, only jobs on
 * those hosts are looked at. Hosts that run no task of a job that counts are not listed, as in
 * Aurora.
 */
export function safeHosts(
  input: SlaReportInput &
    SlaLimit & {
      readonly overrides: ReadonlyMap<string, SlaLimit>;
      readonly includeHosts: ReadonlySet<string> | null;
    },
): GroupReport<SafeJob>[] {
  const v = vector(input);
  const out: GroupReport<SafeJob>[] = [];
  for (const group of groups(v, v.jobsByHost.keys(), input.groupOf, input.includeHosts)) {
    const entries: [string, SafeJob][] = [];
    let safe = true;
    for (const job of group.jobs) {
      const limit = input.overrides.get(job) ?? { percentage: input.percentage, durationSecs: input.durationSecs };
      const down = intersect(group.hosts, v.hostsByJob.get(job));
      const sim = simulateHostsDown(v.jobs.get(job)!, down, limit.durationSecs, input.now);
      if (sim.percentage < limit.percentage) {
        safe = false;
        break;
      }
      for (const host of down) entries.push([host, { job, percentage: sim.percentage, durationSecs: limit.durationSecs }]);
    }
    if (safe && entries.length > 0) out.push(byHost(entries));
  }
  return out;
}

function intersect(a: ReadonlySet<string>, b: ReadonlySet<string> | undefined): Set<string> {
  const out = new Set<string>();
  if (b) for (const x of a) if (b.has(x)) out.add(x);
  return out;
}
