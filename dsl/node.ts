import { mergeBindings, type BindingValues } from './templates.js';

/**
 * What every DSL object shares: a `kind` tag, optional `.bind()` bindings, and (hidden) the place
 * that made it, so the client can point an error in the compiled spec back at the config line.
 */

/** Hidden property holding an Error captured where the object was made (its stack is the call site). */
export const CALL_SITE: unique symbol = Symbol.for('aurora.dsl.callSite') as never;

export interface Bindable {
  /**
   * Bindings for `{{...}}` templates in this object and everything inside it, applied at compile
   * time; inner binds win over outer ones, and a later `.bind()` on the same object wins.
   * @default none
   */
  readonly bindings?: BindingValues;
  /** A copy of this object with `bindings` added: `task.bind({ version: '1.2' })`. */
  bind(bindings: BindingValues): this;
}

/** The Error captured where `value` was made, if it is a DSL object. */
export function callSiteOf(value: unknown): Error | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const site = (value as { [CALL_SITE]?: unknown })[CALL_SITE];
  return site instanceof Error ? site : undefined;
}

/** Copies the hidden call site of `from` onto `to` (for derived plain objects). */
export function keepCallSite<T extends object>(to: T, from: unknown): T {
  const site = callSiteOf(from);
  if (site) Object.defineProperty(to, CALL_SITE, { value: site, enumerable: false });
  return to;
}

function bindMethod(this: { readonly kind: string; readonly bindings?: BindingValues }, bindings: BindingValues): unknown {
  const merged = mergeBindings(this.bindings ?? {}, bindings);
  return make(this.kind, { ...this, bindings: merged }, callSiteOf(this));
}

/**
 * Freezes `{ ...props, kind }` with a hidden `.bind()` and call site. `site` is the caller's
 * captured Error when one factory delegates to another (Service → Job), so the site stays the
 * config's own line.
 */
export function make<K extends string, P extends object>(kind: K, props: P, site?: Error): P & { readonly kind: K } & Bindable {
  const obj = { ...props, kind } as P & { kind: K };
  Object.defineProperty(obj, 'bind', { value: bindMethod, enumerable: false });
  Object.defineProperty(obj, CALL_SITE, { value: site ?? new Error('call site'), enumerable: false });
  return Object.freeze(obj) as unknown as P & { readonly kind: K } & Bindable;
}
