import type { Argv } from 'yargs';
import type { AgentInfo } from '../scheduler/api/agent-protocol.js';
import type { PruneTasksRequest } from '../scheduler/api/jobs-api.js';
import type { TaskState } from '../scheduler/api/task.js';
import { isTaskState, TASK_STATES, TERMINAL_STATES } from '../client/api/wire.js';
import type { CommandContext } from '../client/cli/context.js';
import { runCommandLine, type CliOptions } from '../client/cli/index.js';
import { InvalidParameterError, NetworkError } from '../client/errors.js';
import type { ExitCode } from '../client/exit-codes.js';
import { terminalSafe } from '../client/cli/terminal-text.js';

/** `aurora-admin` (also `aurora_admin`): operator commands. */
export function createAdminCli(options: CliOptions): { run(): Promise<ExitCode> } {
  return { run: () => runCommandLine('aurora-admin', options, adminCommands) };
}

function adminCommands(y: Argv, ctx: CommandContext): Argv {
  return y
    .command(
      'get_scheduler <cluster>',
      "Print the cluster's scheduler URL and whether it answers",
      (c) => c.positional('cluster', { type: 'string', demandOption: true }),
      (a) => getScheduler(ctx, a.cluster),
    )
    .command(
      'host_status <cluster>',
      "With --hosts or --filename: each host's maintenance mode, as Aurora prints it (' INFO] HOST is in state: MODE' on stderr). Without: the agents the scheduler knows",
      (c) =>
        hostOptions(c)
          .positional('cluster', { type: 'string', demandOption: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      async (a) =>
        a.hosts === undefined && a.filename === undefined
          ? hostStatus(ctx, a.cluster, a.json)
          : (await maintenance()).hostStatus(ctx, a.cluster, (await maintenance()).hostsOf(ctx, a), a.json),
    )
    .command(
      'host_deactivate <cluster>',
      'Put hosts in maintenance (SCHEDULED): they take no new tasks; what runs there stays',
      (c) => hostOptions(c).positional('cluster', { type: 'string', demandOption: true }),
      async (a) => (await maintenance()).deactivate(ctx, a.cluster, (await maintenance()).hostsOf(ctx, a)),
    )
    .command(
      'host_drain <cluster>',
      'Drain hosts a group at a time: their tasks move elsewhere; waits until each group is DRAINED',
      (c) =>
        hostOptions(c)
          .positional('cluster', { type: 'string', demandOption: true })
          .option('grouping', { type: 'string', default: 'by_host', describe: 'drain hosts together: by_host (one at a time) or by_rack (the rack attribute)' })
          .option('post_drain_script', { type: 'string', describe: "run after each group is DRAINED, with the group's hosts as arguments" }),
      async (a) =>
        (await maintenance()).drain(ctx, a.cluster, (await maintenance()).hostsOf(ctx, a), {
          grouping: a.grouping,
          postDrainScript: a.post_drain_script,
        }),
    )
    .command(
      'sla_host_drain <cluster>',
      "Drain hosts while their jobs keep their SLA policies (Aurora's rules); after --force_drain_timeout the rest move",
      (c) =>
        hostOptions(c)
          .positional('cluster', { type: 'string', demandOption: true })
          .option('force_drain_timeout', { type: 'string', default: '7d', describe: 'move the rest without an SLA check this long after the request (0s: at once)' }),
      async (a) => (await maintenance()).slaDrain(ctx, a.cluster, (await maintenance()).hostsOf(ctx, a), a.force_drain_timeout),
    )
    .command(
      'sla_probe_hosts <cluster> <percentage> <duration>',
      "For each production job on the hosts: what share would stay up for DURATION if the hosts went down, as Aurora's (HOST JOB PREDICTED_SLA SAFE? PREDICTED_SAFE_IN)",
      (c) =>
        hostOptions(c)
          .positional('cluster', { type: 'string', demandOption: true })
          .positional('percentage', { type: 'string', demandOption: true, describe: 'percentage of tasks that must stay up, within (0, 100]' })
          .positional('duration', { type: 'string', demandOption: true, describe: 'how long a task must have been up, XdYhZmWs (such as 30m or 1d3h)' })
          .option('grouping', { type: 'string', default: 'by_host', describe: 'hosts that go down together: by_host, by_rack (the rack attribute) or none (all of them)' })
          .option('min_job_instance_count', { type: 'number', default: 10, describe: 'production jobs with fewer live tasks are left out' })
          .option('json', { type: 'boolean', default: false, describe: "print the scheduler's answer as JSON" }),
      async (a) =>
        (await import('./sla.js')).probeHosts(ctx, a.cluster, {
          percentage: a.percentage,
          duration: a.duration,
          hosts: a.hosts,
          filename: a.filename,
          grouping: a.grouping,
          minJobInstanceCount: a.min_job_instance_count,
          json: a.json,
        }),
    )
    .command(
      'sla_list_safe_domain <cluster> <percentage> <duration>',
      "List the hosts whose tasks can go down with every production job keeping PERCENTAGE up for DURATION, as Aurora's",
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .positional('percentage', { type: 'string', demandOption: true, describe: 'percentage of tasks that must stay up, within (0, 100]' })
          .positional('duration', { type: 'string', demandOption: true, describe: 'how long a task must have been up, XdYhZmWs (such as 30m or 1d3h)' })
          .option('exclude_file', { alias: 'X', type: 'string', describe: 'leave these hosts out of the list: a file, one host a line' })
          .option('exclude_hosts', { alias: 'x', type: 'string', describe: 'leave these hosts out of the list, comma-separated' })
          .option('include_file', { alias: 'I', type: 'string', describe: 'look only at jobs on these hosts: a file, one host a line' })
          .option('include_hosts', { alias: 'i', type: 'string', describe: 'look only at jobs on these hosts, comma-separated' })
          .option('override_file', {
            alias: ['o', 'override_jobs'],
            type: 'string',
            describe: "per-job limits instead of PERCENTAGE and DURATION, a line each: 'cluster/role/env/job percentage duration' (such as cl/www-data/prod/hello 95 2h)",
          })
          .option('list_jobs', { alias: 'l', type: 'boolean', default: false, describe: 'a line per job on each host: HOST JOB PREDICTED_SLA DURATION_SECONDS' })
          .option('grouping', { type: 'string', default: 'by_host', describe: 'hosts that go down together (a group is safe only whole): by_host, by_rack or none' })
          .option('min_job_instance_count', { type: 'number', default: 10, describe: 'production jobs with fewer live tasks are left out' })
          .option('json', { type: 'boolean', default: false, describe: "print the safe groups as JSON" }),
      async (a) =>
        (await import('./sla.js')).listSafeDomain(ctx, a.cluster, {
          percentage: a.percentage,
          duration: a.duration,
          excludeFile: a.exclude_file,
          excludeHosts: a.exclude_hosts,
          includeFile: a.include_file,
          includeHosts: a.include_hosts,
          overrideFile: a.override_file,
          listJobs: a.list_jobs,
          grouping: a.grouping,
          minJobInstanceCount: a.min_job_instance_count,
          json: a.json,
        }),
    )
    .command(
      'reconcile_tasks <cluster>',
      "Ask every agent to report every task it runs now, and reconcile them (Aurora's reconcile_tasks)",
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .option('type', { choices: ['explicit', 'implicit'] as const, default: 'explicit' as const, describe: "Aurora's reconciliation types: both are a full report from every agent here" }),
      async (a) => {
        const r = await ctx.client(a.cluster).reconcileTasks();
        ctx.out(`Task reconciliation triggered: ${r.askedNow} of ${r.agents} active agent(s) report now; the others report on their next sync`);
      },
    )
    .command(
      'host_activate <cluster>',
      'End the maintenance of hosts: they take tasks again',
      (c) => hostOptions(c).positional('cluster', { type: 'string', demandOption: true }),
      async (a) => (await maintenance()).activate(ctx, a.cluster, (await maintenance()).hostsOf(ctx, a)),
    )
    .command(
      'query <cluster> [role] [job]',
      "List a job's tasks, a line each in --listformat (Aurora's query); without --force it takes a role, a job and active states",
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .positional('role', { type: 'string' })
          .positional('job', { type: 'string', describe: 'the job name (any environment)' })
          .option('listformat', {
            alias: 'l',
            type: 'string',
            default: '%role%/%jobName%/%instanceId% %status%',
            describe: 'a line per task; placeholders: %taskId% %host% %shard% %role% %name% %environment% %status% (and Aurora\'s %slaveHost% %slaveId% %instanceId% %jobName% %failureCount%)',
          })
          .option('shards', { type: 'string', describe: 'only these instances, comma-separated: 0,2' })
          .option('states', { type: 'string', default: 'RUNNING', describe: `only tasks in these states, comma-separated (${TASK_STATES.join(', ')})` })
          .option('force', { type: 'boolean', default: false, describe: 'allow expensive queries: no role or job, or ended states' }),
      async (a) =>
        (await import('./query.js')).query(ctx, { cluster: a.cluster, role: a.role, job: a.job, listformat: a.listformat, shards: a.shards, states: a.states, force: a.force }),
    )
    .command(
      'prune_tasks <cluster>',
      "Delete ended tasks from the scheduler's history (Aurora's prune_tasks)",
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .option('states', { type: 'string', describe: `only tasks in these ended states, comma-separated (${terminalStates()}) [default: all of them]` })
          .option('role', { type: 'string', describe: 'only tasks of this role' })
          .option('env', { type: 'string', describe: 'only tasks of this environment' })
          .option('job', { type: 'string', describe: 'only tasks of jobs of this name' })
          .option('limit', { type: 'number', describe: 'prune at most this many tasks, oldest first' })
          .option('json', { type: 'boolean', default: false, describe: 'print the pruned task ids as JSON' }),
      (a) => pruneTasks(ctx, a.cluster, pruneRequest(a), a.json),
    )
    .command(
      'get_quota <cluster> <role>',
      "Print a role's quota and what its production and other tasks hold",
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .positional('role', { type: 'string', demandOption: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      async (a) => (await import('../client/cli/quota-actions.js')).printQuota(ctx, a.cluster, a.role, a.json),
    )
    .command(
      'set_quota <cluster> <role> <cpu> <ram> <disk>',
      "Set a role's production quota (Aurora's set_quota): cpus, then ram and disk as sizes such as 4096MB or 2GB",
      (c) => quotaArguments(c),
      async (a) => (await import('./quota.js')).setQuota(ctx, a.cluster, quotaArgs(a), a.json),
    )
    .command(
      'increase_quota <cluster> <role> <cpu> <ram> <disk>',
      "Grow a role's production quota by cpus, ram and disk (one step on the scheduler)",
      (c) => quotaArguments(c),
      async (a) => (await import('./quota.js')).increaseQuota(ctx, a.cluster, quotaArgs(a), a.json),
    )
    .command(
      'scheduler_backup_now <cluster>',
      'Back up the whole scheduler state now, into its backup dir',
      (c) => clusterAndJson(c),
      async (a) => (await backups()).backupNow(ctx, a.cluster, a.json),
    )
    .command(
      'scheduler_list_backups <cluster>',
      'List the backups available for recovery, oldest first',
      (c) => clusterAndJson(c),
      async (a) => (await backups()).listBackups(ctx, a.cluster, a.json),
    )
    .command(
      'scheduler_stage_recovery <cluster> <backup_id>',
      'Read a backup and stage it for recovery (nothing changes until scheduler_commit_recovery)',
      (c) => clusterAndJson(c).positional('backup_id', { type: 'string', demandOption: true, describe: 'a name scheduler_list_backups prints' }),
      async (a) => (await backups()).stageRecovery(ctx, a.cluster, a.backup_id, a.json),
    )
    .command(
      'scheduler_print_recovery_tasks <cluster>',
      "Print the staged recovery's active tasks (Aurora's columns: Role Job Shard Status Task ID)",
      (c) =>
        clusterAndJson(c).option('states', { type: 'string', describe: `only tasks in these states, comma-separated [default: every state but ${terminalStates()}]` }),
      async (a) => (await backups()).printRecoveryTasks(ctx, a.cluster, { states: a.states, json: a.json }),
    )
    .command(
      'scheduler_delete_recovery_tasks <cluster> <task_ids>',
      'Delete tasks from the staged recovery: a comma-separated list of task ids',
      (c) => clusterAndJson(c).positional('task_ids', { type: 'string', demandOption: true }),
      async (a) => (await backups()).deleteRecoveryTasks(ctx, a.cluster, a.task_ids, a.json),
    )
    .command(
      'scheduler_commit_recovery <cluster>',
      'Replace the scheduler state with the staged recovery; the scheduler starts again from it',
      (c) => clusterAndJson(c),
      async (a) => (await backups()).commitRecovery(ctx, a.cluster, a.json),
    )
    .command(
      'scheduler_unload_recovery <cluster>',
      'Drop the staged recovery',
      (c) => clusterAndJson(c),
      async (a) => (await backups()).unloadRecovery(ctx, a.cluster, a.json),
    )
    .command(
      'scheduler_snapshot <cluster>',
      "Compact the scheduler store's log into its snapshot, and wait for it",
      (c) => clusterAndJson(c),
      async (a) => (await backups()).snapshot(ctx, a.cluster, a.json),
    )
    .command(
      'hash_password',
      'Read a password (typed without echo, or piped in) and print its hash for security.ini',
      (c) => c,
      async () => (await import('./hash-password.js')).hashPasswordCommand(ctx),
    );
}

const maintenance = () => import('./maintenance.js');
const backups = () => import('./backups.js');

function clusterAndJson(c: Argv) {
  return c.positional('cluster', { type: 'string', demandOption: true }).option('json', { type: 'boolean', default: false, describe: 'print JSON' });
}

/** `--hosts=h1,h2` or `--filename=FILE`, as Aurora's maintenance commands take them. */
function hostOptions(c: Argv) {
  return c
    .option('hosts', { type: 'string', describe: 'hosts, comma-separated' })
    .option('filename', { type: 'string', describe: 'a file of hosts, one a line' });
}

/** The positionals and options set_quota and increase_quota share. */
function quotaArguments(c: Argv) {
  return c
    .positional('cluster', { type: 'string', demandOption: true })
    .positional('role', { type: 'string', demandOption: true })
    .positional('cpu', { type: 'string', demandOption: true, describe: 'cpus, such as 4 or 0.5' })
    .positional('ram', { type: 'string', demandOption: true, describe: 'such as 4096MB or 4GB (a bare number is bytes, as in Aurora)' })
    .positional('disk', { type: 'string', demandOption: true, describe: 'such as 8192MB or 8GB' })
    .option('gpu', { type: 'number', default: 0, describe: 'gpus' })
    .option('json', { type: 'boolean', default: false, describe: "print the scheduler's answer (quota and use) as JSON" });
}

function quotaArgs(a: { role: string; cpu: string; ram: string; disk: string; gpu: number }) {
  return { role: a.role, cpu: a.cpu, ram: a.ram, disk: a.disk, gpu: a.gpu };
}

/** `FINISHED, FAILED, KILLED, LOST`: the states prune_tasks takes. */
function terminalStates(): string {
  return TASK_STATES.filter((s) => TERMINAL_STATES.has(s)).join(', ');
}

/**
 * `--states FAILED,KILLED` as states. Only ended states can be pruned, as in Aurora: anything else
 * is an InvalidParameterError that names the ones that can. Pure.
 */
export function parsePruneStates(text: string): TaskState[] {
  const names = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidParameterError(`--states is empty; give one or more of ${terminalStates()}`);
  const unknown = names.filter((n) => !isTaskState(n));
  if (unknown.length > 0) {
    throw new InvalidParameterError(`${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length === 1 ? 'is not a task state' : 'are not task states'}; prune_tasks takes ended states: ${terminalStates()}`);
  }
  const states = names as TaskState[];
  const active = states.filter((s) => !TERMINAL_STATES.has(s));
  if (active.length > 0) {
    throw new InvalidParameterError(
      `only ended tasks can be pruned, and ${active.join(', ')} ${active.length === 1 ? 'is not an ended state' : 'are not ended states'}; the ended states are ${terminalStates()}`,
    );
  }
  return [...new Set(states)];
}

/** The prune request of `prune_tasks` flags. Pure. */
export function pruneRequest(a: { states?: string | undefined; role?: string | undefined; env?: string | undefined; job?: string | undefined; limit?: number | undefined }): PruneTasksRequest {
  if (a.limit !== undefined && !(Number.isInteger(a.limit) && a.limit > 0)) {
    throw new InvalidParameterError(`--limit must be a whole number above 0, not ${a.limit}`);
  }
  return {
    ...(a.states !== undefined ? { states: parsePruneStates(a.states) } : {}),
    ...(a.role !== undefined ? { role: a.role } : {}),
    ...(a.env !== undefined ? { environment: a.env } : {}),
    ...(a.job !== undefined ? { name: a.job } : {}),
    ...(a.limit !== undefined ? { limit: a.limit } : {}),
  };
}

async function pruneTasks(ctx: CommandContext, clusterName: string, request: PruneTasksRequest, json: boolean): Promise<void> {
  const res = await ctx.client(clusterName).pruneTasks(request);
  if (json) ctx.json(res);
  else ctx.out('Tasks pruned.');
}

async function getScheduler(ctx: CommandContext, clusterName: string): Promise<void> {
  const client = ctx.client(clusterName);
  ctx.out(`${clusterName}: ${client.baseUrl}`);
  try {
    const h = await client.health();
    const about = [h.cluster && `cluster ${h.cluster}`, h.version && `version ${h.version}`].filter(Boolean).join(', ');
    ctx.out(`health: OK${about ? ` (${about})` : ''}`);
  } catch (err) {
    if (err instanceof NetworkError) ctx.out('health: not answering');
    throw err;
  }
}

/** The `host_status` table. Pure. */
export function formatAgents(agents: readonly AgentInfo[], now: number): string[] {
  if (agents.length === 0) return ['No agents registered'];
  const rows = [...agents]
    .sort((a, b) => a.host.localeCompare(b.host) || a.agentId.localeCompare(b.agentId))
    .map((a) => [
      terminalSafe(a.host),
      terminalSafe(a.agentId),
      a.status,
      String(a.resources.cpu),
      `${a.resources.ramMb} MiB`,
      `${a.resources.diskMb} MiB`,
      String(a.resources.gpu),
      `${new Date(a.lastSeenAt).toISOString()} (${ago(now - a.lastSeenAt)})`,
    ]);
  const header = ['HOST', 'AGENT ID', 'STATUS', 'CPU', 'RAM', 'DISK', 'GPU', 'LAST SEEN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

async function hostStatus(ctx: CommandContext, clusterName: string, json: boolean): Promise<void> {
  const agents = await ctx.client(clusterName).listAgents();
  if (json) return ctx.json(agents);
  for (const line of formatAgents(agents, ctx.now())) ctx.out(line);
}
