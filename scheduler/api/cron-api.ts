import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';

/**
 * Cron jobs (`aurora cron schedule|deschedule|start|show`): the stored record of a scheduled
 * job and the bodies of the cron routes. When a run is due is decided by scheduler/core/cron/.
 */

/** What became of one tick (or of `aurora cron start`). */
export const CronRunOutcomeSchema = z.enum([
  /** The job's instances were created. */
  'STARTED',
  /** KILL_EXISTING: the previous run's tasks were killed, then the instances created. */
  'KILLED_EXISTING',
  /** CANCEL_NEW: the previous run was still active, so this tick did nothing. */
  'CANCELLED_NEW',
  /** The scheduler was down at that time; missed ticks are not run (as in Aurora). */
  'MISSED',
]);
export type CronRunOutcome = z.infer<typeof CronRunOutcomeSchema>;

export const CronRunSchema = z
  .object({
    /** The tick's time by the schedule; null for a run started by hand. */
    scheduledFor: z.number().nullable(),
    /** When the scheduler acted on it. */
    at: z.number(),
    outcome: CronRunOutcomeSchema,
    /** The user of `aurora cron start`; null for ticks. */
    user: z.string().nullable(),
    /** Tasks the run created. */
    taskIds: z.array(z.string()),
  })
  .strict();
export type CronRun = z.infer<typeof CronRunSchema>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What a run did, in words: `started 2 tasks`, `killed the previous run's tasks, started 2
 * tasks`, `nothing started: the previous run was still active`; for a MISSED tick, `missed` (the
 * CLI says each tick, the web UI folds ticks missed together). What `aurora cron show` and the
 * web UI's cron page show. Pure.
 */
export function cronRunEffect(run: CronRun, missed: string): string {
  const started = `started ${plural(run.taskIds.length, 'task')}`;
  switch (run.outcome) {
    case 'STARTED':
      return started;
    case 'KILLED_EXISTING':
      return `killed the previous run's tasks, ${started}`;
    case 'CANCELLED_NEW':
      return 'nothing started: the previous run was still active';
    case 'MISSED':
      return missed;
  }
}

/**
 * A time as the wall clock of a schedule's zone reads it, `2024-01-01 09:00` (the schedule is
 * read there, so `0 9 * * *` is easiest to check as 09:00 of that zone); undefined where that
 * says nothing beside the UTC time (a zone of UTC) or cannot be said (a zone this Node does not
 * know). What `aurora cron show` and the web UI's cron page show beside UTC. Pure.
 */
export function cronZoneTime(ms: number, timezone: string): string | undefined {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') return undefined;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(ms));
  } catch {
    return undefined;
  }
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** Runs kept per cron job (the oldest go first); missed ticks are summarized beyond it. */
export const MAX_CRON_RUNS = 50;

/** A scheduled cron job as the scheduler stores it. */
export const CronJobSchema = z
  .object({
    spec: JobSpecSchema,
    specHash: z.string(),
    scheduledBy: z.string(),
    scheduledAt: z.number(),
    /**
     * The schedule time of the last tick acted on (run, cancelled or missed); ticks at or
     * before it never run again, across restarts too. Starts at scheduledAt.
     */
    lastTickAt: z.number(),
    runs: z.array(CronRunSchema),
  })
  .strict();
export type CronJob = z.infer<typeof CronJobSchema>;

/** `aurora cron schedule`: schedules the job, or replaces its schedule and spec. */
export const ScheduleCronRequestSchema = z.object({ spec: JobSpecSchema }).strict();
export type ScheduleCronRequest = z.infer<typeof ScheduleCronRequestSchema>;

export const CronJobViewSchema = z
  .object({
    key: JobKeySchema,
    schedule: z.string(),
    /** The zone the schedule is read in: the job's, or the cluster's when it sets none. */
    timezone: z.string(),
    /** Whether the job set the zone itself. */
    timezoneFromJob: z.boolean(),
    collisionPolicy: z.enum(['KILL_EXISTING', 'CANCEL_NEW']),
    specHash: z.string(),
    instances: z.number().int(),
    scheduledBy: z.string(),
    scheduledAt: z.number(),
    /** The next few times it will run. */
    nextRuns: z.array(z.number()),
    /** The latest runs, newest first, missed ticks included. */
    lastRuns: z.array(CronRunSchema),
    /** Tasks of the job that are active now. */
    activeTasks: z.number().int(),
  })
  .strict();
export type CronJobView = z.infer<typeof CronJobViewSchema>;

export const CronJobResponseSchema = z.object({ cron: CronJobViewSchema }).strict();
export type CronJobResponse = z.infer<typeof CronJobResponseSchema>;

export const ListCronJobsResponseSchema = z.object({ cronJobs: z.array(CronJobViewSchema) }).strict();
export type ListCronJobsResponse = z.infer<typeof ListCronJobsResponseSchema>;
