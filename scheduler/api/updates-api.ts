import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';

/**
 * Job updates (`aurora update`, `aurora job restart`): the stored record of an update, its
 * settings, and the bodies of the update routes. The updater (scheduler/core/update/) is a pure
 * state machine over these records.
 */

/** Aurora's JobUpdateStatus. */
export const UPDATE_STATUSES = [
  'ROLLING_FORWARD',
  'ROLLING_BACK',
  'ROLL_FORWARD_PAUSED',
  'ROLL_BACK_PAUSED',
  'ROLL_FORWARD_AWAITING_PULSE',
  'ROLL_BACK_AWAITING_PULSE',
  'ROLLED_FORWARD',
  'ROLLED_BACK',
  'ABORTED',
  'ERROR',
  'FAILED',
] as const;
export const UpdateStatusSchema = z.enum(UPDATE_STATUSES);
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;

/** Statuses of an update that is not over: a job has at most one such update. */
export const ACTIVE_UPDATE_STATUSES: ReadonlySet<UpdateStatus> = new Set<UpdateStatus>([
  'ROLLING_FORWARD',
  'ROLLING_BACK',
  'ROLL_FORWARD_PAUSED',
  'ROLL_BACK_PAUSED',
  'ROLL_FORWARD_AWAITING_PULSE',
  'ROLL_BACK_AWAITING_PULSE',
]);

/**
 * Aurora's groups of statuses for `aurora update list --status` (client/cli/update.py), so
 * scripts that filter with them keep working.
 */
export const UPDATE_STATUS_GROUPS: Readonly<Record<string, readonly UpdateStatus[]>> = {
  active: ['ROLLING_FORWARD', 'ROLLING_BACK', 'ROLL_FORWARD_PAUSED', 'ROLL_BACK_PAUSED', 'ROLL_FORWARD_AWAITING_PULSE', 'ROLL_BACK_AWAITING_PULSE'],
  paused: ['ROLL_FORWARD_PAUSED', 'ROLL_BACK_PAUSED'],
  blocked: ['ROLL_FORWARD_AWAITING_PULSE', 'ROLL_BACK_AWAITING_PULSE'],
  all: UPDATE_STATUSES,
  failed: ['ERROR', 'FAILED', 'ROLLED_BACK'],
  inactive: ['ROLLED_FORWARD', 'ROLLED_BACK', 'ABORTED', 'ERROR', 'FAILED'],
  succeeded: ['ROLLED_FORWARD'],
};

/** How instances are grouped into batches (Aurora 0.22's update strategies). */
export const UpdateStrategySettingsSchema = z.discriminatedUnion('kind', [
  /** Up to `groupSize` instances update at once; as one finishes the next starts. */
  z.object({ kind: z.literal('queue'), groupSize: z.number().int().min(1) }).strict(),
  /** Batches of `batchSize`; a batch starts once the one before it has finished. */
  z.object({ kind: z.literal('batch'), batchSize: z.number().int().min(1), autopauseAfterBatch: z.boolean() }).strict(),
  /** Batches of the given sizes in order, the last size repeating. */
  z
    .object({ kind: z.literal('variable'), batchSizes: z.array(z.number().int().min(1)).min(1), autopauseAfterBatch: z.boolean() })
    .strict(),
]);
export type UpdateStrategySettings = z.infer<typeof UpdateStrategySettingsSchema>;

/** What drives one update: the job's updateConfig (or `job restart`'s flags), resolved. */
export const UpdateSettingsSchema = z
  .object({
    strategy: UpdateStrategySettingsSchema,
    /** An instance counts as updated once RUNNING, and healthy where its check applies, this long. */
    watchSecs: z.number().int().nonnegative(),
    /** Failures of one instance tolerated; one more and the instance has failed. */
    maxPerInstanceFailures: z.number().int().nonnegative(),
    /** Failed instances tolerated; one more and the update has failed. */
    maxTotalFailures: z.number().int().nonnegative(),
    rollbackOnFailure: z.boolean(),
    /** The update goes on only while pulsed at least this often (seconds); null: not pulsed. */
    pulseIntervalSecs: z.number().int().positive().nullable(),
    /** Take an instance down only while the job keeps its SLA policy. */
    slaAware: z.boolean(),
  })
  .strict();
export type UpdateSettings = z.infer<typeof UpdateSettingsSchema>;

/** Where one instance is in the update. */
export const InstanceUpdateStatusSchema = z.enum(['PENDING', 'UPDATING', 'SUCCEEDED', 'FAILED']);
export type InstanceUpdateStatus = z.infer<typeof InstanceUpdateStatusSchema>;

export const InstanceProgressSchema = z
  .object({
    instance: z.number().int().nonnegative(),
    /** The spec the instance ran when the update started; null if it did not exist. */
    fromSpecHash: z.string().nullable(),
    /** The spec the update gives it; null if the update removes it. */
    toSpecHash: z.string().nullable(),
    /** In the current direction (forward, or back while rolling back). */
    status: InstanceUpdateStatusSchema,
    /** Runs of this instance that ended while the update watched them, in this direction. */
    failures: z.number().int().nonnegative(),
    /** The task to replace when the instance's turn comes (a restart replaces even a task on the target spec). */
    replaceTaskId: z.string().nullable(),
    /** The task on the target spec being watched, once there is one. */
    watchTaskId: z.string().nullable(),
    /** Since when the watched task has been RUNNING and healthy; null while it is not. */
    healthySince: z.number().nullable(),
  })
  .strict();
export type InstanceProgress = z.infer<typeof InstanceProgressSchema>;

/** A change of the update's status, with who made it. */
export const UpdateEventSchema = z
  .object({ status: UpdateStatusSchema, at: z.number(), user: z.string().nullable(), message: z.string().nullable() })
  .strict();
export type UpdateEvent = z.infer<typeof UpdateEventSchema>;

/** Aurora's JobUpdateAction, per instance. */
export const INSTANCE_ACTIONS = [
  'INSTANCE_UPDATING',
  'INSTANCE_UPDATED',
  'INSTANCE_UPDATE_FAILED',
  'INSTANCE_ROLLING_BACK',
  'INSTANCE_ROLLED_BACK',
  'INSTANCE_ROLLBACK_FAILED',
] as const;
export const InstanceEventSchema = z
  .object({ instance: z.number().int().nonnegative(), action: z.enum(INSTANCE_ACTIONS), at: z.number(), message: z.string().nullable() })
  .strict();
export type InstanceEvent = z.infer<typeof InstanceEventSchema>;

/**
 * An SLA-aware update that holds an instance because its job's SLA policy says no records why as
 * an instance event (INSTANCE_UPDATING, or INSTANCE_ROLLING_BACK while rolling back) whose message
 * is this prefix and the reason, as Aurora's SlaKillController records "Checking SLA before
 * continuing."; again only when the reason changes. Once the instance goes on, an event of
 * SLA_PASSED_MESSAGE (Aurora's words) or another message follows. So an UPDATING instance is held
 * while its latest event is a hold (see slaHoldReason).
 */
export const SLA_HOLD_PREFIX = 'Checking SLA before continuing: ';
export const SLA_PASSED_MESSAGE = 'SLA check passed, continuing.';
/** The longest reason of a hold (a coordinator URL may be long). */
export const MAX_SLA_HOLD_REASON = 300;

/** The reason of an SLA hold event (see SLA_HOLD_PREFIX), or null for any other event. */
export function slaHoldReason(e: InstanceEvent): string | null {
  if (e.action !== 'INSTANCE_UPDATING' && e.action !== 'INSTANCE_ROLLING_BACK') return null;
  return e.message?.startsWith(SLA_HOLD_PREFIX) ? e.message.slice(SLA_HOLD_PREFIX.length) : null;
}

/**
 * The instances an active SLA-aware update holds because the job's SLA policy says no, with why
 * (the reason as stored, so bounded by MAX_SLA_HOLD_REASON): each UPDATING instance whose latest
 * event is an SLA hold. Empty for an update that is over. What the CLI (`aurora update info`,
 * `--write-json`'s slaHold, the progress line) and the web UI's update page show. Pure.
 */
export function slaHolds(u: Pick<JobUpdate, 'status' | 'instances' | 'instanceEvents'>): Map<number, string> {
  const holds = new Map<number, string>();
  if (!ACTIVE_UPDATE_STATUSES.has(u.status)) return holds;
  const latest = new Map<number, string | null>();
  for (const e of u.instanceEvents) latest.set(e.instance, slaHoldReason(e));
  for (const i of u.instances) {
    const reason = latest.get(i.instance);
    if (i.status === 'UPDATING' && reason) holds.set(i.instance, reason);
  }
  return holds;
}

/** Statuses in which instances move back to the config the job had. */
const BACKWARD_UPDATE_STATUSES: ReadonlySet<UpdateStatus> = new Set<UpdateStatus>(['ROLLING_BACK', 'ROLL_BACK_PAUSED', 'ROLL_BACK_AWAITING_PULSE', 'ROLLED_BACK']);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * How far an update got: `1/3 instances updated, 1 failure`, `2/3 instances restarted, 1
 * instance failed`. Instances count in the update's current direction (rolled back, while
 * rolling back). What the CLI (`aurora update info`, the progress line) and the web UI's update
 * page show. Pure.
 */
export function updateProgress(u: Pick<JobUpdate, 'status' | 'kind' | 'instances'>): string {
  const done = u.instances.filter((i) => i.status === 'SUCCEEDED').length;
  const failed = u.instances.filter((i) => i.status === 'FAILED').length;
  const failures = u.instances.reduce((n, i) => n + i.failures, 0);
  const verb = BACKWARD_UPDATE_STATUSES.has(u.status) ? 'rolled back' : u.kind === 'restart' ? 'restarted' : 'updated';
  const parts = [`${done}/${plural(u.instances.length, 'instance')} ${verb}`];
  if (failures > 0) parts.push(plural(failures, 'failure'));
  if (failed > 0) parts.push(`${plural(failed, 'instance')} failed`);
  return parts.join(', ');
}

/** At most this many instance events are kept per update (the oldest go first). */
export const MAX_INSTANCE_EVENTS = 10_000;
/** Ended updates kept per job (the oldest go first). */
export const MAX_UPDATES_PER_JOB = 50;

export const JobUpdateSchema = z
  .object({
    id: z.string(),
    job: JobKeySchema,
    /** An update to a new config, or a restart of instances on the config they run. */
    kind: z.enum(['update', 'restart']),
    /** Who started it. */
    user: z.string(),
    message: z.string().nullable(),
    status: UpdateStatusSchema,
    createdAt: z.number(),
    lastModifiedAt: z.number(),
    settings: UpdateSettingsSchema,
    /** The job's spec when the update started (the spec a rollback restores as the job's). */
    fromJobSpecHash: z.string(),
    toSpecHash: z.string(),
    /** The job's instance count before, and after the update. */
    fromInstanceCount: z.number().int().nonnegative(),
    toInstanceCount: z.number().int().nonnegative(),
    /** Every instance the update touches (others are left alone), ascending. */
    instances: z.array(InstanceProgressSchema),
    /** Batches started in the current direction. */
    batchesStarted: z.number().int().nonnegative(),
    /** When it was last pulsed (pulsed updates only). */
    lastPulseAt: z.number().nullable(),
    events: z.array(UpdateEventSchema),
    instanceEvents: z.array(InstanceEventSchema),
  })
  .strict();
export type JobUpdate = z.infer<typeof JobUpdateSchema>;

/** A line of `aurora update list`: Aurora's columns. */
export const UpdateSummarySchema = z
  .object({
    id: z.string(),
    job: JobKeySchema,
    kind: z.enum(['update', 'restart']),
    user: z.string(),
    status: UpdateStatusSchema,
    createdAt: z.number(),
    lastModifiedAt: z.number(),
  })
  .strict();
export type UpdateSummary = z.infer<typeof UpdateSummarySchema>;

/** `aurora update start`: the new spec (its instances may differ), which instances, and why. */
export const StartUpdateRequestSchema = z
  .object({
    spec: JobSpecSchema,
    /** Update only these instances (`aurora update start KEY/0-2`); all whose config changes when absent. */
    instances: z.array(z.number().int().nonnegative()).max(10_000).optional(),
    message: z.string().max(1000).optional(),
  })
  .strict();
export type StartUpdateRequest = z.infer<typeof StartUpdateRequestSchema>;

/** `aurora job restart`: which instances (all when absent) and how. */
export const StartRestartRequestSchema = z
  .object({
    instances: z.array(z.number().int().nonnegative()).max(10_000).optional(),
    settings: UpdateSettingsSchema,
    message: z.string().max(1000).optional(),
  })
  .strict();
export type StartRestartRequest = z.infer<typeof StartRestartRequestSchema>;

export const UpdateActionSchema = z.enum(['pause', 'resume', 'abort', 'rollback', 'pulse']);
export type UpdateUserAction = z.infer<typeof UpdateActionSchema>;

/** pause, resume, abort, rollback, pulse of the job's active update. */
export const UpdateActionRequestSchema = z.object({ message: z.string().max(1000).optional() }).strict();
export type UpdateActionRequest = z.infer<typeof UpdateActionRequestSchema>;

export const UpdateResponseSchema = z.object({ update: JobUpdateSchema }).strict();
export type UpdateResponse = z.infer<typeof UpdateResponseSchema>;

export const ListUpdatesQuerySchema = z
  .object({
    role: z.string().optional(),
    environment: z.string().optional(),
    name: z.string().optional(),
    /** Statuses, comma-separated. */
    status: z
      .string()
      .transform((s) => s.split(','))
      .pipe(z.array(UpdateStatusSchema))
      .optional(),
    user: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type ListUpdatesQuery = z.infer<typeof ListUpdatesQuerySchema>;

export const ListUpdatesResponseSchema = z.object({ updates: z.array(UpdateSummarySchema) }).strict();
export type ListUpdatesResponse = z.infer<typeof ListUpdatesResponseSchema>;
