import { make, type Bindable } from './node.js';
import type { ContainerDef } from './container.js';
import type { HealthCheckConfigDef } from './health-check.js';
import type { LifecycleConfigDef } from './lifecycle.js';
import type { AnnouncerDef, PartitionPolicyDef, SlaPolicyDef } from './policies.js';
import type { TaskDef } from './task.js';
import type { NumberOrTemplate } from './templates.js';
import type { UpdateConfigDef } from './update-config.js';

/** Props of a {@link Job}: a task run as N instances under `cluster/role/environment/name`. */
export interface JobProps {
  /**
   * Cluster the job runs in, as named in clusters.json (`devcluster` is built in). Like every key
   * field it may be a template (`'{{profile.cluster}}'`), bound before the key is matched.
   */
  readonly cluster: string;
  /**
   * Role (the Unix user and quota owner) that owns the job: a name, a template such as
   * `'{{profile.role}}'`, or `currentUser()`.
   */
  readonly role: string;
  /**
   * Environment: `prod`, `devel`, `test` or `staging<N>`, or one the cluster allows
   * (clusters.json `allowed_environments`).
   */
  readonly environment: string;
  /**
   * Job name.
   * @default the task's name
   */
  readonly name?: string;
  /** The task each instance runs. */
  readonly task: TaskDef;
  /**
   * Number of instances.
   * @default 1
   */
  readonly instances?: NumberOrTemplate;
  /**
   * A service is restarted whenever it ends, however it ends.
   * @default false
   */
  readonly service?: boolean;
  /**
   * Cron schedule for a cron job, five fields: minute hour day-of-month month day-of-week
   * (`0 * * * *`, `30 9-17 * * MON-FRI`); created with `aurora cron schedule`.
   * @default none
   */
  readonly cronSchedule?: string;
  /**
   * What a cron run does when the previous run is still active: `KILL_EXISTING` kills the
   * previous run's tasks, `CANCEL_NEW` skips this run. (Aurora removed `RUN_OVERLAP`.)
   * @default 'KILL_EXISTING'
   */
  readonly cronCollisionPolicy?: 'KILL_EXISTING' | 'CANCEL_NEW';
  /**
   * IANA time zone the cron schedule is read in (`Europe/Amsterdam`).
   * @default none (the cluster's time zone)
   */
  readonly cronTimezone?: string;
  /**
   * Production jobs count against the role's quota and may preempt non-production ones.
   * Left out, it follows the tier as in Aurora: `tier: 'preferred'` is production, the other
   * tiers are not. A value that contradicts the tier is refused at submission.
   * @default true with tier 'preferred', else false
   */
  readonly production?: boolean;
  /**
   * Tier (`preferred`, `preemptible`, `revocable`).
   * @default none (the cluster's default tier)
   */
  readonly tier?: 'preferred' | 'preemptible' | 'revocable';
  /**
   * Priority among the role's jobs; higher preempts lower.
   * @default 0
   */
  readonly priority?: NumberOrTemplate;
  /**
   * Failures of one instance before the scheduler stops rescheduling it; -1 means never give up.
   * @default 1
   */
  readonly maxTaskFailures?: NumberOrTemplate;
  /**
   * Placement constraints by host attribute: a value `{ rack: 'r1' }`, any of several
   * `'r1,r2'`, negated `'!r1'` (or `'!r1,r2'`), at most N instances per value `'limit:1'`, and
   * `{ dedicated: 'role/group' }` for hosts dedicated to a role. See {@link Constraint}.
   * @default {}
   */
  readonly constraints?: Readonly<Record<string, string>>;
  /**
   * Who to contact about the job (an email address).
   * @default none
   */
  readonly contact?: string;
  /**
   * Free-form key/value metadata shown with the job.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * How `aurora update start` rolls out a new config.
   * @default UpdateConfig() (one instance at a time, watch 45 s, roll back on failure)
   */
  readonly updateConfig?: UpdateConfigDef;
  /**
   * How the executor checks the task's health.
   * @default HealthCheckConfig() (GET /health on the port named `health`, when the task uses it)
   */
  readonly healthCheckConfig?: HealthCheckConfigDef;
  /**
   * Graceful shutdown before signals.
   * @default LifecycleConfig() (POST /quitquitquit then /abortabortabort on the `health` port, when used)
   */
  readonly lifecycle?: LifecycleConfigDef;
  /**
   * Run the task in a container: `Docker({...})`, or `Mesos({...})` (Aurora's unified containerizer).
   * @default none (processes run on the host, in the sandbox)
   */
  readonly container?: ContainerDef;
  /**
   * Publish the task's ports for service discovery.
   * @default none
   */
  readonly announce?: AnnouncerDef;
  /**
   * How many instances must stay up when hosts are drained.
   * @default none (the cluster's default)
   */
  readonly slaPolicy?: SlaPolicyDef;
  /**
   * What happens to tasks on an unreachable agent.
   * @default PartitionPolicy() (reschedule at once)
   */
  readonly partitionPolicy?: PartitionPolicyDef;
}

export interface JobDef extends JobProps, Bindable {
  readonly kind: 'Job';
}

/** A job: `Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', task })`. */
export function Job(props: JobProps): JobDef {
  return make('Job', props);
}

/** Aurora's name for {@link Job} (`MesosJob(...)` in Aurora configs): the same factory. */
export const MesosJob: typeof Job = Job;

/** A job whose instances are restarted whenever they end: `Service({...})` is `Job({ ..., service: true })`. */
export function Service(props: Omit<JobProps, 'service'>): JobDef {
  return make('Job', { ...props, service: true });
}

/** Builders of constraint values, for readers who prefer names to Aurora's syntax. */
export const Constraint = Object.freeze({
  /** `'limit:N'`: at most `n` instances of the job on hosts with the same value of the attribute. */
  limit: (n: number): string => `limit:${n}`,
  /** `'!a,b'`: only hosts whose attribute is none of the values. */
  not: (...values: string[]): string => `!${values.join(',')}`,
  /** `'a,b'`: only hosts whose attribute is one of the values. */
  anyOf: (...values: string[]): string => values.join(','),
  /** `'role/group'` for the `dedicated` attribute: hosts set aside for `role` (or `*` for any role). */
  dedicated: (role: string, group: string): string => `${role}/${group}`,
});

export function isJobDef(value: unknown): value is JobDef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Job';
}
