import { formatJobKey } from '../../dsl/key.js';
import type { JobDetail, JobSummary } from '../../scheduler/api/jobs-api.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { formatCounts, isTerminal, lastEvent, taskReason } from './tasks.js';
import { terminalSafe as safe } from './terminal-text.js';

/**
 * Human-readable output of job commands. Pure: data in, lines out, each task in linear time.
 * What the cluster wrote (hosts, task ids, messages, reasons) is printed terminal-safe.
 */

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function jobKind(s: JobSummary): string {
  return s.cronSchedule !== null ? `cron '${s.cronSchedule}'` : s.service ? 'service' : 'job';
}

/** `devcluster/www-data/prod/hello  service  1 instance  1 RUNNING` */
export function formatJobLine(s: JobSummary): string {
  return `${formatJobKey(s.key)}  ${jobKind(s)}  ${plural(s.instances, 'instance')}  ${formatCounts(s.taskCounts)}`;
}

/** The observer's page of a task. */
export function observerTaskUrl(t: ScheduledTask): string | undefined {
  return t.observerUrl ? `${t.observerUrl.replace(/\/+$/, '')}/task/${encodeURIComponent(t.taskId)}` : undefined;
}

function formatPorts(ports: Readonly<Record<string, number>>): string | undefined {
  const entries = Object.entries(ports).sort(([a], [b]) => a.localeCompare(b));
  return entries.length > 0 ? entries.map(([k, v]) => `${safe(k)}=${v}`).join(', ') : undefined;
}

/** One task, as `aurora job status` prints it. */
export function formatTask(t: ScheduledTask): string[] {
  const where = t.host ? ` on ${safe(t.host)}` : '';
  const reason = t.state === 'PENDING' && t.pendingReason ? `: ${safe(t.pendingReason)}` : '';
  const lines = [`  instance ${t.instance}: ${t.state}${where}${reason}`, `    task id: ${safe(t.taskId)}`];
  const ports = formatPorts(t.ports);
  if (ports) lines.push(`    ports: ${ports}`);
  if (t.health !== 'UNKNOWN') lines.push(`    health: ${t.health}`);
  if (t.failureCount > 0) lines.push(`    earlier failures: ${t.failureCount}`);
  const last = lastEvent(t);
  if (last) lines.push(`    last event: ${last.state} at ${isoTime(last.at)}${last.message ? `: ${safe(last.message)}` : ''}`);
  const observer = observerTaskUrl(t);
  if (observer) lines.push(`    observer: ${safe(observer)}`);
  return lines;
}

function firstEventAt(t: ScheduledTask): number {
  return t.events[0]?.at ?? 0;
}

/**
 * A job's tasks as Aurora's `aurora job status` splits them: active (not ended) and inactive
 * (ended: an instance's earlier runs, and current tasks that ended), each by instance, the newest
 * run of an instance first. Pure.
 */
export function splitTasks(tasks: readonly ScheduledTask[]): { active: ScheduledTask[]; inactive: ScheduledTask[] } {
  const byInstance = (a: ScheduledTask, b: ScheduledTask): number => a.instance - b.instance || firstEventAt(b) - firstEventAt(a);
  const active: ScheduledTask[] = [];
  const inactive: ScheduledTask[] = [];
  for (const t of tasks) (isTerminal(t.state) ? inactive : active).push(t);
  return { active: active.sort(byInstance), inactive: inactive.sort(byInstance) };
}

/** `aurora job status`: the job, then its active tasks and its inactive (ended) ones, as Aurora's. */
export function formatJobStatus(job: JobDetail, jobPageUrl: string): string[] {
  const s = job.summary;
  const r = job.spec.task.resources;
  const { active, inactive } = splitTasks(job.tasks);
  const lines = [
    `Job ${formatJobKey(s.key)}: ${jobKind(s)}, ${plural(s.instances, 'instance')}, ${formatCounts(s.taskCounts)}`,
    `  created ${isoTime(s.createdAt)}, config ${s.specHash}`,
    `  resources per instance: cpu ${r.cpu}, ram ${r.ramMb} MiB, disk ${r.diskMb} MiB${r.gpu ? `, gpu ${r.gpu}` : ''}`,
    `  page: ${jobPageUrl}`,
    `Active tasks (${active.length}):`,
  ];
  for (const t of active) for (const line of formatTask(t)) lines.push(line);
  lines.push(`Inactive tasks (${inactive.length}):`);
  for (const t of inactive) for (const line of formatTask(t)) lines.push(line);
  return lines;
}

/** `  instance 0: FAILED: Process hello exited with status 1` */
export function formatOutcome(t: ScheduledTask): string {
  const why = taskReason(t);
  return `  instance ${t.instance}: ${t.state}${why ? `: ${safe(why)}` : ''}`;
}
