/** `aurora-admin host_deactivate|host_drain|host_activate|host_status --hosts=...`: loaded when one runs. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AgentInfo } from '../scheduler/api/agent-protocol.js';
import type { HostStatus } from '../scheduler/api/maintenance-api.js';
import type { CommandContext } from '../client/cli/context.js';
import { CommandFailureError, InvalidParameterError } from '../client/errors.js';

/** The hosts of `--hosts=h1,h2` or `--filename=FILE` (one a line, # comments), as Aurora's. */
export function hostsOf(ctx: CommandContext, a: { hosts?: string | undefined; filename?: string | undefined }): string[] {
  if (a.hosts !== undefined && a.filename !== undefined) throw new InvalidParameterError('give --hosts or --filename, not both');
  let names: string[];
  if (a.hosts !== undefined) names = a.hosts.split(',');
  else if (a.filename !== undefined) {
    let text: string;
    try {
      text = readFileSync(a.filename.startsWith('/') ? a.filename : `${ctx.cwd}/${a.filename}`, 'utf8');
    } catch (e) {
      throw new InvalidParameterError(`cannot read --filename ${a.filename}: ${(e as Error).message}`);
    }
    names = text.split('\n').map((line) => line.replace(/#.*/, ''));
  } else {
    throw new InvalidParameterError('name the hosts: --hosts=h1,h2 or --filename=FILE (one host a line)');
  }
  const hosts = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  if (hosts.length === 0) throw new InvalidParameterError('no host named; --hosts=h1,h2 or a --filename with one host a line');
  return hosts;
}

/** Aurora's log line of a host's mode: ` INFO] <host> is in state: <MODE>` (the 6th field is the mode). */
export function stateLine(s: Pick<HostStatus, 'host' | 'mode'>): string {
  return ` INFO] ${s.host} is in state: ${s.mode}`;
}

export async function hostStatus(ctx: CommandContext, cluster: string, hosts: string[], json: boolean): Promise<void> {
  const statuses = await ctx.client(cluster).maintenanceStatus(hosts);
  if (json) ctx.json(statuses);
  else for (const s of statuses) ctx.err(stateLine(s));
}

export async function deactivate(ctx: CommandContext, cluster: string, hosts: string[]): Promise<void> {
  for (const s of await ctx.client(cluster).changeMaintenance('start', hosts)) ctx.err(stateLine(s));
}

/**
 * `sla_host_drain`: asks the scheduler to drain the hosts while their jobs keep their SLA
 * policies, forced after `--force_drain_timeout`; prints the hosts' modes and what waits, and
 * returns (follow it with host_status, as in Aurora).
 */
export async function slaDrain(ctx: CommandContext, cluster: string, hosts: string[], forceDrainTimeout: string): Promise<void> {
  const timeoutMs = durationMs(forceDrainTimeout);
  const statuses = await ctx.client(cluster).slaDrainHosts(hosts, timeoutMs);
  for (const s of statuses) {
    ctx.err(stateLine(s));
    for (const w of s.waiting ?? []) ctx.err(` INFO]   ${w.taskId} waits: ${w.reason}`);
  }
}

/** `7d`, `30m`, `0s`, `2days` (Aurora's forms): milliseconds, or InvalidParameterError. Pure. */
export function durationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|secs?|m|mins?|h|hrs?|d|days?)\s*$/i.exec(text);
  if (!m) throw new InvalidParameterError(`--force_drain_timeout must be a duration such as 7d, 12h, 30m or 0s, not '${text}'`);
  const unit = m[2]!.toLowerCase();
  const scale = unit === 'ms' ? 1 : unit.startsWith('s') ? 1000 : unit.startsWith('m') ? 60_000 : unit.startsWith('h') ? 3_600_000 : 86_400_000;
  return Math.round(Number(m[1]) * scale);
}

export async function activate(ctx: CommandContext, cluster: string, hosts: string[]): Promise<void> {
  for (const s of await ctx.client(cluster).changeMaintenance('end', hosts)) ctx.err(stateLine(s));
}

export interface DrainArgs {
  readonly grouping: string;
  readonly postDrainScript?: string | undefined;
  /** How often to look while waiting for a group to drain. @default 2000 */
  readonly pollMs?: number;
}

/**
 * Groups of hosts drained together (Aurora's groupings): `by_host`, one host a group, or
 * `by_rack`, the hosts of one `rack` attribute value; hosts with no rack are a group each. Pure.
 */
export function groupHosts(hosts: readonly string[], grouping: string, agents: readonly Pick<AgentInfo, 'host' | 'attributes'>[]): string[][] {
  if (grouping === 'by_host') return hosts.map((h) => [h]);
  if (grouping !== 'by_rack') throw new InvalidParameterError(`--grouping takes by_host or by_rack, not '${grouping}'`);
  const rackOf = new Map(agents.map((a) => [a.host, a.attributes['rack']]));
  const groups = new Map<string, string[]>();
  for (const h of hosts) {
    const key = rackOf.get(h) !== undefined ? `rack ${rackOf.get(h)}` : `host ${h}`;
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return [...groups.values()];
}

/**
 * `host_drain`: drains the hosts a group at a time; each group is waited on until DRAINED (with
 * progress), then `--post_drain_script` runs with the group's hosts as its arguments.
 */
export async function drain(ctx: CommandContext, cluster: string, hosts: string[], a: DrainArgs): Promise<void> {
  const client = ctx.client(cluster);
  const groups = groupHosts(hosts, a.grouping, a.grouping === 'by_host' ? [] : await client.listAgents());
  for (const [i, group] of groups.entries()) {
    ctx.err(` INFO] Draining group ${i + 1} of ${groups.length}: ${group.join(', ')}`);
    let statuses = await client.changeMaintenance('drain', group);
    for (;;) {
      const left = statuses.filter((s) => s.mode !== 'DRAINED');
      if (left.length === 0) break;
      const tasks = left.reduce((n, s) => n + s.activeTasks, 0);
      ctx.err(` INFO] Waiting for ${left.map((s) => s.host).join(', ')} to be DRAINED (${tasks} task(s) left)`);
      await ctx.sleep(a.pollMs ?? 2000);
      statuses = await client.maintenanceStatus(group);
      if (statuses.some((s) => s.mode === 'NONE')) {
        throw new CommandFailureError(`the drain of ${group.join(', ')} was stopped (a host is back in service); nothing more is drained`);
      }
    }
    for (const s of statuses) ctx.err(stateLine(s));
    if (a.postDrainScript) await runScript(ctx, a.postDrainScript, group);
  }
}

function runScript(ctx: CommandContext, script: string, hosts: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(script, hosts, { cwd: ctx.cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (e) => reject(new CommandFailureError(`--post_drain_script ${script} did not start: ${e.message}`)));
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new CommandFailureError(`--post_drain_script ${script} ${hosts.join(' ')} failed (${signal ?? `exit code ${code}`}); the hosts stay DRAINED`)),
    );
  });
}
