import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { ApiError, ApiErrorCode } from '../api/errors.js';
import type { Principal } from '../core/authorize.js';

/**
 * One row of the route table: the HTTP shape, the schemas that validate it (and that the
 * OpenAPI document is generated from), the permission it needs and the handler.
 */

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Who may call a route: anyone (health, figures, the API description); a user with `permission`
 * for a read, which is open unless the scheduler restricts reads (as in Aurora); a user with
 * `permission` for anything that changes state; or an agent, authenticated by the cluster's
 * agent secret and its own token rather than as a user.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'read'; readonly permission: string }
  | { readonly kind: 'write'; readonly permission: string }
  | { readonly kind: 'agent' };

export const PUBLIC: Access = { kind: 'public' };
export const AGENT: Access = { kind: 'agent' };
export const read = (permission: string): Access => ({ kind: 'read', permission });
export const write = (permission: string): Access => ({ kind: 'write', permission });

export type ContentType = 'application/json' | 'text/plain' | 'text/html';

export interface Route<P = unknown, Q = unknown, B = unknown> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** fastify syntax: `/api/v1/jobs/:role/:environment/:name`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  /** Part of the JSON API and its OpenAPI document (web pages and redirects are not). */
  readonly api: boolean;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** The largest body this route takes, in bytes. @default the app's */
  readonly bodyLimit?: number;
  /** Turns a body failing `body` into the caller's error; INVALID_REQUEST with paths by default. */
  readonly bodyError?: (error: z.ZodError) => ApiError;
  /** Who may call it, checked before the handler runs (see Access). */
  readonly access: (input: RouteInput<P, Q, B>) => Access;
  readonly success: { readonly status: number; readonly contentType: ContentType; readonly schema?: z.ZodType };
  /** Error codes the route answers with besides INVALID_REQUEST and INTERNAL, for the document. */
  readonly errors: readonly ApiErrorCode[];
  readonly handler: (input: RouteInput<P, Q, B>, reply: FastifyReply) => unknown;
}

/** Keeps a route's types checked where it is written, then erases them for the table. */
export function defineRoute<P = undefined, Q = undefined, B = undefined>(route: Route<P, Q, B>): Route {
  return route as unknown as Route;
}
