import { z } from 'zod';

/**
 * The latest resource use of one task, written by the agent's monitor to
 * `<sandbox>/.resources.json` (replaced at every sample, not appended: it is a gauge, not history)
 * and read by the observer and the agent's reports.
 */
export const ProcessUsageSchema = z
  .object({
    /** CPU cores used over the last sampling interval (0.5 = half a core). */
    cpu: z.number().nonnegative(),
    /** Resident memory of the process's whole tree. */
    rssBytes: z.number().int().nonnegative(),
  })
  .strict();
export type ProcessUsage = z.infer<typeof ProcessUsageSchema>;

export const ResourceSampleSchema = z
  .object({
    /** Milliseconds since the epoch. */
    at: z.number(),
    cpu: z.number().nonnegative(),
    rssBytes: z.number().int().nonnegative(),
    /** Bytes the sandbox holds on disk. */
    diskBytes: z.number().int().nonnegative(),
    /** By process name, for the processes running at the sample. */
    processes: z.record(z.string(), ProcessUsageSchema),
    /** The limits enforced and how: `cgroup` (v1 or v2) or `monitor`. */
    enforcement: z.enum(['cgroup-v1', 'cgroup-v2', 'monitor']),
  })
  .strict();
export type ResourceSample = z.infer<typeof ResourceSampleSchema>;

export const RESOURCE_SAMPLE_FILE = '.resources.json';
