/**
 * `aurora job status --write-json`: the job in the shape Apache Aurora's client prints (its
 * ScheduledTask thrift as simple JSON), so scripts written for Aurora (`jq '.[0].active[0].status'`)
 * read it unchanged. `--json` keeps this project's own shape (JobDetail). Pure; no zod.
 */
import { formatJobKey } from '../../dsl/key.js';
import type { JobDetail } from '../../scheduler/api/jobs-api.js';
import type { ScheduledTask, TaskState } from '../../scheduler/api/task.js';
import { splitTasks } from './format.js';

/** Aurora's TaskEvent. */
export interface AuroraTaskEvent {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly status: TaskState;
  readonly message: string | null;
  /** The host of the scheduler that recorded the event. */
  readonly scheduler: string | null;
}

/** Aurora's TaskConfig, the fields this scheduler has, read from the job's spec. */
export interface AuroraTaskConfig {
  readonly job: { readonly role: string; readonly environment: string; readonly name: string };
  readonly owner: { readonly user: string };
  readonly isService: boolean;
  readonly production: boolean;
  readonly tier: string | null;
  readonly priority: number;
  readonly maxTaskFailures: number;
  readonly numCpus: number;
  readonly ramMb: number;
  readonly diskMb: number;
  readonly requestedPorts: readonly string[];
  readonly contactEmail: string | null;
  readonly metadata: readonly { readonly key: string; readonly value: string }[];
}

/** Aurora's ScheduledTask. */
export interface AuroraScheduledTask {
  readonly status: TaskState;
  readonly assignedTask: {
    readonly taskId: string;
    readonly slaveId: string | null;
    readonly slaveHost: string | null;
    readonly instanceId: number;
    readonly assignedPorts: Readonly<Record<string, number>>;
    readonly task: AuroraTaskConfig;
  };
  readonly taskEvents: readonly AuroraTaskEvent[];
  readonly failureCount: number;
}

/** One element of the `--write-json` array. */
export interface AuroraJobStatus {
  /** cluster/role/environment/name */
  readonly job: string;
  /** Tasks not ended, by instance. */
  readonly active: readonly AuroraScheduledTask[];
  /** Ended tasks, by instance. */
  readonly inactive: readonly AuroraScheduledTask[];
}

/** The TaskConfig of the job's tasks, from its spec. Pure. */
export function auroraTaskConfig(job: JobDetail): AuroraTaskConfig {
  const { key, spec } = { key: job.summary.key, spec: job.spec };
  const r = spec.task.resources;
  return {
    job: { role: key.role, environment: key.environment, name: key.name },
    owner: { user: key.role },
    isService: spec.service,
    production: spec.production,
    tier: spec.tier,
    priority: spec.priority,
    maxTaskFailures: spec.maxTaskFailures,
    numCpus: r.cpu,
    ramMb: r.ramMb,
    diskMb: r.diskMb,
    requestedPorts: spec.ports,
    contactEmail: spec.contact,
    metadata: spec.metadata,
  };
}

/** One task in Aurora's shape, its events oldest first. Pure. */
export function auroraTask(t: ScheduledTask, task: AuroraTaskConfig, schedulerHost: string | null): AuroraScheduledTask {
  return {
    status: t.state,
    assignedTask: { taskId: t.taskId, slaveId: t.agentId, slaveHost: t.host, instanceId: t.instance, assignedPorts: t.ports, task },
    taskEvents: [...t.events].sort((a, b) => a.at - b.at).map((e) => ({ timestamp: e.at, status: e.state, message: e.message, scheduler: schedulerHost })),
    failureCount: t.failureCount,
  };
}

/**
 * A job in Aurora's `job status --write-json` shape: `{job, active, inactive}`, active tasks
 * sorted by instance, then the ended ones by instance (newest run first). Pure.
 */
export function auroraJobStatus(job: JobDetail, schedulerHost: string | null): AuroraJobStatus {
  const task = auroraTaskConfig(job);
  const { active, inactive } = splitTasks(job.tasks);
  return {
    job: formatJobKey(job.summary.key),
    active: active.map((t) => auroraTask(t, task, schedulerHost)),
    inactive: inactive.map((t) => auroraTask(t, task, schedulerHost)),
  };
}
