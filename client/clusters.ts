import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidConfigurationError, InvalidParameterError } from './errors.js';

/** A cluster as the client uses it. */
export interface Cluster {
  readonly name: string;
  /** Base URL of the scheduler, without a trailing slash. */
  readonly schedulerUri: string;
  /** UNAUTHENTICATED, or BASIC (HTTP basic credentials from ~/.netrc; see credentials.ts). */
  readonly authMechanism: 'UNAUTHENTICATED' | 'BASIC';
  /** Where the entry came from: a file path, or `built-in`. */
  readonly source: string;
  /** Environments allowed besides `prod|devel|test|staging<N>` (clusters.json `allowed_environments`). */
  readonly allowedEnvironments?: readonly string[];
  /**
   * PEM certificates to trust for an https scheduler_uri instead of the well-known CAs
   * (clusters.json `ca_file`, for a scheduler whose certificate a private CA signed, or a
   * self-signed one). Absolute: a relative `ca_file` is resolved against its clusters.json's folder.
   */
  readonly caFile?: string;
  /**
   * The Docker registry (v2) that resolves `{{docker.image[NAME][TAG]}}` when a job is submitted
   * (clusters.json `docker_registry`, as in Aurora), without a trailing slash. Checked to be an
   * http(s) URL only when it is used. @default https://registry-1.docker.io (Aurora's default)
   */
  readonly dockerRegistry?: string;
}

/** Known without any clusters.json; a file may override it. */
export const BUILTIN_CLUSTERS: readonly Cluster[] = [
  { name: 'devcluster', schedulerUri: 'http://localhost:8081', authMechanism: 'UNAUTHENTICATED', source: 'built-in' },
];

/** What clusters.json `allowed_environments` entries must look like (as the schema says). */
const ENVIRONMENT_NAME = /^[\w\-.]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The entries of a clusters.json that is plainly valid, read without zod (this runs before every
 * command that talks to a scheduler); undefined when anything is unusual, and then the schema in
 * clusters-schema.ts decides and says what is wrong. It accepts only what the schema accepts
 * unchanged (clusters.test.ts compares them). Pure.
 */
export function plainClusters(json: unknown, source: string): Cluster[] | undefined {
  if (!Array.isArray(json)) return undefined;
  const out: Cluster[] = [];
  for (const e of json) {
    if (!isRecord(e)) return undefined;
    const { name, scheduler_uri: uri, auth_mechanism: auth = 'UNAUTHENTICATED', allowed_environments: envs, ca_file: caFile, docker_registry: registry } = e;
    if (typeof name !== 'string' || name.length === 0) return undefined;
    // zod's z.url() trims and drops tabs and newlines before URL.canParse; plain URLs have neither.
    if (typeof uri !== 'string' || uri !== uri.trim() || /[\t\n\r]/.test(uri) || !URL.canParse(uri)) return undefined;
    if (auth !== 'UNAUTHENTICATED' && auth !== 'BASIC') return undefined;
    if (envs !== undefined && !(Array.isArray(envs) && envs.every((x) => typeof x === 'string' && ENVIRONMENT_NAME.test(x)))) return undefined;
    if (caFile !== undefined && !(typeof caFile === 'string' && caFile.length > 0)) return undefined;
    if (registry !== undefined && !(typeof registry === 'string' && registry.length > 0)) return undefined;
    out.push({
      name,
      schedulerUri: uri.replace(/\/+$/, ''),
      authMechanism: auth,
      source,
      ...(envs ? { allowedEnvironments: envs as string[] } : {}),
      ...(caFile !== undefined ? { caFile: resolveCaFile(caFile, source) } : {}),
      ...(registry !== undefined ? { dockerRegistry: registry.replace(/\/+$/, '') } : {}),
    });
  }
  return out;
}

/** A `ca_file` as an absolute path: relative ones are relative to the clusters.json that names them. Pure. */
export function resolveCaFile(caFile: string, source: string): string {
  return path.isAbsolute(caFile) ? caFile : path.resolve(path.dirname(source), caFile);
}

/** Parses the text of a clusters.json; throws InvalidConfigurationError naming the file and the path. */
export async function parseClustersJson(text: string, source: string): Promise<Cluster[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidConfigurationError(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  return plainClusters(json, source) ?? (await import('./clusters-schema.js')).parseClustersFile(json, source);
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
export async function loadClusters(lookup: ClusterLookup): Promise<Clusters> {
  const home = lookup.home ?? lookup.env['HOME'] ?? os.homedir();
  const read = lookup.readFile ?? readIfExists;
  const searched = clustersSearchPath(lookup.env, home);
  const lists: Cluster[][] = [[...BUILTIN_CLUSTERS]];
  for (const file of searched) {
    const text = read(file);
    if (text !== undefined) lists.push(await parseClustersJson(text, file));
  }
  return Clusters.of(lists, searched);
}
