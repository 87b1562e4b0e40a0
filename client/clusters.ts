import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { InvalidConfigurationError, InvalidParameterError } from './errors.js';

/**
 * clusters.json as Aurora's: an array of `{ "name", "scheduler_uri", "auth_mechanism" }` with
 * snake_case keys. Keys this client does not use yet (`zk`, `proxy_url`, ...) are kept, so an
 * Aurora clusters.json loads unchanged.
 */
export const ClusterEntrySchema = z.looseObject({
  name: z.string().min(1, 'name must not be empty'),
  scheduler_uri: z.url('scheduler_uri must be a URL such as http://localhost:8081'),
  auth_mechanism: z.enum(['UNAUTHENTICATED', 'BASIC']).default('UNAUTHENTICATED'),
  /** Environments this cluster accepts besides Aurora's prod, devel, test and staging<N> (not in Aurora). */
  allowed_environments: z
    .array(z.string().regex(/^[\w\-.]+$/, "an environment may only contain letters, digits, '_', '-' and '.'"))
    .optional(),
});
export const ClustersFileSchema = z.array(ClusterEntrySchema);
export type ClusterEntry = z.infer<typeof ClusterEntrySchema>;

/** A cluster as the client uses it. */
export interface Cluster {
  readonly name: string;
  /** Base URL of the scheduler, without a trailing slash. */
  readonly schedulerUri: string;
  /** UNAUTHENTICATED, or BASIC (credentials from ~/.netrc, in a later issue). */
  readonly authMechanism: 'UNAUTHENTICATED' | 'BASIC';
  /** Where the entry came from: a file path, or `built-in`. */
  readonly source: string;
  /** Environments allowed besides `prod|devel|test|staging<N>` (clusters.json `allowed_environments`). */
  readonly allowedEnvironments?: readonly string[];
}

/** Known without any clusters.json; a file may override it. */
export const BUILTIN_CLUSTERS: readonly Cluster[] = [
  { name: 'devcluster', schedulerUri: 'http://localhost:8081', authMechanism: 'UNAUTHENTICATED', source: 'built-in' },
];

/** Parses the text of a clusters.json; throws InvalidConfigurationError naming the file and the path. Pure. */
export function parseClustersJson(text: string, source: string): Cluster[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigurationError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
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
  }));
}

function formatZodPath(p: readonly PropertyKey[]): string {
  return p.length === 0 ? '(top level)' : p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
}

/** The clusters.json files to read, lowest precedence first. Pure. */
export function clustersSearchPath(env: Readonly<Record<string, string | undefined>>, home: string): string[] {
  const root = env['AURORA_CONFIG_ROOT'];
  if (root) return [path.join(root, 'clusters.json')];
  return ['/etc/aurora/clusters.json', path.join(home, '.aurora', 'clusters.json')];
}

/** Clusters by name, and where they were looked up. */
export class Clusters {
  constructor(
    readonly byName: ReadonlyMap<string, Cluster>,
    /** The files looked at, in order, whether or not they existed. */
    readonly searched: readonly string[],
  ) {}

  /** Merges lists; later entries win. Pure. */
  static of(lists: readonly (readonly Cluster[])[], searched: readonly string[]): Clusters {
    const byName = new Map<string, Cluster>();
    for (const list of lists) for (const c of list) byName.set(c.name, c);
    return new Clusters(byName, searched);
  }

  /** The cluster `name`; InvalidParameterError listing the known ones and where they came from. */
  get(name: string): Cluster {
    const c = this.byName.get(name);
    if (c) return c;
    const known = [...this.byName.keys()].sort().join(', ') || '(none)';
    throw new InvalidParameterError(
      `Unknown cluster '${name}'. Known clusters: ${known} (built in, and from ${this.searched.join(', ')})`,
    );
  }
}

export interface ClusterLookup {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default os.homedir() (or $HOME from env) */
  readonly home?: string;
  /** @default readFileSync, undefined when the file does not exist */
  readonly readFile?: (file: string) => string | undefined;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InvalidConfigurationError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/**
 * Reads clusters.json: `$AURORA_CONFIG_ROOT/clusters.json` when set, else
 * `/etc/aurora/clusters.json` and `~/.aurora/clusters.json` merged (user entries win), over the
 * built-in `devcluster`.
 */
export function loadClusters(lookup: ClusterLookup): Clusters {
  const home = lookup.home ?? lookup.env['HOME'] ?? os.homedir();
  const read = lookup.readFile ?? readIfExists;
  const searched = clustersSearchPath(lookup.env, home);
  const lists: Cluster[][] = [[...BUILTIN_CLUSTERS]];
  for (const file of searched) {
    const text = read(file);
    if (text !== undefined) lists.push(parseClustersJson(text, file));
  }
  return Clusters.of(lists, searched);
}
