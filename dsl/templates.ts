/**
 * `{{...}}` bindings. Client-time variables (`{{cluster}}`, `{{role}}`, `{{environment}}`,
 * `{{name}}`, and `--bind` values) are replaced at compile time; executor-time ones
 * (`{{thermos.*}}`, `{{mesos.*}}`) are left for the executor.
 */

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const EXECUTOR_TIME = /^(thermos|mesos)\./;
/** `{{thermos.ports[http]}}` names the port `http`. */
const PORT_REF = /\{\{\s*thermos\.ports\[\s*([\w\-.]+)\s*\]\s*\}\}/g;

export type Bindings = Readonly<Record<string, string | number | boolean>>;
export type Path = ReadonlyArray<string | number>;

export interface UnboundVariable {
  readonly variable: string;
  readonly path: Path;
}

export function isExecutorTimeVariable(name: string): boolean {
  return EXECUTOR_TIME.test(name);
}

/** Replaces client-time variables in one string; reports the ones it could not bind. */
export function bindString(
  text: string,
  bindings: Bindings,
  path: Path,
  unbound: UnboundVariable[],
): string {
  return text.replace(TEMPLATE, (whole, raw: string) => {
    const name = raw.trim();
    if (isExecutorTimeVariable(name)) return whole;
    const value = bindings[name];
    if (value === undefined) {
      unbound.push({ variable: name, path });
      return whole;
    }
    return String(value);
  });
}

/** Binds every string in a JSON-like value, returning a new value. */
export function bindDeep<T>(value: T, bindings: Bindings, path: Path, unbound: UnboundVariable[]): T {
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
