import { OBSERVER_PATHS, type TaskSummary } from '../api.js';
import { html, type SafeHtml } from '../../../web/html.js';
import { ago, badge, formatBytes, formatCpu, lasted, MIB, page, usageCell, type Site } from './layout.js';

/** The tasks on this host: live ones with their use, then the latest finished ones. */

/** Finished tasks listed unless the page asks for all of them. */
export const FINISHED_SHOWN = 100;

export interface TasksPageData {
  readonly active: readonly TaskSummary[];
  /** Already cut to what the page shows. */
  readonly finished: readonly TaskSummary[];
  readonly finishedTotal: number;
  /** The `?job=` filter, if any. */
  readonly filter: string;
  readonly showAll: boolean;
}

const jobName = (t: TaskSummary) => `${t.jobKey.role}/${t.jobKey.environment}/${t.jobKey.name}`;

function taskCell(t: TaskSummary): SafeHtml {
  return html`<a href="${OBSERVER_PATHS.task(t.taskId)}"><b>${jobName(t)}</b>/${t.instance}</a><div class="muted small mono">${t.taskId}</div>`;
}

function health(t: TaskSummary): SafeHtml {
  return html`<span title="${t.healthMessage ?? ''}">${badge(t.health)}</span>`;
}

function activeRow(t: TaskSummary, now: number): SafeHtml {
  const u = t.usage;
  return html`<tr>
<td>${taskCell(t)}</td><td>${badge(t.state)}</td><td>${health(t)}</td><td>${lasted(t.startedAt, null, now)}</td>
<td>${usageCell(u?.cpu ?? null, t.resources.cpu, formatCpu)}</td>
<td>${usageCell(u?.rssBytes ?? null, t.resources.ramMb * MIB, formatBytes)}</td>
<td class="num">${t.runningProcessCount} / ${t.processCount}</td>
</tr>`;
}

function finishedRow(t: TaskSummary, now: number): SafeHtml {
  return html`<tr>
<td>${taskCell(t)}</td><td>${badge(t.state)}</td><td>${ago(t.endedAt, now)}</td><td>${lasted(t.startedAt, t.endedAt, now)}</td>
<td class="muted">${t.message ?? ''}</td>
</tr>`;
}

export function renderTasks(site: Site, d: TasksPageData, now: number): string {
  const filterQuery = d.filter ? `&job=${encodeURIComponent(d.filter)}` : '';
  const active =
    d.active.length === 0
      ? html`<div class="empty">No task is running on this host${d.filter ? ' that matches the filter' : ''}.</div>`
      : html`<table class="grid"><thead><tr><th>Task</th><th>State</th><th>Health</th><th>Uptime</th><th>CPU</th><th>Memory</th><th class="num">Processes</th></tr></thead>
<tbody>${d.active.map((t) => activeRow(t, now))}</tbody></table>`;
  const finished =
    d.finished.length === 0
      ? html`<div class="empty">No finished tasks${d.filter ? ' match the filter' : ''}.</div>`
      : html`<table class="grid"><thead><tr><th>Task</th><th>State</th><th>Ended</th><th>Ran for</th><th>Message</th></tr></thead>
<tbody>${d.finished.map((t) => finishedRow(t, now))}</tbody></table>
${
  d.finished.length < d.finishedTotal
    ? html`<p class="more">Showing the latest ${d.finished.length} of ${d.finishedTotal.toLocaleString('en')}.
<a class="button" href="?finished=all${filterQuery}#finished">Show all ${d.finishedTotal.toLocaleString('en')} finished tasks</a></p>`
    : ''
}`;
  const body = html`<h1>Tasks on ${site.host}</h1>
<div class="toolbar"><span class="muted">${d.active.length} active · ${d.finishedTotal.toLocaleString('en')} finished</span>
<form class="filter" method="get" action="${OBSERVER_PATHS.index}">${d.showAll ? html`<input type="hidden" name="finished" value="all">` : ''}
<input type="search" name="job" value="${d.filter}" placeholder="Filter by role/env/job" aria-label="Filter by job"></form>
${d.filter ? html`<a href="${OBSERVER_PATHS.index}">clear filter</a>` : ''}</div>
<h2 id="active">Active <span class="count">${d.active.length}</span></h2>
${active}
<h2 id="finished">Finished <span class="count">${d.finishedTotal.toLocaleString('en')}</span></h2>
${finished}`;
  return page({ site, title: 'Tasks', body });
}

/** Whether a task matches the page's `?job=` filter (a substring of role/env/name/instance or the task id). */
export function matchesFilter(t: TaskSummary, filter: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return `${jobName(t)}/${t.instance}`.toLowerCase().includes(f) || t.taskId.toLowerCase().includes(f);
}
