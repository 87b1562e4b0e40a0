/**
 * Aurora's job key rules, without zod so the CLI's fast paths do not load it. `job-key.ts` builds
 * the zod schema of the wire contract from the same rules and re-exports these.
 */

/** Aurora's rule for role, environment and name: word characters, dash and dot. */
export const JOB_KEY_COMPONENT = /^[\w\-.]+$/;
export const JOB_KEY_COMPONENT_MAX = 255;
/** Environments a cluster accepts unless it is configured to allow others. */
export const DEFAULT_ENVIRONMENT = /^(prod|devel|test|staging\d*)$/;
export const ENVIRONMENT_RULE = "environment must be 'prod', 'devel', 'test' or 'staging<N>'";

/** A job's identity: `cluster/role/environment/name`. */
export interface JobKey {
  cluster: string;
  role: string;
  environment: string;
  name: string;
}

export class JobKeyError extends Error {
  override readonly name = 'JobKeyError';
}

/** `cluster/role/environment/name` as Aurora prints it. */
export function formatJobKey(key: JobKey): string {
  return `${key.cluster}/${key.role}/${key.environment}/${key.name}`;
}

/** The message for a component that breaks the shape rule, or undefined. Pure. */
export function componentProblem(what: string, value: string): string | undefined {
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > JOB_KEY_COMPONENT_MAX) return `${what} must be at most ${JOB_KEY_COMPONENT_MAX} characters`;
  if (!JOB_KEY_COMPONENT.test(value)) return `${what} may only contain letters, digits, '_', '-' and '.'`;
  // A URL path or a sandbox path would collapse these.
  if (value === '.' || value === '..') return `${what} must not be '.' or '..'`;
  return undefined;
}

/**
 * Whether an environment is allowed: Aurora's `prod|devel|test|staging<N>`, or one the cluster
 * lists in clusters.json `allowed_environments`. Pure.
 */
export function environmentAllowed(environment: string, extra: readonly string[] = []): boolean {
  return DEFAULT_ENVIRONMENT.test(environment) || extra.includes(environment);
}

/** Every rule a key breaks, by field, each message naming the rule. Pure. */
export function jobKeyProblems(
  key: Readonly<Record<keyof JobKey, string>>,
  extraEnvironments: readonly string[] = [],
): { field: keyof JobKey; message: string }[] {
  const out: { field: keyof JobKey; message: string }[] = [];
  for (const field of ['cluster', 'role', 'environment', 'name'] as const) {
    const p = componentProblem(field, key[field]);
    if (p) out.push({ field, message: p });
  }
  if (!out.some((p) => p.field === 'environment') && !environmentAllowed(key.environment, extraEnvironments)) {
    const extra = extraEnvironments.length > 0 ? ` or one the cluster allows (${extraEnvironments.join(', ')})` : '';
    out.push({ field: 'environment', message: `${ENVIRONMENT_RULE}${extra}` });
  }
  return out;
}

/** Instance selection in a key such as `devcluster/www-data/prod/hello/0-2,5`. */
export interface InstanceKey {
  readonly job: JobKey;
  /** Sorted, de-duplicated instance ids; undefined means every instance. */
  readonly instances?: readonly number[];
}

export interface KeyRules {
  /** Environments allowed besides Aurora's (the cluster's `allowed_environments`). @default [] */
  readonly extraEnvironments?: readonly string[];
}

function checkKey(parts: string[], text: string, rules: KeyRules): JobKey {
  const [cluster = '', role = '', environment = '', name = ''] = parts;
  const key = { cluster, role, environment, name };
  const problems = jobKeyProblems(key, rules.extraEnvironments);
  if (problems.length > 0) {
    throw new JobKeyError(`'${text}' is not a valid job key: ${problems.map((p) => p.message).join('; ')}`);
  }
  return key;
}

/** Parses `cluster/role/environment/name`; throws JobKeyError saying which rule was broken. */
export function parseJobKey(text: string, rules: KeyRules = {}): JobKey {
  const parts = text.split('/');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new JobKeyError(
      `'${text}' is not a job key: expected cluster/role/environment/name, for example devcluster/www-data/prod/hello`,
    );
  }
  return checkKey(parts, text, rules);
}

/** Parses `0`, `0-3` or `0-3,7` into sorted unique instance ids. */
export function parseInstances(text: string): number[] {
  const ids = new Set<number>();
  for (const range of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
    if (!m) {
      throw new JobKeyError(`'${text}' is not an instance list: use N, N-M or a comma-separated list such as 0-2,5`);
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new JobKeyError(`instance range '${range}' ends before it starts`);
    for (let i = lo; i <= hi; i++) ids.add(i);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Parses `cluster/role/env/name` or `cluster/role/env/name/instances`. */
export function parseInstanceKey(text: string, rules: KeyRules = {}): InstanceKey {
  const parts = text.split('/');
  if (parts.length === 5) {
    return { job: checkKey(parts.slice(0, 4), text, rules), instances: parseInstances(parts[4] ?? '') };
  }
  return { job: parseJobKey(text, rules) };
}

/** Parses `cluster/role` (as `aurora job list` takes) or a longer prefix. */
export function parseJobKeyPrefix(text: string): { cluster: string; role?: string; environment?: string } {
  const parts = text.split('/');
  if (parts.length < 1 || parts.length > 3 || parts.some((p) => !JOB_KEY_COMPONENT.test(p))) {
    throw new JobKeyError(`'${text}' is not a cluster/role[/environment] pattern, for example devcluster/www-data`);
  }
  const [cluster, role, environment] = parts as [string, string?, string?];
  return { cluster, ...(role ? { role } : {}), ...(environment ? { environment } : {}) };
}
