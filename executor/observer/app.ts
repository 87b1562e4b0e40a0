import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { hostname } from 'node:os';
import type { ObserverErrorBody, TaskListResponse } from './api.js';
import { LOG_TAIL_KIB, renderError, renderIndex, renderTask, type LogTail } from './html.js';
import { detail, getTask, listTasks, ObserverError, readTail, readWhole, resolveLog, summarize, type LogRef } from './task-store.js';
import { logPath } from '../runner/sandbox.js';

/**
 * The observer: a read-only web UI and JSON API over the checkpoints and logs in the agent's
 * data dir. It never talks to the runner.
 */

export interface ObserverOptions {
  readonly dataDir: string;
  /** The host name shown in the page title. @default os.hostname() */
  readonly host?: string;
  /** For uptimes. @default Date.now */
  readonly now?: () => number;
}

const TAIL_BYTES = LOG_TAIL_KIB * 1024;

type LogParams = LogRef;

export function createObserverApp(options: ObserverOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  const now = options.now ?? Date.now;
  const host = options.host ?? hostname();
  const { dataDir } = options;

  const fail = (reply: FastifyReply, err: unknown, html: boolean) => {
    if (!(err instanceof ObserverError)) throw err;
    reply.code(err.status);
    if (html) return reply.type('text/html; charset=utf-8').send(renderError(err.status, err.message));
    const body: ObserverErrorBody = { error: { code: err.code, message: err.message } };
    return reply.send(body);
  };

  /** `?tail=N`: N ≥ 0 bytes from the end; absent means the whole log. */
  const parseTail = (query: unknown): number | undefined => {
    const raw = (query as { tail?: string } | undefined)?.tail;
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new ObserverError('INVALID_REQUEST', `tail must be a number of bytes, not '${raw}'`);
    return Number(raw);
  };

  const sendLog = async (params: LogParams, query: unknown, reply: FastifyReply) => {
    const tail = parseTail(query);
    const { path } = await resolveLog(dataDir, params);
    reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store');
    if (tail !== undefined) return reply.send((await readTail(path, tail)).text);
    return reply.send(await readWhole(path));
  };

  app.get('/', async (_req, reply) => {
    const tasks = (await listTasks(dataDir)).map(summarize);
    return reply.type('text/html; charset=utf-8').send(renderIndex(host, tasks, now()));
  });

  app.get<{ Params: { taskId: string } }>('/task/:taskId', async (req, reply) => {
    try {
      const task = await getTask(dataDir, req.params.taskId);
      const info = detail(task);
      const tails: LogTail[] = [];
      for (const p of info.processes) {
        const latest = p.runs[p.runs.length - 1];
        if (!latest) continue;
        const read = async (stream: 'stdout' | 'stderr') => {
          try {
            return (await readTail(logPath(task.sandbox, p.name, latest.run, stream), TAIL_BYTES)).text;
          } catch {
            return null;
          }
        };
        tails.push({ process: p.name, run: latest.run, stdout: await read('stdout'), stderr: await read('stderr') });
      }
      return reply.type('text/html; charset=utf-8').send(renderTask(info, tails, now()));
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  app.get<{ Params: LogParams }>('/task/:taskId/logs/:process/:run/:stream', async (req, reply) => {
    try {
      return await sendLog(req.params, req.query, reply);
    } catch (err) {
      return fail(reply, err, true);
    }
  });

  app.get('/api/tasks', async () => {
    const body: TaskListResponse = { tasks: (await listTasks(dataDir)).map(summarize) };
    return body;
  });

  app.get<{ Params: { taskId: string } }>('/api/tasks/:taskId', async (req, reply) => {
    try {
      return detail(await getTask(dataDir, req.params.taskId));
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  app.get<{ Params: LogParams }>('/api/tasks/:taskId/logs/:process/:run/:stream', async (req, reply) => {
    try {
      return await sendLog(req.params, req.query, reply);
    } catch (err) {
      return fail(reply, err, false);
    }
  });

  return app;
}
