import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { ApiError, type ApiErrorCode } from '../api/errors.js';
import { PATHS } from '../api/routes.js';
import { ACTIVE_UPDATE_STATUSES } from '../api/updates-api.js';
import { PERMISSIONS } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import { defineRoute, PUBLIC, read, type Route } from './route.js';
import { jobPage, notFoundPage, roleJobsPage, rolesPage } from './web-pages.js';
import {
  cronJobPage,
  cronPage,
  jobCronSection,
  jobUpdateNotice,
  jobUpdatesSection,
  updatePage,
  updatesPage,
  UPDATES_SHOWN,
  updateUrl,
} from './web-pages-updates.js';

const JobParams = z.object({ role: z.string(), environment: z.string(), name: z.string() });

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
      handler: () => rolesPage(cluster, scheduler.listJobs(), scheduler.listAgents(), scheduler.maintenanceStatus(null)),
    }),
    // `updates` and `cron` are the cluster's pages, not roles: a static path wins over `:role`.
    defineRoute({
      method: 'GET',
      url: PATHS.uiUpdates,
      operationId: 'uiUpdates',
      summary: 'Updates of every job, in progress and finished, newest first',
      api: false,
      access: () => read(PERMISSIONS.getJobUpdateSummaries()),
      success: page,
      errors: [],
      handler: () => listUpdates(null),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.uiCron,
      operationId: 'uiCron',
      summary: 'Cron jobs with their schedules, next runs and last runs',
      api: false,
      access: () => read(PERMISSIONS.getJobs()),
      success: page,
      errors: [],
      handler: () => cronPage(cluster, null, scheduler.listCron()),
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
      url: `${PATHS.ui}/:role/updates`,
      operationId: 'uiRoleUpdates',
      summary: "Updates of a role's jobs, newest first",
      api: false,
      params: z.object({ role: z.string() }),
      access: ({ params }) => read(PERMISSIONS.getJobUpdateSummaries(params.role)),
      success: page,
      errors: [],
      handler: ({ params }) => listUpdates(params.role),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.ui}/:role/cron`,
      operationId: 'uiRoleCron',
      summary: "A role's cron jobs with their schedules, next runs and last runs",
      api: false,
      params: z.object({ role: z.string() }),
      access: ({ params }) => read(PERMISSIONS.getJobs(params.role)),
      success: page,
      errors: [],
      handler: ({ params }) => cronPage(cluster, params.role, scheduler.listCron({ role: params.role })),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.ui}/:role/:environment/:name`,
      operationId: 'uiJob',
      summary: "A job's instances, their tasks and events, its updates, its schedule if cron, and its configuration",
      api: false,
      params: JobParams,
      access: ({ params }) => read(PERMISSIONS.getJobSummary(params)),
      success: page,
      errors: [],
      handler: ({ params }, reply) => {
        let job;
        try {
          job = scheduler.getJob(params, { history: true });
        } catch (e) {
          if (!isCode(e, 'JOB_NOT_FOUND')) throw e;
          // A scheduled cron job has no job until its first run: show its schedule instead.
          const cron = tryGet(() => scheduler.getCron(params), 'CRON_JOB_NOT_FOUND');
          if (cron) return cronJobPage(cluster, cron, tryGet(() => scheduler.getSpec(cron.specHash), 'SPEC_NOT_FOUND'));
          return notFound(reply, (e as ApiError).message);
        }
        const updates = scheduler.listUpdates({ ...params });
        const active = updates.find((u) => ACTIVE_UPDATE_STATUSES.has(u.status));
        const cron = job.summary.cronSchedule ? tryGet(() => scheduler.getCron(params), 'CRON_JOB_NOT_FOUND') : null;
        return jobPage(cluster, job, {
          ...(active ? { notice: jobUpdateNotice(active) } : {}),
          ...(cron ? { cron: jobCronSection(cron) } : {}),
          // A cron job changes by `aurora cron schedule`, not by updates: no invitation to start one.
          ...(cron && updates.length === 0 ? {} : { updates: jobUpdatesSection(job.spec.key, updates) }),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.ui}/:role/:environment/:name/update/:id`,
      operationId: 'uiUpdate',
      summary: "One update or restart of a job: status, settings, each instance's progress and the events (`active` for the one in progress)",
      api: false,
      params: JobParams.extend({ id: z.string() }),
      access: ({ params }) => read(PERMISSIONS.getJobUpdateDetails(params)),
      success: page,
      errors: [],
      handler: ({ params }, reply) => {
        const { id, ...job } = params;
        try {
          const update = scheduler.getUpdate(job, id);
          // `active` names a different update over time; the page of its id stays right once it ends.
          if (id === 'active') return reply.redirect(updateUrl(job, update.id));
          return updatePage(cluster, update);
        } catch (e) {
          if (!isCode(e, 'UPDATE_NOT_FOUND') && !isCode(e, 'NO_ACTIVE_UPDATE')) throw e;
          return notFound(reply, (e as ApiError).message);
        }
      },
    }),
  ];

  /** Asks for one more than it draws, to tell whether there are more. */
  function listUpdates(role: string | null): string {
    const updates = scheduler.listUpdates({ ...(role ? { role } : {}), limit: UPDATES_SHOWN + 1 });
    return updatesPage(cluster, role, updates.slice(0, UPDATES_SHOWN), updates.length > UPDATES_SHOWN);
  }

  function notFound(reply: FastifyReply, message: string): FastifyReply {
    return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(cluster, message));
  }
}

function isCode(e: unknown, code: ApiErrorCode): boolean {
  return e instanceof ApiError && e.code === code;
}

/** `get()`, or null where it fails with `code` (a part of a page that may be missing). */
function tryGet<T>(get: () => T, code: ApiErrorCode): T | null {
  try {
    return get();
  } catch (e) {
    if (isCode(e, code)) return null;
    throw e;
  }
}
