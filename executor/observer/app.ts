import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ApiError } from '../../scheduler/api/errors.js';
import { securityHeaders } from '../../scheduler/api/constants.js';
import { parseRequestPart, sendResult } from '../../web/route.js';
import { OBSERVER_PATHS } from './api.js';
import { renderError, type Site } from './pages/layout.js';
import { FOLLOW_SCRIPT } from './pages/log.js';
import { answersJson, RefusalWithLink, type ObserverRoute } from './route.js';
import { observerRoutes } from './routes.js';
import { TaskStore } from './task-store.js';

/**
 * The observer: a read-only web UI and JSON API over the checkpoints, resource samples and
 * sandbox files in the agent's data dir. It never talks to the runner. docs/OBSERVER.md lists
 * the routes.
 */

export interface ObserverOptions {
  readonly dataDir: string;
  /** The host name shown in the page header. @default os.hostname() */
  readonly host?: string;
  /** The scheduler this agent syncs with; pages link back to it. @default no links */
  readonly schedulerUrl?: string;
  /** For uptimes and relative times. @default Date.now */
  readonly now?: () => number;
  /** How often the log page asks for new bytes. @default 1000 */
  readonly followIntervalMs?: number;
  /** Where errors that are not the request's fault are logged (the agent's log). @default nowhere */
  readonly log?: (line: string) => void;
}

const HTML = 'text/html; charset=utf-8';

export function createObserverApp(options: ObserverOptions): FastifyInstance {
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 1024 } });
  // The scheduler's policy (one product): the log page's follow script is allowed by its hash.
  const headers = securityHeaders([`sha256-${createHash('sha256').update(FOLLOW_SCRIPT).digest('base64')}`]);
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  });
  const site: Site = { host: options.host ?? hostname(), schedulerUrl: options.schedulerUrl?.replace(/\/+$/, '') ?? null };
  const log = options.log ?? (() => {});
  const routes = observerRoutes({
    store: new TaskStore(options.dataDir),
    site,
    now: options.now ?? Date.now,
    ...(options.followIntervalMs !== undefined ? { followIntervalMs: options.followIntervalMs } : {}),
  });
  for (const route of routes) register(app, route);

  // A refusal under /api is the catalog's JSON, as the scheduler's; elsewhere it is a page.
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const back = error instanceof RefusalWithLink ? error.back : undefined;
    const apiError = toObserverError(error instanceof RefusalWithLink ? error.refusal : error, log);
    reply.code(apiError.status).removeHeader('content-disposition');
    if (answersJson(request.url)) return reply.type('application/json').send(apiError.toBody());
    return reply.type(HTML).send(renderError(site, apiError.status, apiError.message, back));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const error = new ApiError('NOT_FOUND', `no route ${request.method} ${path} on this observer; its tasks are listed at ${OBSERVER_PATHS.apiTasks}`);
    reply.code(error.status);
    if (answersJson(request.url)) return reply.type('application/json').send(error.toBody());
    return reply.type(HTML).send(renderError(site, error.status, `No page ${path} on this observer`));
  });
  return app;
}

/** Checks the path and query, then runs the handler: the scheduler's order, without access control (all reads are open). */
function register(app: FastifyInstance, route: ObserverRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      const params = parseRequestPart(route.params, request.params, 'path');
      const query = parseRequestPart(route.query, request.query, 'query');
      return sendResult(route, await route.handler({ params, query }, reply), reply);
    },
  });
}

/**
 * Every error leaves as the catalog's, with a stable code. What is not a refusal of the request
 * (a file that went away, a disk that fails) is INTERNAL: the agent's log gets the details, the
 * answer none, since system messages name paths on the host.
 */
export function toObserverError(error: unknown, log: (line: string) => void): ApiError {
  if (error instanceof ApiError) return error;
  const status = (error as FastifyError).statusCode ?? 500;
  if (status >= 400 && status < 500) return new ApiError('INVALID_REQUEST', `malformed request: ${(error as Error).message}`);
  log(`observer: ${(error as Error).stack ?? String(error)}`);
  return new ApiError('INTERNAL', "internal error; the agent's log has details");
}
