import { OBSERVER_PATHS } from '../api.js';
import { html, type SafeHtml } from '../../../web/html.js';
import { crumbTrail, formatBytes, frame } from '../../../web/layout.js';

export { formatBytes };

/** The observer's pages in the product's frame (web/layout.ts), and the small formatters the pages use. */



export interface PageOptions {
  readonly site: Site;
  readonly title: string;
  /** Breadcrumbs above the heading, the last one unlinked. */
  readonly crumbs?: readonly (readonly [string, string | null])[];
  readonly body: SafeHtml;
  /** A script the page needs (the log follower). */
  readonly script?: string;
}

/** What every page knows about where it is served. */
export interface Site {
  /** This agent's host name. */
  readonly host: string;
  /** The scheduler the agent syncs with, for links back to it. */
  readonly schedulerUrl: string | null;
}

export function page(o: PageOptions): string {
  return frame({
    part: 'observer',
    where: o.site.host,
    home: OBSERVER_PATHS.index,
    pages: [
      ['Tasks', OBSERVER_PATHS.index],
      ['Finished', `${OBSERVER_PATHS.index}?finished=all#finished`],
      ['JSON', OBSERVER_PATHS.apiTasks],
      ...(o.site.schedulerUrl ? [['Scheduler', `${o.site.schedulerUrl}/scheduler`] as const] : []),
    ],
    ...(o.crumbs?.length ? { crumbs: crumbTrail(o.crumbs) } : {}),
    title: `${o.title} · ${o.site.host} · Aurora observer`,
    body: o.body,
    ...(o.script ? { script: o.script } : {}),
  });
}

export function badge(value: string): SafeHtml {
  return html`<span class="badge ${value}">${value}</span>`;
}

/** `2024-05-01 12:00:03Z` */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** `3d 4h`, `2h 5m`, `4m 10s`, `12s` */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** `5m ago` with the exact time on hover. */
export function ago(ms: number | null, now: number): SafeHtml {
  if (ms === null) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  const text = now - ms < 1000 ? 'just now' : `${formatDuration(now - ms)} ago`;
  return html`<time datetime="${iso}" title="${formatTime(ms)}">${text}</time>`;
}

/** A duration with the interval on hover. */
export function lasted(from: number, to: number | null, now: number): SafeHtml {
  return html`<span title="${formatTime(from)} → ${to === null ? 'now' : formatTime(to)}">${formatDuration((to ?? now) - from)}</span>`;
}

export function formatCpu(cores: number): string {
  return cores >= 10 ? cores.toFixed(0) : cores >= 1 ? cores.toFixed(1) : Number(cores.toFixed(2)).toString();
}

/** A thin bar of used/reserved, amber past 80 %, red past 100 %. */
export function bar(used: number, reserved: number): SafeHtml {
  if (!(reserved > 0)) return html``;
  const ratio = used / reserved;
  const cls = ratio > 1 ? 'over' : ratio > 0.8 ? 'high' : '';
  return html`<span class="bar" title="${Math.round(ratio * 100)}% of the reservation"><span class="${cls}" style="width:${Math.min(100, Math.round(ratio * 100))}%"></span></span>`;
}

/** `12.5 MiB / 128 MiB ▮▮▯` for a table cell; `—` without a sample. */
export function usageCell(used: number | null, reserved: number, format: (n: number) => string): SafeHtml {
  if (used === null) return html`<span class="muted">—</span>`;
  return html`<span class="usage">${format(used)} <span class="muted">/ ${format(reserved)}</span>${bar(used, reserved)}</span>`;
}

export const MIB = 1024 * 1024;

export function renderError(site: Site, status: number, message: string, back?: readonly [string, string]): string {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Cannot show this' : 'Refused';
  return page({
    site,
    title,
    crumbs: [['Tasks', OBSERVER_PATHS.index], [title, null]],
    body: html`<h1>${title}</h1><p class="error">${message}</p>
<p>${back ? html`<a href="${back[1]}">${back[0]}</a> · ` : ''}<a href="${OBSERVER_PATHS.index}">All tasks on this host</a></p>`,
  });
}
