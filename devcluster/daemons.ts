/**
 * Starting the real scheduler and agent binaries as child processes, shared by the devcluster,
 * the integration tests and the benchmarks so they all run the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The project root, whether this runs from dist/devcluster or from devcluster/ (vitest). */
export const projectRoot = here.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(here, '..', '..')
  : path.resolve(here, '..');

/** A compiled entry point under dist/. */
export function distBin(rel: string): string {
  return path.join(projectRoot, 'dist', rel);
}

export const BINS = {
  scheduler: distBin('scheduler/bin/aurora-scheduler.js'),
  agent: distBin('executor/bin/aurora-agent.js'),
  aurora: distBin('client/bin/aurora.js'),
  auroraAdmin: distBin('admin-client/bin/aurora-admin.js'),
} as const;

export interface Daemon {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the daemon wrote to stderr so far (its log). */
  log(): string;
  /** SIGTERM (or the given signal), then wait for exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface DaemonOptions {
  readonly echo?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly readyTimeoutMs?: number;
  /**
   * Run in its own process group, so a Ctrl-C at the terminal reaches only the launcher, which
   * then stops the daemons in order (the agent first, so it can kill its tasks).
   */
  readonly ownProcessGroup?: boolean;
}

/** Starts `node script args` and resolves once it prints a line matching `ready` (group 1 is the URL). */
export function startDaemon(name: string, script: string, args: readonly string[], ready: RegExp, opts: DaemonOptions = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    detached: opts.ownProcessGroup ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (opts.echo && process.stderr.writable) process.stderr.write(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const daemon = (url: string): Daemon => ({
    url,
    child,
    log: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not get ready within ${opts.readyTimeoutMs ?? 30000} ms; its log:\n${stderr}`));
    }, opts.readyTimeoutMs ?? 30000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (opts.echo && process.stdout.writable) process.stdout.write(chunk);
      const m = ready.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(daemon(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (${signal ?? `exit code ${code}`}); its log:\n${stderr}`));
    });
  });
}

/**
 * The agent secret every scheduler and agent this process starts shares (the devcluster, tests
 * and benchmarks always set one, as a real cluster must): a random secret in a file only this
 * user reads, made on first use.
 */
let sharedSecretFile: string | undefined;
export function agentSecretFile(): string {
  if (!sharedSecretFile) {
    const dir = mkdtempSync(path.join(tmpdir(), 'aurora-agent-secret-'));
    sharedSecretFile = path.join(dir, 'agent-secret');
    writeFileSync(sharedSecretFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return sharedSecretFile;
}

export interface SchedulerOptions extends DaemonOptions {
  readonly dataDir: string;
  /** @default the shared secret of agentSecretFile(); null starts it without one */
  readonly agentSecretFile?: string | null;
  readonly port?: number;
  readonly clusterName?: string;
  readonly extraArgs?: readonly string[];
}

export function startScheduler(o: SchedulerOptions): Promise<Daemon> {
  return startDaemon(
    'aurora-scheduler',
    BINS.scheduler,
    [
      '--cluster-name', o.clusterName ?? 'devcluster',
      '--data-dir', o.dataDir,
      '--http-port', String(o.port ?? 0),
      ...secretArgs(o.agentSecretFile),
      ...(o.extraArgs ?? []),
    ],
    /serving cluster \S+ at (https?:\/\/\S+)/,
    o,
  );
}

export interface AgentOptions extends DaemonOptions {
  readonly schedulerUrl: string;
  readonly dataDir: string;
  /** @default the shared secret of agentSecretFile(); null starts it without one */
  readonly agentSecretFile?: string | null;
  readonly observerPort?: number;
  readonly extraArgs?: readonly string[];
}

export function startAgent(o: AgentOptions): Promise<Daemon> {
  return startDaemon(
    'aurora-agent',
    BINS.agent,
    [
      '--scheduler', o.schedulerUrl,
      '--data-dir', o.dataDir,
      '--observer-port', String(o.observerPort ?? 0),
      ...secretArgs(o.agentSecretFile),
      ...(o.extraArgs ?? []),
    ],
    /observer at (http:\/\/\S+)/,
    o,
  );
}

function secretArgs(file: string | null | undefined): string[] {
  if (file === null) return [];
  return ['--agent-secret-file', file ?? agentSecretFile()];
}

export { freePort } from '../executor/runner/free-port.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a CLI (a script under dist/) to completion and collects its output. */
export function runCli(
  script: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; /** Written to its stdin, which is closed after. */ input?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? projectRoot,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
