import { setTimeout as delay } from 'node:timers/promises';
import type { Credentials, SchedulerClient } from '../api/index.js';
import type { Cluster, Clusters } from '../clusters.js';
import { InterruptedError } from '../errors.js';

type ApiModule = typeof import('../api/index.js');

/**
 * Commands that never talk to a scheduler (`noun` or `noun verb`): the runner does not load the
 * HTTP client and clusters.json for them, which keeps `aurora job inspect` fast.
 */
export const OFFLINE_COMMANDS: ReadonlySet<string> = new Set(['config', 'job inspect', 'task run-local']);

/** Where a CLI writes; process.stdout and a test's string sink both fit. */
export interface Output {
  write(chunk: string): unknown;
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
  /** Credentials for BASIC clusters (a later issue reads ~/.netrc). @default none */
  readonly credentials?: (cluster: Cluster) => Credentials | undefined;
}

/** What command handlers use: output, clusters and scheduler clients, the clock. */
export class CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal | undefined;
  readonly now: () => number;
  readonly pollIntervalMs: number;
  private clustersLoaded: { ok: true; clusters: Clusters } | { ok: false; error: unknown } | undefined;
  private apiModule: ApiModule | undefined;

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

  /** A scheduler client for the cluster `name`; InvalidParameterError if it is unknown. */
  client(name: string): SchedulerClient {
    const cluster = this.cluster(name);
    const credentials = this.options.credentials?.(cluster);
    return this.api().SchedulerClient.forCluster(cluster, {
      ...(credentials ? { credentials } : {}),
      ...(this.signal ? { signal: this.signal } : {}),
    });
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
