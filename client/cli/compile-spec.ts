import { formatJobKey, jobKeyProblems, JobKeyError, parseInstanceKey, parseJobKey, type InstanceKey, type JobKey, type KeyRules } from '../../dsl/key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { Bindings } from '../../dsl/templates.js';
import { cacheDirFor } from '../config/cache.js';
import { cachedSpec } from '../config/fast-path.js';
import { userName } from '../config/host.js';
import type { CommandContext } from './context.js';

/** The cache directory of this run (see client/config/cache.ts), from the CLI's environment. */
export function cacheDir(ctx: CommandContext): string | undefined {
  return cacheDirFor(ctx.env);
}

/**
 * Parses a job key. An environment outside Aurora's `prod|devel|test|staging<N>` is accepted when
 * the key's cluster lists it in clusters.json `allowed_environments` (then clusters.json is read).
 */
export async function parseKeyForCluster(ctx: CommandContext, text: string): Promise<{ key: JobKey; extraEnvironments: readonly string[] }> {
  const { value, extraEnvironments } = await withClusterEnvironments(ctx, text, (rules) => parseJobKey(text, rules));
  return { key: value, extraEnvironments };
}

/** Parses `cluster/role/environment/name[/instances]`, with the cluster's environments as parseKeyForCluster. */
export async function parseInstanceKeyForCluster(
  ctx: CommandContext,
  text: string,
): Promise<InstanceKey & { extraEnvironments: readonly string[] }> {
  const { value, extraEnvironments } = await withClusterEnvironments(ctx, text, (rules) => parseInstanceKey(text, rules));
  return { ...value, extraEnvironments };
}

/** Runs `parse` with Aurora's environments, and again with the cluster's when only the environment was refused. */
async function withClusterEnvironments<T>(
  ctx: CommandContext,
  text: string,
  parse: (rules: KeyRules) => T,
): Promise<{ value: T; extraEnvironments: readonly string[] }> {
  try {
    return { value: parse({}), extraEnvironments: [] };
  } catch (err) {
    const parts = text.split('/');
    if (!(err instanceof JobKeyError) || (parts.length !== 4 && parts.length !== 5)) throw err;
    const [cluster = '', role = '', environment = '', name = ''] = parts;
    const onlyEnvironment = jobKeyProblems({ cluster, role, environment, name }).every((p) => p.field === 'environment');
    if (!onlyEnvironment) throw err;
    await ctx.loadServices();
    const extraEnvironments = ctx.clusters().byName.get(cluster)?.allowedEnvironments ?? [];
    return { value: parse({ extraEnvironments }), extraEnvironments };
  }
}

/**
 * The spec of job `key` in config `file`: from the cache when this exact program, key and
 * bindings were compiled before (no TypeScript, no zod loaded), else type-checked, evaluated and
 * compiled now. Throws InvalidConfigurationError with every problem located in the config.
 */
export async function compileSpec(
  ctx: CommandContext,
  file: string,
  key: JobKey,
  bindings: Bindings,
  extraEnvironments: readonly string[] = [],
): Promise<JobSpec> {
  const dir = cacheDir(ctx);
  const user = userName(ctx.env);
  if (extraEnvironments.length === 0) {
    const hit = cachedSpec(file, { cwd: ctx.cwd, cacheDir: dir, jobKey: formatJobKey(key), bindings, user });
    if (hit !== undefined) return hit as JobSpec;
  }
  const { loadConfig, compileConfigJob } = await import('../config/loader.js');
  const config = loadConfig(file, { cwd: ctx.cwd, cacheDir: dir, user });
  return compileConfigJob(config, key, bindings, { extraEnvironments });
}

/**
 * The spec of job `key` as it is sent to the scheduler (`job create`, `update start`,
 * `cron schedule`; and `job diff`, which compares with what was sent): compiled as compileSpec
 * does, then each `{{docker.image[NAME][TAG]}}` it still holds pinned to `HOST/NAME@DIGEST` through
 * the cluster's Docker registry (clusters.json `docker_registry`), as Aurora's binding helper
 * does. Asked of the registry every time, never cached: a tag moves. Offline commands (`job
 * inspect`, `config check|list`) show the template as written.
 */
export async function submittableSpec(
  ctx: CommandContext,
  file: string,
  key: JobKey,
  bindings: Bindings,
  extraEnvironments: readonly string[] = [],
): Promise<JobSpec> {
  return withPinnedImages(ctx, key.cluster, await compileSpec(ctx, file, key, bindings, extraEnvironments));
}

/**
 * `spec` with each `{{docker.image[NAME][TAG]}}` it still holds pinned through the Docker
 * registry of cluster `cluster` (see submittableSpec), each one printed on stderr as it is
 * resolved; `spec` itself when it holds none (then neither clusters.json nor the registry is
 * read). Offline commands that run the job (`task run-local`) use it too: clusters.json is read
 * only when an image is to be resolved. NetworkError (exit 7) when the registry cannot be
 * reached, InvalidConfigurationError (exit 3) when it has no such image.
 */
export async function withPinnedImages(ctx: CommandContext, cluster: string, spec: JobSpec): Promise<JobSpec> {
  if (!JSON.stringify(spec).includes('{{docker.image')) return spec;
  await ctx.loadServices();
  const { registryOf, resolveDockerImages } = await import('../docker-registry.js');
  return resolveDockerImages(spec, registryOf(ctx.cluster(cluster)), {
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    onResolved: (ref, pinned) => ctx.err(`Resolved {{docker.image[${ref.name}][${ref.tag}]}} to ${pinned}`),
  });
}
