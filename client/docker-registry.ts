/**
 * `{{docker.image[NAME][TAG]}}` pinned to the image's digest through a Docker registry (HTTP API
 * v2), as Aurora's docker binding helper does (apache/aurora
 * src/main/python/apache/aurora/client/binding_helpers/docker_helper.py and
 * client/docker/docker_client.py):
 *
 * - the registry is the cluster's clusters.json `docker_registry`, by default Docker Hub's
 *   `https://registry-1.docker.io`;
 * - it asks for `/v2/NAME/manifests/TAG` with `Accept: application/vnd.docker.distribution.manifest.v2+json`
 *   and takes the `Docker-Content-Digest` header of the answer, after one anonymous Bearer token
 *   round when the registry asks for one (`WWW-Authenticate: Bearer realm=...`), as Aurora does;
 * - the value bound is `HOST[:PORT]/NAME@DIGEST`, or `NAME@DIGEST` for Docker Hub, Aurora's form.
 *
 * Aurora sends HEAD (after a HEAD of `/v2/` to check the version); this client sends one GET,
 * which every v2 registry answers with the same digest header, and reads a 404's error body to
 * say why. Every request is bounded in time and in the bytes it reads. Used only when a job is
 * submitted (see compile-spec.ts), never cached: a tag moves.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { describeNetworkFailure } from './api/network-errors.js';
import { InterruptedError, InvalidConfigurationError, NetworkError } from './errors.js';
import { dockerImageTemplates, type DockerImageRef } from '../dsl/templates.js';

/** Aurora's default registry (DEFAULT_DOCKER_REGISTRY_HOST), for a cluster without `docker_registry`. */
export const DEFAULT_DOCKER_REGISTRY = 'https://registry-1.docker.io';
/** The media type Aurora's client asks for. */
export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/** The distribution spec's name grammar (path components of lowercase letters and digits with separators). */
const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const IMAGE_TAG = /^\w[\w.-]{0,127}$/;
/** `algorithm:encoded`, as the OCI image spec writes a digest. */
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Where a registry comes from, for error messages: `docker_registry of cluster east (in /etc/aurora/clusters.json)`. */
export interface RegistrySource {
  /** The registry's base URL, without a trailing slash. */
  readonly url: string;
  readonly describe: string;
}

export interface RegistryOptions {
  /** The longest one request may take, from connecting to its last byte. @default 10000 */
  readonly timeoutMs?: number;
  /** The most bytes read of one answer (a manifest, a token, an error). @default 4 MiB, the distribution spec's manifest limit */
  readonly maxBytes?: number;
  /** Aborting it ends a request with InterruptedError (Ctrl-C). */
  readonly signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

/** `{{docker.image[NAME][TAG]}}`, as written in error messages. */
function shown(ref: DockerImageRef): string {
  return `{{docker.image[${ref.name}][${ref.tag}]}}`;
}

/** The value Aurora binds: `HOST[:PORT]/NAME@DIGEST`, without the host for Docker Hub. Pure. */
export function pinnedImage(registry: string, name: string, digest: string): string {
  const ref = `${name}@${digest}`;
  return registry === DEFAULT_DOCKER_REGISTRY ? ref : `${new URL(registry).host}/${ref}`;
}

/** A `WWW-Authenticate` challenge: its scheme and parameters (`realm`, `service`, `scope`). Pure. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/s.exec(header);
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m?.[1] ?? '', params };
}

/** Every distinct image a value (a JobSpec) names through `{{docker.image[NAME][TAG]}}`, in order. Pure. */
export function dockerImageRefs(value: unknown): DockerImageRef[] {
  const found = new Map<string, DockerImageRef>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('{{')) for (const t of dockerImageTemplates(v)) found.set(`${t.name}:${t.tag}`, { name: t.name, tag: t.tag });
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found.values()];
}

/** `value` with each `{{docker.image[NAME][TAG]}}` replaced by `resolved.get('NAME:TAG')`. Pure. */
export function bindDockerImages<T>(value: T, resolved: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') {
    let out: string = value;
    if (value.includes('{{')) {
      for (const t of dockerImageTemplates(value)) {
        const pinned = resolved.get(`${t.name}:${t.tag}`);
        if (pinned !== undefined) out = out.split(t.template).join(pinned);
      }
    }
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => bindDockerImages(v, resolved)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = bindDockerImages(v, resolved);
    return out as T;
  }
  return value;
}

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

function header(a: Answer, name: string): string | undefined {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Resolves one image through `registry`: `HOST/NAME@DIGEST`. Throws NetworkError (exit 7) when
 * the registry cannot be reached or does not answer in time, InvalidConfigurationError (exit 3)
 * when it answers without the image (404, a tag that does not exist), without a digest, or
 * refuses; every message names the image and the registry.
 */
export async function resolveDockerImage(registry: RegistrySource, ref: DockerImageRef, options: RegistryOptions = {}): Promise<string> {
  const what = shown(ref);
  const fail = (reason: string): InvalidConfigurationError =>
    new InvalidConfigurationError(`Cannot resolve ${what}: the Docker registry ${registry.url} (${registry.describe}) ${reason}`);
  let base: URL;
  try {
    base = new URL(registry.url);
  } catch {
    base = new URL('invalid:');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InvalidConfigurationError(
      `Cannot resolve ${what}: the Docker registry '${registry.url}' (${registry.describe}) is not an http(s) URL such as https://registry.example.com`,
    );
  }
  if (!IMAGE_NAME.test(ref.name)) throw new InvalidConfigurationError(`Cannot resolve ${what}: '${ref.name}' is not a Docker image name (lowercase letters, digits, '.', '_', '-' and '/')`);
  if (!IMAGE_TAG.test(ref.tag)) throw new InvalidConfigurationError(`Cannot resolve ${what}: '${ref.tag}' is not a Docker image tag (letters, digits, '_', '.' and '-', at most 128)`);

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const manifestUrl = `${registry.url}/v2/${ref.name}/manifests/${ref.tag}`;
  try {
    const get = (url: string, headers: Record<string, string>, of: string): Promise<Answer> =>
      exchange(agent, url, headers, { timeoutMs, maxBytes, ...(options.signal ? { signal: options.signal } : {}) }).catch((err: unknown) => {
        if (options.signal?.aborted) throw new InterruptedError('interrupted', { cause: err });
        if (err instanceof TooLarge) throw fail(`answered ${of} with more than ${maxBytes} bytes`);
        const why = err instanceof DeadlineError ? `did not answer within ${timeoutMs} ms` : `could not be reached: ${describeNetworkFailure(err) ?? (err as Error).message}`;
        throw new NetworkError(`Cannot resolve ${what}: the Docker registry ${registry.url} (${registry.describe}) ${why}`, { cause: err });
      });

    const accept = { accept: MANIFEST_V2 };
    let answer = await get(manifestUrl, accept, `${ref.name}:${ref.tag}`);
    if (answer.status === 401) {
      const challenge = parseChallenge(header(answer, 'www-authenticate') ?? '');
      if (challenge.scheme.toLowerCase() === 'basic') throw fail(`asks for Basic authentication, which the client does not support (nor did Aurora's)`);
      if (challenge.scheme.toLowerCase() !== 'bearer' || !challenge.params['realm']) {
        throw fail(`answered 401 without a Bearer challenge (WWW-Authenticate: ${header(answer, 'www-authenticate') ?? 'missing'})`);
      }
      const token = await bearerToken(challenge.params, get, fail);
      answer = await get(manifestUrl, { ...accept, authorization: `Bearer ${token}` }, `${ref.name}:${ref.tag}`);
      if (answer.status === 401) throw fail(`refused an anonymous token for ${ref.name}:${ref.tag}: it is a private repository`);
    }
    if (answer.status === 404) throw fail(`has no image ${ref.name}:${ref.tag} (404${registryError(answer)}); is the tag pushed, and is it a v2 registry?`);
    if (answer.status !== 200) throw fail(`answered HTTP ${answer.status}${registryError(answer)} for ${ref.name}:${ref.tag}`);
    const digest = header(answer, 'docker-content-digest')?.trim();
    if (!digest) throw fail(`answered ${ref.name}:${ref.tag} without a Docker-Content-Digest header, so the image cannot be pinned; is it a v2 registry?`);
    if (!DIGEST.test(digest)) throw fail(`answered ${ref.name}:${ref.tag} with a malformed Docker-Content-Digest '${digest.slice(0, 100)}'`);
    return pinnedImage(registry.url, ref.name, digest);
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/** An anonymous token from the challenge's realm (Aurora's `_get_auth_token`). */
async function bearerToken(
  params: Readonly<Record<string, string>>,
  get: (url: string, headers: Record<string, string>, of: string) => Promise<Answer>,
  fail: (reason: string) => Error,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(params['realm'] as string);
  } catch {
    throw fail(`names a token realm that is not a URL: '${params['realm']}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`names a token realm that is not an http(s) URL: '${params['realm']}'`);
  for (const [k, v] of Object.entries(params)) if (k !== 'realm' && k !== 'error') url.searchParams.set(k, v);
  const answer = await get(url.toString(), {}, 'its token');
  if (answer.status !== 200) throw fail(`could not give a token: ${url.origin}${url.pathname} answered HTTP ${answer.status}`);
  let token: unknown;
  try {
    const json = JSON.parse(answer.text) as { token?: unknown; access_token?: unknown };
    token = json.token ?? json.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') throw fail(`could not give a token: ${url.origin}${url.pathname} answered without one`);
  return token;
}

/** ` MANIFEST_UNKNOWN: manifest unknown`, from a registry's JSON error body, or ''. */
function registryError(a: Answer): string {
  try {
    const json = JSON.parse(a.text) as { errors?: { code?: unknown; message?: unknown }[] };
    const e = json.errors?.[0];
    if (!e) return '';
    const text = [e.code, e.message].filter((x) => typeof x === 'string' && x !== '').join(': ');
    return text ? ` ${text.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

class TooLarge extends Error {}
class DeadlineError extends Error {}

/** One GET, its body read up to `maxBytes`, all of it within `timeoutMs`. */
async function exchange(
  dispatcher: Dispatcher,
  url: string,
  headers: Record<string, string>,
  o: { timeoutMs: number; maxBytes: number; signal?: AbortSignal },
): Promise<Answer> {
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
  try {
    const res = await request(url, { method: 'GET', headers: { 'user-agent': 'aurora-ts', ...headers }, dispatcher, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.maxBytes) {
        res.body.destroy();
        throw new TooLarge();
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (deadline.aborted && !o.signal?.aborted) throw new DeadlineError('deadline', { cause: err });
    throw err;
  }
}

/** Where a cluster's registry comes from, for resolveDockerImages. */
export function registryOf(cluster: { readonly name: string; readonly source: string; readonly dockerRegistry?: string }): RegistrySource {
  if (cluster.dockerRegistry !== undefined) {
    return { url: cluster.dockerRegistry, describe: `docker_registry of cluster ${cluster.name} in ${cluster.source}` };
  }
  return { url: DEFAULT_DOCKER_REGISTRY, describe: `Aurora's default: cluster ${cluster.name} has no docker_registry` };
}

/**
 * `spec` with every `{{docker.image[NAME][TAG]}}` pinned through `registry`, each distinct image
 * asked for once; `onResolved` hears each one (the CLI prints it).
 */
export async function resolveDockerImages<T>(
  spec: T,
  registry: RegistrySource,
  options: RegistryOptions & { onResolved?: (ref: DockerImageRef, pinned: string) => void } = {},
): Promise<T> {
  const refs = dockerImageRefs(spec);
  if (refs.length === 0) return spec;
  const resolved = new Map<string, string>();
  for (const ref of refs) {
    const pinned = await resolveDockerImage(registry, ref, options);
    resolved.set(`${ref.name}:${ref.tag}`, pinned);
    options.onResolved?.(ref, pinned);
  }
  return bindDockerImages(spec, resolved);
}
