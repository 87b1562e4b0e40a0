import { PATHS } from '../api/routes.js';
import { SlaProbeHostsRequestSchema, SlaProbeHostsResponseSchema, SlaSafeDomainRequestSchema, SlaSafeDomainResponseSchema } from '../api/sla-api.js';
import { PERMISSIONS } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import { slaProbeHosts, slaSafeDomain } from '../service/sla-reports.js';
import { defineRoute, read, type Route } from './route.js';

/**
 * The SLA reports of hosts (aurora-admin sla_probe_hosts, sla_list_safe_domain): reads over
 * every role's tasks, computed here so that the client receives only the answer. POST because
 * the request may name thousands of hosts and per-job overrides.
 */
export function slaRoutes(scheduler: Scheduler): Route[] {
  return [
    defineRoute({
      method: 'POST',
      url: PATHS.slaProbeHosts,
      operationId: 'slaProbeHosts',
      summary: "For each job with tasks on the hosts: what it would keep up for the duration if the hosts' groups went down, and when it would be safe",
      api: true,
      body: SlaProbeHostsRequestSchema,
      access: () => read(PERMISSIONS.getTasksWithoutConfigs()),
      success: { status: 200, contentType: 'application/json', schema: SlaProbeHostsResponseSchema },
      errors: ['INVALID_REQUEST', 'PERMISSION_DENIED'],
      handler: ({ body }) => slaProbeHosts(scheduler.state, scheduler.now(), body),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.slaSafeDomain,
      operationId: 'slaSafeDomain',
      summary: 'The groups of hosts that can go down at once with every production job on them keeping its percentage up for its duration',
      api: true,
      body: SlaSafeDomainRequestSchema,
      access: () => read(PERMISSIONS.getTasksWithoutConfigs()),
      success: { status: 200, contentType: 'application/json', schema: SlaSafeDomainResponseSchema },
      errors: ['INVALID_REQUEST', 'PERMISSION_DENIED'],
      handler: ({ body }) => slaSafeDomain(scheduler.state, scheduler.now(), body),
    }),
  ];
}
