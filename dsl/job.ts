import type { DockerDef } from './container.js';
import type { HealthCheckConfigDef } from './health-check.js';
import type { LifecycleConfigDef } from './lifecycle.js';
import type { AnnouncerDef, PartitionPolicyDef, SlaPolicyDef } from './policies.js';
import type { TaskDef } from './task.js';
import type { UpdateConfigDef } from './update-config.js';

/** Props of a {@link Job}: a task run as N instances under `cluster/role/environment/name`. */
export interface JobProps {
  /** Cluster the job runs in, as named in clusters.json (`devcluster` is built in). */
  readonly cluster: string;
  /** Role (the Unix user and quota owner) that owns the job. */
  readonly role: string;
  /** Environment: `prod`, `devel`, `test` or `staging<N>`. */
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
  readonly instances?: number;
  /**
   * A service is restarted whenever it ends, however it ends.
   * @default false
   */
  readonly service?: boolean;
  /**
   * Cron schedule (`0 * * * *`) for a cron job; created with `aurora cron schedule`.
   * @default none
   */
  readonly cronSchedule?: string;
  /**
   * What a cron run does when the previous run is still active.
   * @default 'KILL_EXISTING'
   */
  readonly cronCollisionPolicy?: 'KILL_EXISTING' | 'CANCEL_NEW';
  /**
   * IANA time zone the cron schedule is read in.
   * @default 'UTC'
   */
  readonly cronTimezone?: string;
  /**
   * Production jobs count against the role's quota and may preempt non-production ones.
   * @default false
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
  readonly priority?: number;
  /**
   * Failures of one instance before the scheduler stops rescheduling it; -1 means never give up.
   * @default 1
   */
  readonly maxTaskFailures?: number;
  /**
   * Placement constraints by host attribute: `{ rack: 'r1' }`, negated `'!r1'`, limit `'limit:1'`.
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
   * @default UpdateConfig() (batches of 1, watch 45 s, roll back on failure)
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
   * Run the task in a container.
   * @default none (processes run on the host, in the sandbox)
   */
  readonly container?: DockerDef;
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

export interface JobDef extends JobProps {
  readonly kind: 'Job';
}

/** A job: `Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', task })`. */
export function Job(props: JobProps): JobDef {
  return Object.freeze({ ...props, kind: 'Job' as const });
}

/** A job whose instances are restarted whenever they end: `Service({...})` is `Job({ ..., service: true })`. */
export function Service(props: Omit<JobProps, 'service'>): JobDef {
  return Job({ ...props, service: true });
}

export function isJobDef(value: unknown): value is JobDef {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Job';
}
