/**
 * A whole cluster in a directory of its own, for the integration tests (and benchmarks): the
 * compiled scheduler and its agents (started by daemons.ts), the clusters.json that names the
 * scheduler `devcluster`, and the environment the CLIs run in, so that `cluster.aurora(...)`
 * finds the scheduler the way a user's client would.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINS, runCli, startAgent, startScheduler, type CliResult, type Daemon } from './daemons.js';

/** The cluster name in clusters.json, which is also the scheduler's default. */
const CLUSTER_NAME = 'devcluster';

export interface TestAgentOptions {
  /** Its data dir, under the cluster's root. @default 'agent' for the first agent, 'agent-<n>' for the n-th (from 0) after it */
  readonly dir?: string;
  /** Added to its command line (`--host`, `--kill-grace-ms`, ...). @default none */
  readonly args?: readonly string[];
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface TestClusterOptions {
  /**
   * The directory everything goes in, made (and perhaps set up) by the caller, who also removes it.
   * @default a new temporary directory, which stop() removes
   */
  readonly root?: string;
  /** The name prefix of the temporary root. @default 'aurora-test-' */
  readonly tmpPrefix?: string;
  /**
   * The root's mode, set before anything starts: 0o711 lets the users of the tasks' roles through
   * to their sandboxes (an agent decides at start whether it can run tasks as their roles).
   * @default as it is (a temporary root's 0o700)
   */
  readonly rootMode?: number;
  /** Added to the scheduler's command line; a function gets the root (for `--backup-dir` and the like). @default none */
  readonly schedulerArgs?: readonly string[] | ((root: string) => readonly string[]);
  /**
   * The text of a security.ini: written to `<root>/security.ini` (mode 600) and given to the
   * scheduler with `--security-ini` before schedulerArgs; clusters.json then says BASIC.
   * @default none: the cluster is UNAUTHENTICATED
   */
  readonly securityIni?: string;
  /** The agents, started one after another. @default one agent with no extra args */
  readonly agents?: readonly TestAgentOptions[];
  /** What the CLIs' environment starts from, before AURORA_CONFIG_ROOT and AURORA_CACHE_DIR are set. @default process.env */
  readonly clientEnv?: NodeJS.ProcessEnv;
  /** The CLIs' AURORA_CACHE_DIR. @default `<root>/cache`; null leaves it to clientEnv */
  readonly cacheDir?: string | null;
}

export interface RunOptions {
  /** Set on top of the cluster's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** @default the project root */
  readonly cwd?: string;
  /** Written to its stdin, which is closed after. */
  readonly input?: string;
}

interface AgentSlot {
  readonly dataDir: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv | undefined;
  daemon: Daemon;
}

/** A running test cluster; startTestCluster() makes one. */
export class TestCluster {
  /** `aurora ARGS` against this cluster. */
  readonly aurora = (...args: string[]): Promise<CliResult> => this.run(BINS.aurora, args);
  /** `aurora-admin ARGS` against this cluster. */
  readonly admin = (...args: string[]): Promise<CliResult> => this.run(BINS.auroraAdmin, args);

  private schedulerDaemon: Daemon | undefined;
  private readonly agentSlots: AgentSlot[] = [];

  private constructor(
    readonly root: string,
    private readonly ownsRoot: boolean,
    /** The CLIs' environment: AURORA_CONFIG_ROOT is the root, which holds clusters.json. */
    readonly env: NodeJS.ProcessEnv,
    private readonly schedulerArgs: readonly string[],
  ) {}

  /** Starts the scheduler, then the agents, then writes clusters.json; stops what it started if any of it fails. */
  static async start(o: TestClusterOptions = {}): Promise<TestCluster> {
    const root = o.root ?? mkdtempSync(path.join(tmpdir(), o.tmpPrefix ?? 'aurora-test-'));
    if (o.rootMode !== undefined) chmodSync(root, o.rootMode);
    const schedulerArgs = typeof o.schedulerArgs === 'function' ? o.schedulerArgs(root) : (o.schedulerArgs ?? []);
    let securityArgs: string[] = [];
    if (o.securityIni !== undefined) {
      const ini = path.join(root, 'security.ini');
      writeFileSync(ini, o.securityIni, { mode: 0o600 });
      securityArgs = ['--security-ini', ini];
    }
    const cacheDir = o.cacheDir === undefined ? path.join(root, 'cache') : o.cacheDir;
    const env = { ...(o.clientEnv ?? process.env), AURORA_CONFIG_ROOT: root, ...(cacheDir === null ? {} : { AURORA_CACHE_DIR: cacheDir }) };
    const cluster = new TestCluster(root, o.root === undefined, env, [...securityArgs, ...schedulerArgs]);
    try {
      const scheduler = await cluster.launchScheduler(0);
      for (const [i, agent] of (o.agents ?? [{}]).entries()) {
        const slot = { dataDir: path.join(root, agent.dir ?? (i === 0 ? 'agent' : `agent-${i}`)), args: agent.args ?? [], env: agent.env };
        cluster.agentSlots.push({ ...slot, daemon: await cluster.launchAgent(slot, 0) });
      }
      const authMechanism = o.securityIni === undefined ? 'UNAUTHENTICATED' : 'BASIC';
      writeFileSync(path.join(root, 'clusters.json'), JSON.stringify([{ name: CLUSTER_NAME, scheduler_uri: scheduler.url, auth_mechanism: authMechanism }]));
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get scheduler(): Daemon {
    if (!this.schedulerDaemon) throw new Error('the test cluster has no scheduler');
    return this.schedulerDaemon;
  }

  get agents(): readonly Daemon[] {
    return this.agentSlots.map((s) => s.daemon);
  }

  /** The first agent. */
  get agent(): Daemon {
    const slot = this.agentSlots[0];
    if (!slot) throw new Error('the test cluster has no agent');
    return slot.daemon;
  }

  /** Runs a CLI (a script under dist/) in the cluster's environment, with `env` set on top. */
  run(bin: string, args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
    return runCli(bin, args, { env: { ...this.env, ...opts.env }, cwd: opts.cwd, input: opts.input });
  }

  /** Makes `<root>/<name>`, a home whose .netrc logs in to 127.0.0.1 as `login`, and returns it (for HOME). */
  home(name: string, login: string, password: string): string {
    const home = path.join(this.root, name);
    mkdirSync(home, { recursive: true });
    writeFileSync(path.join(home, '.netrc'), `machine 127.0.0.1 login ${login} password ${password}\n`, { mode: 0o600 });
    return home;
  }

  /**
   * Stops the scheduler (SIGTERM, or `signal`), runs `whileDown`, and starts it again on the same
   * data dir, port and arguments.
   */
  async restartScheduler(o: { signal?: NodeJS.Signals; whileDown?: () => void | Promise<void> } = {}): Promise<Daemon> {
    const port = Number(new URL(this.scheduler.url).port);
    await this.scheduler.stop(o.signal);
    await o.whileDown?.();
    return this.launchScheduler(port);
  }

  /** Stops an agent (SIGTERM), runs `whileDown`, and starts it again on the same data dir, arguments and observer port. */
  async restartAgent(o: { index?: number; whileDown?: () => void | Promise<void> } = {}): Promise<Daemon> {
    const slot = this.agentSlots[o.index ?? 0];
    if (!slot) throw new Error(`the test cluster has no agent ${o.index ?? 0}`);
    const observerPort = Number(new URL(slot.daemon.url).port);
    await slot.daemon.stop();
    await o.whileDown?.();
    slot.daemon = await this.launchAgent(slot, observerPort);
    return slot.daemon;
  }

  /** Stops the agents, then the scheduler, and removes the root if startTestCluster made it. */
  async stop(): Promise<void> {
    for (const slot of this.agentSlots) await slot.daemon.stop();
    await this.schedulerDaemon?.stop();
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  private async launchScheduler(port: number): Promise<Daemon> {
    this.schedulerDaemon = await startScheduler({ dataDir: path.join(this.root, 'scheduler'), port, extraArgs: this.schedulerArgs });
    return this.schedulerDaemon;
  }

  private launchAgent(slot: Omit<AgentSlot, 'daemon'>, observerPort: number): Promise<Daemon> {
    return startAgent({ schedulerUrl: this.scheduler.url, dataDir: slot.dataDir, observerPort, extraArgs: slot.args, env: slot.env });
  }
}

/** Starts a cluster for a test: see TestClusterOptions for what can differ from one test to another. */
export function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  return TestCluster.start(options);
}
