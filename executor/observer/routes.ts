import { realpath } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../../scheduler/api/errors.js';
import { logPath } from '../runner/sandbox.js';
import {
  ByteRangeQuerySchema,
  DEFAULT_READ_LENGTH,
  FileDataQuerySchema,
  FileDataResponseSchema,
  LogDataResponseSchema,
  LogParamsSchema,
  LogQuerySchema,
  MAX_READ_LENGTH,
  OBSERVER_PATHS,
  SandboxListingResponseSchema,
  SandboxPathQuerySchema,
  TaskDetailResponseSchema,
  TaskListQuerySchema,
  TaskListResponseSchema,
  TaskParamsSchema,
  TasksPageQuerySchema,
  type FileDataResponse,
  type LogDataResponse,
  type LogQuery,
  type TaskListResponse,
} from './api.js';
import { renderFile, renderListing, FILE_VIEW_BYTES } from './pages/files.js';
import type { Site } from './pages/layout.js';
import { LOG_PAGE_TAIL, renderLogPage } from './pages/log.js';
import { LOG_TAIL_KIB, renderTask, type LogTail } from './pages/task.js';
import { FINISHED_SHOWN, matchesFilter, renderTasks } from './pages/tasks.js';
import { defineRoute, RefusalWithLink, type ObserverRoute } from './route.js';
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
import { detail, isFinished, selectTasks, summarize, type ObservedTask, type TaskStore } from './task-store.js';

/** The observer's route table: its pages, then its JSON. docs/OBSERVER.md describes every route. */

export interface ObserverContext {
  readonly store: TaskStore;
  readonly site: Site;
  readonly now: () => number;
  /** How often the log page asks for new bytes. @default the page's own */
  readonly followIntervalMs?: number;
}

const TAIL_BYTES = LOG_TAIL_KIB * 1024;

const jobTitle = (t: ObservedTask) => {
  const a = t.state.assignment;
  return `${a.jobKey.role}/${a.jobKey.environment}/${a.jobKey.name}/${a.instance}`;
};

const attachment = (name: string) => `attachment; filename="${name}"`;

/** `?tail=N`: N ≥ 0 bytes from the end; absent means the whole log. */
function parseTail(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ApiError('INVALID_REQUEST', `tail must be a number of bytes, not '${raw}'`);
  return Number(raw);
}

function runOf(task: ObservedTask, process: string, run: number) {
  const found = detail(task).processes.find((p) => p.name === process)?.runs.find((r) => r.run === run);
  if (!found) throw new ApiError('LOG_NOT_FOUND', `Process ${process} has no run ${run}`);
  return found;
}

/** A log as text/plain: the whole of it, or its end with `?tail`, as an attachment with `?download`. */
async function sendLog(store: TaskStore, params: LogRef, query: LogQuery, reply: FastifyReply): Promise<FastifyReply> {
  const tail = parseTail(query.tail);
  const { path, root, task, stream, run } = await resolveLog(store, params);
  // Read (or opened) before any header is set: a refusal must not go out as an attachment.
  const body = tail !== undefined ? (await readTail(path, tail, root)).text : await readWhole(path, root);
  if (query.download !== undefined) {
    reply.header('content-disposition', attachment(attachmentName(task.state.taskId, params.process, String(run), `${stream}.log`)));
  }
  return reply.code(200).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
}

const LOG_ERRORS = ['TASK_NOT_FOUND', 'LOG_NOT_FOUND', 'INVALID_PATH', 'CHECKPOINT_UNREADABLE'] as const;
const FILE_ERRORS = ['TASK_NOT_FOUND', 'PATH_NOT_FOUND', 'INVALID_PATH', 'CHECKPOINT_UNREADABLE'] as const;

export function observerRoutes(ctx: ObserverContext): ObserverRoute[] {
  const { store, site, now } = ctx;
  return [
    // --- pages ---
    defineRoute({
      method: 'GET',
      url: OBSERVER_PATHS.index,
      operationId: 'tasksPage',
      summary: 'The tasks on this host: active ones, then the latest finished',
      query: TasksPageQuerySchema,
      success: { status: 200, contentType: 'text/html' },
      errors: [],
      handler: async ({ query }) => {
        const filter = (query.job ?? '').trim();
        const showAll = query.finished === 'all';
        const tasks = (await store.list()).map((t) => ({ finished: isFinished(t), summary: summarize(t) }));
        const wanted = tasks.filter((t) => matchesFilter(t.summary, filter));
        const finished = wanted.filter((t) => t.finished).map((t) => t.summary);
        return renderTasks(
          site,
          {
            active: wanted.filter((t) => !t.finished).map((t) => t.summary),
            finished: showAll ? finished : finished.slice(0, FINISHED_SHOWN),
            finishedTotal: finished.length,
            filter,
            showAll,
          },
          now(),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/task/:taskId',
      operationId: 'taskPage',
      summary: 'One task: state, health, resources, processes, runs, log tails and its JobSpec',
      params: TaskParamsSchema,
      success: { status: 200, contentType: 'text/html' },
      errors: ['TASK_NOT_FOUND', 'INVALID_PATH', 'CHECKPOINT_UNREADABLE'],
      handler: async ({ params }) => {
        const task = await store.get(params.taskId);
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
        return renderTask(site, info, tails, now());
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/task/:taskId/tail/:process/:run/:stream',
      operationId: 'logPage',
      summary: "A log's tail, followed while the run is RUNNING",
      params: LogParamsSchema,
      success: { status: 200, contentType: 'text/html' },
      errors: LOG_ERRORS,
      handler: async ({ params }, reply) => {
        const { path, root, task, stream, run } = await resolveLog(store, params);
        reply.header('cache-control', 'no-store');
        return renderLogPage(site, {
          taskId: task.state.taskId,
          jobTitle: jobTitle(task),
          process: params.process,
          run: runOf(task, params.process, run),
          stream,
          tail: await readRange(path, undefined, LOG_PAGE_TAIL, root),
          ...(ctx.followIntervalMs !== undefined ? { intervalMs: ctx.followIntervalMs } : {}),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/task/:taskId/logs/:process/:run/:stream',
      operationId: 'logText',
      summary: 'A log as text/plain; ?tail=BYTES for its end, ?download=1 as an attachment',
      params: LogParamsSchema,
      query: LogQuerySchema,
      success: { status: 200, contentType: 'text/plain' },
      errors: LOG_ERRORS,
      handler: ({ params, query }, reply) => sendLog(store, params, query, reply),
    }),
    defineRoute({
      method: 'GET',
      url: '/task/:taskId/files',
      operationId: 'filesPage',
      summary: "The sandbox browser: a directory's entries or a file's first 256 KiB",
      params: TaskParamsSchema,
      query: SandboxPathQuerySchema,
      success: { status: 200, contentType: 'text/html' },
      errors: FILE_ERRORS,
      handler: async ({ params, query }, reply) => {
        const task = await store.get(params.taskId);
        try {
          const path = query.path ?? '';
          const file = await resolveSandboxFile(task.sandbox, path).catch((err: unknown) => {
            if (err instanceof ApiError && err.code === 'INVALID_REQUEST') return null; // a directory
            throw err;
          });
          if (file === null) {
            const listing = await listDirectory(task.state.taskId, task.sandbox, path);
            return renderListing(site, jobTitle(task), listing, now());
          }
          const head = await readRange(file.real, 0, FILE_VIEW_BYTES, file.root);
          reply.header('cache-control', 'no-store');
          return renderFile(site, { taskId: task.state.taskId, jobTitle: jobTitle(task), path: file.rel, mtime: file.mtime, head }, now());
        } catch (err) {
          throw new RefusalWithLink(err, ['The task sandbox', OBSERVER_PATHS.files(task.state.taskId)]);
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/task/:taskId/download',
      operationId: 'download',
      summary: 'A sandbox file as an attachment',
      params: TaskParamsSchema,
      query: SandboxPathQuerySchema,
      success: { status: 200, contentType: 'application/octet-stream' },
      errors: FILE_ERRORS,
      handler: async ({ params, query }, reply) => {
        const task = await store.get(params.taskId);
        const file = await resolveSandboxFile(task.sandbox, query.path ?? '');
        const body = await readWhole(file.real, file.root);
        reply.header('content-disposition', attachment(attachmentName(basename(file.rel)))).header('cache-control', 'no-store');
        return body;
      },
    }),

    // --- JSON ---
    defineRoute({
      method: 'GET',
      url: OBSERVER_PATHS.apiTasks,
      operationId: 'listTasks',
      summary: 'The tasks on this host, sorted as the tasks page, with counts of each kind',
      query: TaskListQuerySchema,
      success: { status: 200, contentType: 'application/json', schema: TaskListResponseSchema },
      errors: [],
      handler: async ({ query }): Promise<TaskListResponse> => selectTasks(await store.list(), query),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tasks/:taskId',
      operationId: 'getTask',
      summary: 'One task with its processes, runs, latest resource sample and JobSpec',
      params: TaskParamsSchema,
      success: { status: 200, contentType: 'application/json', schema: TaskDetailResponseSchema },
      errors: ['TASK_NOT_FOUND', 'INVALID_PATH', 'CHECKPOINT_UNREADABLE'],
      handler: async ({ params }) => detail(await store.get(params.taskId)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tasks/:taskId/logs/:process/:run/:stream',
      operationId: 'getLog',
      summary: 'A log as text/plain; ?tail=BYTES for its end',
      params: LogParamsSchema,
      query: LogQuerySchema,
      success: { status: 200, contentType: 'text/plain' },
      errors: LOG_ERRORS,
      handler: ({ params, query }, reply) => sendLog(store, params, query, reply),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tasks/:taskId/logdata/:process/:run/:stream',
      operationId: 'getLogData',
      summary: 'A byte range of a log, for followers',
      params: LogParamsSchema,
      query: ByteRangeQuerySchema,
      success: { status: 200, contentType: 'application/json', schema: LogDataResponseSchema },
      errors: LOG_ERRORS,
      handler: async ({ params, query }, reply): Promise<LogDataResponse> => {
        const { offset, length } = parseRange(query, DEFAULT_READ_LENGTH, MAX_READ_LENGTH);
        const { path, root, task, run } = await resolveLog(store, params);
        const body = { ...(await readRange(path, offset, length, root)), runState: runOf(task, params.process, run).state };
        reply.header('cache-control', 'no-store');
        return body;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tasks/:taskId/files',
      operationId: 'listFiles',
      summary: "A sandbox directory's entries",
      params: TaskParamsSchema,
      query: SandboxPathQuerySchema,
      success: { status: 200, contentType: 'application/json', schema: SandboxListingResponseSchema },
      errors: FILE_ERRORS,
      handler: async ({ params, query }) => {
        const task = await store.get(params.taskId);
        return listDirectory(task.state.taskId, task.sandbox, query.path ?? '');
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/tasks/:taskId/filedata',
      operationId: 'getFileData',
      summary: 'A byte range of a sandbox file',
      params: TaskParamsSchema,
      query: FileDataQuerySchema,
      success: { status: 200, contentType: 'application/json', schema: FileDataResponseSchema },
      errors: FILE_ERRORS,
      handler: async ({ params, query }, reply): Promise<FileDataResponse> => {
        const { offset, length } = parseRange(query, DEFAULT_READ_LENGTH, MAX_READ_LENGTH);
        const task = await store.get(params.taskId);
        const file = await resolveSandboxFile(task.sandbox, query.path ?? '');
        const body = { taskId: task.state.taskId, path: file.rel, ...(await readRange(file.real, offset ?? 0, length, file.root)) };
        reply.header('cache-control', 'no-store');
        return body;
      },
    }),
  ];
}
