import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { PATHS } from '../api/routes.js';
import { PERMISSIONS } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import { defineRoute, PUBLIC, read, type Route } from './route.js';
import { jobPage, notFoundPage, roleJobsPage, rolesPage } from './web-pages.js';

/** The web UI's routes: server-rendered pages, no JavaScript. */
export function webUiRoutes(scheduler: Scheduler): Route[] {
  const cluster = scheduler.clusterName;
  const page = { status: 200, contentType: 'text/html' } as const;
  return [
    defineRoute({
      method: 'GET',
      url: '/',
      operationId: 'root',
      summary: 'Redirects to the web UI',
      api: false,
      access: () => PUBLIC,
      success: { status: 302, contentType: 'text/plain' },
      errors: [],
      handler: (_input, reply) => reply.redirect(PATHS.ui),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.ui,
      operationId: 'uiRoles',
      summary: 'Roles with their job counts, and the agents',
      api: false,
      access: () => read(PERMISSIONS.getJobs()),
      success: page,
      errors: [],
      handler: () => rolesPage(cluster, scheduler.listJobs(), scheduler.listAgents()),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.ui}/:role`,
      operationId: 'uiRole',
      summary: "A role's jobs, its quota and what it uses",
      api: false,
      params: z.object({ role: z.string() }),
      access: ({ params }) => read(PERMISSIONS.getJobs(params.role)),
      success: page,
      errors: [],
      handler: ({ params }) => roleJobsPage(cluster, params.role, scheduler.listJobs({ role: params.role }), scheduler.getQuota(params.role)),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.ui}/:role/:environment/:name`,
      operationId: 'uiJob',
      summary: "A job's instances, their tasks and events, and its configuration",
      api: false,
      params: z.object({ role: z.string(), environment: z.string(), name: z.string() }),
      access: ({ params }) => read(PERMISSIONS.getJobSummary(params)),
      success: page,
      errors: [],
      handler: ({ params }, reply) => {
        try {
          return jobPage(cluster, scheduler.getJob(params, { history: true }));
        } catch (e) {
          if (!(e instanceof ApiError) || e.code !== 'JOB_NOT_FOUND') throw e;
          return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(cluster, e.message));
        }
      },
    }),
  ];
}
