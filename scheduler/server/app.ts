import type { FlappingPolicy } from '../core/flapping.js';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { z } from 'zod';
import { formatPath } from '../../dsl/compile.js';
import { ApiError } from '../api/errors.js';
import { PATHS } from '../api/routes.js';
import { allowEveryone, type Authorizer } from '../core/authorize.js';
import type { Storage } from '../storage/storage.js';
import { systemClock, type Clock } from '../service/clock.js';
import { Scheduler, type SchedulerLog } from '../service/scheduler.js';
import { apiRoutes } from './api-routes.js';
import { BackgroundTasks } from './background.js';
import { JobWatchers } from './job-watchers.js';
import { LongPolls } from './long-polls.js';
import { buildOpenApi } from './openapi.js';
import { principalFrom } from './principal.js';
import { defineRoute, type Route } from './route.js';
import { webUiRoutes } from './web-ui.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The scheduler behind the routes, for tests and the CLI. */
    scheduler: Scheduler;
    /** Periodic placement and agent-lost checks; `tick()` runs one round. */
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
}

export const DEFAULT_LONG_POLL_MS = 20_000;
export const DEFAULT_AGENT_LOST_TIMEOUT_MS = 30_000;
export const DEFAULT_BACKGROUND_TICK_MS = 1_000;

/** The scheduler's HTTP app: JSON API, agent channel, web UI. Listen on it or `inject()` into it. */
export function createSchedulerApp(options: SchedulerAppOptions): FastifyInstance {
  // Agents long-poll all the time; per-request lines would drown the scheduler's own log.
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }),
  });
  const longPollMs = options.longPollMs ?? DEFAULT_LONG_POLL_MS;
  const log: SchedulerLog = { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) };
  const longPolls = new LongPolls();
  const jobWatchers = new JobWatchers();
  const scheduler = new Scheduler({
    storage: options.storage,
    clusterName: options.clusterName ?? 'devcluster',
    clock: options.clock ?? systemClock,
    agentLostTimeoutMs: options.agentLostTimeoutMs ?? DEFAULT_AGENT_LOST_TIMEOUT_MS,
    longPollMs,
    log,
    ...(options.randomHex ? { randomHex: options.randomHex } : {}),
    onAgentWork: (agentId) => longPolls.wake(agentId),
    onJobChange: (jobPath) => jobWatchers.changed(jobPath),
    ...(options.flapping ? { flapping: options.flapping } : {}),
    ...(options.allowedEnvironments ? { allowedEnvironments: options.allowedEnvironments } : {}),
  });
  const background = new BackgroundTasks(scheduler, longPolls, log);
  app.decorate('scheduler', scheduler);
  app.decorate('background', background);
  app.decorate('longPolls', longPolls);

  const routes: Route[] = [...apiRoutes({ scheduler, longPolls, jobWatchers, longPollMs }), ...webUiRoutes(scheduler)];
  const openapi = buildOpenApi(routes, { clusterName: scheduler.clusterName, version: options.version ?? '0.0.0' });
  routes.push(
    defineRoute({
      method: 'GET',
      url: PATHS.health,
      operationId: 'health',
      summary: 'Plain-text OK while the scheduler serves',
      api: false,
      permission: () => null,
      success: { status: 200, contentType: 'text/plain' },
      errors: [],
      handler: () => 'OK',
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.openapi,
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3.1 document',
      api: false,
      permission: () => null,
      success: { status: 200, contentType: 'application/json' },
      errors: [],
      handler: () => openapi,
    }),
  );
  for (const route of routes) register(app, route, options.authorizer ?? allowEveryone);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') request.log.error(error);
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
  });
  return app;
}

/** Validates, authorizes, then runs the handler: the same order for every route. */
function register(app: FastifyInstance, route: Route, authorizer: Authorizer): void {
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      const params = parse(route.params, request.params, 'path');
      const query = parse(route.query, request.query, 'query');
      const body = route.body ? parseBody(route, request.body) : undefined;
      const principal = principalFrom(request.headers.authorization);
      const input = { params, query, body, principal };
      const permission = route.permission(input);
      if (permission !== null) {
        const decision = authorizer.authorize(principal, permission);
        if (!decision.allowed) {
          throw new ApiError('PERMISSION_DENIED', `${principal.name} may not ${permission}: ${decision.reason}`);
        }
      }
      const result = await route.handler(input, reply);
      if (reply.sent || result === reply) return reply;
      const type = route.success.contentType === 'application/json' ? 'application/json' : `${route.success.contentType}; charset=utf-8`;
      return reply.code(route.success.status).type(type).send(result);
    },
  });
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalidRequest(result.error, where);
  return result.data;
}

function parseBody(route: Route, value: unknown): unknown {
  const result = (route.body as z.ZodType).safeParse(value);
  if (result.success) return result.data;
  throw route.bodyError ? route.bodyError(result.error) : invalidRequest(result.error, 'body');
}

function invalidRequest(error: z.ZodError, where: string): ApiError {
  const details = error.issues.map((i) => ({
    path: formatPath(i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))),
    message: i.message,
  }));
  const first = details[0];
  const at = first?.path ? ` at ${first.path}` : '';
  return new ApiError('INVALID_REQUEST', `invalid ${where}${at}: ${first?.message ?? 'unknown problem'}`, details);
}

/** Every error leaves as ApiErrorBody with a stable code. */
function toApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const status = error.statusCode ?? 500;
  if (status === 415) {
    return new ApiError('INVALID_REQUEST', 'unsupported content type; send JSON with content-type: application/json');
  }
  if (status === 413) return new ApiError('INVALID_REQUEST', 'the request body is too large');
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new ApiError('INVALID_REQUEST', 'the request body is empty; send a JSON object (at least {})');
  }
  if (status >= 400 && status < 500) return new ApiError('INVALID_REQUEST', `malformed request: ${error.message}`);
  return new ApiError('INTERNAL', `internal error: ${error.message}; the scheduler's log has details`);
}
