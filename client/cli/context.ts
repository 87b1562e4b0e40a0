import { setTimeout as delay } from 'node:timers/promises';
import { SchedulerClient, type Credentials } from '../api/index.js';
import { loadClusters, type Cluster, type Clusters } from '../clusters.js';
import { InterruptedError } from '../errors.js';

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
   * How often waits poll the scheduler.
   * @default 500
   */
  readonly pollIntervalMs?: number;
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
  private clustersCache: Clusters | undefined;

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

  clusters(): Clusters {
    this.clustersCache ??= loadClusters({ env: this.env });
    return this.clustersCache;
  }

  cluster(name: string): Cluster {
    return this.clusters().get(name);
  }

  /** A scheduler client for the cluster `name`; InvalidParameterError if it is unknown. */
  client(name: string): SchedulerClient {
    const cluster = this.cluster(name);
    const credentials = this.options.credentials?.(cluster);
    return SchedulerClient.forCluster(cluster, {
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
