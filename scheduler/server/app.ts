import type { FlappingPolicy } from '../core/flapping.js';
import type { HistoryPolicy } from '../core/history-pruning.js';
import type { PlacementSettings } from '../service/placement-pass.js';
import type { PreemptionSettings } from '../service/preemption-pass.js';
import type { SlaCoordinatorSettings } from '../service/sla-coordinator.js';
import type { ExecutorAllowance } from '../core/effective-resources.js';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { z } from 'zod';
import { invalidRequest, parseRequestPart, sendResult } from '../../web/route.js';
import { ApiError } from '../api/errors.js';
import { PATHS } from '../api/routes.js';
import { ANONYMOUS, type Authorizer } from '../core/authorize.js';
import { AccessControl, loadSecurityIni, SECURITY_HEADERS, type LoadedSecurity } from './access-control.js';
import type { Storage } from '../storage/storage.js';
import { systemClock, type Clock } from '../service/clock.js';
import { Scheduler, type SchedulerLog } from '../service/scheduler.js';
import { apiRoutes } from './api-routes.js';
import { AgentAuth } from './agent-auth.js';
import { SchedulerMetrics } from './metrics.js';
import { BackgroundTasks } from './background.js';
import { LongPolls } from './long-polls.js';
import { buildOpenApi } from './openapi.js';
import { defineRoute, PUBLIC, type Route } from './route.js';
import { refusalPage } from './web-pages.js';
import { isWebUiUrl, webUiRoutes } from './web-ui.js';
import { slaRoutes } from './sla-routes.js';
import { TaskCommandRelay } from './task-command-relay.js';
import { taskCommandRoutes } from './task-command-routes.js';
import { backupRoutes } from './backup-routes.js';
import type { BackupSettings } from '../service/backups.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The scheduler behind the routes, for tests and the CLI. */
    scheduler: Scheduler;
    /** The scheduler's timers (agent-lost checks, partitions, flapping holds, history); `tick()` runs one round. */
    background: BackgroundTasks;
    /** Agent syncs held open right now. */
    longPolls: LongPolls;
  }
}

export interface SchedulerAppOptions {
  readonly storage: Storage;
  /** @default 'devcluster' */
  readonly clusterName?: string;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Longest a sync is held open. @default 20000 */
  readonly longPollMs?: number;
  /** A sync missed for this long marks the agent LOST. @default 30000 */
  readonly agentLostTimeoutMs?: number;
  /** Period of placement and agent-lost passes; 0 runs none (tests call `app.background.tick()`). @default 1000 */
  readonly backgroundTickMs?: number;
  /** @default everyone is allowed (an unauthenticated cluster) */
  readonly authorizer?: Authorizer;
  /** Eight random hex characters for ids. @default crypto random */
  readonly randomHex?: () => string;
  /** fastify's logger option. @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /** Served in the OpenAPI document. @default '0.0.0' */
  readonly version?: string;
  /** How flapping instances are held back. @default DEFAULT_FLAPPING_POLICY (Aurora's) */
  readonly flapping?: FlappingPolicy;
  /** Environments accepted besides `prod|devel|test|staging<N>`. @default none */
  readonly allowedEnvironments?: readonly string[];
  /** @default 4000 (Aurora's) */
  readonly maxInstancesPerJob?: number;
  /** @default Aurora's: 100 ended tasks per job, 2 days, at least 1 hour */
  readonly history?: HistoryPolicy;
  /** @default sampled placement of 10 hosts per task, spread, 2000 tasks per pass */
  readonly placement?: Partial<PlacementSettings>;
  /** Seed of the placement passes. @default from the clock */
  readonly placementSeed?: number;
  /** When and how much pending work may preempt. @default Aurora's 3 minutes' delay */
  readonly preemption?: Partial<PreemptionSettings>;
  /**
   * What every task holds and is limited to on top of its resources, for the executor's part of
   * it; quota does not count it (core/effective-resources.ts). @default none (aurora-scheduler's
   * --executor-* flags default to DEFAULT_EXECUTOR_ALLOWANCE)
   */
  readonly executorAllowance?: ExecutorAllowance;
  /** The largest request body, in bytes; agent syncs may be 8 times larger. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /**
   * The cluster's agent secret: agents must present it to register. null takes any agent (and
   * says so loudly at start-up). @default null
   */
  readonly agentSecret?: string | null;
  /** Users and roles (Apache Shiro's security.ini); absent runs the cluster unauthenticated. */
  readonly securityIniPath?: string;
  /** Reads need credentials and permissions too. @default false (open, as in Aurora) */
  readonly restrictReads?: boolean;
  /** Only production jobs with at least this many active instances are held by a count or percentage SLA policy, in drains and SLA-aware updates. @default 20 (Aurora's) */
  readonly minRequiredInstancesForSla?: number;
  /** Requests to SLA coordinators: timeout, largest answer, how long an answer counts. @default 10 s, 64 KiB, 30 s */
  readonly slaCoordinator?: Partial<SlaCoordinatorSettings>;
  /** The zone cron schedules are read in when their job sets none. @default 'UTC' */
  readonly cronTimezone?: string;
  /** Ids of new updates. @default random UUIDs */
  readonly newUpdateId?: () => string;
  /** Serve https with this PEM certificate and key. @default http */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The backup dir, interval and how many to keep. @default null (no backups) */
  readonly backups?: BackupSettings | null;
  /**
   * Called once a committed recovery was answered: the store holds the backup and this app's
   * state is stale, so the caller closes it and opens a new one on the same store (the daemon
   * does; tests may too). Until then every change is refused with RECOVERING. @default nothing
   */
  readonly onRecoveryCommitted?: () => void;
}

export const DEFAULT_LONG_POLL_MS = 20_000;
export const DEFAULT_AGENT_LOST_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKGROUND_TICK_MS = 1_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The longest a sync is held: less than the lost timeout, so that a live agent has always
 * synced within it and a held sync need not count as a sign of life.
 */
export function effectiveLongPollMs(longPollMs: number, agentLostTimeoutMs: number): number {
  return Math.max(1, Math.min(longPollMs, Math.floor(agentLostTimeoutMs / 2)));
}

/**
 * The scheduler's HTTP app: JSON API, agent channel, web UI. Loads the state from the store
 * first; listen on the result or `inject()` into it.
 */
export async function createSchedulerApp(options: SchedulerAppOptions): Promise<FastifyInstance> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Agents long-poll all the time; per-request lines would drown the scheduler's own log.
  // Path parameters as long as any key could be, so a too-long name is answered as one.
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
    routerOptions: { maxParamLength: 1024 },
    // Held syncs and job reads are answered in preClose; then nothing is worth waiting for.
    forceCloseConnections: true,
  });
  const agentLostTimeoutMs = options.agentLostTimeoutMs ?? DEFAULT_AGENT_LOST_TIMEOUT_MS;
  const longPollMs = effectiveLongPollMs(options.longPollMs ?? DEFAULT_LONG_POLL_MS, agentLostTimeoutMs);
  const log: SchedulerLog = { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) };
  const longPolls = new LongPolls();
  // Job reads waiting for a change, held the same way as syncs, by job path.
  const jobWatchers = new LongPolls();
  const scheduler = await Scheduler.open({
    storage: options.storage,
    clusterName: options.clusterName ?? 'devcluster',
    clock: options.clock ?? systemClock,
    agentLostTimeoutMs,
    longPollMs,
    log,
    ...(options.randomHex ? { randomHex: options.randomHex } : {}),
    onAgentWork: (agentId) => longPolls.wake(agentId),
    onJobChange: (jobPath) => jobWatchers.wake(jobPath),
    ...(options.flapping ? { flapping: options.flapping } : {}),
    ...(options.allowedEnvironments ? { allowedEnvironments: options.allowedEnvironments } : {}),
    ...(options.maxInstancesPerJob !== undefined ? { maxInstancesPerJob: options.maxInstancesPerJob } : {}),
    ...(options.history ? { history: options.history } : {}),
    ...(options.placement ? { placement: options.placement } : {}),
    ...(options.placementSeed !== undefined ? { placementSeed: options.placementSeed } : {}),
    ...(options.preemption ? { preemption: options.preemption } : {}),
    ...(options.executorAllowance ? { executorAllowance: options.executorAllowance } : {}),
    ...(options.cronTimezone ? { cronTimezone: options.cronTimezone } : {}),
    ...(options.minRequiredInstancesForSla !== undefined ? { minRequiredInstancesForSla: options.minRequiredInstancesForSla } : {}),
    ...(options.slaCoordinator ? { slaCoordinator: options.slaCoordinator } : {}),
    ...(options.newUpdateId ? { newUpdateId: options.newUpdateId } : {}),
    backups: options.backups ?? null,
    version: options.version ?? '0.0.0',
  });
  const background = new BackgroundTasks(scheduler, log);
  let security: LoadedSecurity | null = null;
  if (options.securityIniPath !== undefined) {
    security = loadSecurityIni(options.securityIniPath);
    for (const warning of security.warnings) log.warn(`security.ini: ${warning}`);
  }
  const metrics = new SchedulerMetrics(scheduler);
  metrics.observe(app);
  const accessControl = await AccessControl.create({
    security: security?.config ?? null,
    restrictReads: options.restrictReads ?? false,
    ...(options.authorizer ? { authorizer: options.authorizer } : {}),
    onAuthFailure: () => metrics.authFailures.inc(),
  });
  const agentAuth = new AgentAuth(options.agentSecret ?? null);
  if (!agentAuth.requiresSecret) {
    log.warn('NO AGENT SECRET: any process that can reach this scheduler can register as an agent and receive tasks with their command lines and environments; start it with --agent-secret-file');
  }
  app.decorate('scheduler', scheduler);
  app.decorate('background', background);
  app.decorate('longPolls', longPolls);
  // aurora task run|scp: commands wait for their agent's sync, which a new one cuts short.
  const taskCommands = new TaskCommandRelay({ wake: (agentId) => longPolls.wake(agentId) });

  const routes: Route[] = [
    ...apiRoutes({ scheduler, longPolls, jobWatchers, longPollMs, maxBodyBytes, agentAuth, agentCommands: taskCommands }),
    ...taskCommandRoutes({ scheduler, relay: taskCommands, agentAuth, log: (line) => log.info(line) }),
    ...backupRoutes(scheduler, () => options.onRecoveryCommitted?.()),
    ...slaRoutes(scheduler),
    ...webUiRoutes(scheduler, (principal, permission) => accessControl.allows(principal, permission)),
  ];
  // Built on first request: generating it from every schema costs start-up time nobody may need.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  const apiRoutesOnly = [...routes];
  routes.push(
    defineRoute({
      method: 'GET',
      url: PATHS.health,
      operationId: 'health',
      summary: 'Plain-text OK while the scheduler serves',
      api: false,
      access: () => PUBLIC,
      success: { status: 200, contentType: 'text/plain' },
      errors: [],
      handler: () => 'OK',
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.leaderHealth,
      operationId: 'leaderHealth',
      summary: "Plain-text OK while this scheduler leads the cluster (Aurora's /leaderhealth); one scheduler always does",
      api: false,
      access: () => PUBLIC,
      success: { status: 200, contentType: 'text/plain' },
      errors: [],
      handler: () => 'OK',
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.vars,
      operationId: 'vars',
      summary: "The scheduler's figures: tasks, jobs, agents, commits, memory",
      api: false,
      access: () => PUBLIC,
      success: { status: 200, contentType: 'application/json' },
      errors: [],
      handler: () => schedulerVars(scheduler, longPolls, jobWatchers),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.metrics,
      operationId: 'metrics',
      summary: "The scheduler's figures in Prometheus' text format",
      api: false,
      access: () => PUBLIC,
      success: { status: 200, contentType: 'text/plain' },
      errors: [],
      handler: async (_input, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.openapi,
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      api: false,
      access: () => PUBLIC,
      success: { status: 200, contentType: 'application/json' },
      errors: [],
      handler: () => (openapi ??= buildOpenApi(apiRoutesOnly, { clusterName: scheduler.clusterName, version: options.version ?? '0.0.0' })),
    }),
  );
  for (const route of routes) register(app, route, accessControl);
  // After a committed recovery the store holds the backup and this state is stale: nothing may
  // change it (and so write over the backup) until the scheduler has started again.
  app.addHook('onRequest', async (request) => {
    if (scheduler.backups.committed && request.method !== 'GET') {
      throw new ApiError('RECOVERING', 'the scheduler is starting again from a recovered backup; retry in a few seconds');
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') request.log.error(error);
    if (apiError.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Basic realm="aurora"');
    // The web UI's pages answer a refusal with a page, the API with its JSON.
    if (isWebUiUrl(request.url) && apiError.status < 500) {
      return reply.code(apiError.status).type('text/html; charset=utf-8').send(refusalPage(scheduler.clusterName, apiError.status, apiError.message));
    }
    return reply.code(apiError.status).type('application/json').send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(
      'NOT_FOUND',
      `no route ${request.method} ${request.url.split('?')[0]}; the API is described at ${PATHS.openapi}`,
    );
    return reply.code(error.status).type('application/json').send(error.toBody());
  });

  app.addHook('onReady', async () => background.start(options.backgroundTickMs ?? DEFAULT_BACKGROUND_TICK_MS));
  // Held syncs are answered before the server waits for in-flight requests to finish.
  app.addHook('preClose', async () => {
    background.stop();
    longPolls.close();
    jobWatchers.close();
    taskCommands.close();
  });
  app.addHook('onClose', async () => scheduler.close());
  return app;
}

/** Figures for operators and benchmarks, cheap to compute (no scan of the tasks). */
function schedulerVars(scheduler: Scheduler, longPolls: LongPolls, jobWatchers: LongPolls): Record<string, number> {
  const memory = process.memoryUsage();
  const state = scheduler.state;
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  return {
    uptime_ms: Date.now() - scheduler.startedAt,
    jobs: state.jobCount,
    tasks_stored: state.taskCount,
    tasks_pending: state.pendingCount,
    tasks_throttled: state.throttled().size,
    tasks_partitioned: state.partitioned().size,
    agents: state.agentCount,
    storage_commits: scheduler.commits,
    agent_syncs_held: longPolls.size,
    job_reads_waiting: jobWatchers.size,
    process_rss_mb: mb(memory.rss),
    heap_used_mb: mb(memory.heapUsed),
    heap_total_mb: mb(memory.heapTotal),
  };
}

/** Validates, authorizes, then runs the handler: the same order for every route. */
function register(app: FastifyInstance, route: Route, accessControl: AccessControl): void {
  app.route({
    method: route.method,
    url: route.url,
    ...(route.bodyLimit !== undefined ? { bodyLimit: route.bodyLimit } : {}),
    handler: async (request, reply) => {
      const params = parseRequestPart(route.params, request.params, 'path');
      const query = parseRequestPart(route.query, request.query, 'query');
      const body = route.body ? parseBody(route, request.body) : undefined;
      const base = { params, query, body, headers: request.headers };
      const access = route.access({ ...base, principal: ANONYMOUS });
      const principal = await accessControl.check(request, access);
      const input = { ...base, principal };
      return sendResult(route, await route.handler(input, reply), reply);
    },
  });
}

function parseBody(route: Route, value: unknown): unknown {
  const result = (route.body as z.ZodType).safeParse(value);
  if (result.success) return result.data;
  throw route.bodyError ? route.bodyError(result.error) : invalidRequest(result.error, 'body');
}

/** Every error leaves as ApiErrorBody with a stable code. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const status = error.statusCode ?? 500;
  if (status === 415) {
    return new ApiError('INVALID_REQUEST', 'unsupported content type; send JSON with content-type: application/json');
  }
  if (status === 413) {
    return new ApiError('BODY_TOO_LARGE', `the request body is too large: ${error.message.replace(/^Request body is too large$/, 'over the limit')}; the scheduler takes bodies up to its --max-body-bytes`);
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new ApiError('INVALID_REQUEST', 'the request body is empty; send a JSON object (at least {})');
  }
  if (status >= 400 && status < 500) return new ApiError('INVALID_REQUEST', `malformed request: ${error.message}`);
  return new ApiError('INTERNAL', `internal error: ${error.message}; the scheduler's log has details`);
}
