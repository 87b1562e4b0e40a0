import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { Credentials, SchedulerClient } from '../api/index.js';
import type { Cluster, Clusters } from '../clusters.js';
import type { CredentialStore } from '../credentials.js';
import { InterruptedError, InvalidConfigurationError } from '../errors.js';

type ApiModule = typeof import('../api/index.js');

/**
 * Commands that never talk to a scheduler (`noun` or `noun verb`): the runner does not load the
 * HTTP client and clusters.json for them, which keeps `aurora job inspect` fast.
 */
export const OFFLINE_COMMANDS: ReadonlySet<string> = new Set(['config', 'job inspect', 'task run-local', 'hash_password']);

/** Where a CLI writes; process.stdout and a test's string sink both fit. */
export interface Output {
  write(chunk: string): unknown;
  /** A terminal: progress may rewrite its line. */
  readonly isTTY?: boolean;
  /** The terminal's width, when known: a rewritten line must not wrap. */
  readonly columns?: number;
}

/** What a CLI run gets from outside: arguments, streams, environment, and the seams tests use. */
export interface CliOptions {
  readonly argv: readonly string[];
  readonly stdout: Output;
  readonly stderr: Output;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config paths are relative to it. @default process.cwd() */
  readonly cwd?: string;
  /** Aborted on SIGINT: waits and calls in flight end with exit code INTERRUPTED. */
  readonly signal?: AbortSignal;
  /** @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * The longest pause between reads when the scheduler cannot hold a wait (a removed job, a
   * scheduler that answers at once); waits normally need none.
   * @default 500
   */
  readonly pollIntervalMs?: number;
  /** Whether plain command lines may skip yargs (see fast-argv.ts); tests compare both ways. @default true */
  readonly fastPath?: boolean;
  /**
   * The credentials to send to a cluster. @default HTTP basic credentials from $HOME/.netrc for
   * BASIC clusters (see credentials.ts), none for UNAUTHENTICATED ones
   */
  readonly credentials?: (cluster: Cluster) => Credentials | undefined;
  /** Where a command reads what the user types or pipes in (a password). @default process.stdin */
  readonly stdin?: InputStream;
}

/** What commands read input from: process.stdin, or a test's stream (with `isTTY` and raw mode for a terminal). */
export type InputStream = NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?(raw: boolean): unknown };

/** What command handlers use: output, clusters and scheduler clients, the clock. */
export class CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal | undefined;
  readonly now: () => number;
  readonly pollIntervalMs: number;
  private clustersLoaded: { ok: true; clusters: Clusters } | { ok: false; error: unknown } | undefined;
  private apiModule: ApiModule | undefined;
  private credentialStore: CredentialStore | undefined;

  constructor(private readonly options: CliOptions) {
    this.env = options.env ?? process.env;
    this.cwd = options.cwd ?? process.cwd();
    this.signal = options.signal;
    this.now = options.now ?? Date.now;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** Writes one line to stdout. */
  out(line = ''): void {
    this.options.stdout.write(`${line}\n`);
  }

  /** Writes one line to stderr. */
  err(line = ''): void {
    this.options.stderr.write(`${line}\n`);
  }

  /** Writes a value as pretty JSON to stdout. */
  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** Writes lines to stdout in one write: a 10,000-instance status is 50,000 lines. */
  outLines(lines: readonly string[]): void {
    if (lines.length > 0) this.options.stdout.write(`${lines.join('\n')}\n`);
  }

  /**
   * Loads the scheduler client and reads clusters.json. The runner does this before every
   * command not in OFFLINE_COMMANDS; offline commands call it when they find they need it. A
   * broken clusters.json is reported by the first command that asks for a cluster.
   */
  async loadServices(): Promise<void> {
    this.apiModule ??= await import('../api/index.js');
    if (!this.credentialStore) {
      const { CredentialStore } = await import('../credentials.js');
      this.credentialStore = new CredentialStore({ env: this.env, warn: (line) => this.err(line) });
    }
    if (!this.clustersLoaded) {
      const { loadClusters } = await import('../clusters.js');
      try {
        this.clustersLoaded = { ok: true, clusters: await loadClusters({ env: this.env }) };
      } catch (error) {
        this.clustersLoaded = { ok: false, error };
      }
    }
  }
  /** Whether the command line `_` (`['job', 'inspect', ...]`) names an offline command. */
  static isOffline(positional: readonly unknown[]): boolean {
    const [noun, verb] = positional.map(String);
    return OFFLINE_COMMANDS.has(noun ?? '') || OFFLINE_COMMANDS.has(`${noun} ${verb}`);
  }
  private api(): ApiModule {
    if (!this.apiModule) throw new Error('CommandContext.loadServices() was not awaited before using a cluster');
    return this.apiModule;
  }
  clusters(): Clusters {
    if (!this.clustersLoaded) throw new Error('CommandContext.loadServices() was not awaited before using a cluster');
    if (!this.clustersLoaded.ok) throw this.clustersLoaded.error;
    return this.clustersLoaded.clusters;
  }

  cluster(name: string): Cluster {
    return this.clusters().get(name);
  }

  /**
   * A scheduler client for the cluster `name`, with the user's credentials for it and the
   * certificates its ca_file names. InvalidParameterError if the cluster is unknown, AuthError
   * if a BASIC cluster has no .netrc entry, InvalidConfigurationError if its ca_file cannot be read.
   */
  client(name: string): SchedulerClient {
    const cluster = this.cluster(name);
    const store = this.credentials();
    const credentials = this.options.credentials ? this.options.credentials(cluster) : store.credentialsFor(cluster);
    const ca = cluster.caFile !== undefined && cluster.schedulerUri.startsWith('https:') ? readCaFile(cluster, cluster.caFile) : undefined;
    return this.api().SchedulerClient.forCluster(cluster, {
      ...(credentials ? { credentials } : {}),
      authHint: store.refusalHint(cluster, credentials),
      ...(ca !== undefined ? { ca } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
    });
  }

  private credentials(): CredentialStore {
    if (!this.credentialStore) throw new Error('CommandContext.loadServices() was not awaited before using a cluster');
    return this.credentialStore;
  }

  /** What the user pipes or types in. */
  get stdin(): InputStream {
    return this.options.stdin ?? process.stdin;
  }

  /** stdout itself, for progress that rewrites its line on a terminal. */
  get stdout(): Output {
    return this.options.stdout;
  }

  /** stderr itself, for a prompt that is not a whole line. */
  get stderr(): Output {
    return this.options.stderr;
  }

  async sleep(ms: number): Promise<void> {
    try {
      if (this.options.sleep) await this.options.sleep(ms, this.signal);
      else await delay(ms, undefined, this.signal ? { signal: this.signal } : {});
    } catch (err) {
      if (this.signal?.aborted) throw new InterruptedError('interrupted', { cause: err });
      throw err;
    }
    if (this.signal?.aborted) throw new InterruptedError('interrupted');
  }
}

/** The PEM text of a cluster's ca_file; InvalidConfigurationError naming the cluster and its clusters.json. */
function readCaFile(cluster: Cluster, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidConfigurationError(`cannot read ca_file ${file} of cluster ${cluster.name} (in ${cluster.source}): ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InvalidConfigurationError(`ca_file ${file} of cluster ${cluster.name} (in ${cluster.source}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}
