import type { RecoveryStatus } from '../api/backup-api.js';
import type { BackupSettings } from '../service/backups.js';
import type { BackupFileInfo } from '../storage/backup-dir.js';
import { html, type SafeHtml } from '../../web/html.js';
import { formatBytes } from '../../web/layout.js';
import { crumbs, layout, time, type Nav } from './web-pages.js';

/**
 * The web UI's page of backups, for operators: where and how often the scheduler backs up, the
 * backups it keeps, and the recovery staged from one. Pure: data in, HTML out. Read-only: making
 * a backup and every step of a recovery are aurora-admin's verbs, which the page names.
 */

export interface BackupsView {
  /** null: the scheduler keeps no backups (no --backup-dir). */
  readonly settings: BackupSettings | null;
  /** Oldest first, as the backup dir lists them. */
  readonly backups: readonly BackupFileInfo[];
  /** The staged recovery, or the permission that shows it where the user lacks it. */
  readonly recovery: { readonly status: RecoveryStatus } | { readonly needs: string };
}

/** `1 h`, `90 min`, `45 s`: the largest unit the interval is a whole number of, else milliseconds. */
export function interval(ms: number): string {
  for (const [unit, n] of [['h', 3_600_000], ['min', 60_000], ['s', 1_000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n} ${unit}`;
  }
  return `${ms} ms`;
}

function settingsTable(s: BackupSettings): SafeHtml {
  const rows: [string, unknown][] = [
    ['Backup dir', html`<code>${s.dir}</code> <small>--backup-dir</small>`],
    [
      'Interval',
      s.intervalMs > 0
        ? html`every ${interval(s.intervalMs)} <small>--backup-interval-ms ${s.intervalMs}</small>`
        : html`only on demand <small>--backup-interval-ms 0</small>`,
    ],
    ['Kept', html`the newest ${s.keep}; older ones are removed after each backup <small>--max-saved-backups ${s.keep}</small>`],
  ];
  return html`<table class="backup-settings">${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>\n`)}</table>`;
}

const COUNTS: readonly (readonly [keyof NonNullable<RecoveryStatus['staged']>['counts'], string])[] = [
  ['jobs', 'Jobs'],
  ['tasks', 'Tasks'],
  ['specs', 'Specs'],
  ['agents', 'Agents'],
  ['quotas', 'Quotas'],
  ['updates', 'Updates'],
  ['cronJobs', 'Cron jobs'],
  ['maintenance', 'Hosts in maintenance'],
];

function recoverySection(cluster: string, recovery: BackupsView['recovery']): SafeHtml {
  if ('needs' in recovery) {
    return html`<p><small>Whether a recovery is staged is shown to users with the permission <code>${recovery.needs}</code>.</small></p>`;
  }
  const staged = recovery.status.staged;
  if (!staged) return html`<p class="recovery">No backup is staged for recovery.</p>`;
  return html`<p class="recovery notice">Backup <code>${staged.backup}</code> is staged for recovery: nothing has changed yet. Commit it with
<code>aurora-admin scheduler_commit_recovery ${cluster}</code> or drop it with <code>aurora-admin scheduler_unload_recovery ${cluster}</code>.</p>
<table class="recovery-facts"><tr><th>Backup</th><td><code>${staged.backup}</code></td></tr>
<tr><th>Taken</th><td>${time(staged.createdAt)}</td></tr>
<tr><th>Written by</th><td>scheduler ${staged.writtenBy}</td></tr></table>
<table class="recovery-counts"><tr>${COUNTS.map(([, label]) => html`<th>${label}</th>`)}</tr>
<tr>${COUNTS.map(([key]) => html`<td>${staged.counts[key]}</td>`)}</tr></table>`;
}

/** The mutating verbs, each with what it does: the page itself changes nothing. */
function commands(cluster: string): SafeHtml {
  const verbs: [string, string][] = [
    [`scheduler_backup_now ${cluster}`, 'a backup now; prints its name'],
    [`scheduler_stage_recovery ${cluster} BACKUP`, 'read a backup into a staging area; nothing changes yet'],
    [`scheduler_print_recovery_tasks ${cluster}`, "the staged recovery's active tasks"],
    [`scheduler_delete_recovery_tasks ${cluster} ID1,ID2`, 'drop tasks from it'],
    [`scheduler_commit_recovery ${cluster}`, 'replace the state with it; the scheduler starts again from it'],
    [`scheduler_unload_recovery ${cluster}`, 'drop it'],
  ];
  return html`<table class="backup-commands">${verbs.map(([verb, what]) => html`<tr><td><code>aurora-admin ${verb}</code></td><td>${what}</td></tr>\n`)}</table>`;
}

export function backupsPage(cluster: string, view: BackupsView, nav: Nav): string {
  const staged = 'status' in view.recovery ? view.recovery.status.staged?.backup : undefined;
  const newestFirst = [...view.backups].reverse();
  const list =
    newestFirst.length === 0
      ? html`<p>No backups yet. Make one with <code>aurora-admin scheduler_backup_now ${cluster}</code>.</p>`
      : html`<table class="backups"><tr><th>Name</th><th>Written</th><th>Size</th></tr>
${newestFirst.map(
  (b) => html`<tr><td><code>${b.name}</code>${b.name === staged ? html` <span class="state SCHEDULED">staged</span>` : ''}</td><td class="nowrap">${time(b.writtenAt)}</td><td class="nowrap">${formatBytes(b.bytes)}</td></tr>\n`,
)}</table>`;
  const body = view.settings
    ? html`<p><small>This page only reads: backups are made, and recovered from, with <code>aurora-admin</code> (below).</small></p>
<h2>Settings</h2>
${settingsTable(view.settings)}
<h2>Backups <small>newest first</small></h2>
${list}
<h2>Recovery</h2>
${recoverySection(cluster, view.recovery)}
<h2>Commands</h2>
${commands(cluster)}`
    : html`<p>This scheduler keeps no backups: start it with <code>--backup-dir DIR</code>.</p>`;
  return layout(cluster, 'Backups', crumbs(cluster, undefined, undefined, 'backups'), body, { nav });
}
