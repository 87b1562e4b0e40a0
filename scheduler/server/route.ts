import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { RouteBase } from '../../web/route.js';
import type { ApiError } from '../api/errors.js';
import type { Principal } from '../core/authorize.js';

/**
 * One row of the route table: the shape every server's rows have (web/route.ts: the HTTP shape,
 * what it answers and its errors, the handler), the schemas that validate it (and that the
 * OpenAPI document is generated from) and the permission it needs.
 */

export type { ContentType } from '../../web/route.js';

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

export interface Route<P = unknown, Q = unknown, B = unknown> extends RouteBase<RouteInput<P, Q, B>> {
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
}

/** Keeps a route's types checked where it is written, then erases them for the table. */
export function defineRoute<P = undefined, Q = undefined, B = undefined>(route: Route<P, Q, B>): Route {
  return route as unknown as Route;
}
