import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { AddressInfo } from 'node:net';
import yargs from 'yargs';
import { DEFAULT_SCHEDULER_PORT } from '../api/routes.js';
import { SecurityIniError } from '../server/access-control.js';
import { createSchedulerApp, type SchedulerAppOptions, DEFAULT_AGENT_LOST_TIMEOUT_MS, DEFAULT_LONG_POLL_MS, DEFAULT_MAX_BODY_BYTES } from '../server/app.js';
import { SqliteStorage, StorageOpenError } from '../storage/sqlite-storage.js';
import type { TaskDocsReader } from '../storage/task-docs-reader.js';
import { timezoneProblem } from '../core/cron/schedule.js';
import { readSecretFile, SecretFileError } from '../api/secret-file.js';
import { textLogStream } from './log-stream.js';
import ms from 'ms';
import { DEFAULT_FLAPPING_POLICY, type FlappingPolicy } from '../core/flapping.js';
import { DEFAULT_MAX_INSTANCES_PER_JOB } from '../core/admission.js';
import { DEFAULT_HISTORY_POLICY, type HistoryPolicy } from '../core/history-pruning.js';
import { DEFAULT_PLACEMENT, type PlacementSettings } from '../service/placement-pass.js';
import { DEFAULT_PREEMPTION } from '../service/preemption-pass.js';
import { DEFAULT_EXECUTOR_ALLOWANCE, type ExecutorAllowance } from '../core/effective-resources.js';
import { DEFAULT_BACKUP_INTERVAL_MS, DEFAULT_MAX_SAVED_BACKUPS, type BackupSettings } from '../service/backups.js';
import { join } from 'node:path';

/**
 * `aurora-scheduler` (entered through aurora-scheduler.ts): opens the data dir, serves the API,
 * the agent channel and the web UI. Prints one line to stdout once listening
 * (`aurora-scheduler: serving cluster C at URL`); everything else goes to stderr.
 */

interface Options {
  clusterName: string;
  dataDir: string;
  httpHost: string;
  httpPort: number;
  longPollMs: number;
  agentLostTimeoutMs: number;
  logFormat: 'text' | 'json';
  flapping: FlappingPolicy;
  allowedEnvironments: string[];
  maxInstancesPerJob: number;
  history: HistoryPolicy;
  placement: PlacementSettings;
  maxBodyBytes: number;
  heapGrowingPercent: number;
  agentSecretFile: string | undefined;
  securityIni: string | undefined;
  restrictReads: boolean;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  preemptionDelayMs: number;
  cronTimezone: string;
  minRequiredInstancesForSla: number;
  slaCoordinatorTimeoutMs: number;
  executorAllowance: ExecutorAllowance;
  init: boolean;
  backups: BackupSettings | null;
}

/** `2days`, `48h`, `1hrs`, `30m`, `500ms` (Aurora's forms and the short ones) in milliseconds. */
function parseDuration(flag: string, text: string): number {
  const value = ms(text.trim() as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new StartupError(`--${flag} must be a duration such as 2days, 48h, 1hrs, 30m or 500ms, not '${text}'`);
  }
  return value;
}

class StartupError extends Error {}

/** What is wrong with the --executor-* flags: amounts are 0 or more, ram and disk whole MiB as a task's are. */
function executorAllowanceProblem(allowance: ExecutorAllowance): string | null {
  if (!Number.isFinite(allowance.cpu) || allowance.cpu < 0) return `--executor-cpu must be 0 or more, not ${allowance.cpu}`;
  if (!Number.isInteger(allowance.ramMb) || allowance.ramMb < 0) return `--executor-ram-mb must be a whole number of MiB, 0 or more, not ${allowance.ramMb}`;
  if (!Number.isInteger(allowance.diskMb) || allowance.diskMb < 0) return `--executor-disk-mb must be a whole number of MiB, 0 or more, not ${allowance.diskMb}`;
  return null;
}

function packageVersion(): string {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function serve(options: Options, reader: TaskDocsReader | null): Promise<void> {
  const zoneProblem = timezoneProblem(options.cronTimezone);
  if (zoneProblem) throw new StartupError(`--cron-timezone: ${zoneProblem}`);
  if (!Number.isInteger(options.minRequiredInstancesForSla) || options.minRequiredInstancesForSla < 1) {
    throw new StartupError(`--min-required-instances-for-sla-check must be a whole number, 1 or more, not ${options.minRequiredInstancesForSla}`);
  }
  if (options.slaCoordinatorTimeoutMs <= 0) throw new StartupError('--sla-coordinator-timeout must be more than 0, such as 10s or 1m');
  const allowanceProblem = executorAllowanceProblem(options.executorAllowance);
  if (allowanceProblem) throw new StartupError(allowanceProblem);
  let storage: SqliteStorage;
  try {
    storage = SqliteStorage.openInDataDir(options.dataDir, { reader, init: options.init });
  } catch (e) {
    if (e instanceof StorageOpenError) {
      throw new StartupError(e.message.startsWith('cannot ') ? `${e.message} (set --data-dir to a writable directory)` : e.message);
    }
    throw e;
  }
  let agentSecret: string | null = null;
  if (options.agentSecretFile !== undefined) {
    try {
      const secret = readSecretFile(options.agentSecretFile);
      agentSecret = secret.value;
      if (secret.warning) process.stderr.write(`aurora-scheduler: ${secret.warning}\n`);
    } catch (e) {
      await storage.close();
      throw new StartupError(e instanceof SecretFileError ? e.message : String(e));
    }
  }
  let tls: { cert: string; key: string } | undefined;
  if (options.tlsCert !== undefined || options.tlsKey !== undefined) {
    if (options.tlsCert === undefined || options.tlsKey === undefined) {
      await storage.close();
      throw new StartupError('--tls-cert and --tls-key go together: give both (PEM files) or neither');
    }
    try {
      tls = { cert: readFileSync(options.tlsCert, 'utf8'), key: readFileSync(options.tlsKey, 'utf8') };
    } catch (e) {
      await storage.close();
      throw new StartupError(`cannot read the TLS certificate or key: ${(e as Error).message}`);
    }
  }
  const appOptions = {
    storage,
    agentSecret,
    ...(options.securityIni !== undefined ? { securityIniPath: options.securityIni } : {}),
    restrictReads: options.restrictReads,
    preemption: { delayMs: options.preemptionDelayMs },
    cronTimezone: options.cronTimezone,
    minRequiredInstancesForSla: options.minRequiredInstancesForSla,
    slaCoordinator: { timeoutMs: options.slaCoordinatorTimeoutMs },
    ...(tls ? { tls } : {}),
    clusterName: options.clusterName,
    longPollMs: options.longPollMs,
    agentLostTimeoutMs: options.agentLostTimeoutMs,
    version: packageVersion(),
    flapping: options.flapping,
    allowedEnvironments: options.allowedEnvironments,
    maxInstancesPerJob: options.maxInstancesPerJob,
    history: options.history,
    placement: options.placement,
    maxBodyBytes: options.maxBodyBytes,
    executorAllowance: options.executorAllowance,
    backups: options.backups,
    onRecoveryCommitted: () => void restartAfterRecovery(),
    logger: {
      level: 'info',
      stream: options.logFormat === 'json' ? process.stderr : textLogStream(process.stderr, 'aurora-scheduler'),
    },
  } satisfies SchedulerAppOptions;
  let app: Awaited<ReturnType<typeof createSchedulerApp>>;
  try {
    app = await createSchedulerApp(appOptions);
  } catch (e) {
    await storage.close();
    if (e instanceof SecurityIniError || e instanceof StorageOpenError) throw new StartupError(e.message);
    throw e;
  }
  // Set once the state is loaded (loading grows the heap fast and should not collect at every
  // step): from here V8 collects when the heap has grown this much past its live size. Every
  // change replaces task objects, and the old ones would otherwise pile up as garbage for long.
  if (options.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${options.heapGrowingPercent}`);
  try {
    await app.listen({ host: options.httpHost, port: options.httpPort });
  } catch (e) {
    await app.close().catch(() => {});
    await storage.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(`port ${options.httpPort} on ${options.httpHost} is already in use; choose another with --http-port`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(`cannot listen on host ${options.httpHost}: ${(e as Error).message}; check --http-host`);
    }
    if (code === 'EACCES') {
      throw new StartupError(`not allowed to listen on port ${options.httpPort}; choose a port above 1023 with --http-port`);
    }
    throw e;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`aurora-scheduler: serving cluster ${options.clusterName} at ${tls ? 'https' : 'http'}://${host}:${address.port}\n`);

  let stopping = false;
  /**
   * A committed recovery left the store holding a backup: the scheduler starts again from it
   * in this process (Aurora's scheduler exits for its supervisor to start it again), on the
   * same address, so agents and clients find it where it was.
   */
  async function restartAfterRecovery(): Promise<void> {
    if (stopping) return;
    const old = app;
    old.log.warn('recovery committed: starting again from the store');
    try {
      // Time for the answer to the commit to reach the operator before connections are closed.
      await new Promise((r) => setTimeout(r, 200));
      await old.close();
      app = await createSchedulerApp(appOptions);
      await app.listen({ host: options.httpHost, port: address.port });
      app.log.warn(`serving again from the recovered store at ${tls ? 'https' : 'http'}://${host}:${address.port}`);
    } catch (e) {
      process.stderr.write(`aurora-scheduler: could not start again after the recovery: ${(e as Error).stack ?? String(e)}\n`);
      await storage.close();
      process.exit(1);
    }
  }
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info(`${signal}: shutting down`);
    app
      .close()
      .catch((e: unknown) => app.log.error(e))
      // Nothing is left to keep the event loop alive: the process ends with exit code 0.
      .finally(() => void storage.close());
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function run(argv: string[], reader: TaskDocsReader | null): Promise<void> {
  await yargs(argv)
    .scriptName('aurora-scheduler')
    .usage('$0 [options]\n\nRuns the Aurora scheduler: the job API, the agent channel and the web UI.')
    .options({
      'cluster-name': { type: 'string', default: 'devcluster', describe: 'Name of the cluster this scheduler serves' },
      'data-dir': { type: 'string', default: './.aurora-scheduler', describe: 'Directory of the scheduler database' },
      'http-host': { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' },
      'http-port': { type: 'number', default: DEFAULT_SCHEDULER_PORT, describe: 'Port to listen on; 0 picks a free one' },
      'long-poll-ms': { type: 'number', default: DEFAULT_LONG_POLL_MS, describe: 'Longest an agent sync is held open (at most half of --agent-lost-timeout-ms)' },
      'flapping-threshold-ms': {
        type: 'number',
        default: DEFAULT_FLAPPING_POLICY.thresholdMs,
        describe: 'A task that ends within this long of starting is flapping; its replacement is held back',
      },
      'flapping-initial-delay-ms': { type: 'number', default: DEFAULT_FLAPPING_POLICY.initialDelayMs, describe: 'First hold of a flapping instance' },
      'flapping-max-delay-ms': { type: 'number', default: DEFAULT_FLAPPING_POLICY.maxDelayMs, describe: 'The hold doubles up to this' },
      'lost-initial-delay-ms': {
        type: 'number',
        default: DEFAULT_FLAPPING_POLICY.lostInitialDelayMs,
        describe: 'First hold of an instance whose task was LOST soon after it was assigned; doubles up to --flapping-max-delay-ms',
      },
      'max-instances-per-job': {
        type: 'number',
        default: DEFAULT_MAX_INSTANCES_PER_JOB,
        describe: 'Most instances one job may have (Aurora: -max_tasks_per_job)',
      },
      'history-max-per-job': {
        type: 'number',
        default: DEFAULT_HISTORY_POLICY.maxPerJob,
        describe: 'Ended tasks kept per job; older ones are pruned (Aurora: -history_max_per_job_threshold)',
      },
      'history-prune-threshold': {
        type: 'string',
        default: '2days',
        describe: 'Ended tasks older than this are pruned (Aurora: -history_prune_threshold)',
      },
      'history-min-retention': {
        type: 'string',
        default: '1hrs',
        describe: 'No ended task is pruned sooner than this (Aurora: -history_min_retention_threshold)',
      },
      'placement-mode': {
        choices: ['sampled', 'exhaustive'] as const,
        default: DEFAULT_PLACEMENT.mode,
        describe: 'sampled: best of --placement-sample-size feasible hosts per task; exhaustive: best of all hosts',
      },
      'placement-sample-size': { type: 'number', default: DEFAULT_PLACEMENT.sampleSize, describe: 'Feasible hosts looked at per task in sampled mode' },
      'placement-policy': {
        choices: ['spread', 'binpack'] as const,
        default: DEFAULT_PLACEMENT.policy,
        describe: "After spreading a job's instances: prefer emptier hosts (spread) or fuller ones (binpack)",
      },
      'placement-batch-size': { type: 'number', default: DEFAULT_PLACEMENT.batchSize, describe: 'Most tasks one placement pass places' },
      'security-ini': {
        type: 'string',
        describe: "Users and roles (Apache Shiro's security.ini, as Aurora's -shiro_ini_path): turns on HTTP basic authentication. Without it the cluster runs unauthenticated",
      },
      'restrict-reads': {
        type: 'boolean',
        default: false,
        describe: "Reads need credentials and permissions too (Aurora's reads are open)",
      },
      'preemption-delay-ms': {
        type: 'number',
        default: DEFAULT_PREEMPTION.delayMs,
        describe: 'A pending task that fits nowhere waits this long before it preempts lower-tier work (Aurora: -preemption_delay)',
      },
      'executor-cpu': {
        type: 'number',
        default: DEFAULT_EXECUTOR_ALLOWANCE.cpu,
        describe: "Cpu every task holds on its host and may use on top of its own, for the executor's part of it; quota does not count it (Aurora: -thermos_executor_cpu, 0.25)",
      },
      'executor-ram-mb': {
        type: 'number',
        default: DEFAULT_EXECUTOR_ALLOWANCE.ramMb,
        describe: "MiB of ram every task holds and is limited to on top of its own: the process wrappers, so a task asking for 1 MiB runs; quota does not count it (Aurora: -thermos_executor_ram, 128MB)",
      },
      'executor-disk-mb': {
        type: 'number',
        default: DEFAULT_EXECUTOR_ALLOWANCE.diskMb,
        describe: 'MiB of disk every task holds and may fill on top of its own: the checkpoint and samples the agent keeps in its sandbox; quota does not count it',
      },
      init: {
        type: 'boolean',
        default: false,
        describe: 'Create a new, empty cluster where the database is unusable (empty or corrupt; it is kept beside); without it such a database stops the start',
      },
      'min-required-instances-for-sla-check': {
        type: 'number',
        default: 20,
        describe: "sla_host_drain and SLA-aware updates check count and percentage SLA policies only of production jobs with at least this many active instances (Aurora's -min_required_instances_for_sla_check)",
      },
      'sla-coordinator-timeout': {
        type: 'string',
        default: '10s',
        describe: "A coordinator SLA policy's URL that has not answered within this long said no, for now (Aurora: -sla_coordinator_timeout)",
      },
      'backup-dir': {
        type: 'string',
        describe: "Where backups of the whole state are written (Aurora: -backup_dir) [default: <data-dir>/backups]",
      },
      'backup-interval-ms': {
        type: 'number',
        default: DEFAULT_BACKUP_INTERVAL_MS,
        describe: 'A backup this often (Aurora: -backup_interval, 1 hour); 0 backs up only on demand (aurora_admin scheduler_backup_now)',
      },
      'max-saved-backups': {
        type: 'number',
        default: DEFAULT_MAX_SAVED_BACKUPS,
        describe: 'Backups kept in --backup-dir; older ones are removed (Aurora: -max_saved_backups)',
      },
      'cron-timezone': {
        type: 'string',
        default: 'UTC',
        describe: "The zone cron schedules are read in when their job sets no cronTimezone (Aurora: -cron_timezone)",
      },
      'tls-cert': { type: 'string', describe: 'Serve https with this PEM certificate (with --tls-key)' },
      'tls-key': { type: 'string', describe: 'The PEM private key of --tls-cert' },
      'agent-secret-file': {
        type: 'string',
        describe: "A file (readable by root only) holding the cluster's agent secret; agents must present it to register. Without it any agent is taken",
      },
      'heap-growing-percent': {
        type: 'number',
        default: 50,
        describe: "How far the heap may grow past its live size before V8 collects it (0 keeps V8's own, which lets it grow up to 4 times)",
      },
      'max-body-bytes': { type: 'number', default: DEFAULT_MAX_BODY_BYTES, describe: 'Largest request body; agent syncs may be 8 times larger' },
      'allowed-environments': {
        type: 'string',
        default: '',
        describe: "Environments accepted besides prod, devel, test and staging<N>, comma-separated (as clusters.json's allowed_environments)",
      },
      'log-format': { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Log lines on stderr as text or as JSON' },
      'agent-lost-timeout-ms': {
        type: 'number',
        default: DEFAULT_AGENT_LOST_TIMEOUT_MS,
        describe: "An agent that has not synced for this long is LOST; its tasks go PARTITIONED or LOST per their job's partition policy",
      },
    })
    .check((args) => {
      const port = args['http-port'];
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--http-port must be an integer from 0 to 65535');
      if (!(args['long-poll-ms'] > 0)) throw new Error('--long-poll-ms must be more than 0');
      if (!(args['agent-lost-timeout-ms'] > 0)) throw new Error('--agent-lost-timeout-ms must be more than 0');
      for (const flag of ['max-instances-per-job', 'placement-sample-size', 'placement-batch-size', 'max-body-bytes'] as const) {
        if (!Number.isInteger(args[flag]) || args[flag] < 1) throw new Error(`--${flag} must be a whole number of at least 1`);
      }
      if (!Number.isInteger(args['heap-growing-percent']) || args['heap-growing-percent'] < 0) {
        throw new Error('--heap-growing-percent must be a whole number of 0 or more');
      }
      if (!Number.isInteger(args['max-saved-backups']) || args['max-saved-backups'] < 1) {
        throw new Error('--max-saved-backups must be a whole number of at least 1');
      }
      if (!Number.isInteger(args['backup-interval-ms']) || args['backup-interval-ms'] < 0) {
        throw new Error('--backup-interval-ms must be a whole number of milliseconds, 0 or more');
      }
      if (!Number.isInteger(args['history-max-per-job']) || args['history-max-per-job'] < 0) {
        throw new Error('--history-max-per-job must be a whole number of 0 or more');
      }
      return true;
    })
    // Flags are read by their kebab-case names; camel-case copies would double every error message.
    .parserConfiguration({ 'camel-case-expansion': false })
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      if (error instanceof StartupError || !message) throw error;
      throw new StartupError(`${message} (see aurora-scheduler --help)`);
    })
    .help()
    .version(packageVersion())
    .command(
      '$0',
      'serve',
      () => {},
      (args) =>
        serve(
          {
          clusterName: args['cluster-name'],
          dataDir: args['data-dir'],
          httpHost: args['http-host'],
          httpPort: args['http-port'],
          longPollMs: args['long-poll-ms'],
          agentLostTimeoutMs: args['agent-lost-timeout-ms'],
          logFormat: args['log-format'],
          allowedEnvironments: args['allowed-environments'].split(',').map((e) => e.trim()).filter((e) => e !== ''),
          flapping: {
            thresholdMs: args['flapping-threshold-ms'],
            initialDelayMs: args['flapping-initial-delay-ms'],
            maxDelayMs: args['flapping-max-delay-ms'],
            lostInitialDelayMs: args['lost-initial-delay-ms'],
          },
          maxInstancesPerJob: args['max-instances-per-job'],
          history: {
            maxPerJob: args['history-max-per-job'],
            pruneThresholdMs: parseDuration('history-prune-threshold', args['history-prune-threshold']),
            minRetentionMs: parseDuration('history-min-retention', args['history-min-retention']),
          },
          placement: {
            mode: args['placement-mode'],
            sampleSize: args['placement-sample-size'],
            policy: args['placement-policy'],
            batchSize: args['placement-batch-size'],
          },
          maxBodyBytes: args['max-body-bytes'],
          heapGrowingPercent: args['heap-growing-percent'],
          agentSecretFile: args['agent-secret-file'],
          securityIni: args['security-ini'],
          restrictReads: args['restrict-reads'],
          tlsCert: args['tls-cert'],
          tlsKey: args['tls-key'],
          preemptionDelayMs: args['preemption-delay-ms'],
          executorAllowance: { cpu: args['executor-cpu'], ramMb: args['executor-ram-mb'], diskMb: args['executor-disk-mb'] },
          cronTimezone: args['cron-timezone'],
          minRequiredInstancesForSla: args['min-required-instances-for-sla-check'],
          slaCoordinatorTimeoutMs: parseDuration('sla-coordinator-timeout', args['sla-coordinator-timeout']),
          init: args.init,
          backups: {
            dir: args['backup-dir'] ?? join(args['data-dir'], 'backups'),
            intervalMs: args['backup-interval-ms'],
            keep: args['max-saved-backups'],
          },
          },
          reader,
        ),
    )
    .parseAsync();
}

/** Runs the scheduler with `argv`; `reader` may be reading the store's tasks already. */
export async function main(argv: string[], reader: TaskDocsReader | null): Promise<void> {
  try {
    await run(argv, reader);
  } catch (e) {
    reader?.stop();
    if (e instanceof StartupError) process.stderr.write(`aurora-scheduler: ${e.message}\n`);
    else process.stderr.write(`aurora-scheduler: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
