/** Output of `aurora update` and `aurora job restart`. Pure: data in, lines out. */
import { componentProblem, formatJobKey } from '../../dsl/key.js';
import {
  slaHolds,
  UPDATE_STATUS_GROUPS,
  UPDATE_STATUSES,
  updateProgress,
  type InstanceProgress,
  type JobUpdate,
  type UpdateStatus,
  type UpdateSummary,
} from '../../scheduler/api/updates-api.js';
import { terminalSafe as safe } from './terminal-text.js';
import { InvalidCommandError, InvalidParameterError } from '../errors.js';

/**
 * A time as Aurora's client prints update times, `datetime.utcfromtimestamp(ms / 1000).isoformat()`:
 * UTC without a zone, microseconds only when there is a fraction of a second.
 */
export function auroraTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-01T00:00:00.123Z
  const millis = iso.slice(20, 23);
  return millis === '000' ? iso.slice(0, 19) : `${iso.slice(0, 19)}.${millis}000`;
}

/** Aurora's columns of `aurora update list`, with their widths. */
const LIST_COLUMNS: readonly (readonly [string, number])[] = [
  ['JOB', 47],
  ['UPDATE ID', 36],
  ['STATUS', 15],
  ['CREATED BY', 11],
  ['STARTED', 19],
  ['LAST MODIFIED', 19],
];

/** One row in Aurora's fixed-width format (Python's `'{0:47} {1:36} ...'`: padded, never cut); no trailing blanks. */
function listRow(cells: readonly string[]): string {
  return cells.map((c, i) => c.padEnd(LIST_COLUMNS[i]?.[1] ?? 0)).join(' ').trimEnd();
}

/** `aurora update list`: a header and a row per update, or nothing at all when there are none (as Aurora). */
export function formatUpdateList(updates: readonly UpdateSummary[]): string[] {
  if (updates.length === 0) return [];
  return [
    listRow(LIST_COLUMNS.map(([name]) => name)),
    ...updates.map((u) =>
      listRow([formatJobKey(u.job), u.id, u.status, u.user, auroraTimestamp(u.createdAt), auroraTimestamp(u.lastModifiedAt)]),
    ),
  ];
}

/** `aurora update list --write-json`: Aurora's objects. */
export function updateListJson(updates: readonly UpdateSummary[]): object[] {
  return updates.map((u) => ({
    job: formatJobKey(u.job),
    id: u.id,
    user: u.user,
    started: auroraTimestamp(u.createdAt),
    last_modified: auroraTimestamp(u.lastModifiedAt),
    status: u.status,
  }));
}

/** What `aurora update list` lists: `cluster[/role[/environment[/name]]]`. */
export interface UpdateFilter {
  readonly cluster: string;
  readonly role?: string;
  readonly environment?: string;
  readonly name?: string;
}

const FILTER_PARTS = ['cluster', 'role', 'environment', 'name'] as const;

/** Parses an update filter; InvalidParameterError saying which part is wrong. */
export function parseUpdateFilter(text: string): UpdateFilter {
  const parts = text.split('/');
  if (parts.length > 4 || parts.some((p) => p === '')) {
    throw new InvalidParameterError(`'${text}' is not an update filter: expected CLUSTER[/ROLE[/ENV[/NAME]]], for example devcluster/www-data`);
  }
  const problem = parts.map((p, i) => componentProblem(FILTER_PARTS[i] as string, p)).find((p) => p !== undefined);
  if (problem) throw new InvalidParameterError(`'${text}' is not a valid update filter: ${problem}`);
  const [cluster, role, environment, name] = parts as [string, string?, string?, string?];
  return { cluster, ...(role ? { role } : {}), ...(environment ? { environment } : {}), ...(name ? { name } : {}) };
}

/** The `--status` values `aurora update list` takes: Aurora's groups, then the statuses. */
export const STATUS_CHOICES: readonly string[] = [...Object.keys(UPDATE_STATUS_GROUPS), ...UPDATE_STATUSES];

/**
 * The statuses `--status` values name (each a status or one of Aurora's groups), in the order
 * of UPDATE_STATUSES; empty for none (every status). InvalidCommandError for an unknown value.
 */
export function resolveStatuses(values: readonly string[]): UpdateStatus[] {
  const wanted = new Set<UpdateStatus>();
  for (const v of values) {
    const group = Object.hasOwn(UPDATE_STATUS_GROUPS, v) ? UPDATE_STATUS_GROUPS[v] : undefined;
    if (group) for (const s of group) wanted.add(s);
    else if ((UPDATE_STATUSES as readonly string[]).includes(v)) wanted.add(v as UpdateStatus);
    else throw new InvalidCommandError(`--status ${v} is neither an update status nor a group; choose from ${STATUS_CHOICES.join(', ')}`);
  }
  return UPDATE_STATUSES.filter((s) => wanted.has(s));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line of where an update stands: `ROLLING_FORWARD: 1/3 instances updated, 1 failure`, and
 * the first instance the SLA holds, with why: `; instance 3 waits: count policy needs 2 other
 * instances RUNNING for 60s, 1 is (and 1 more instance waits)`.
 */
export function updateProgressLine(u: JobUpdate): string {
  const line = `${u.status}: ${updateProgress(u)}`;
  const holds = [...slaHolds(u)];
  const first = holds[0];
  if (first === undefined) return line;
  const more = holds.length > 1 ? ` (and ${plural(holds.length - 1, 'more instance')} ${holds.length === 2 ? 'waits' : 'wait'})` : '';
  return `${line}; instance ${first[0]} waits: ${safe(first[1])}${more}`;
}

/** `  Instance 2: PENDING, 0 failures (added)`, `  Instance 3: UPDATING, 0 failures; waits: REASON` */
function instanceLine(i: InstanceProgress, hold: string | undefined): string {
  const change = i.fromSpecHash === null ? ' (added)' : i.toSpecHash === null ? ' (removed)' : '';
  const waits = hold === undefined ? '' : `; waits: ${safe(hold)}`;
  return `  Instance ${i.instance}: ${i.status}, ${plural(i.failures, 'failure')}${change}${waits}`;
}

/**
 * `aurora update info`: Aurora's Job/UpdateID, Started/last activity and Current status lines,
 * then each instance's progress, the update's events and the instances' events.
 */
export function formatUpdateInfo(u: JobUpdate): string[] {
  const lines = [
    `Job: ${formatJobKey(u.job)}, UpdateID: ${u.id}`,
    `Started ${auroraTimestamp(u.createdAt)}, last activity: ${auroraTimestamp(u.lastModifiedAt)}`,
    `Current status: ${u.status}`,
    `${u.kind === 'restart' ? 'Restart' : 'Update'} by ${u.user}${u.message ? `: ${safe(u.message)}` : ''}`,
    `Progress: ${updateProgress(u)}`,
  ];
  if (u.instances.length > 0) {
    const holds = slaHolds(u);
    lines.push('Instances:');
    for (const i of u.instances) lines.push(instanceLine(i, holds.get(i.instance)));
  }
  if (u.events.length > 0) {
    lines.push('Update events:');
    for (const e of u.events) {
      lines.push(`  Status: ${e.status} at ${auroraTimestamp(e.at)}${e.user ? ` by ${e.user}` : ''}`);
      if (e.message) lines.push(`      message: ${safe(e.message)}`);
    }
  }
  if (u.instanceEvents.length > 0) {
    lines.push('Instance events:');
    for (const e of u.instanceEvents) {
      lines.push(`  Instance ${e.instance} at ${auroraTimestamp(e.at)}: ${e.action}${e.message ? `: ${safe(e.message)}` : ''}`);
    }
  }
  return lines;
}

/**
 * `aurora update info --write-json`: Aurora's fields, and each instance's progress, with why the
 * SLA holds it (`slaHold`, null when nothing holds it).
 */
export function updateInfoJson(u: JobUpdate): object {
  const holds = slaHolds(u);
  return {
    updateId: u.id,
    job: formatJobKey(u.job),
    kind: u.kind,
    user: u.user,
    message: u.message,
    started: u.createdAt,
    last_modified: auroraTimestamp(u.lastModifiedAt),
    status: u.status,
    settings: u.settings,
    instances: u.instances.map((i) => ({
      instance: i.instance,
      status: i.status,
      failures: i.failures,
      fromSpecHash: i.fromSpecHash,
      toSpecHash: i.toSpecHash,
      slaHold: holds.get(i.instance) ?? null,
    })),
    update_events: u.events.map((e) => ({ status: e.status, timestampMs: e.at, ...(e.user ? { user: e.user } : {}), ...(e.message ? { message: e.message } : {}) })),
    instance_update_events: u.instanceEvents.map((e) => ({ instance: e.instance, timestamp: e.at, action: e.action, ...(e.message ? { message: e.message } : {}) })),
  };
}

/**
 * Why an ended update did not end as asked: its failed instances with their failures and last
 * event, then how its status changed after it started (who paused, rolled back or aborted it, and
 * the updater's reasons).
 */
export function updateFailureDetails(u: JobUpdate): string[] {
  const lastEventOf = new Map<number, string>();
  for (const e of u.instanceEvents) if (e.message) lastEventOf.set(e.instance, e.message);
  const lines = u.instances
    .filter((i) => i.status === 'FAILED')
    .map((i) => `  instance ${i.instance}: FAILED after ${plural(i.failures, 'failure')}${lastEventOf.has(i.instance) ? `: ${safe(lastEventOf.get(i.instance) ?? '')}` : ''}`);
  for (const e of u.events.slice(1)) lines.push(`  ${e.status}${e.user ? ` by ${e.user}` : ''}${e.message ? `: ${safe(e.message)}` : ''}`);
  return lines;
}
