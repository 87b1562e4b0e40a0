/**
 * `{{...}}` bindings. Client-time variables (`{{cluster}}`, `{{role}}`, `{{environment}}`,
 * `{{name}}`, `.bind()` values and `--bind` values, with nested references such as
 * `{{profile.version}}`) are replaced at compile time; executor-time ones (`{{thermos.*}}`,
 * `{{mesos.*}}`) are left for the executor; `{{docker.image[NAME][TAG]}}`, unless bound, is left
 * for the client to resolve through the cluster's Docker registry when it submits the job. Pure.
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const EXECUTOR_TIME = /^(thermos|mesos)(\.|\[|$)/;
/** `{{thermos.ports[http]}}` names the port `http`. */
const PORT_REF = /\{\{\s*thermos\.ports\[\s*([\w\-.]+)\s*\]\s*\}\}/g;
/** The executor-time variables the executor binds. */
const KNOWN_EXECUTOR_TIME = /^(thermos\.ports\[\s*[\w\-.]+\s*\]|thermos\.task_id|mesos\.instance|mesos\.hostname)$/;
/**
 * `{{docker.image[NAME][TAG]}}`: the image NAME:TAG pinned to its digest by the cluster's Docker
 * registry (Aurora's docker binding helper), resolved when the job is submitted.
 */
const DOCKER_IMAGE = /^docker\.image\[\s*([^[\]{}\s]+)\s*\]\[\s*([^[\]{}\s]+)\s*\]$/;
const DOCKER_IMAGE_REF = /\{\{\s*(docker\.image\[\s*[^[\]{}\s]+\s*\]\[\s*[^[\]{}\s]+\s*\])\s*\}\}/g;
/** How deep a bound value may itself hold templates that are bound in turn (a cycle stops here). */
const MAX_NESTING = 10;

/**
 * A string holding a `{{template}}`, such as `'{{profile.instances}}'`: what a number field
 * accepts besides a number. The type only admits strings that contain `{{...}}`, so a typo such
 * as `instances: 'three'` is a type error.
 */
export type Template = `${string}{{${string}}}${string}`;

/** A number, or a `{{template}}` bound to one when the job is compiled. */
export type NumberOrTemplate = number | Template;

/** A value a template variable may be bound to: a scalar, or an object whose fields are named `{{a.b}}`. */
export type BindingValue = string | number | boolean | { readonly [key: string]: BindingValue };
/** `.bind({...})` values: names to values, nested objects allowed. */
export type BindingValues = { readonly [key: string]: BindingValue };
/** Flat client-time bindings (`--bind key=value`, `{{cluster}}`, ...); nested values are allowed too. */
export type Bindings = BindingValues;
/**
 * Where variables are looked up: bindings, or layers of them, the first layer that binds a
 * variable winning (`[commandLine, configBinds, jobKey]`).
 */
export type Scope = BindingValues | readonly BindingValues[];
export type Path = ReadonlyArray<string | number>;

/**
 * Hidden property of a bound object (a Struct value) listing its Required fields that were not
 * given, so `{{profile.role}}` can say why it is unbound.
 */
export const MISSING_FIELDS: unique symbol = Symbol.for('aurora.dsl.missingFields') as never;

export interface UnboundVariable {
  readonly variable: string;
  readonly path: Path;
  /** Why it could not be bound, when it is not simply missing. */
  readonly problem?: string;
}

/**
 * `outer` with `inner` on top; objects bound under the same name merge field by field, so
 * `.bind({ profile: { version } })` over `.bind({ profile: { repository } })` keeps both. Pure.
 */
export function mergeBindings(outer: BindingValues, inner: BindingValues): BindingValues {
  const out: { [key: string]: BindingValue } = { ...outer };
  for (const [k, v] of Object.entries(inner)) {
    const o = out[k];
    out[k] = typeof v === 'object' && v !== null && typeof o === 'object' && o !== null ? mergeBindings(o, v) : v;
  }
  return out;
}

export function isExecutorTimeVariable(name: string): boolean {
  return EXECUTOR_TIME.test(name);
}

/** An image a `{{docker.image[NAME][TAG]}}` names. */
export interface DockerImageRef {
  readonly name: string;
  readonly tag: string;
}

/** The image `{{docker.image[NAME][TAG]}}` names, when `variable` (without braces) is one. Pure. */
export function dockerImageVariable(variable: string): DockerImageRef | undefined {
  const m = DOCKER_IMAGE.exec(variable.trim());
  return m ? { name: m[1] as string, tag: m[2] as string } : undefined;
}

/** Every `{{docker.image[NAME][TAG]}}` left in a string, with the text it is written as. Pure. */
export function dockerImageTemplates(text: string): (DockerImageRef & { readonly template: string })[] {
  return [...text.matchAll(DOCKER_IMAGE_REF)].map((m) => ({ ...(dockerImageVariable(m[1] as string) as DockerImageRef), template: m[0] }));
}

/** The value of `name` (`version`, `profile.version`) in `scope`, or undefined. Pure. */
export function lookupBinding(scope: BindingValues, name: string): BindingValue | undefined {
  if (Object.prototype.hasOwnProperty.call(scope, name)) return scope[name];
  let value: BindingValue | undefined = scope;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as BindingValues)[part];
  }
  return value;
}

/** The layers of a scope, the first one winning. */
function layersOf(scope: Scope): readonly BindingValues[] {
  return Array.isArray(scope) ? (scope as readonly BindingValues[]) : [scope as BindingValues];
}

/** The value of `name` in the first layer of `scope` that binds it, or undefined. Pure. */
export function lookupScope(scope: Scope, name: string): BindingValue | undefined {
  for (const layer of layersOf(scope)) {
    const v = lookupBinding(layer, name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Why `{{name}}` is unbound when the reason is a Required Struct field that was not given
 * (`profile.role`), or undefined. Pure.
 */
function missingFieldProblem(scope: Scope, name: string): string | undefined {
  const parts = name.split('.');
  for (const layer of layersOf(scope)) {
    let value: BindingValue | undefined = layer;
    for (let i = 0; i < parts.length; i++) {
      if (typeof value !== 'object' || value === null) break;
      const part = parts[i] as string;
      const missing = (value as { [MISSING_FIELDS]?: readonly string[] })[MISSING_FIELDS];
      if (i > 0 && i === parts.length - 1 && missing?.includes(part)) {
        const owner = parts.slice(0, i).join('.');
        return (
          `{{${name}}} is not bound: ${part} is Required in the Struct bound as ${owner}, and it was not given; ` +
          `give it where the Struct value is made, or pass --bind ${name}=VALUE`
        );
      }
      value = Object.prototype.hasOwnProperty.call(value, part) ? (value as BindingValues)[part] : undefined;
    }
  }
  return undefined;
}

export interface BindOptions {
  /** Report variables the scope does not bind (the outermost pass); otherwise leave them. */
  readonly reportUnbound: boolean;
}

/**
 * Replaces client-time variables in one string; reports the ones it could not bind. A bound value
 * that holds templates itself is bound in turn, in the same scope (as Pystachio does).
 */
export function bindString(
  text: string,
  bindings: Scope,
  path: Path,
  unbound: UnboundVariable[],
  options: BindOptions = { reportUnbound: true },
  depth = 0,
): string {
  return text.replace(TEMPLATE, (whole, raw: string) => {
    const name = raw.trim();
    if (isExecutorTimeVariable(name)) {
      if (options.reportUnbound && !KNOWN_EXECUTOR_TIME.test(name)) {
        unbound.push({
          variable: name,
          path,
          problem: `{{${name}}} is not an executor-time variable; the executor binds {{thermos.ports[NAME]}}, {{thermos.task_id}}, {{mesos.instance}} and {{mesos.hostname}}`,
        });
      }
      return whole;
    }
    const value = lookupScope(bindings, name);
    // Unless bound (--bind docker.image[NAME][TAG]=...), resolved when the job is submitted.
    if (value === undefined && dockerImageVariable(name)) return whole;
    if (value === undefined) {
      const problem = missingFieldProblem(bindings, name);
      // A reason is kept even by inner passes, for the outer pass's report.
      if (options.reportUnbound || problem) unbound.push({ variable: name, path, ...(problem ? { problem } : {}) });
      return whole;
    }
    if (typeof value === 'object') {
      // Reported even by inner passes: the caller keeps the reason for the outer pass's report.
      const fields = Object.keys(value).slice(0, 3).map((k) => `{{${name}.${k}}}`).join(', ');
      unbound.push({ variable: name, path, problem: `{{${name}}} is bound to an object, not a value; name one of its fields${fields ? `, such as ${fields}` : ''}` });
      return whole;
    }
    const bound = String(value);
    if (!bound.includes('{{')) return bound;
    if (depth >= MAX_NESTING) {
      unbound.push({ variable: name, path, problem: `{{${name}}} is bound to a value that refers back to itself (through ${MAX_NESTING} levels of templates)` });
      return whole;
    }
    return bindString(bound, bindings, path, unbound, options, depth + 1);
  });
}

/** Binds every string in a JSON-like value, returning a new value. */
export function bindDeep<T>(value: T, bindings: Scope, path: Path, unbound: UnboundVariable[]): T {
  if (typeof value === 'string') return bindString(value, bindings, path, unbound) as T;
  if (Array.isArray(value)) return value.map((v, i) => bindDeep(v, bindings, [...path, i], unbound)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bindDeep(v, bindings, [...path, k], unbound);
    return out as T;
  }
  return value;
}

/** The named ports a string refers to through `{{thermos.ports[name]}}`. */
export function portsReferenced(text: string): string[] {
  return [...text.matchAll(PORT_REF)].map((m) => m[1] as string);
}

/** Every named port any string inside `value` refers to. */
export function portsReferencedDeep(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') for (const p of portsReferenced(value)) into.add(p);
  else if (Array.isArray(value)) for (const v of value) portsReferencedDeep(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) portsReferencedDeep(v, into);
  return into;
}

/**
 * Typed helpers for the values the executor binds on the host. They are strings, so they work in
 * template literals: `` `serve --port ${thermos.ports.http}` `` is `serve --port {{thermos.ports[http]}}`.
 */
export const thermos: {
  /** `thermos.ports.http` is `{{thermos.ports[http]}}`: the port assigned to the name `http` (any name). */
  readonly ports: { readonly [name: string]: string };
  /** `{{thermos.task_id}}`: the id of the task instance. */
  readonly taskId: string;
} = Object.freeze({
  ports: new Proxy(Object.freeze({}) as { readonly [name: string]: string }, {
    get: (_t, name) => (typeof name === 'string' ? `{{thermos.ports[${name}]}}` : undefined),
    has: () => true,
  }),
  taskId: '{{thermos.task_id}}',
});

export const mesos: {
  /** `{{mesos.instance}}`: the instance number, 0 to instances - 1. */
  readonly instance: string;
  /** `{{mesos.hostname}}`: the host the instance runs on. */
  readonly hostname: string;
} = Object.freeze({ instance: '{{mesos.instance}}', hostname: '{{mesos.hostname}}' });
