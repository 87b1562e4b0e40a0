import type { Argv } from 'yargs';
import type { AgentInfo } from '../scheduler/api/agent-protocol.js';
import type { CommandContext } from '../client/cli/context.js';
import { runCommandLine, type CliOptions } from '../client/cli/index.js';
import { NetworkError } from '../client/errors.js';
import type { ExitCode } from '../client/exit-codes.js';

/** `aurora-admin`: operator commands. Quotas, maintenance and backups come in later issues. */
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
      'Show the agents the scheduler knows: host, agent id, status, resources, last seen',
      (c) =>
        c
          .positional('cluster', { type: 'string', demandOption: true })
          .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      (a) => hostStatus(ctx, a.cluster, a.json),
    );
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
      a.host,
      a.agentId,
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
