import { OBSERVER_PATHS, type ByteRange, type SandboxListingResponse } from '../api.js';
import { html, type SafeHtml } from '../../../web/html.js';
import { ago, formatBytes, page, type Site } from './layout.js';

/** The sandbox browser: a directory's entries, or the text of one file. */

/** How much of a file the page shows; the rest is a download away. */
export const FILE_VIEW_BYTES = 256 * 1024;

function pathCrumbs(taskId: string, jobTitle: string, rel: string): (readonly [string, string | null])[] {
  const parts = rel === '' ? [] : rel.split('/');
  return [
    ['Tasks', OBSERVER_PATHS.index],
    [jobTitle, OBSERVER_PATHS.task(taskId)],
    ['sandbox', parts.length ? OBSERVER_PATHS.files(taskId) : null],
    ...parts.map((name, i) => [name, i < parts.length - 1 ? OBSERVER_PATHS.files(taskId, parts.slice(0, i + 1).join('/')) : null] as const),
  ];
}

function parentOf(rel: string): string {
  return rel.split('/').slice(0, -1).join('/');
}

export function renderListing(site: Site, jobTitle: string, l: SandboxListingResponse, now: number): string {
  const rows: SafeHtml[] = l.entries.map(
    (e) => html`<tr>
<td class="mono"><a href="${OBSERVER_PATHS.files(l.taskId, e.path)}">${e.name}${e.type === 'directory' ? '/' : ''}</a>${
      e.type === 'symlink' ? html` <span class="muted small">symlink</span>` : ''
    }</td>
<td class="num">${e.type === 'directory' ? html`<span class="muted">—</span>` : formatBytes(e.size)}</td>
<td>${ago(e.mtime, now)}</td>
<td>${e.type === 'file' ? html`<a class="muted" href="${OBSERVER_PATHS.download(l.taskId, e.path)}">download</a>` : ''}</td>
</tr>`,
  );
  const up = l.path === '' ? '' : html`<tr><td class="mono"><a href="${OBSERVER_PATHS.files(l.taskId, parentOf(l.path))}">../</a></td><td></td><td></td><td></td></tr>`;
  const body = html`<h1>Sandbox <span class="mono muted">/${l.path}</span></h1>
<table class="grid"><thead><tr><th>Name</th><th class="num">Size</th><th>Modified</th><th></th></tr></thead>
<tbody>${up}${rows}</tbody></table>
${rows.length === 0 ? html`<div class="empty">Empty directory.</div>` : ''}
${l.truncated ? html`<p class="muted">The directory has more entries than are listed here.</p>` : ''}
<p class="small muted"><a href="${OBSERVER_PATHS.apiFiles(l.taskId, l.path)}">JSON</a></p>`;
  return page({ site, title: `sandbox /${l.path}`, crumbs: pathCrumbs(l.taskId, jobTitle, l.path), body });
}

export interface FileViewData {
  readonly taskId: string;
  readonly jobTitle: string;
  readonly path: string;
  readonly mtime: number;
  readonly head: ByteRange;
}

export function renderFile(site: Site, d: FileViewData, now: number): string {
  const binary = d.head.data.includes('\0');
  const cut = d.head.next < d.head.size;
  const body = html`<h1 class="mono">${d.path.split('/').pop()}</h1>
<div class="toolbar"><a class="button" href="${OBSERVER_PATHS.download(d.taskId, d.path)}" download>Download</a>
<a class="button" href="${OBSERVER_PATHS.files(d.taskId, parentOf(d.path))}">Up</a>
<span class="muted">${formatBytes(d.head.size)} · modified ${ago(d.mtime, now)}</span></div>
${
  binary
    ? html`<div class="empty">A binary file: download it to look inside.</div>`
    : html`${cut ? html`<p class="muted small">Showing the first ${formatBytes(d.head.next)} of ${formatBytes(d.head.size)}; download the whole file.</p>` : ''}
<pre class="log">${d.head.data}</pre>`
}`;
  return page({ site, title: d.path, crumbs: pathCrumbs(d.taskId, d.jobTitle, d.path), body });
}
