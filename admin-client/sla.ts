/** `aurora-admin sla_probe_hosts` and `sla_list_safe_domain` (Aurora's): loaded when one runs. */
import { readFileSync } from 'node:fs';
import type { SlaGrouping, SlaProbeHostsResponse, SlaSafeDomainRequest, SlaSafeDomainResponse } from '../scheduler/api/sla-api.js';
import type { CommandContext } from '../client/cli/context.js';
import { parseDurations } from '../client/cli/sla-actions.js';
import { terminalSafe } from '../client/cli/terminal-text.js';
import { InvalidParameterError } from '../client/errors.js';
import { hostsOf } from './maintenance.js';

/** Aurora's admin default of --min_job_instance_count. */
export const DEFAULT_MIN_JOB_INSTANCE_COUNT = 10;
const GROUPINGS: readonly SlaGrouping[] = ['by_host', 'by_rack', 'none'];

/** A percentage within (0, 100], as Aurora's parse_sla_percentage. Pure. */
export function parseSlaPercentage(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 100) {
    throw new InvalidParameterError(`Invalid percentage ${text}. Must be within (0, 100].`);
  }
  return value;
}

/** One `XdYhZmWs` duration in seconds, as Aurora's parse_time. Pure. */
export function parseSlaDuration(text: string): number {
  const parsed = parseDurations(text);
  if (parsed.length !== 1) throw new InvalidParameterError(`'${text}' is not one duration: write XdYhZmWs, such as 30m or 1d3h45m`);
  return parsed[0]!.seconds;
}

export function parseGrouping(text: string): SlaGrouping {
  if (!(GROUPINGS as readonly string[]).includes(text)) throw new InvalidParameterError(`Unknown grouping function ${text}. Must be one of: ${GROUPINGS.join(', ')}`);
  return text as SlaGrouping;
}

function parseMinCount(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidParameterError(`--min_job_instance_count must be a whole number, 1 or more, not ${n}`);
  return n;
}

/**
 * Aurora's --override_file: a line per job, `cluster/role/env/job percentage duration`
 * (`cl/mesos/prod/labrat 95 2h`); blank lines are skipped, `#` starts a comment. A job of
 * another cluster is refused, naming the line. Pure.
 */
export function parseOverrides(text: string, file: string, cluster: string): NonNullable<SlaSafeDomainRequest['overrides']> {
  const out: NonNullable<SlaSafeDomainRequest['overrides']> = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    const tokens = line.split(/\s+/);
    const parts = tokens[0]!.split('/');
    if (tokens.length !== 3 || parts.length !== 4 || parts.some((p) => p === '')) {
      throw new InvalidParameterError(`Invalid line in ${where}: '${line}'; write cluster/role/env/job percentage duration, such as ${cluster}/www-data/prod/hello 95 2h`);
    }
    const [jobCluster, role, environment, name] = parts as [string, string, string, string];
    if (jobCluster !== cluster) throw new InvalidParameterError(`${where}: ${tokens[0]} is a job of cluster ${jobCluster}, not ${cluster}`);
    const percentage = withLine(where, () => parseSlaPercentage(tokens[1]!));
    const durationSecs = withLine(where, () => parseSlaDuration(tokens[2]!));
    out.push({ job: { role, environment, name }, percentage, durationSecs });
  }
  return out;
}

function withLine<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new InvalidParameterError(`${where}: ${(e as Error).message}`);
  }
}

/** Hosts of a list option or a file option, or null when neither is given (Aurora's parse_hostnames_optional). */
function optionalHosts(ctx: CommandContext, list: string | undefined, file: string | undefined, names: string): string[] | null {
  if (list !== undefined && file !== undefined) throw new InvalidParameterError(`give ${names}, not both`);
  if (list === undefined && file === undefined) return null;
  return hostsOf(ctx, list !== undefined ? { hosts: list } : { filename: file });
}

function readText(ctx: CommandContext, file: string, option: string): string {
  try {
    return readFileSync(file.startsWith('/') ? file : `${ctx.cwd}/${file}`, 'utf8');
  } catch (e) {
    throw new InvalidParameterError(`cannot read ${option} ${file}: ${(e as Error).message}`);
  }
}

/** Aurora's line of a probed job: `HOST\tJOB\tPREDICTED_SLA\tSAFE?\tPREDICTED_SAFE_IN`. Pure. */
export function probeLines(res: SlaProbeHostsResponse, formatJob: (job: SlaProbeHostsResponse['groups'][number]['hosts'][number]['jobs'][number]['job']) => string): string[] {
  const out: string[] = [];
  for (const group of res.groups) {
    for (const h of group.hosts) {
      for (const j of h.jobs) {
        const safeIn = j.safeInSecs === null ? 'n/a' : String(j.safeInSecs);
        out.push(`${terminalSafe(h.host)}\t${formatJob(j.job)}\t${j.predictedPercentage.toFixed(2)}\t${j.safe ? 'True' : 'False'}\t${safeIn}`);
      }
    }
  }
  return out;
}

/** Aurora's lines of a safe domain: a host a line, or with `listJobs` `HOST\tJOB\tPERCENTAGE\tDURATION_SECONDS`; excluded hosts left out. Pure. */
export function safeDomainLines(
  res: SlaSafeDomainResponse,
  opts: { listJobs: boolean; exclude: ReadonlySet<string> },
  formatJob: (job: SlaSafeDomainResponse['groups'][number]['hosts'][number]['jobs'][number]['job']) => string,
): string[] {
  const out: string[] = [];
  for (const group of res.groups) {
    for (const h of group.hosts) {
      if (opts.exclude.has(h.host)) continue;
      const host = terminalSafe(h.host);
      if (!opts.listJobs) out.push(host);
      else for (const j of h.jobs) out.push(`${host}\t${formatJob(j.job)}\t${j.percentage.toFixed(2)}\t${Math.trunc(j.durationSecs)}`);
    }
  }
  return out;
}

/** Job keys as Aurora prints them: the cluster named on the command line, then role/env/name. */
const jobPathIn = (cluster: string) => (k: { role: string; environment: string; name: string }) => terminalSafe(`${cluster}/${k.role}/${k.environment}/${k.name}`);

export interface ProbeArgs {
  readonly percentage: string;
  readonly duration: string;
  readonly hosts?: string | undefined;
  readonly filename?: string | undefined;
  readonly grouping: string;
  readonly minJobInstanceCount: number;
  readonly json: boolean;
}

export async function probeHosts(ctx: CommandContext, cluster: string, a: ProbeArgs): Promise<void> {
  const percentage = parseSlaPercentage(a.percentage);
  const durationSecs = parseSlaDuration(a.duration);
  const hosts = hostsOf(ctx, a);
  const grouping = parseGrouping(a.grouping);
  const minInstanceCount = parseMinCount(a.minJobInstanceCount);
  const res = await ctx.client(cluster).slaProbeHosts({ hosts, percentage, durationSecs, minInstanceCount, grouping });
  if (a.json) return ctx.json(res);
  for (const line of probeLines(res, jobPathIn(cluster))) ctx.out(line);
}

export interface SafeDomainArgs {
  readonly percentage: string;
  readonly duration: string;
  readonly excludeFile?: string | undefined;
  readonly excludeHosts?: string | undefined;
  readonly includeFile?: string | undefined;
  readonly includeHosts?: string | undefined;
  readonly overrideFile?: string | undefined;
  readonly listJobs: boolean;
  readonly grouping: string;
  readonly minJobInstanceCount: number;
  readonly json: boolean;
}

export async function listSafeDomain(ctx: CommandContext, cluster: string, a: SafeDomainArgs): Promise<void> {
  const percentage = parseSlaPercentage(a.percentage);
  const durationSecs = parseSlaDuration(a.duration);
  const exclude = optionalHosts(ctx, a.excludeHosts, a.excludeFile, '--exclude_hosts or --exclude_file');
  const include = optionalHosts(ctx, a.includeHosts, a.includeFile, '--include_hosts or --include_file');
  const overrides = a.overrideFile === undefined ? [] : parseOverrides(readText(ctx, a.overrideFile, '--override_file'), a.overrideFile, cluster);
  const grouping = parseGrouping(a.grouping);
  const minInstanceCount = parseMinCount(a.minJobInstanceCount);
  const res = await ctx.client(cluster).slaSafeDomain({
    percentage,
    durationSecs,
    minInstanceCount,
    grouping,
    ...(include ? { includeHosts: include } : {}),
    ...(overrides.length > 0 ? { overrides } : {}),
  });
  const excluded = new Set(exclude ?? []);
  if (a.json) return ctx.json({ groups: res.groups.map((g) => ({ hosts: g.hosts.filter((h) => !excluded.has(h.host)) })).filter((g) => g.hosts.length > 0) });
  for (const line of safeDomainLines(res, { listJobs: a.listJobs, exclude: excluded }, jobPathIn(cluster))) ctx.out(line);
}
