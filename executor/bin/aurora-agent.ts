#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { readSecretFile, SecretFileError, type Secret } from '../../scheduler/api/secret-file.js';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DEFAULT_OBSERVER_PORT, DEFAULT_SCHEDULER_PORT } from '../../scheduler/api/routes.js';
import { ObserverListenError, startAgent, type AgentOptions, type RunningAgent } from '../agent/agent.js';
import { detectResources } from '../agent/host-resources.js';

/**
 * `aurora-agent`: runs tasks for the scheduler on this host and serves the observer.
 *
 * Prints exactly one line to stdout once the observer listens:
 *     aurora-agent: observer at http://127.0.0.1:1338
 * Everything else (logs) goes to stderr.
 */

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** The most log text held for the end of a turn before it is written at once. */
const MAX_PENDING_CHARS = 256 * 1024;

/**
 * Log lines are written once per event-loop turn: writes to a pipe are synchronous in node, and a
 * hundred launches in one sync log two hundred lines. Whatever is left goes out before anything
 * is written to stdout (the ready line comes after the log lines that precede it) and at exit,
 * and at once when MAX_PENDING_CHARS are waiting (a console logger's output, however large).
 * `out` gets each batch.
 */
export function batchedLines(out: (text: string) => void): { write: (line: string) => void; flush: () => void } {
  let pending: string[] = [];
  let pendingChars = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingChars = 0;
    out(text);
  };
  return {
    write: (line) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push(`${line}\n`);
      pendingChars += line.length + 1;
      // A console logger forwards megabytes in one turn: what waits is bounded, not the turn's output.
      if (pendingChars >= MAX_PENDING_CHARS) flush();
    },
    flush,
  };
}

function batchedStderr(): { write: (line: string) => void; flush: () => void } {
  const lines = batchedLines((text) => process.stderr.write(text));
  process.on('exit', lines.flush);
  return lines;
}

const stderrLines = batchedStderr();
const defaultIo: CliIo = {
  stdout: (line) => {
    stderrLines.flush();
    process.stdout.write(`${line}\n`);
  },
  stderr: stderrLines.write,
};

/** A flag with a value the agent cannot use. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `31000-32000` → { begin, end } */
export function parsePortRange(text: string): { begin: number; end: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const begin = Number(m?.[1]);
  const end = Number(m?.[2]);
  if (!m || begin < 1 || end > 65535 || begin > end) {
    throw new UsageError(`--port-range must look like 31000-32000 (1-65535, begin ≤ end), not '${text}'`);
  }
  return { begin, end };
}

/** `rack=r1` pairs → { rack: 'r1' } */
export function parseAttributes(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--attribute must look like name=value, not '${pair}'`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

function positive(name: string, value: number | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'whole ' : ''}number, not '${value}'`);
  }
  return value;
}

function wholeNumber(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}, not '${value}'`);
  return value;
}

export interface CliResult {
  /** The running agent, once it started. */
  agent?: RunningAgent;
  /** 0 when the agent started (or help was shown), 2 for a usage error, 1 otherwise. */
  exitCode: number;
}

export interface CliOptions {
  /** Stop on SIGINT/SIGTERM (and exit the process). @default true */
  readonly handleSignals?: boolean;
}

/** The CLI as a yargs instance over `argv`; `result.agent` is set once the agent runs. */
export function createCli(argv: string[], io: CliIo = defaultIo, result: CliResult = { exitCode: 0 }, cli: CliOptions = {}) {
  const log = (line: string) => io.stderr(`${new Date().toISOString()} aurora-agent: ${line}`);
  return yargs(argv)
    .scriptName('aurora-agent')
    .usage('$0 [options]\n\nRuns tasks for the Aurora scheduler on this host and serves the observer web UI.')
    .options({
      scheduler: { type: 'string', default: `http://127.0.0.1:${DEFAULT_SCHEDULER_PORT}`, describe: 'URL of the scheduler' },
      'data-dir': { type: 'string', default: './.aurora-agent', describe: 'Where sandboxes, checkpoints and the agent id live' },
      host: { type: 'string', default: hostname(), describe: 'Host name to advertise (and bind as {{mesos.hostname}})' },
      'observer-host': { type: 'string', default: '127.0.0.1', describe: 'Address the observer listens on' },
      'observer-port': { type: 'number', default: DEFAULT_OBSERVER_PORT, describe: 'Observer port; 0 picks a free one' },
      cpu: { type: 'number', describe: 'CPUs to offer [default: every core]' },
      'ram-mb': { type: 'number', describe: 'RAM to offer in MiB [default: all memory]' },
      'disk-mb': { type: 'number', describe: 'Disk to offer in MiB [default: free space of --data-dir]' },
      'port-range': { type: 'string', default: '31000-32000', describe: 'Ports the scheduler may assign to tasks' },
      attribute: { type: 'string', array: true, default: [] as string[], describe: 'A host attribute name=value (repeatable)' },
      'kill-grace-ms': { type: 'number', default: 5000, describe: 'Time between SIGTERM and SIGKILL when killing a process' },
      'run-as-role': {
        type: 'boolean',
        default: true,
        describe: "Run each task as its role's Unix user when the agent is root and that user exists (--no-run-as-role to keep the agent's)",
      },
      enforcement: {
        choices: ['auto', 'monitor'] as const,
        default: 'auto' as const,
        describe: 'How resource limits are held: cgroups where the host allows (auto), or only by the monitor killing tasks over their limits',
      },
      'sample-interval-ms': { type: 'number', default: 5000, describe: "How often each task's cpu, memory and disk use is sampled" },
      'gc-max-age-hours': { type: 'number', default: 72, describe: 'Delete the sandbox of a finished task this long after it ended' },
      'gc-max-disk-mb': { type: 'number', default: 10240, describe: 'Delete the oldest finished sandboxes while all sandboxes hold more than this' },
      'docker-socket': { type: 'string', default: '/var/run/docker.sock', describe: 'The Docker engine socket, for tasks with a container' },
      'agent-secret-file': {
        type: 'string',
        describe: "A file (readable by root only) holding the cluster's agent secret, the one the scheduler's --agent-secret-file holds",
      },
      'ca-file': { type: 'string', describe: "PEM certificates to trust for an https scheduler (its --tls-cert's issuer)" },
      'spawn-helper': {
        type: 'boolean',
        default: true,
        describe: 'Start processes through a small helper process rather than by forking the agent (--no-spawn-helper to fork the agent)',
      },
      'spawn-spares': {
        type: 'number',
        default: 100,
        describe: 'Wrapper processes the spawn helper starts ahead, so that a burst of launches waits for no fork (each idle one is ~0.16 MB)',
      },
      'kill-tasks-on-exit': {
        type: 'boolean',
        default: false,
        describe: 'On SIGINT/SIGTERM kill every task before exiting (otherwise tasks keep running for the next start)',
      },
    })
    .strict()
    .exitProcess(false)
    .help()
    .version(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    })
    .command(
      '$0',
      'run the agent',
      () => {},
      async (args) => {
        const observerPort = args['observer-port'];
        if (!Number.isInteger(observerPort) || observerPort < 0 || observerPort > 65535) {
          throw new UsageError(`--observer-port must be a port number (0 picks a free one), not '${observerPort}'`);
        }
        const killGraceMs = args['kill-grace-ms'];
        if (!Number.isFinite(killGraceMs) || killGraceMs < 0) throw new UsageError(`--kill-grace-ms must be 0 or more, not '${killGraceMs}'`);
        try {
          new URL(args.scheduler);
        } catch {
          throw new UsageError(`--scheduler must be a URL such as http://127.0.0.1:${DEFAULT_SCHEDULER_PORT}, not '${args.scheduler}'`);
        }
        const portRange = parsePortRange(args['port-range']);
        let secret: Secret | undefined;
        let ca: string | undefined;
        try {
          secret = args['agent-secret-file'] ? readSecretFile(args['agent-secret-file']) : undefined;
          ca = args['ca-file'] ? readFileSync(args['ca-file'], 'utf8') : undefined;
        } catch (e) {
          throw new UsageError(e instanceof SecretFileError ? e.message : `cannot read --ca-file ${args['ca-file']}: ${(e as Error).message}`);
        }
        if (secret?.warning) log(secret.warning);
        const attributes = parseAttributes(args.attribute.map(String));
        const dataDir = resolve(args['data-dir']);
        await mkdir(dataDir, { recursive: true });
        const detected = await detectResources(dataDir);
        const options: AgentOptions = {
          schedulerUrl: args.scheduler,
          dataDir,
          host: args.host,
          observerHost: args['observer-host'],
          observerPort,
          resources: {
            cpu: positive('cpu', args.cpu, false) ?? detected.cpu,
            ramMb: positive('ram-mb', args['ram-mb'], true) ?? detected.ramMb,
            diskMb: positive('disk-mb', args['disk-mb'], true) ?? detected.diskMb,
            gpu: 0,
          },
          portRange,
          attributes,
          killGraceMs,
          runAsRole: args['run-as-role'],
          enforcement: args.enforcement,
          sampleIntervalMs: positive('sample-interval-ms', args['sample-interval-ms'], false) ?? 5000,
          gc: {
            maxAgeMs: (positive('gc-max-age-hours', args['gc-max-age-hours'], false) ?? 72) * 3600_000,
            maxTotalBytes: (positive('gc-max-disk-mb', args['gc-max-disk-mb'], false) ?? 10240) * 1024 * 1024,
            intervalMs: 60_000,
          },
          dockerSocket: args['docker-socket'],
          ...(secret ? { agentSecret: secret.value } : {}),
          ...(ca ? { ca } : {}),
          spawnHelper: args['spawn-helper'],
          // Each spare holds a descriptor in the helper, whose limit is usually 1024.
          spawnSpares: wholeNumber('spawn-spares', args['spawn-spares'], 500),
          log,
        };
        const agent = await startAgent(options);
        result.agent = agent;
        io.stdout(`aurora-agent: observer at ${agent.observerUrl}`);
        log(`agent on ${options.host} with data dir ${dataDir}, scheduler ${options.schedulerUrl}`);
        if (cli.handleSignals ?? true) installSignalHandlers(agent, args['kill-tasks-on-exit'], log);
      },
    );
}

function installSignalHandlers(agent: RunningAgent, killTasks: boolean, log: (line: string) => void): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    log(killTasks ? `${signal}: killing every task, then exiting` : `${signal}: exiting; tasks keep running`);
    agent.close({ killTasks }).then(
      () => process.exit(0),
      (err: unknown) => {
        log(`error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Runs the CLI; known errors print one line. Resolves once the agent runs (or failed to start). */
export async function main(argv: string[] = hideBin(process.argv), io: CliIo = defaultIo, cli: CliOptions = {}): Promise<CliResult> {
  const result: CliResult = { exitCode: 0 };
  try {
    await createCli(argv, io, result, cli).parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`aurora-agent: ${err.message} (see --help)`);
      result.exitCode = 2;
    } else if (err instanceof ObserverListenError) {
      io.stderr(`aurora-agent: ${err.message}`);
      result.exitCode = 1;
    } else {
      io.stderr(`aurora-agent: ${(err as Error).stack ?? String(err)}`);
      result.exitCode = 1;
    }
  }
  return result;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const { exitCode } = await main();
  process.exitCode = exitCode;
}
