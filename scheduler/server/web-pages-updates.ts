import type { JobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { cronRunEffect, cronZoneTime, type CronJobView, type CronRun } from '../api/cron-api.js';
import { PATHS } from '../api/routes.js';
import {
  ACTIVE_UPDATE_STATUSES,
  slaHolds,
  updateProgress,
  type InstanceProgress,
  type JobUpdate,
  type UpdateSettings,
  type UpdateStatus,
  type UpdateSummary,
} from '../api/updates-api.js';
import { html, type SafeHtml } from '../../web/html.js';
import { cronAnchor, cronId, crumbs, layout, PLAIN_NAV, specSummary, stateCell, taskAnchor, time, ui, type Nav } from './web-pages.js';

/**
 * The web UI's pages of rolling updates, restarts and cron jobs, in the look of web-pages.ts.
 * Pure: contract types in, HTML out. Read-only: changing an update or a schedule is the
 * client's (`aurora update`, `aurora cron`), whose calls carry the user's credentials.
 */

/** The most updates a list page draws; the API lists the rest. */
export const UPDATES_SHOWN = 500;
/** The most instance events an update page draws (an update keeps up to 10,000). */
export const INSTANCE_EVENTS_SHOWN = 500;
/** An update page in progress reloads itself this often. */
export const UPDATE_REFRESH_SECS = 5;

type JobRef = Pick<JobKey, 'role' | 'environment' | 'name'>;

const jobUrl = (k: JobRef) => ui(k.role, k.environment, k.name);
export const updateUrl = (k: JobRef, id: string) => ui(k.role, k.environment, k.name, 'update', id);
const jobPath = (k: JobRef) => `${k.role}/${k.environment}/${k.name}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const isActive = (status: UpdateStatus) => ACTIVE_UPDATE_STATUSES.has(status);

/** Key-value rows, as the job page's configuration. */
function facts(rows: readonly (readonly [string, unknown])[], cls = ''): SafeHtml {
  return html`<table${cls ? html` class="${cls}"` : ''}>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>\n`)}</table>`;
}

// ---- updates ---------------------------------------------------------------------------

const UPDATE_HEADER = html`<tr><th>Job</th><th>Update ID</th><th>Status</th><th>Created by</th><th>Started</th><th>Last modified</th></tr>`;

function updateRow(u: UpdateSummary, withJob: boolean): SafeHtml {
  const kind = u.kind === 'restart' ? html` <small>restart</small>` : '';
  // Highlighted among a job's updates; the cluster's list has those in progress apart instead.
  const highlight = !withJob && isActive(u.status);
  // Job keys and ids unbroken: they are read and copied whole. Times may break between date and time.
  return html`<tr${highlight ? html` class="active"` : ''}>${withJob ? html`<td class="nowrap"><a href="${jobUrl(u.job)}">${jobPath(u.job)}</a></td>` : ''}<td class="nowrap"><a href="${updateUrl(u.job, u.id)}">${u.id}</a>${kind}</td>
<td>${stateCell(u.status)}</td><td>${u.user}</td><td>${time(u.createdAt)}</td><td>${time(u.lastModifiedAt)}</td></tr>\n`;
}

/**
 * Updates of the cluster or of one role, newest first: those in progress, then those that are
 * over (Aurora's updates page). `more`: there are more than `updates` holds.
 */
export function updatesPage(cluster: string, role: string | null, updates: readonly UpdateSummary[], more: boolean, nav: Nav = PLAIN_NAV): string {
  const active = updates.filter((u) => isActive(u.status));
  const over = updates.filter((u) => !isActive(u.status));
  const table = (list: readonly UpdateSummary[]) => html`<table class="updates">${UPDATE_HEADER}\n${list.map((u) => updateRow(u, true))}</table>`;
  const where = role ? `${cluster}/${role}/ENV/NAME` : `${cluster}/ROLE/ENV/NAME`;
  const body =
    updates.length === 0
      ? html`<p>No updates${role ? html` of ${role}` : ''} yet. Start one with <code>aurora update start ${where} config.aurora.ts</code>.</p>`
      : html`<h2>In progress</h2>
${active.length > 0 ? table(active) : html`<p>None.</p>`}
<h2>Finished</h2>
${over.length > 0 ? table(over) : html`<p>None.</p>`}
${more ? html`<p><small>The newest ${updates.length}; all of them through <code>GET ${PATHS.updates}${role ? `?role=${role}` : ''}</code> or <code>aurora update list ${role ? `${cluster}/${role}` : cluster}</code>.</small></p>` : ''}`;
  return layout(cluster, role ? `Updates of ${role}` : 'Updates', crumbs(cluster, role ?? undefined, undefined, 'updates'), body, { nav });
}

/** `queue of 2`, `batches of 3, pausing after each`, `batches of 1, 2, 5 (the last repeating)`. */
export function describeStrategy(s: UpdateSettings['strategy']): string {
  switch (s.kind) {
    case 'queue':
      return `queue: up to ${plural(s.groupSize, 'instance')} at once, the next starting as one finishes`;
    case 'batch':
      return `batches of ${s.batchSize}, each after the one before has finished${s.autopauseAfterBatch ? '; pauses after each batch' : ''}`;
    case 'variable':
      return `batches of ${s.batchSizes.join(', ')} in turn (the last size repeating)${s.autopauseAfterBatch ? '; pauses after each batch' : ''}`;
  }
}

/** A spec hash as its first 8 characters, the whole one on hover. */
function shortHash(hash: string | null, absent: string): SafeHtml {
  return hash ? html`<code title="${hash}">${hash.slice(0, 8)}</code>` : html`<small>${absent}</small>`;
}

/**
 * One instance's progress; `hold`: why the SLA check holds it (see slaHolds), noted under its
 * status as `aurora update info` notes it.
 */
function instanceRow(u: JobUpdate, i: InstanceProgress, hold: string | undefined): SafeHtml {
  const watched = i.watchTaskId ? html`<a href="${jobUrl(u.job)}#${taskAnchor(i.watchTaskId)}">${i.watchTaskId}</a>` : '';
  const waits = hold === undefined ? '' : html`<br><small class="sla-hold" title="held by the SLA check before its task is taken down">waits: ${hold}</small>`;
  return html`<tr><td>${i.instance}</td><td>${stateCell(i.status)}${waits}</td><td>${i.failures}</td>
<td>${shortHash(i.fromSpecHash, 'none (added)')}</td><td>${shortHash(i.toSpecHash, 'none (removed)')}</td>
<td>${watched}</td><td>${i.healthySince !== null ? time(i.healthySince) : ''}</td></tr>\n`;
}

/**
 * One update or restart: where it stands, what drives it, each instance's progress and the
 * events. Reloads itself while in progress.
 */
export function updatePage(cluster: string, u: JobUpdate, nav: Nav = PLAIN_NAV): string {
  const { role, environment, name } = u.job;
  const active = isActive(u.status);
  const s = u.settings;
  const summary = facts(
    [
      ['Status', html`${stateCell(u.status)}${active ? html` <small>this page reloads every ${UPDATE_REFRESH_SECS} s</small>` : ''}`],
      ['Progress', updateProgress(u)],
      ['Kind', u.kind === 'restart' ? 'restart (instances replaced on the config they run)' : 'update (to a new config)'],
      ['Started by', html`${u.user} <small>at ${time(u.createdAt)}</small>`],
      ['Message', u.message ?? html`<small>none</small>`],
      ['Last modified', time(u.lastModifiedAt)],
      ['Instances', u.fromInstanceCount === u.toInstanceCount ? u.toInstanceCount : `${u.fromInstanceCount} → ${u.toInstanceCount}`],
      ['Config', html`${shortHash(u.fromJobSpecHash, '')} → ${shortHash(u.toSpecHash, '')}`],
    ],
    'summary',
  );
  const settings = facts(
    [
      ['Strategy', describeStrategy(s.strategy)],
      ['Watch', `${s.watchSecs} s RUNNING (and healthy, where a health check applies) before an instance counts as done`],
      ['Failures per instance tolerated', s.maxPerInstanceFailures],
      ['Failed instances tolerated', s.maxTotalFailures],
      ['Roll back on failure', yesNo(s.rollbackOnFailure)],
      [
        'Pulse',
        s.pulseIntervalSecs === null
          ? 'not pulsed'
          : `needs aurora update pulse every ${s.pulseIntervalSecs} s; last pulse ${u.lastPulseAt !== null ? time(u.lastPulseAt) : 'never'}`,
      ],
      ['SLA aware', yesNo(s.slaAware)],
    ],
    'settings',
  );
  const holds = slaHolds(u);
  const instances =
    u.instances.length === 0
      ? html`<p>The update touches no instance.</p>`
      : html`<table class="instances"><tr><th>Instance</th><th>Status</th><th>Failures</th><th>From</th><th>To</th><th>Watched task</th><th>Healthy since</th></tr>
${u.instances.map((i) => instanceRow(u, i, holds.get(i.instance)))}</table>`;
  const updateEvents = html`<table class="events"><tr><th>Time</th><th>Status</th><th>By</th><th>Message</th></tr>
${u.events.map((e) => html`<tr><td>${time(e.at)}</td><td>${stateCell(e.status)}</td><td>${e.user ?? html`<small>the scheduler</small>`}</td><td>${e.message ?? ''}</td></tr>\n`)}</table>`;
  const shown = u.instanceEvents.slice(-INSTANCE_EVENTS_SHOWN);
  const instanceEvents =
    shown.length === 0
      ? html`<p>None yet.</p>`
      : html`${shown.length < u.instanceEvents.length ? html`<p><small>The latest ${shown.length} of ${u.instanceEvents.length}; all of them in <code>GET ${PATHS.jobUpdate(role, environment, name, u.id)}</code>.</small></p>` : ''}
<table class="instance-events"><tr><th>Time</th><th>Instance</th><th>Action</th><th>Message</th></tr>
${shown.map((e) => html`<tr><td>${time(e.at)}</td><td>${e.instance}</td><td>${stateCell(e.action)}</td><td>${e.message ?? ''}</td></tr>\n`)}</table>`;
  const body = html`<p><small>${u.kind} of <a href="${jobUrl(u.job)}">${cluster}/${jobPath(u.job)}</a></small></p>
${summary}
<h2>Instances</h2>
${instances}
<h2>Settings</h2>
${settings}
<h2>Update events</h2>
${updateEvents}
<h2>Instance events</h2>
${instanceEvents}`;
  return layout(
    cluster,
    `${u.kind === 'restart' ? 'Restart' : 'Update'} ${u.id}`,
    crumbs(cluster, role, { environment, name }, html`update ${u.id}`),
    body,
    active ? { refreshSecs: UPDATE_REFRESH_SECS, nav } : { nav },
  );
}

/** Above a job's instances while an update replaces them: which update, and where it stands. */
export function jobUpdateNotice(u: UpdateSummary): SafeHtml {
  return html`<p class="notice">${u.kind === 'restart' ? 'Restart' : 'Update'} <a href="${updateUrl(u.job, u.id)}">${u.id}</a> by ${u.user} is ${stateCell(u.status)} since ${time(u.createdAt)}.</p>`;
}

/** The job page's list of its updates, newest first, the one in progress highlighted. */
export function jobUpdatesSection(key: JobKey, updates: readonly UpdateSummary[]): SafeHtml {
  const list =
    updates.length === 0
      ? html`<p>None. Roll out a new config with <code>aurora update start ${key.cluster}/${jobPath(key)} config.aurora.ts</code>.</p>`
      : html`<table class="updates"><tr><th>Update ID</th><th>Status</th><th>Created by</th><th>Started</th><th>Last modified</th></tr>
${updates.map((u) => updateRow(u, false))}</table>`;
  return html`<h2>Updates</h2>
${list}
<p><small><a href="${ui(key.role, 'updates')}">All updates of ${key.role}</a></small></p>`;
}

// ---- cron ------------------------------------------------------------------------------

/** `2026-01-01 09:00:00Z`, and the time in the schedule's zone where that is another. */
export function cronTime(at: number, timezone: string): SafeHtml {
  const utc = time(at);
  const local = cronZoneTime(at, timezone);
  return local ? html`${utc} <small>(${local} ${timezone})</small>` : html`${utc}`;
}

/** The zone and whose it is: the job's cronTimezone, or the cluster's (--cron-timezone). */
export function zoneOf(c: CronJobView): SafeHtml {
  return html`${c.timezone} <small>(${c.timezoneFromJob ? "the job's" : "the cluster's"})</small>`;
}

/** A row of the last runs: one run, or ticks missed together (noticed at one time) as one. */
type RunRow = { readonly run: CronRun; readonly missed: number; readonly earliest: number };

/**
 * Runs newest first, with consecutive MISSED ticks noticed at the same time folded into one
 * row: a scheduler down for a day misses 1,440 ticks of `* * * * *`, which say one thing. Pure.
 */
export function foldMissed(runs: readonly CronRun[]): RunRow[] {
  const rows: RunRow[] = [];
  for (const run of runs) {
    const prev = rows.at(-1);
    if (run.outcome === 'MISSED' && prev?.run.outcome === 'MISSED' && prev.run.at === run.at) {
      rows[rows.length - 1] = { run: prev.run, missed: prev.missed + 1, earliest: run.scheduledFor ?? run.at };
    } else {
      rows.push({ run, missed: run.outcome === 'MISSED' ? 1 : 0, earliest: run.scheduledFor ?? run.at });
    }
  }
  return rows;
}

function runEffect(row: RunRow): string {
  return cronRunEffect(row.run, `${row.missed > 1 ? `${row.missed} ticks` : 'not run'}: the scheduler was down; noticed ${time(row.run.at)}`);
}

function runRow(c: CronJobView, row: RunRow): SafeHtml {
  const { run } = row;
  const when =
    run.scheduledFor === null
      ? html`${cronTime(run.at, c.timezone)} <small>aurora cron start${run.user ? ` by ${run.user}` : ''}</small>`
      : row.missed > 1
        ? html`${cronTime(row.earliest, c.timezone)} <small>to</small> ${cronTime(run.scheduledFor, c.timezone)}`
        : cronTime(run.scheduledFor, c.timezone);
  return html`<tr${run.outcome === 'MISSED' ? html` class="missed"` : ''}><td>${when}</td><td>${stateCell(run.outcome)}</td><td>${runEffect(row)}</td></tr>\n`;
}

function nextRunsList(c: CronJobView): SafeHtml {
  return c.nextRuns.length === 0 ? html`<small>none</small>` : html`<ul>${c.nextRuns.map((t) => html`<li>${cronTime(t, c.timezone)}</li>`)}</ul>`;
}

function cronSection(c: CronJobView): SafeHtml {
  const rows = foldMissed(c.lastRuns);
  return html`<section class="cron" id="${cronId(c.key)}">
<h2><a href="${jobUrl(c.key)}">${jobPath(c.key)}</a></h2>
${facts([
  ['Schedule', html`<code>${c.schedule}</code>`],
  ['Time zone', zoneOf(c)],
  ['Collision policy', c.collisionPolicy],
  ['Instances', c.instances],
  ['Config', html`<code>${c.specHash}</code>`],
  ['Scheduled by', html`${c.scheduledBy} <small>at ${time(c.scheduledAt)}</small>`],
  ['Active tasks', c.activeTasks],
  ['Next runs', nextRunsList(c)],
])}
<h3>Last runs</h3>
${
  rows.length === 0
    ? html`<p>None yet.</p>`
    : html`<table class="runs"><tr><th>When</th><th>Outcome</th><th>What happened</th></tr>
${rows.map((r) => runRow(c, r))}</table>`
}
</section>`;
}

/** Cron jobs of the cluster or of one role: an overview, then each with its next and last runs. */
export function cronPage(cluster: string, role: string | null, crons: readonly CronJobView[], nav: Nav = PLAIN_NAV): string {
  const where = role ? `${cluster}/${role}/ENV/NAME` : `${cluster}/ROLE/ENV/NAME`;
  const body =
    crons.length === 0
      ? html`<p>No cron jobs${role ? html` of ${role}` : ''}. Schedule one with <code>aurora cron schedule ${where} config.aurora.ts</code>.</p>`
      : html`<table class="cron-jobs"><tr><th>Job</th><th>Schedule</th><th>Time zone</th><th>Collision policy</th><th>Next run</th><th>Last run</th><th>Active tasks</th></tr>
${crons.map((c) => {
  const last = c.lastRuns[0];
  // Times in UTC as on every other page; the job's section below adds the schedule's zone.
  return html`<tr><td class="nowrap"><a href="#${cronId(c.key)}">${jobPath(c.key)}</a></td><td><code>${c.schedule}</code></td><td class="nowrap">${zoneOf(c)}</td><td>${c.collisionPolicy}</td>
<td class="nowrap">${c.nextRuns[0] !== undefined ? time(c.nextRuns[0]) : ''}</td><td class="nowrap">${last ? html`${stateCell(last.outcome)} <small>${time(last.scheduledFor ?? last.at)}</small>` : html`<small>none yet</small>`}</td><td>${c.activeTasks}</td></tr>\n`;
})}</table>
${crons.map(cronSection)}`;
  return layout(cluster, role ? `Cron jobs of ${role}` : 'Cron jobs', crumbs(cluster, role ?? undefined, undefined, 'cron'), body, { nav });
}

/** On a cron job's page: when it runs, and where its runs are listed. */
export function jobCronSection(c: CronJobView): SafeHtml {
  const next = c.nextRuns[0];
  return html`<h2>Cron</h2>
<p class="cron-summary">Runs on <code>${c.schedule}</code> in ${zoneOf(c)}, collision policy ${c.collisionPolicy}; next run ${
    next !== undefined ? cronTime(next, c.timezone) : 'none'
  }. <a href="${cronAnchor(c.key)}">Schedule and runs</a></p>`;
}

/** The page of a cron job with no tasks (it has not run, or its runs are gone): its schedule and config. */
export function cronJobPage(cluster: string, c: CronJobView, spec: JobSpec | null, nav: Nav = PLAIN_NAV): string {
  const { role, environment, name } = c.key;
  const body = html`<p><small>spec ${c.specHash}, scheduled ${time(c.scheduledAt)}</small></p>
${jobCronSection(c)}
<h2>Instances</h2>
<p>No tasks: the job runs on its schedule.</p>
${spec ? html`<h2>Configuration</h2>\n${specSummary(spec)}` : ''}`;
  return layout(cluster, `${cluster}/${role}/${environment}/${name}`, crumbs(cluster, role, { environment, name }), body, { nav });
}
