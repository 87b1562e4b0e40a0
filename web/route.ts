import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { formatPath } from '../dsl/compile.js';
import { ApiError, type ApiErrorCode } from '../scheduler/api/errors.js';

/**
 * The route table both HTTP servers share the shape of: the scheduler (its API and web UI,
 * scheduler/server/route.ts) and the agent's observer (executor/observer/route.ts). A row says
 * the HTTP shape, what it answers and with which errors of the one catalog
 * (scheduler/api/errors.ts), and its handler; each server adds what only it needs (the
 * scheduler: who may call it, request bodies, the OpenAPI document). Both register a row the same
 * way: the path and query are checked against the row's schemas (a failure is INVALID_REQUEST
 * naming where), the handler runs, and what it returns is sent with the row's status and type.
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export type ContentType = 'application/json' | 'text/plain' | 'text/html' | 'application/octet-stream';

export interface RouteBase<Input> {
  readonly method: HttpMethod;
  /** fastify syntax: `/api/v1/jobs/:role/:environment/:name`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly success: { readonly status: number; readonly contentType: ContentType; readonly schema?: z.ZodType };
  /** Error codes the route answers with besides INVALID_REQUEST and INTERNAL. */
  readonly errors: readonly ApiErrorCode[];
  /** Returns what to send, or answers through `reply` itself (and returns it). */
  readonly handler: (input: Input, reply: FastifyReply) => unknown;
}

/** A part of the request (`path`, `query`) checked against its schema; no schema takes it as it is. */
export function parseRequestPart(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw invalidRequest(result.error, where);
  return result.data;
}

/** INVALID_REQUEST with the path and message of every problem, the first one in the message. */
export function invalidRequest(error: z.ZodError, where: string): ApiError {
  const details = error.issues.map((i) => ({
    path: formatPath(i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))),
    message: i.message,
  }));
  const first = details[0];
  const at = first?.path ? ` at ${first.path}` : '';
  return new ApiError('INVALID_REQUEST', `invalid ${where}${at}: ${first?.message ?? 'unknown problem'}`, details);
}

/** The content-type header of a route's answer: text in UTF-8. */
export function contentTypeHeader(type: ContentType): string {
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

/** Sends what a handler returned with the route's status and type, unless it answered itself. */
export function sendResult(route: RouteBase<never>, result: unknown, reply: FastifyReply): FastifyReply {
  if (reply.sent || result === reply) return reply;
  return reply.code(route.success.status).type(contentTypeHeader(route.success.contentType)).send(result);
}
