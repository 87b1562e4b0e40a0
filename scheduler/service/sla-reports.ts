import type { JobKey } from '../../dsl/job-key.js';
import type { ScheduledTask } from '../api/task.js';
import type { SlaGrouping, SlaProbeHostsRequest, SlaProbeHostsResponse, SlaSafeDomainRequest, SlaSafeDomainResponse } from '../api/sla-api.js';
import { LIVE_STATES, probeHosts, safeHosts, type GroupReport, type SlaLimit, type SlaTask } from '../core/sla-probe.js';
import type { ClusterState } from '../state/cluster-state.js';
import { jobPath } from '../storage/storage.js';

/**
 * `sla_probe_hosts` and `sla_list_safe_domain` over the scheduler's memory (core/sla-probe.ts
 * decides). A probe costs the tasks of the jobs on the named hosts; the safe domain costs every
 * production job's tasks (fewer with included hosts), and nothing is sent to the client but the
 * answer.
 */

export function slaProbeHosts(state: ClusterState, now: number, req: SlaProbeHostsRequest): SlaProbeHostsResponse {
  const gathered = gather(state, jobsOnHosts(state, req.hosts));
  const groups = probeHosts({ ...gathered, hosts: [...new Set(req.hosts)], minInstanceCount: req.minInstanceCount, groupOf: grouping(state, req.grouping), now, percentage: req.percentage, durationSecs: req.durationSecs });
  return { groups: withKeys(groups, gathered.keys) };
}

export function slaSafeDomain(state: ClusterState, now: number, req: SlaSafeDomainRequest): SlaSafeDomainResponse {
  const include = req.includeHosts ? new Set(req.includeHosts) : null;
  const gathered = gather(state, include ? jobsOnHosts(state, include) : allJobs(state));
  const overrides = new Map<string, SlaLimit>((req.overrides ?? []).map((o) => [jobPath(o.job), { percentage: o.percentage, durationSecs: o.durationSecs }]));
  const groups = safeHosts({
    ...gathered,
    minInstanceCount: req.minInstanceCount,
    groupOf: grouping(state, req.grouping),
    now,
    percentage: req.percentage,
    durationSecs: req.durationSecs,
    overrides,
    includeHosts: include,
  });
  return { groups: withKeys(groups, gathered.keys) };
}

/** Paths of the jobs with a live task on the hosts. */
function jobsOnHosts(state: ClusterState, hosts: Iterable<string>): Set<string> {
  const paths = new Set<string>();
  for (const h of hosts) {
    for (const agentId of state.agentsOnHost(h)) {
      for (const id of state.tasksOnAgent(agentId)) {
        const task = state.task(id);
        if (task && LIVE_STATES.has(task.state)) paths.add(jobPath(task.jobKey));
      }
    }
  }
  return paths;
}

function allJobs(state: ClusterState): Set<string> {
  const paths = new Set<string>();
  for (const job of state.jobs()) if (!job.removing) paths.add(jobPath(job.spec.key));
  return paths;
}

/** The live tasks of production jobs among `paths` (a task counts by its own spec, as Aurora's), and their keys. */
function gather(state: ClusterState, paths: Iterable<string>): { jobs: Map<string, SlaTask[]>; keys: Map<string, JobKey> } {
  const jobs = new Map<string, SlaTask[]>();
  const keys = new Map<string, JobKey>();
  for (const path of paths) {
    const tasks: SlaTask[] = [];
    for (const ids of state.jobTasks(path)?.byInstance.values() ?? []) {
      for (const id of ids) {
        const task = state.task(id);
        if (!task || task.host === null || !LIVE_STATES.has(task.state) || state.spec(task.specHash)?.production !== true) continue;
        tasks.push({ host: task.host, instance: task.instance, runningSince: lastRunningAt(task) });
        keys.set(path, task.jobKey);
      }
    }
    if (tasks.length > 0) jobs.set(path, tasks);
  }
  return { jobs, keys };
}

/** The group of a host: itself, its agent's `rack` attribute (a host without one is a group of its own), or one group of all. */
function grouping(state: ClusterState, how: SlaGrouping): (host: string) => string {
  if (how === 'by_host') return (h) => h;
  if (how === 'none') return () => '_all_hosts_';
  return (h) => {
    for (const agentId of state.agentsOnHost(h)) {
      const rack = state.agent(agentId)?.attributes['rack'];
      if (rack !== undefined) return `rack ${rack}`;
    }
    return `host ${h}`;
  };
}

function withKeys<J extends { job: string }>(groups: readonly GroupReport<J>[], keys: ReadonlyMap<string, JobKey>) {
  return groups.map((g) => ({ hosts: g.map((h) => ({ host: h.host, jobs: h.jobs.map((j) => ({ ...j, job: keys.get(j.job)! })) })) }));
}

function lastRunningAt(task: ScheduledTask): number | null {
  for (let i = task.events.length - 1; i >= 0; i--) if (task.events[i]?.state === 'RUNNING') return task.events[i]!.at;
  return null;
}
