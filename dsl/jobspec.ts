import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { cronScheduleProblem, timezoneProblem } from './cron-schedule.js';
import { JobKeySchema, jobKeySchema } from './job-key.js';

/**
 * The compiled, fully client-bound job: the one wire contract every part consumes.
 * Executor-time templates (`{{thermos.ports[http]}}`, `{{mesos.instance}}`, ...) stay in the strings.
 */

const nonNegativeInt = z.number().int().nonnegative();

/**
 * The longest command line (and shell health check) in bytes. The executor hands it to
 * `bash -c` as one argument, and Linux refuses a single argument over 128 KiB
 * (MAX_ARG_STRLEN); binding ports and the instance into it may lengthen it a little.
 */
export const MAX_COMMAND_BYTES = 64 * 1024;

/** A shell command that a process can be started with. */
const command = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .superRefine((s, ctx) => {
      const bytes = Buffer.byteLength(s);
      if (bytes > MAX_COMMAND_BYTES) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} a process can be started with; put the script in a file the task fetches or ships`,
        });
      }
    });

export const LoggerSpecSchema = z
  .object({
    /** Where a process's stdout/stderr go: files in the sandbox, the agent's console, both, or nowhere. */
    destination: z.enum(['file', 'console', 'both', 'none']),
    /** `standard` keeps one file per run; `rotate` caps each file at logSizeBytes and keeps logBackups. */
    mode: z.enum(['standard', 'rotate']),
    logSizeBytes: z.number().int().positive(),
    logBackups: nonNegativeInt,
  })
  .strict();
export type LoggerSpec = z.infer<typeof LoggerSpecSchema>;

export const ProcessSpecSchema = z
  .object({
    name: z.string().regex(/^[\w\-.]+$/, "process names may only contain letters, digits, '_', '-' and '.'"),
    cmdline: command('cmdline'),
    /** 0 means retry forever. */
    maxFailures: nonNegativeInt,
    daemon: z.boolean(),
    ephemeral: z.boolean(),
    minDurationSecs: z.number().nonnegative(),
    final: z.boolean(),
    logger: LoggerSpecSchema,
  })
  .strict();
export type ProcessSpec = z.infer<typeof ProcessSpecSchema>;

export const OrderConstraintSchema = z.object({ order: z.array(z.string()).min(2) }).strict();
export type OrderConstraint = z.infer<typeof OrderConstraintSchema>;

export const ResourcesSpecSchema = z
  .object({
    cpu: z.number().positive('cpu must be more than 0'),
    ramMb: z.number().int().positive('ram must be at least 1 MiB'),
    diskMb: z.number().int().positive('disk must be at least 1 MiB'),
    gpu: nonNegativeInt,
  })
  .strict();
export type ResourcesSpec = z.infer<typeof ResourcesSpecSchema>;

export const TaskSpecSchema = z
  .object({
    name: z.string().min(1),
    processes: z.array(ProcessSpecSchema).min(1, 'a task needs at least one process'),
    constraints: z.array(OrderConstraintSchema),
    resources: ResourcesSpecSchema,
    maxFailures: nonNegativeInt,
    /** 0 means no limit. */
    maxConcurrency: nonNegativeInt,
    finalizationWaitSecs: z.number().nonnegative(),
  })
  .strict()
  .superRefine((task, ctx) => {
    const seen = new Set<string>();
    task.processes.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['processes', i, 'name'], message: `process name '${p.name}' is used twice` });
      }
      seen.add(p.name);
    });
    task.constraints.forEach((c, i) =>
      c.order.forEach((name, j) => {
        if (!seen.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['constraints', i, 'order', j],
            message: `order names process '${name}', which the task does not have`,
          });
        }
      }),
    );
  });
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

const CRON_COLLISION_POLICIES = ['KILL_EXISTING', 'CANCEL_NEW'] as const;
const COLLISION_POLICY_CHOICE =
  "cronCollisionPolicy is 'KILL_EXISTING' (the default: a run kills the tasks of the previous run still active) or 'CANCEL_NEW' (a run is skipped while the previous one is active)";

export const CronCollisionPolicySchema = z.enum(CRON_COLLISION_POLICIES, {
  error: (issue) =>
    issue.input === 'RUN_OVERLAP'
      ? `RUN_OVERLAP was removed from Aurora, which refuses jobs that set it; ${COLLISION_POLICY_CHOICE}`
      : COLLISION_POLICY_CHOICE,
});

/** How an update groups instances (Aurora 0.22's update strategies); scheduler/api/updates-api.ts has the same shape. */
export const UpdateStrategySpecSchema = z.discriminatedUnion('kind', [
  /** Up to `groupSize` instances update at once; as one finishes the next starts. */
  z.object({ kind: z.literal('queue'), groupSize: z.number().int().min(1) }).strict(),
  /** Batches of `batchSize`; a batch starts once the one before it has finished. */
  z.object({ kind: z.literal('batch'), batchSize: z.number().int().min(1), autopauseAfterBatch: z.boolean() }).strict(),
  /** Batches of the given sizes in order, the last size repeating. */
  z
    .object({
      kind: z.literal('variable'),
      batchSizes: z.array(z.number().int().min(1)).min(1, 'a VariableBatchUpdateStrategy needs at least one batch size'),
      autopauseAfterBatch: z.boolean(),
    })
    .strict(),
]);
export type UpdateStrategySpec = z.infer<typeof UpdateStrategySpecSchema>;

export const UpdateConfigSpecSchema = z
  .object({
    /** Resolved: the DSL's batchSize/waitForBatchCompletion shorthand compiles to a queue or batch strategy. */
    strategy: UpdateStrategySpecSchema,
    watchSecs: nonNegativeInt,
    maxPerInstanceFailures: nonNegativeInt,
    maxTotalFailures: nonNegativeInt,
    rollbackOnFailure: z.boolean(),
    /** Pulsed (heartbeat-gated) updates when set. */
    pulseIntervalSecs: z.number().int().positive().nullable(),
    /** An instance is taken down for its update only while the job keeps its SLA policy. */
    slaAware: z.boolean(),
  })
  .strict();
export type UpdateConfigSpec = z.infer<typeof UpdateConfigSpecSchema>;

export const HealthCheckerSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('http'),
      /** Port name whose assigned port is checked. */
      port: z.string(),
      endpoint: z.string().startsWith('/', 'endpoint must start with /'),
      /** Body text the endpoint must answer with (compared trimmed, case-insensitively); '' accepts any. */
      expectedResponse: z.string(),
      /** Status the endpoint must answer with; 0 accepts any 2xx. */
      expectedResponseCode: nonNegativeInt,
    })
    .strict(),
  z.object({ kind: z.literal('shell'), command: command('the health check command') }).strict(),
  z.object({ kind: z.literal('tcp'), port: z.string() }).strict(),
]);
export type HealthCheckerSpec = z.infer<typeof HealthCheckerSpecSchema>;

export const HealthCheckSpecSchema = z
  .object({
    checker: HealthCheckerSpecSchema,
    initialIntervalSecs: z.number().nonnegative(),
    intervalSecs: z.number().positive(),
    timeoutSecs: z.number().positive(),
    /** Consecutive failures (after the initial interval) tolerated; 0 means the first failure counts. */
    maxConsecutiveFailures: nonNegativeInt,
    minConsecutiveSuccesses: z.number().int().min(1),
  })
  .strict();
export type HealthCheckSpec = z.infer<typeof HealthCheckSpecSchema>;

export const LifecycleSpecSchema = z
  .object({
    /** Graceful shutdown over HTTP on a named port before signals; null disables it. */
    http: z
      .object({
        port: z.string(),
        gracefulShutdownEndpoint: z.string().startsWith('/'),
        shutdownEndpoint: z.string().startsWith('/'),
        gracefulShutdownWaitSecs: z.number().nonnegative(),
        shutdownWaitSecs: z.number().nonnegative(),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type LifecycleSpec = z.infer<typeof LifecycleSpecSchema>;

/** A host path mounted into a container, read-only or read-write. */
export const VolumeSpecSchema = z
  .object({
    containerPath: z.string().min(1, 'a volume needs a containerPath'),
    hostPath: z.string().min(1, 'a volume needs a hostPath'),
    mode: z.enum(['RO', 'RW']),
  })
  .strict();
export type VolumeSpec = z.infer<typeof VolumeSpecSchema>;

/** A Docker container (Aurora's `Docker(...)`), run by the agent's Docker engine. */
export const DockerContainerSpecSchema = z
  .object({
    docker: z
      .object({
        image: z.string().min(1, 'a Docker container needs an image'),
        parameters: z.array(z.object({ name: z.string(), value: z.string() }).strict()),
        /** Named port (assigned on the host) to the port inside the container. */
        portMappings: z.record(z.string(), z.number().int().min(1).max(65535)),
        volumes: z.array(VolumeSpecSchema),
      })
      .strict(),
  })
  .strict();
export type DockerContainerSpec = z.infer<typeof DockerContainerSpecSchema>;

/** The image of a Mesos container: a Docker image by name and tag, or an appc image by id. */
export const MesosImageSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('docker'), name: z.string().min(1, 'a DockerImage needs a name'), tag: z.string().min(1, 'a DockerImage needs a tag') }).strict(),
  z.object({ kind: z.literal('appc'), name: z.string().min(1, 'an AppcImage needs a name'), imageId: z.string().min(1, 'an AppcImage needs an imageId') }).strict(),
]);
export type MesosImageSpec = z.infer<typeof MesosImageSpecSchema>;

/** A container of the Mesos (unified) containerizer (Aurora's `Mesos(image=..., volumes=[...])`); no image: the host's filesystem. */
export const MesosContainerSpecSchema = z
  .object({
    mesos: z.object({ image: MesosImageSpecSchema.nullable(), volumes: z.array(VolumeSpecSchema) }).strict(),
  })
  .strict();
export type MesosContainerSpec = z.infer<typeof MesosContainerSpecSchema>;

/** The task's container: `{ docker }` or `{ mesos }`. */
export const ContainerSpecSchema = z.union([DockerContainerSpecSchema, MesosContainerSpecSchema]);
export type ContainerSpec = z.infer<typeof ContainerSpecSchema>;

export const AnnounceSpecSchema = z
  .object({
    primaryPort: z.string(),
    /** Endpoint name to a port name or a fixed port number. */
    portmap: z.record(z.string(), z.union([z.string(), z.number().int()])),
    zkPath: z.string().nullable(),
  })
  .strict();
export type AnnounceSpec = z.infer<typeof AnnounceSpecSchema>;

export const SlaPolicySpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), count: z.number().int().min(1), durationSecs: nonNegativeInt }).strict(),
  z
    .object({ kind: z.literal('percentage'), percentage: z.number().gt(0).max(100), durationSecs: nonNegativeInt })
    .strict(),
  z.object({ kind: z.literal('coordinator'), coordinatorUrl: z.string().url(), statusKey: z.string() }).strict(),
]);
export type SlaPolicySpec = z.infer<typeof SlaPolicySpecSchema>;

export const PartitionPolicySpecSchema = z
  .object({ reschedule: z.boolean(), delaySecs: nonNegativeInt })
  .strict();
export type PartitionPolicySpec = z.infer<typeof PartitionPolicySpecSchema>;

export const TierSchema = z.enum(['preferred', 'preemptible', 'revocable']);

export const JobSpecSchema = z
  .object({
    key: JobKeySchema,
    instances: z.number().int().min(1, 'instances must be at least 1'),
    service: z.boolean(),
    /** Five fields (minute hour day-of-month month day-of-week), as croner parses them (dsl/cron-schedule.ts). */
    cronSchedule: z
      .string()
      .superRefine((s, ctx) => {
        const problem = cronScheduleProblem(s);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .nullable(),
    cronCollisionPolicy: CronCollisionPolicySchema,
    /** IANA time zone the cron schedule is read in; null: the cluster's time zone. */
    cronTimezone: z
      .string()
      .superRefine((s, ctx) => {
        const problem = timezoneProblem(s);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .nullable(),
    production: z.boolean(),
    tier: TierSchema.nullable(),
    priority: z.number().int(),
    maxTaskFailures: z.number().int().min(-1),
    /** Attribute name to a value, a negated value (`!r1`) or a limit (`limit:1`). */
    constraints: z.record(z.string(), z.string()),
    contact: z.string().nullable(),
    metadata: z.array(z.object({ key: z.string(), value: z.string() }).strict()),
    /** Named ports the task uses (from `{{thermos.ports[name]}}`, checks, lifecycle, announce), sorted. */
    ports: z.array(z.string()),
    task: TaskSpecSchema,
    updateConfig: UpdateConfigSpecSchema,
    healthCheck: HealthCheckSpecSchema,
    lifecycle: LifecycleSpecSchema,
    container: ContainerSpecSchema.nullable(),
    announce: AnnounceSpecSchema.nullable(),
    slaPolicy: SlaPolicySpecSchema.nullable(),
    partitionPolicy: PartitionPolicySpecSchema,
  })
  .strict();
export type JobSpec = z.infer<typeof JobSpecSchema>;

/**
 * The spec a cluster admits: JobSpecSchema plus the environment rule, with the environments the
 * cluster allows besides Aurora's (clusters.json `allowed_environments`, the scheduler's
 * `--allowed-environments`). JobSpecSchema itself, the wire contract, leaves that policy out.
 */
export function jobSpecSchemaFor(extraEnvironments: readonly string[] = []): typeof JobSpecSchema {
  return JobSpecSchema.extend({ key: jobKeySchema(extraEnvironments) }) as unknown as typeof JobSpecSchema;
}

export { canonicalJson } from './canonical-json.js';

/** A short content hash that identifies a config version. */
export function specHash(spec: JobSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}
