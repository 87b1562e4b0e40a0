import { z } from 'zod';

/**
 * Host maintenance (`aurora-admin host_deactivate|host_drain|host_activate|host_status`):
 * Aurora's MaintenanceMode per host name. A host that is not NONE takes no new tasks.
 */
export const MaintenanceModeSchema = z.enum(['NONE', 'SCHEDULED', 'DRAINING', 'DRAINED']);
export type MaintenanceMode = z.infer<typeof MaintenanceModeSchema>;

/** A host's maintenance as stored (NONE is not stored). */
export const HostMaintenanceSchema = z
  .object({ mode: z.enum(['SCHEDULED', 'DRAINING', 'DRAINED']), since: z.number(), by: z.string() })
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
