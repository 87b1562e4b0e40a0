import type { TaskDef } from './task.js';

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
   * Production jobs count against the role's quota and may preempt non-production ones.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Tier (`preferred`, `preemptible`, `revocable`).
   * @default none (the cluster's default tier)
   */
  readonly tier?: string;
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
