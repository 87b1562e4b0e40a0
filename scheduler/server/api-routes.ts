import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../../dsl/compile.js';
import {
  AgentRegisterResponseSchema,
  AgentRegistrationSchema,
  AgentSyncRequestSchema,
  AgentSyncResponseSchema,
  GetSpecResponseSchema,
  ListAgentsResponseSchema,
  ReconcileResponseSchema,
  type AgentSyncResponse,
} from '../api/agent-protocol.js';
import { ApiError } from '../api/errors.js';
import {
  CreateJobRequestSchema,
  CreateJobResponseSchema,
  GetJobQuerySchema,
  GetJobResponseSchema,
  ListTasksQuerySchema,
  MAX_JOB_WAIT_MS,
  PruneTasksRequestSchema,
  PruneTasksResponseSchema,
  KillJobRequestSchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
  ListTasksResponseSchema,
} from '../api/jobs-api.js';
import { GetQuotaResponseSchema, IncreaseQuotaRequestSchema, SetQuotaRequestSchema } from '../api/quota-api.js';
import { HostsRequestSchema, MaintenanceQuerySchema, MaintenanceResponseSchema, SlaDrainRequestSchema } from '../api/maintenance-api.js';
import { CronJobResponseSchema, ListCronJobsResponseSchema, ScheduleCronRequestSchema } from '../api/cron-api.js';
import { API_PREFIX, PATHS } from '../api/routes.js';
import {
  ListUpdatesQuerySchema,
  ListUpdatesResponseSchema,
  StartRestartRequestSchema,
  StartUpdateRequestSchema,
  UpdateActionRequestSchema,
  UpdateActionSchema,
  UpdateResponseSchema,
} from '../api/updates-api.js';
import { PERMISSIONS } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import type { AgentAuth } from './agent-auth.js';
import type { LongPolls } from './long-polls.js';
import type { AgentCommandQueue } from './task-command-relay.js';
import { AGENT, defineRoute, read, write, type Route } from './route.js';

export interface ApiContext {
  readonly scheduler: Scheduler;
  readonly longPolls: LongPolls;
  /** Job reads waiting for their job to change, by `role/environment/name`. */
  readonly jobWatchers: LongPolls;
  /** The longest a sync is held open, whatever the agent asks for. */
  readonly longPollMs: number;
  /** The app's body limit; syncs may be 8 times larger (an agent's every active task). */
  readonly maxBodyBytes: number;
  readonly agentAuth: AgentAuth;
  /** Commands users asked for in agents' tasks (aurora task run, scp), handed out with syncs. @default none */
  readonly agentCommands?: AgentCommandQueue;
}

export const JobParamsSchema = z.object({ role: z.string(), environment: z.string(), name: z.string() }).strict();
export const RoleParamsSchema = z.object({ role: z.string() }).strict();
export const ListJobsQuerySchema = z.object({ role: z.string().optional(), environment: z.string().optional() }).strict();

/** A body whose spec fails JobSpecSchema is an invalid job spec, located inside the spec. */
function jobSpecError(error: z.ZodError): ApiError {
  const inSpec = error.issues.every((i) => i.path[0] === 'spec' && i.path.length > 1);
  const details = error.issues.map((i) => ({
    path: formatPath((inSpec ? i.path.slice(1) : i.path).map((p) => (typeof p === 'symbol' ? String(p) : p))),
    message: i.message,
  }));
  const first = details[0];
  const summary = first ? `${first.path || '(body)'}: ${first.message}` : 'no details';
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return inSpec
    ? new ApiError('INVALID_JOB_SPEC', `the job spec is invalid: ${summary}${more}`, details)
    : new ApiError('INVALID_REQUEST', `the request body is not {"spec": JobSpec}: ${summary}${more}`, details);
}

function hasWork(response: Pick<AgentSyncResponse, 'launch' | 'kill'>): boolean {
  return response.launch.length > 0 || response.kill.length > 0;
}

/** The JSON API under /api/v1: jobs, tasks and the agent channel. */
/** A waiting job read answers on the first change of its job. */
const CHANGED = () => ({ ready: true, value: undefined });

/** Aborts when the client hangs up before its answer is sent. */
export function hangUp(reply: FastifyReply): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.on('close', onClose);
  return { signal: controller.signal, done: () => reply.raw.off('close', onClose) };
}

export function apiRoutes({ scheduler, longPolls, jobWatchers, longPollMs, maxBodyBytes, agentAuth, agentCommands }: ApiContext): Route[] {
  /** Agents whose held sync reconcile_tasks asked to answer at once. */
  const reconcileNow = new Set<string>();
  return [
    defineRoute({
      method: 'POST',
      url: PATHS.agentsReconcile,
      operationId: 'triggerExplicitTaskReconciliation',
      summary: "Every agent reports every task it runs now (a held sync is answered at once); the scheduler reconciles what they report",
      api: true,
      access: () => write(PERMISSIONS.triggerExplicitTaskReconciliation),
      success: { status: 200, contentType: 'application/json', schema: ReconcileResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: () => {
        const agents = scheduler.listAgents().filter((a) => a.status === 'ACTIVE');
        let asked = 0;
        for (const a of agents) {
          if (!longPolls.isHeld(a.agentId)) continue;
          reconcileNow.add(a.agentId);
          longPolls.wake(a.agentId);
          asked++;
        }
        // Agents not held now are between syncs: their next sync is a full report anyway.
        return { agents: agents.length, askedNow: asked };
      },
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.jobs,
      operationId: 'createJob',
      summary: 'Create a job: one PENDING task per instance, placed at once',
      api: true,
      body: CreateJobRequestSchema,
      bodyError: jobSpecError,
      access: ({ body }) => write(PERMISSIONS.createJob(body.spec.key)),
      success: { status: 201, contentType: 'application/json', schema: CreateJobResponseSchema },
      errors: [
        'INVALID_JOB_SPEC',
        'WRONG_CLUSTER',
        'JOB_EXISTS',
        'INSUFFICIENT_QUOTA',
        'CRON_JOB_NEEDS_CRON_COMMAND',
        'UNAUTHENTICATED',
        'PERMISSION_DENIED',
        'CROSS_SITE_REQUEST',
        'BODY_TOO_LARGE',
        'STORAGE_UNAVAILABLE',
      ],
      handler: ({ body, principal }) => scheduler.createJob(body.spec, principal.name),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.jobs,
      operationId: 'listJobs',
      summary: 'List jobs, optionally of one role and environment, with counts of their current tasks by state',
      api: true,
      query: ListJobsQuerySchema,
      access: ({ query }) => read(PERMISSIONS.getJobs(query.role)),
      success: { status: 200, contentType: 'application/json', schema: ListJobsResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ query }) => ({ jobs: scheduler.listJobs(query) }),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.jobs}/:role/:environment/:name`,
      operationId: 'getJob',
      summary: "One job: its spec and every instance's tasks, newest first",
      api: true,
      params: JobParamsSchema,
      query: GetJobQuerySchema,
      access: ({ params }) => read(PERMISSIONS.getJobSummary(params)),
      success: { status: 200, contentType: 'application/json', schema: GetJobResponseSchema },
      errors: ['JOB_NOT_FOUND', 'PERMISSION_DENIED'],
      handler: async ({ params, query }, reply) => {
        const { since, waitMs = 0, history = false } = query;
        if (since !== undefined && waitMs > 0 && scheduler.jobVersion(params) === since) {
          scheduler.getJob(params); // a job that does not exist is answered at once
          const gone = hangUp(reply);
          try {
            const path = `${params.role}/${params.environment}/${params.name}`;
            await jobWatchers.hold(path, Math.min(waitMs, MAX_JOB_WAIT_MS), CHANGED, gone.signal);
          } finally {
            gone.done();
          }
        }
        return { job: scheduler.getJob(params, { history }) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.jobs}/:role/:environment/:name/kill`,
      operationId: 'killJob',
      summary: 'Kill some instances, or all of them and remove the job once its tasks have ended',
      api: true,
      params: JobParamsSchema,
      body: KillJobRequestSchema.optional(),
      access: ({ params }) => write(PERMISSIONS.killTasks(params)),
      success: { status: 200, contentType: 'application/json', schema: KillJobResponseSchema },
      errors: ['JOB_NOT_FOUND', 'PERMISSION_DENIED'],
      handler: ({ params, body, principal }) => scheduler.killJob(params, body ?? {}, principal.name),
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.jobs}/:role/:environment/:name/updates`,
      operationId: 'startJobUpdate',
      summary: "Start a rolling update of the job to a new spec, driven by the spec's updateConfig",
      api: true,
      params: JobParamsSchema,
      body: StartUpdateRequestSchema,
      bodyError: jobSpecError,
      access: ({ params }) => write(PERMISSIONS.startJobUpdate(params)),
      success: { status: 200, contentType: 'application/json', schema: UpdateResponseSchema },
      errors: [
        'INVALID_JOB_SPEC',
        'INVALID_REQUEST',
        'WRONG_CLUSTER',
        'JOB_NOT_FOUND',
        'UPDATE_IN_PROGRESS',
        'INSUFFICIENT_QUOTA',
        'CRON_JOB_NEEDS_CRON_COMMAND',
        'PERMISSION_DENIED',
        'STORAGE_UNAVAILABLE',
      ],
      handler: async ({ params, body, principal }) => ({
        update: await scheduler.startUpdate(params, body.spec, body.message ?? null, principal.name, body.instances ?? null),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.jobs}/:role/:environment/:name/restart`,
      operationId: 'restartShards',
      summary: 'Restart instances in batches, each watched like an updated one, every one with a new task id',
      api: true,
      params: JobParamsSchema,
      body: StartRestartRequestSchema,
      access: ({ params }) => write(PERMISSIONS.restartShards(params)),
      success: { status: 200, contentType: 'application/json', schema: UpdateResponseSchema },
      errors: ['INVALID_REQUEST', 'JOB_NOT_FOUND', 'UPDATE_IN_PROGRESS', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ params, body, principal }) => ({ update: await scheduler.restartJob(params, body, principal.name) }),
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.jobs}/:role/:environment/:name/update/:action`,
      operationId: 'jobUpdateAction',
      summary: "Pause, resume, abort, roll back or pulse the job's active update",
      api: true,
      params: JobParamsSchema.extend({ action: UpdateActionSchema }),
      body: UpdateActionRequestSchema.optional(),
      access: ({ params }) => {
        const rpc = {
          pause: PERMISSIONS.pauseJobUpdate,
          resume: PERMISSIONS.resumeJobUpdate,
          abort: PERMISSIONS.abortJobUpdate,
          rollback: PERMISSIONS.rollbackJobUpdate,
          pulse: PERMISSIONS.pulseJobUpdate,
        }[params.action];
        return write(rpc(params));
      },
      success: { status: 200, contentType: 'application/json', schema: UpdateResponseSchema },
      errors: ['NO_ACTIVE_UPDATE', 'INVALID_UPDATE_ACTION', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ params, body, principal }) => {
        const { action, ...job } = params;
        return { update: await scheduler.updateAction(job, action, body?.message ?? null, principal.name) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.jobs}/:role/:environment/:name/updates/:id`,
      operationId: 'getJobUpdateDetails',
      summary: "One update of the job (`active` for its active one): status, every instance's progress, events",
      api: true,
      params: JobParamsSchema.extend({ id: z.string() }),
      query: z
        .object({
          /** With `waitMs`: answer once the update's lastModifiedAt differs from this, or when the wait is over. */
          since: z.coerce.number().optional(),
          waitMs: z.coerce.number().int().nonnegative().optional(),
        })
        .strict(),
      access: ({ params }) => read(PERMISSIONS.getJobUpdateDetails(params)),
      success: { status: 200, contentType: 'application/json', schema: UpdateResponseSchema },
      errors: ['NO_ACTIVE_UPDATE', 'UPDATE_NOT_FOUND', 'PERMISSION_DENIED'],
      handler: async ({ params, query }, reply) => {
        const { id, ...job } = params;
        const { since, waitMs = 0 } = query;
        const path = `${job.role}/${job.environment}/${job.name}`;
        const deadline = Date.now() + Math.min(waitMs, MAX_JOB_WAIT_MS);
        // The update changes with its job: wait on the job's changes until it differs.
        while (since !== undefined && scheduler.getUpdate(job, id).lastModifiedAt === since && Date.now() < deadline) {
          const gone = hangUp(reply);
          try {
            await jobWatchers.hold(path, deadline - Date.now(), CHANGED, gone.signal);
          } finally {
            gone.done();
          }
          if (gone.signal.aborted) break;
        }
        return { update: scheduler.getUpdate(job, id) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.cronJobs}/:role/:environment/:name`,
      operationId: 'scheduleCronJob',
      summary: 'Schedule a cron job, or replace its schedule and spec',
      api: true,
      params: JobParamsSchema,
      body: ScheduleCronRequestSchema,
      bodyError: jobSpecError,
      access: ({ params }) => write(PERMISSIONS.scheduleCronJob(params)),
      success: { status: 200, contentType: 'application/json', schema: CronJobResponseSchema },
      errors: ['INVALID_JOB_SPEC', 'INVALID_REQUEST', 'WRONG_CLUSTER', 'NOT_A_CRON_JOB', 'INSUFFICIENT_QUOTA', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ params, body, principal }) => ({ cron: await scheduler.scheduleCron(params, body.spec, principal.name) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: `${PATHS.cronJobs}/:role/:environment/:name`,
      operationId: 'descheduleCronJob',
      summary: 'Deschedule a cron job (a run in progress goes on)',
      api: true,
      params: JobParamsSchema,
      access: ({ params }) => write(PERMISSIONS.descheduleCronJob(params)),
      success: { status: 200, contentType: 'application/json', schema: CronJobResponseSchema },
      errors: ['CRON_JOB_NOT_FOUND', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ params, principal }) => ({ cron: await scheduler.descheduleCron(params, principal.name) }),
    }),
    defineRoute({
      method: 'POST',
      url: `${PATHS.cronJobs}/:role/:environment/:name/start`,
      operationId: 'startCronJob',
      summary: 'Run a cron job once now, by its collision policy',
      api: true,
      params: JobParamsSchema,
      access: ({ params }) => write(PERMISSIONS.startCronJob(params)),
      success: { status: 200, contentType: 'application/json', schema: CronJobResponseSchema },
      errors: ['CRON_JOB_NOT_FOUND', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ params, principal }) => ({ cron: await scheduler.startCron(params, principal.name) }),
    }),
    defineRoute({
      method: 'GET',
      url: `${PATHS.cronJobs}/:role/:environment/:name`,
      operationId: 'getCronJob',
      summary: 'A cron job: schedule, time zone, collision policy, next runs and last runs',
      api: true,
      params: JobParamsSchema,
      access: ({ params }) => read(PERMISSIONS.getJobSummary(params)),
      success: { status: 200, contentType: 'application/json', schema: CronJobResponseSchema },
      errors: ['CRON_JOB_NOT_FOUND', 'PERMISSION_DENIED'],
      handler: ({ params }) => ({ cron: scheduler.getCron(params) }),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.cronJobs,
      operationId: 'listCronJobs',
      summary: 'Cron jobs, optionally of one role and environment',
      api: true,
      query: ListJobsQuerySchema,
      access: ({ query }) => read(PERMISSIONS.getJobs(query.role)),
      success: { status: 200, contentType: 'application/json', schema: ListCronJobsResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ query }) => ({ cronJobs: scheduler.listCron(query) }),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.maintenance,
      operationId: 'maintenanceStatus',
      summary: "Hosts' maintenance modes (NONE, SCHEDULED, DRAINING, DRAINED) and the tasks still on them",
      api: true,
      query: MaintenanceQuerySchema,
      access: () => read(PERMISSIONS.maintenanceStatus),
      success: { status: 200, contentType: 'application/json', schema: MaintenanceResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ query }) => ({ hosts: scheduler.maintenanceStatus(query.hosts ?? null) }),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.maintenanceSlaDrain,
      operationId: 'slaDrainHosts',
      summary: "Drain hosts while their jobs keep their SLA policies; after forceDrainTimeoutMs the rest move",
      api: true,
      body: SlaDrainRequestSchema,
      access: () => write(PERMISSIONS.slaDrainHosts),
      success: { status: 200, contentType: 'application/json', schema: MaintenanceResponseSchema },
      errors: ['INVALID_REQUEST', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ body, principal }) => ({ hosts: await scheduler.slaDrainHosts(body.hosts, body.forceDrainTimeoutMs, principal.name) }),
    }),
    ...(
      [
        ['maintenanceStart', 'startMaintenance', 'Put hosts in maintenance: they take no new tasks', PATHS.maintenanceStart],
        ['maintenanceDrain', 'drainHosts', 'Drain hosts: no new tasks, and their tasks move elsewhere', PATHS.maintenanceDrain],
        ['maintenanceEnd', 'endMaintenance', 'End the maintenance of hosts: they take tasks again', PATHS.maintenanceEnd],
      ] as const
    ).map(([, rpc, summary, url]) =>
      defineRoute({
        method: 'POST',
        url,
        operationId: rpc,
        summary,
        api: true,
        body: HostsRequestSchema,
        access: () => write(PERMISSIONS[rpc]),
        success: { status: 200, contentType: 'application/json', schema: MaintenanceResponseSchema },
        errors: ['INVALID_REQUEST', 'PERMISSION_DENIED', 'STORAGE_UNAVAILABLE'],
        handler: async ({ body, principal }) => {
          const run = { startMaintenance: scheduler.startMaintenance, drainHosts: scheduler.drainHosts, endMaintenance: scheduler.endMaintenance }[rpc];
          return { hosts: await run.call(scheduler, body.hosts, principal.name) };
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: PATHS.updates,
      operationId: 'getJobUpdateSummaries',
      summary: 'Update summaries, newest first, filtered by job, status and user',
      api: true,
      query: ListUpdatesQuerySchema,
      access: ({ query }) => read(PERMISSIONS.getJobUpdateSummaries(query.role)),
      success: { status: 200, contentType: 'application/json', schema: ListUpdatesResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ query }) => ({ updates: scheduler.listUpdates(query) }),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.tasks,
      operationId: 'listTasks',
      summary: 'Tasks, current and past (also of killed jobs), filtered by job and state',
      api: true,
      query: ListTasksQuerySchema,
      access: ({ query }) => read(PERMISSIONS.getTasksStatus(query.role)),
      success: { status: 200, contentType: 'application/json', schema: ListTasksResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ query }) => {
        const { state, taskId, ...rest } = query;
        return scheduler.listTasks({ ...rest, ...(state ? { states: state } : {}), ...(taskId ? { taskIds: taskId } : {}) });
      },
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.tasksPrune,
      operationId: 'pruneTasks',
      summary: 'Delete ended tasks from the history, oldest first (aurora-admin prune_tasks)',
      api: true,
      body: PruneTasksRequestSchema,
      access: () => write(PERMISSIONS.pruneTasks),
      success: { status: 200, contentType: 'application/json', schema: PruneTasksResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ body, principal }) => scheduler.pruneTasks(body, principal.name),
    }),
    defineRoute({
      method: 'GET',
      url: `${API_PREFIX}/quotas/:role`,
      operationId: 'getQuota',
      summary: "A role's production quota and what its active tasks hold (aurora quota get)",
      api: true,
      params: RoleParamsSchema,
      access: ({ params }) => read(PERMISSIONS.getQuota(params.role)),
      success: { status: 200, contentType: 'application/json', schema: GetQuotaResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: ({ params }) => scheduler.getQuota(params.role),
    }),
    defineRoute({
      method: 'POST',
      url: `${API_PREFIX}/quotas/:role`,
      operationId: 'setQuota',
      summary: "Set a role's production quota (aurora-admin set_quota)",
      api: true,
      params: RoleParamsSchema,
      body: SetQuotaRequestSchema,
      access: () => write(PERMISSIONS.setQuota),
      success: { status: 200, contentType: 'application/json', schema: GetQuotaResponseSchema },
      errors: ['PERMISSION_DENIED', 'UNAUTHENTICATED', 'CROSS_SITE_REQUEST', 'STORAGE_UNAVAILABLE'],
      handler: ({ params, body, principal }) => scheduler.setQuota(params.role, body.quota, principal.name),
    }),
    defineRoute({
      method: 'POST',
      url: `${API_PREFIX}/quotas/:role/increase`,
      operationId: 'increaseQuota',
      summary: "Grow a role's production quota (aurora-admin increase_quota)",
      api: true,
      params: RoleParamsSchema,
      body: IncreaseQuotaRequestSchema,
      access: () => write(PERMISSIONS.setQuota),
      success: { status: 200, contentType: 'application/json', schema: GetQuotaResponseSchema },
      errors: ['PERMISSION_DENIED', 'UNAUTHENTICATED', 'CROSS_SITE_REQUEST', 'STORAGE_UNAVAILABLE'],
      handler: ({ params, body, principal }) => scheduler.increaseQuota(params.role, body.delta, principal.name),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.agents,
      operationId: 'listAgents',
      summary: 'Agents known to the scheduler',
      api: true,
      access: () => read(PERMISSIONS.maintenanceStatus),
      success: { status: 200, contentType: 'application/json', schema: ListAgentsResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: () => ({ agents: scheduler.listAgents() }),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.agentRegister,
      operationId: 'registerAgent',
      summary: 'An agent registers (or returns with its earlier agentId)',
      api: true,
      body: AgentRegistrationSchema,
      access: () => AGENT,
      success: { status: 200, contentType: 'application/json', schema: AgentRegisterResponseSchema },
      errors: ['AGENT_UNAUTHENTICATED'],
      handler: async ({ body, headers }) => {
        agentAuth.checkSecret(headers);
        const registered = await scheduler.registerAgent(body);
        return { ...registered, token: agentAuth.issue(registered.agentId) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: `${API_PREFIX}/specs/:hash`,
      operationId: 'getSpec',
      summary: 'One JobSpec by its hash: agents fetch the spec of a task they launch once',
      api: true,
      params: z.object({ hash: z.string() }).strict(),
      // Specs hold command lines and environments: only agents read them this way.
      access: () => AGENT,
      success: { status: 200, contentType: 'application/json', schema: GetSpecResponseSchema },
      errors: ['SPEC_NOT_FOUND', 'AGENT_UNAUTHENTICATED'],
      handler: ({ params, headers }) => {
        agentAuth.checkHeaders(headers);
        return { spec: scheduler.getSpec(params.hash) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.agentSync,
      operationId: 'syncAgent',
      summary: 'An agent reports every task it runs and gets what to launch and kill; held open while there is nothing',
      api: true,
      body: AgentSyncRequestSchema,
      bodyLimit: maxBodyBytes * 8,
      access: () => AGENT,
      success: { status: 200, contentType: 'application/json', schema: AgentSyncResponseSchema },
      errors: ['AGENT_UNKNOWN', 'AGENT_UNAUTHENTICATED', 'BODY_TOO_LARGE'],
      handler: async ({ body }, reply) => {
        agentAuth.checkSync(body.agentId, body.token, body.seq);
        const { response, reported } = await scheduler.syncAgent(body);
        const commandsFor = () => agentCommands?.hasQueued(body.agentId) ?? false;
        /** The answer with the commands queued for the agent, if any (taken: they count as delivered). */
        const withCommands = (answer: AgentSyncResponse): AgentSyncResponse => (commandsFor() ? { ...answer, commands: agentCommands!.take(body.agentId) } : answer);
        // Acknowledgements go back at once, so the agent's next sync (the one held) is small.
        if (hasWork(response) || response.ack.length > 0 || commandsFor()) return withCommands(response);
        const gone = hangUp(reply);
        try {
          const work = await longPolls.hold(
            body.agentId,
            Math.min(body.waitMs, longPollMs),
            () => {
              const work = scheduler.workFor(body.agentId, reported);
              // reconcile_tasks: answer now, so the agent reports every task it runs at once.
              return { ready: hasWork(work) || commandsFor() || reconcileNow.delete(body.agentId), value: work };
            },
            gone.signal,
          );
          const answer = withCommands({ ...work, ack: response.ack });
          // An agent that hung up never gets this answer: its commands wait for its next sync.
          if (gone.signal.aborted && answer.commands) agentCommands!.putBack(body.agentId, answer.commands);
          return answer;
        } finally {
          gone.done();
        }
      },
    }),
  ];
}
