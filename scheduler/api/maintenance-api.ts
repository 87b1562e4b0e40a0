import { z } from 'zod';

/**
 * Host maintenance (`aurora-admin host_deactivate|host_drain|host_activate|host_status`):
 * Aurora's MaintenanceMode per host name. A host that is not NONE takes no new tasks.
 */
export const MaintenanceModeSchema = z.enum(['NONE', 'SCHEDULED', 'DRAINING', 'DRAINED']);
export type MaintenanceMode = z.infer<typeof MaintenanceModeSchema>;

/** A host's maintenance as stored (NONE is not stored). */
export const HostMaintenanceSchema = z
  .object({
    mode: z.enum(['SCHEDULED', 'DRAINING', 'DRAINED']),
    since: z.number(),
    by: z.string(),
    /**
     * An SLA-aware drain (sla_host_drain): tasks move only while their jobs keep their SLA, until
     * this time, after which everything moves. Absent: a plain drain, everything moves at once.
     */
    slaForceAt: z.number().optional(),
  })
  .strict();
export type HostMaintenance = z.infer<typeof HostMaintenanceSchema>;

/** The most hosts one maintenance request names. */
export const MAX_HOSTS_PER_REQUEST = 10_000;

export const HostsRequestSchema = z
  .object({
    hosts: z
      .array(z.string().min(1).max(255))
      .min(1, 'name at least one host')
      .max(MAX_HOSTS_PER_REQUEST),
  })
  .strict();
export type HostsRequest = z.infer<typeof HostsRequestSchema>;

/** `sla_host_drain`: the hosts, and how long the SLA may hold a task back (Aurora's --force_drain_timeout). */
export const SlaDrainRequestSchema = z
  .object({
    hosts: HostsRequestSchema.shape.hosts,
    /** After this long from the request, the rest are moved with no SLA check; 0 moves everything at once. */
    forceDrainTimeoutMs: z.number().int().nonnegative(),
  })
  .strict();
export type SlaDrainRequest = z.infer<typeof SlaDrainRequestSchema>;

export const HostStatusSchema = z
  .object({
    host: z.string(),
    mode: MaintenanceModeSchema,
    /** When it entered that mode; null for NONE. */
    since: z.number().nullable(),
    /** Tasks still active on the host's agents. */
    activeTasks: z.number().int().nonnegative(),
    /** Whether an agent with this host name is registered. */
    known: z.boolean(),
    /** Tasks an SLA-aware drain holds back, and why (at most 100 listed). */
    waiting: z.array(z.object({ taskId: z.string(), reason: z.string() }).strict()).optional(),
  })
  .strict();
export type HostStatus = z.infer<typeof HostStatusSchema>;

export const MaintenanceResponseSchema = z.object({ hosts: z.array(HostStatusSchema) }).strict();
export type MaintenanceResponse = z.infer<typeof MaintenanceResponseSchema>;

export const MaintenanceQuerySchema = z
  .object({
    /** Hosts, comma-separated; absent: every host in maintenance. */
    hosts: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .optional(),
  })
  .strict();
