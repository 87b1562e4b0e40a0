import { createHash } from 'node:crypto';
import { securityHeaders } from '../../scheduler/api/constants.js';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { realpath } from 'node:fs/promises';
import { logPath } from '../runner/sandbox.js';
import {
  DEFAULT_READ_LENGTH,
  MAX_READ_LENGTH,
  OBSERVER_PATHS,
  TaskListQuerySchema,
  type FileDataResponse,
  type LogDataResponse,
  type ObserverErrorBody,
  type TaskListResponse,
} from './api.js';
import { renderFile, renderListing, FILE_VIEW_BYTES } from './pages/files.js';
import { renderError, type Site } from './pages/layout.js';
import { FOLLOW_SCRIPT, LOG_PAGE_TAIL, renderLogPage } from './pages/log.js';
import { LOG_TAIL_KIB, renderTask, type LogTail } from './pages/task.js';
import { FINISHED_SHOWN, matchesFilter, renderTasks } from './pages/tasks.js';
import {
  attachmentName,
  listDirectory,
  parseRange,
  readRange,
  readTail,
  readWhole,
  resolveLog,
  resolveSandboxFile,
  type LogRef,
} from './sandbox-files.js';
import { detail, isFinished, ObserverError, selectTasks, summarize, TaskStore, type ObservedTask } from './task-store.js';

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
}

const TAIL_BYTES = LOG_TAIL_KIB * 1024;

type TaskParams = { taskId: string };
type PathQuery = { path?: string | string[] };

const HTML = 'text/html; charset=utf-8';

/** One string query parameter; a repeated one is a bad request. */
function queryParam(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new ObserverError('INVALID_REQUEST', `give ${name} once`);
}

const jobTitle = (t: ObservedTask) => {
  const a = t.state.assignment;
  return `${a.jobKey.role}/${a.jobKey.environment}/${a.jobKey.name}/${a.instance}`;
};

const attachment = (name: string) => `attachment; filename="${name}"`;

export function createObserverApp(options: ObserverOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  // The scheduler's policy (one product): the log page's follow script is allowed by its hash.
  const headers = securityHeaders([`sha256-${createHash('sha256').update(FOLLOW_SCRIPT).digest('base64')}`]);
  app.addHook('onSend', async (_request, reply) => {
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  });
  const now = options.now ?? Date.now;
  const site: Site = { host: options.host ?? hostname(), schedulerUrl: options.schedulerUrl?.replace(/\/+$/, '') ?? null };
  const store = new TaskStore(options.dataDir);

  /** Answers an ObserverError as a page or as JSON; anything else is a 500 from fastify. */
  const fail = (reply: FastifyReply, err: unknown, asHtml: boolean, back?: readonly [string, string]) => {
    if (!(err instanceof ObserverError)) throw err;
    reply.code(err.status);
    if (asHtml) return reply.type(HTML).send(renderError(site, err.status, err.message, back));
    const body: ObserverErrorBody = { error: { code: err.code, message: err.message } };
    return reply.send(body);
  };

  /** `?tail=N`: N ≥ 0 bytes from the end; absent means the whole log. */
  const parseTail = (query: unknown): number | undefined => {
    const raw = queryParam(query, 'tail');
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new ObserverError('INVALID_REQUEST', `tail must be a number of bytes, not '${raw}'`);
    return Number(raw);
  };

  const sendLog = async (params: LogRef, query: unknown, reply: FastifyReply) => {
    const tail = parseTail(query);
    const { path, root, task, stream, run } = await resolveLog(store, params);
    reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store');
    if (queryParam(query, 'download') !== undefined) {
      reply.header('content-disposition', attachment(attachmentName(task.state.taskId, params.process, String(run), `${stream}.log`)));
    }
    if (tail !== undefined) return reply.send((await readTail(path, tail, root)).text);
    return reply.send(await readWhole(path, root));
  };

  const runOf = (task: ObservedTask, process: string, run: number) => {
    const found = detail(task).processes.find((p) => p.name === process)?.runs.find((r) => r.run === run);
    if (!found) throw new ObserverError('LOG_NOT_FOUND', `Process ${process} has no run ${run}`);
    return found;
  };

  // --- HTML ---

  app.get('/', async (req, reply) => {
    const filter = (queryParam(req.query, 'job') ?? '').trim();
    const showAll = queryParam(req.query, 'finished') === 'all';
    const tasks = (await store.list()).map((t) => ({ finished: isFinished(t), summary: summarize(t) }));
    const wanted = tasks.filter((t) => matchesFilter(t.summary, filter));
    const finished = wanted.filter((t) => t.finished).map((t) => t.summary);
    const html = renderTasks(site,
      {
        active: wanted.filter((t) => !t.finished).map((t) => t.summary),
        finished: showAll ? finished : finished.slice(0, FINISHED_SHOWN),
        finishedTotal: finished.length,
        filter,
        showAll,
      },
      now(),
    );
    return reply.type(HTML).send(html);
  });

  app.get<{ Params: TaskParams }>('/task/:taskId', async (req, reply) => {
    try {
      const task = await store.get(req.params.taskId);
      const info = detail(task);
      const tails: LogTail[] = [];
      for (const p of info.processes) {
        const latest = p.runs[p.runs.length - 1];
        if (!latest) continue;
        const read = async (stream: 'stdout' | 'stderr') => {
          try {
            return (await readTail(logPath(task.sandbox, p.name, latest.run, stream), TAIL_BYTES, await realpath(task.sandbox))).text;
          } catch {
            return null;
          }
        };
        tails.push({ process: p.name, run: latest.run, stdout: await read('stdout'), stderr: await read('stderr') });
      }
      return reply.type(HTML).send(renderTask(site, info, tails, now()));
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  app.get<{ Params: LogRef }>('/task/:taskId/tail/:process/:run/:stream', async (req, reply) => {
    try {
      const { path, root, task, stream, run } = await resolveLog(store, req.params);
      const page = renderLogPage(site, {
        taskId: task.state.taskId,
        jobTitle: jobTitle(task),
        process: req.params.process,
        run: runOf(task, req.params.process, run),
        stream,
        tail: await readRange(path, undefined, LOG_PAGE_TAIL, root),
        ...(options.followIntervalMs !== undefined ? { intervalMs: options.followIntervalMs } : {}),
      });
      return reply.type(HTML).header('cache-control', 'no-store').send(page);
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  app.get<{ Params: LogRef }>('/task/:taskId/logs/:process/:run/:stream', async (req, reply) => {
    try {
      return await sendLog(req.params, req.query, reply);
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  app.get<{ Params: TaskParams; Querystring: PathQuery }>('/task/:taskId/files', async (req, reply) => {
    let back: [string, string] | undefined;
    try {
      const task = await store.get(req.params.taskId);
      back = ['The task sandbox', OBSERVER_PATHS.files(task.state.taskId)];
      const path = queryParam(req.query, 'path') ?? '';
      const file = await resolveSandboxFile(task.sandbox, path).catch((err: unknown) => {
        if (err instanceof ObserverError && err.code === 'INVALID_REQUEST') return null; // a directory
        throw err;
      });
      if (file === null) {
        const listing = await listDirectory(task.state.taskId, task.sandbox, path);
        return reply.type(HTML).send(renderListing(site, jobTitle(task), listing, now()));
      }
      const head = await readRange(file.real, 0, FILE_VIEW_BYTES, file.root);
      const page = renderFile(site, { taskId: task.state.taskId, jobTitle: jobTitle(task), path: file.rel, mtime: file.mtime, head }, now());
      return reply.type(HTML).header('cache-control', 'no-store').send(page);
    } catch (err) {
      return fail(reply, err, true, back);
    }
  });

  app.get<{ Params: TaskParams; Querystring: PathQuery }>('/task/:taskId/download', async (req, reply) => {
    try {
      const task = await store.get(req.params.taskId);
      const file = await resolveSandboxFile(task.sandbox, queryParam(req.query, 'path') ?? '');
      return reply
        .type('application/octet-stream')
        .header('content-disposition', attachment(attachmentName(basename(file.rel))))
        .header('cache-control', 'no-store')
        .send(await readWhole(file.real, file.root));
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  // --- JSON ---

  app.get('/api/tasks', async (req, reply) => {
    const query = TaskListQuerySchema.safeParse(req.query ?? {});
    if (!query.success) {
      const message = query.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
      return fail(reply, new ObserverError('INVALID_REQUEST', message), false);
    }
    const body: TaskListResponse = selectTasks(await store.list(), query.data);
    return body;
  });

  app.get<{ Params: TaskParams }>('/api/tasks/:taskId', async (req, reply) => {
    try {
      return detail(await store.get(req.params.taskId));
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  app.get<{ Params: LogRef }>('/api/tasks/:taskId/logs/:process/:run/:stream', async (req, reply) => {
    try {
      return await sendLog(req.params, req.query, reply);
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  app.get<{ Params: LogRef }>('/api/tasks/:taskId/logdata/:process/:run/:stream', async (req, reply) => {
    try {
      const { offset, length } = parseRange(req.query, DEFAULT_READ_LENGTH, MAX_READ_LENGTH);
      const { path, root, task, run } = await resolveLog(store, req.params);
      const body: LogDataResponse = { ...(await readRange(path, offset, length, root)), runState: runOf(task, req.params.process, run).state };
      return reply.header('cache-control', 'no-store').send(body);
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  app.get<{ Params: TaskParams; Querystring: PathQuery }>('/api/tasks/:taskId/files', async (req, reply) => {
    try {
      const task = await store.get(req.params.taskId);
      return await listDirectory(task.state.taskId, task.sandbox, queryParam(req.query, 'path') ?? '');
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  app.get<{ Params: TaskParams; Querystring: PathQuery }>('/api/tasks/:taskId/filedata', async (req, reply) => {
    try {
      const { offset, length } = parseRange(req.query, DEFAULT_READ_LENGTH, MAX_READ_LENGTH);
      const task = await store.get(req.params.taskId);
      const file = await resolveSandboxFile(task.sandbox, queryParam(req.query, 'path') ?? '');
      const body: FileDataResponse = { taskId: task.state.taskId, path: file.rel, ...(await readRange(file.real, offset ?? 0, length, file.root)) };
      return reply.header('cache-control', 'no-store').send(body);
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  return app;
}
