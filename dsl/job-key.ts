import { z } from 'zod';

/** Aurora's rule for role, environment and name: word characters, dash and dot. */
export const JOB_KEY_COMPONENT = /^[\w\-.]+$/;
export const JOB_KEY_COMPONENT_MAX = 255;
/** Environments a cluster accepts unless it is configured to allow others. */
export const DEFAULT_ENVIRONMENT = /^(prod|devel|test|staging\d*)$/;

const component = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(JOB_KEY_COMPONENT_MAX, `${what} must be at most ${JOB_KEY_COMPONENT_MAX} characters`)
    .regex(JOB_KEY_COMPONENT, `${what} may only contain letters, digits, '_', '-' and '.'`);

export const JobKeySchema = z
  .object({
    cluster: component('cluster'),
    role: component('role'),
    environment: component('environment').regex(
      DEFAULT_ENVIRONMENT,
      "environment must be 'prod', 'devel', 'test' or 'staging<N>'",
    ),
    name: component('name'),
  })
  .strict();

/** A job's identity: `cluster/role/environment/name`. */
export type JobKey = z.infer<typeof JobKeySchema>;

export class JobKeyError extends Error {
  override readonly name = 'JobKeyError';
}

/** `cluster/role/environment/name` as Aurora prints it. */
export function formatJobKey(key: JobKey): string {
  return `${key.cluster}/${key.role}/${key.environment}/${key.name}`;
}

/** Instance selection in a key such as `devcluster/www-data/prod/hello/0-2,5`. */
export interface InstanceKey {
  readonly job: JobKey;
  /** Sorted, de-duplicated instance ids; undefined means every instance. */
  readonly instances?: readonly number[];
}

function checkKey(parts: string[], text: string): JobKey {
  const [cluster, role, environment, name] = parts;
  const parsed = JobKeySchema.safeParse({ cluster, role, environment, name });
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join('; ');
    throw new JobKeyError(`'${text}' is not a valid job key: ${why}`);
  }
  return parsed.data;
}

/** Parses `cluster/role/environment/name`; throws JobKeyError saying which rule was broken. */
export function parseJobKey(text: string): JobKey {
  const parts = text.split('/');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new JobKeyError(
      `'${text}' is not a job key: expected cluster/role/environment/name, for example devcluster/www-data/prod/hello`,
    );
  }
  return checkKey(parts, text);
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
export function parseInstanceKey(text: string): InstanceKey {
  const parts = text.split('/');
  if (parts.length === 5) {
    return { job: checkKey(parts.slice(0, 4), text), instances: parseInstances(parts[4] ?? '') };
  }
  return { job: parseJobKey(text) };
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
