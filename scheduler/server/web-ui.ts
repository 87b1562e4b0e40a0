import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { ApiError, type ApiErrorCode } from '../api/errors.js';
import { PATHS } from '../api/routes.js';
import { ACTIVE_UPDATE_STATUSES } from '../api/updates-api.js';
import { PERMISSIONS, type Principal } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import { defineRoute, PUBLIC, read, write, type Route } from './route.js';
import { backupsPage } from './web-pages-backups.js';
import { jobPage, notFoundPage, roleJobsPage, rolesPage, type Nav } from './web-pages.js';
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

/** Whether a principal holds a permission: what a page links to, beyond the page itself. */
export type Allows = (principal: Principal, permission: string) => boolean;

/** The web UI's pages: under /scheduler, and the cluster-wide ones outside it (a role could be named so). */
const PAGE_ROOTS = [PATHS.ui, PATHS.uiUpdates, PATHS.uiCron, PATHS.uiBackups];

/** Whether a request is for a page of the web UI, so that its refusals are pages too. */
export function isWebUiUrl(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PAGE_ROOTS.some((root) => path === root || path.startsWith(`${root}/`));
}

/** The web UI's routes: server-rendered pages, no JavaScript. `allows` decides the navigation's links per user. */
export function webUiRoutes(scheduler: Scheduler, allows: Allows): Route[] {
  const cluster = scheduler.clusterName;
  const page = { status: 200, contentType: 'text/html' } as const;
  // The backups page is linked where the scheduler keeps backups and the user may list them.
  const navOf = (principal: Principal): Nav => ({
    backups: scheduler.backups.settings !== null && allows(principal, PERMISSIONS.listBackups),
  });
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
      handler: ({ principal }) => rolesPage(cluster, scheduler.listJobs(), scheduler.listAgents(), scheduler.maintenanceStatus(null), navOf(principal)),
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
      handler: ({ principal }) => listUpdates(null, navOf(principal)),
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
      handler: ({ principal }) => cronPage(cluster, null, scheduler.listCron(), navOf(principal)),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.uiBackups,
      operationId: 'uiBackups',
      summary: 'The backup dir, its backups and the staged recovery; read-only (aurora-admin makes and recovers backups)',
      api: false,
      // The permission of aurora_admin scheduler_list_backups, always checked as the API's reads
      // of backups are (backup-routes.ts): a backup holds every role's jobs.
      access: () => write(PERMISSIONS.listBackups),
      success: page,
      errors: [],
      handler: ({ principal }) => {
        const backups = scheduler.backups;
        const recovery = allows(principal, PERMISSIONS.queryRecovery) ? { status: backups.status() } : { needs: PERMISSIONS.queryRecovery };
        return backupsPage(cluster, { settings: backups.settings, backups: backups.files(), recovery }, navOf(principal));
      },
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
      handler: ({ params, principal }) =>
        roleJobsPage(cluster, params.role, scheduler.listJobs({ role: params.role }), scheduler.getQuota(params.role), navOf(principal)),
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
      handler: ({ params, principal }) => listUpdates(params.role, navOf(principal)),
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
      handler: ({ params, principal }) => cronPage(cluster, params.role, scheduler.listCron({ role: params.role }), navOf(principal)),
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
      handler: ({ params, principal }, reply) => {
        const nav = navOf(principal);
        let job;
        try {
          job = scheduler.getJob(params, { history: true });
        } catch (e) {
          if (!isCode(e, 'JOB_NOT_FOUND')) throw e;
          // A scheduled cron job has no job until its first run: show its schedule instead.
          const cron = tryGet(() => scheduler.getCron(params), 'CRON_JOB_NOT_FOUND');
          if (cron) return cronJobPage(cluster, cron, tryGet(() => scheduler.getSpec(cron.specHash), 'SPEC_NOT_FOUND'), nav);
          return notFound(reply, (e as ApiError).message, nav);
        }
        const updates = scheduler.listUpdates({ ...params });
        const active = updates.find((u) => ACTIVE_UPDATE_STATUSES.has(u.status));
        const cron = job.summary.cronSchedule ? tryGet(() => scheduler.getCron(params), 'CRON_JOB_NOT_FOUND') : null;
        return jobPage(cluster, job, {
          ...(active ? { notice: jobUpdateNotice(active) } : {}),
          ...(cron ? { cron: jobCronSection(cron) } : {}),
          // A cron job changes by `aurora cron schedule`, not by updates: no invitation to start one.
          ...(cron && updates.length === 0 ? {} : { updates: jobUpdatesSection(job.spec.key, updates) }),
        }, nav);
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
      handler: ({ params, principal }, reply) => {
        const { id, ...job } = params;
        const nav = navOf(principal);
        try {
          const update = scheduler.getUpdate(job, id);
          // `active` names a different update over time; the page of its id stays right once it ends.
          if (id === 'active') return reply.redirect(updateUrl(job, update.id));
          return updatePage(cluster, update, nav);
        } catch (e) {
          if (!isCode(e, 'UPDATE_NOT_FOUND') && !isCode(e, 'NO_ACTIVE_UPDATE')) throw e;
          return notFound(reply, (e as ApiError).message, nav);
        }
      },
    }),
  ];

  /** Asks for one more than it draws, to tell whether there are more. */
  function listUpdates(role: string | null, nav: Nav): string {
    const updates = scheduler.listUpdates({ ...(role ? { role } : {}), limit: UPDATES_SHOWN + 1 });
    return updatesPage(cluster, role, updates.slice(0, UPDATES_SHOWN), updates.length > UPDATES_SHOWN, nav);
  }

  function notFound(reply: FastifyReply, message: string, nav: Nav): FastifyReply {
    return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage(cluster, message, nav));
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
