/** `aurora sla`: loaded when one of its commands runs. */
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { InvalidParameterError } from '../errors.js';
import type { CommandContext } from './context.js';
import { parseKeyForCluster } from './compile-spec.js';

const DEFAULT_DURATIONS = '1m,10m,1h,12h,7d';
const DEFAULT_PERCENTILES = '99,95,90,85,75,60,50,30,10';

/** `XdYhZmWs` (each field optional, in that order) in seconds, as Aurora's parse_time_values. Pure. */
export function parseDurations(text: string): { text: string; seconds: number }[] {
  return text.split(',').map((raw) => {
    const t = raw.trim();
    const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(t);
    if (!t || !m || m.slice(1).every((g) => g === undefined)) {
      throw new InvalidParameterError(`'${t}' is not a duration: write XdYhZmWs, each field optional but in that order, such as 1d or 1h3m10s`);
    }
    const [d, h, min, s] = m.slice(1).map((g) => Number(g ?? 0)) as [number, number, number, number];
    return { text: t, seconds: d * 86_400 + h * 3600 + min * 60 + s };
  });
}

/** Percentiles within (0, 100), as Aurora's parse_percentiles. Pure. */
export function parsePercentiles(text: string): number[] {
  return text.split(',').map((raw) => {
    const p = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(p) || p <= 0 || p >= 100) {
      throw new InvalidParameterError(`'${raw.trim()}' is not a percentile: give values within (0, 100), such as 50,75,95.5`);
    }
    return p;
  });
}

/**
 * Each instance's uptime in seconds: how long its current task has been RUNNING (0 if it is not
 * running). Pure.
 */
export function uptimes(tasks: readonly Pick<ScheduledTask, 'instance' | 'state' | 'events'>[], now: number): number[] {
  const byInstance = new Map<number, number>();
  for (const t of tasks) {
    if (byInstance.has(t.instance)) continue; // the newest comes first
    let since: number | null = null;
    if (t.state === 'RUNNING') for (const e of t.events) if (e.state === 'RUNNING') since = e.at;
    byInstance.set(t.instance, since === null ? 0 : Math.max(0, Math.floor((now - since) / 1000)));
  }
  return [...byInstance.values()];
}

/** The percentage of instances up for at least `seconds`. Pure. */
export function taskUpPercentage(up: readonly number[], seconds: number): number {
  return up.length === 0 ? 0 : (100 * up.filter((u) => u >= seconds).length) / up.length;
}

/** The uptime that `percentile` percent of the instances have reached at least. Pure. */
export function uptimeAtPercentile(up: readonly number[], percentile: number): number {
  if (up.length === 0) return 0;
  const sorted = [...up].sort((a, b) => b - a);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function jobUptimes(ctx: CommandContext, jobspec: string): Promise<number[]> {
  const { key } = await parseKeyForCluster(ctx, jobspec);
  const job = await ctx.client(key.cluster).getJob(key);
  return uptimes(job.tasks, ctx.now());
}

export async function taskUpCount(ctx: CommandContext, jobspec: string, durations: string | undefined): Promise<void> {
  const wanted = parseDurations(durations ?? DEFAULT_DURATIONS);
  const up = await jobUptimes(ctx, jobspec);
  for (const d of wanted) ctx.out(`${d.text}\t- ${taskUpPercentage(up, d.seconds).toFixed(2)} %`);
}

export async function jobUptime(ctx: CommandContext, jobspec: string, percentiles: string | undefined): Promise<void> {
  const wanted = parsePercentiles(percentiles ?? DEFAULT_PERCENTILES).sort((a, b) => b - a);
  const up = await jobUptimes(ctx, jobspec);
  for (const p of wanted) ctx.out(`${p} percentile\t- ${uptimeAtPercentile(up, p)} seconds`);
}
