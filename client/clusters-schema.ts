import { z } from 'zod';
import { resolveCaFile, type Cluster } from './clusters.js';
import { InvalidConfigurationError } from './errors.js';

/**
 * clusters.json as Aurora's: an array of `{ "name", "scheduler_uri", "auth_mechanism" }` with
 * snake_case keys. Keys this client does not use yet (`zk`, `proxy_url`, ...) are kept, so an
 * Aurora clusters.json loads unchanged. Loaded only for a file that is not plainly valid (see
 * plainClusters in clusters.ts), to say what is wrong with it.
 */
export const ClusterEntrySchema = z.looseObject({
  name: z.string().min(1, 'name must not be empty'),
  scheduler_uri: z.url('scheduler_uri must be a URL such as http://localhost:8081'),
  auth_mechanism: z.enum(['UNAUTHENTICATED', 'BASIC']).default('UNAUTHENTICATED'),
  /** Environments this cluster accepts besides Aurora's prod, devel, test and staging<N> (not in Aurora). */
  allowed_environments: z
    .array(z.string().regex(/^[\w\-.]+$/, "an environment may only contain letters, digits, '_', '-' and '.'"))
    .optional(),
  /** PEM certificates to trust for an https scheduler_uri (not in Aurora); relative to this file. */
  ca_file: z.string().min(1, 'ca_file must be the path of a PEM file').optional(),
  /**
   * The v2 registry that resolves `{{docker.image[NAME][TAG]}}` (Aurora's DockerRegistryTrait). Any
   * string, as Aurora reads it; whether it is an http(s) URL is checked when a job needs it.
   */
  docker_registry: z.string().min(1, 'docker_registry must be the URL of a Docker registry, such as https://registry.example.com').optional(),
});
export const ClustersFileSchema = z.array(ClusterEntrySchema);
export type ClusterEntry = z.infer<typeof ClusterEntrySchema>;

function formatZodPath(p: readonly PropertyKey[]): string {
  return p.length === 0 ? '(top level)' : p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
}

/** The clusters of a parsed clusters.json; InvalidConfigurationError naming each problem's path. Pure. */
export function parseClustersFile(json: unknown, source: string): Cluster[] {
  const parsed = ClustersFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${source}: ${formatZodPath(i.path)}: ${i.message}`);
    throw new InvalidConfigurationError(`${source} is not a valid clusters.json (an array of { "name", "scheduler_uri", "auth_mechanism" })`, {
      details: problems,
    });
  }
  return parsed.data.map((c) => ({
    name: c.name,
    schedulerUri: c.scheduler_uri.replace(/\/+$/, ''),
    authMechanism: c.auth_mechanism,
    source,
    ...(c.allowed_environments ? { allowedEnvironments: c.allowed_environments } : {}),
    ...(c.ca_file !== undefined ? { caFile: resolveCaFile(c.ca_file, source) } : {}),
    ...(c.docker_registry !== undefined ? { dockerRegistry: c.docker_registry.replace(/\/+$/, '') } : {}),
  }));
}
