import type { z } from 'zod';
import type { RouteBase } from '../../web/route.js';

/**
 * One row of the observer's route table, in the scheduler's shape (web/route.ts): the HTTP
 * shape, the schemas of its path and query, what it answers and its errors, the handler. The
 * observer only reads, and anyone who reaches the agent's port may: no access, no bodies.
 * Routes under `/api` answer refusals as JSON (`{ error: { code, message } }`), the others,
 * pages and the files they serve, as a page.
 */

export interface ObserverRouteInput<P, Q> {
  readonly params: P;
  readonly query: Q;
}

export interface ObserverRoute<P = unknown, Q = unknown> extends RouteBase<ObserverRouteInput<P, Q>> {
  readonly method: 'GET';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
}

/** Keeps a route's types checked where it is written, then erases them for the table. */
export function defineRoute<P = undefined, Q = undefined>(route: ObserverRoute<P, Q>): ObserverRoute {
  return route as unknown as ObserverRoute;
}

/** Whether a refusal of this URL is answered with JSON (the API) rather than a page. */
export function answersJson(url: string): boolean {
  return /^\/api(\/|\?|$)/.test(url);
}

/**
 * A refusal on a page with a link back to where the user was (the sandbox browser's root, once
 * the task is known). The error handler unwraps it; the JSON routes never throw one.
 */
export class RefusalWithLink extends Error {
  override readonly name = 'RefusalWithLink';
  constructor(
    readonly refusal: unknown,
    readonly back: readonly [label: string, href: string],
  ) {
    super(refusal instanceof Error ? refusal.message : String(refusal));
  }
}
