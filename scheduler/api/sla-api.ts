import { z } from 'zod';
import { JobKeySchema } from '../../dsl/job-key.js';
import { MAX_HOSTS_PER_REQUEST } from './maintenance-api.js';

/**
 * SLA reports of hosts (`aurora-admin sla_probe_hosts` and `sla_list_safe_domain`, Aurora's):
 * computed by the scheduler from its in-memory tasks, so the client never downloads the
 * cluster's tasks. Reads, authorized as Aurora's `getTasksWithoutConfigs` where reads are
 * restricted.
 */

/** How hosts are taken down together: one at a time, by their `rack` attribute, or all at once (Aurora's `none`). */
export const SlaGroupingSchema = z.enum(['by_host', 'by_rack', 'none']);
export type SlaGrouping = z.infer<typeof SlaGroupingSchema>;

const hosts = z.array(z.string().min(1).max(255)).max(MAX_HOSTS_PER_REQUEST);
const percentage = z.number().gt(0).max(100);
const durationSecs = z.number().int().nonnegative();

const SlaReportSettings = {
  /** Percentage of a job's tasks that must stay up for the duration. */
  percentage,
  /** How long a task must have been RUNNING to count as up. */
  durationSecs,
  /** Production jobs with fewer live tasks are left out (Aurora's --min_job_instance_count). */
  minInstanceCount: z.number().int().min(1),
  grouping: SlaGroupingSchema,
};

export const SlaProbeHostsRequestSchema = z
  .object({ hosts: hosts.min(1, 'name at least one host'), ...SlaReportSettings })
  .strict();
export type SlaProbeHostsRequest = z.infer<typeof SlaProbeHostsRequestSchema>;

export const SlaSafeDomainRequestSchema = z
  .object({
    ...SlaReportSettings,
    /** Only jobs with tasks on these hosts are looked at. @default every production job */
    includeHosts: hosts.optional(),
    /** Per-job limits instead of the percentage and duration (Aurora's --override_file). */
    overrides: z
      .array(z.object({ job: z.object({ role: z.string(), environment: z.string(), name: z.string() }).strict(), percentage, durationSecs }).strict())
      .max(100_000)
      .optional(),
  })
  .strict();
export type SlaSafeDomainRequest = z.infer<typeof SlaSafeDomainRequestSchema>;

const ProbedJobSchema = z
  .object({
    job: JobKeySchema,
    /** The percentage of the job's tasks up for the duration that would remain with the host's group down. */
    predictedPercentage: z.number(),
    safe: z.boolean(),
    /** Seconds until the job would meet the percentage; 0 when safe; null when waiting cannot get it there. */
    safeInSecs: z.number().nullable(),
  })
  .strict();

const SafeJobSchema = z
  .object({
    job: JobKeySchema,
    /** What the job would keep up with the host's group down. */
    percentage: z.number(),
    /** The duration that applied to the job (its override's, or the request's). */
    durationSecs: z.number(),
  })
  .strict();

/** Groups in order (by group name), each its hosts in order, each its jobs in order. */
const groupsOf = <T extends z.ZodType>(job: T) =>
  z.array(z.object({ hosts: z.array(z.object({ host: z.string(), jobs: z.array(job) }).strict()) }).strict());

export const SlaProbeHostsResponseSchema = z.object({ groups: groupsOf(ProbedJobSchema) }).strict();
export type SlaProbeHostsResponse = z.infer<typeof SlaProbeHostsResponseSchema>;

/** Only the groups that are safe to take down. */
export const SlaSafeDomainResponseSchema = z.object({ groups: groupsOf(SafeJobSchema) }).strict();
export type SlaSafeDomainResponse = z.infer<typeof SlaSafeDomainResponseSchema>;
