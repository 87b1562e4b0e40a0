import { OBSERVER_PATHS, type ByteRange, type ObservedRun } from '../api.js';
import { html } from '../../../web/html.js';
import { badge, formatBytes, page, type Site } from './layout.js';

/**
 * A log that follows as the process writes: the page renders the tail, then a small script asks
 * the JSON endpoint for the bytes after the last offset once a second while the run is RUNNING.
 */

/** How much of the log the page starts with. */
export const LOG_PAGE_TAIL = 64 * 1024;

/** The follower. It only appends text nodes, so nothing in a log becomes markup. */
export const FOLLOW_SCRIPT = `
(() => {
  const log = document.getElementById('log');
  const button = document.getElementById('follow');
  const status = document.getElementById('status');
  const src = log.dataset.src;
  const interval = Number(log.dataset.interval) || 1000;
  const KEEP = 2 * 1024 * 1024;
  let next = Number(log.dataset.next);
  let live = log.dataset.live === 'true';
  let following = live;
  let timer = null;
  log.scrollTop = log.scrollHeight;
  const show = (text) => { status.textContent = text; };
  const render = () => {
    button.disabled = !live;
    button.textContent = following ? 'Pause' : 'Follow';
    show(!live ? 'The run is over: not following.' : following ? 'Following…' : 'Paused.');
  };
  const schedule = (ms) => { clearTimeout(timer); timer = following ? setTimeout(poll, ms) : null; };
  async function poll() {
    try {
      const res = await fetch(src + '?offset=' + next + '&length=262144', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const body = await res.json();
      if (body.size < next) { log.textContent = ''; next = 0; schedule(0); return; }
      if (body.data) {
        const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
        log.append(body.data);
        if (log.textContent.length > KEEP) log.textContent = log.textContent.slice(-KEEP);
        if (stick) log.scrollTop = log.scrollHeight;
      }
      next = body.next;
      log.dataset.next = String(next);
      if (body.runState !== 'RUNNING' && next >= body.size) { live = false; following = false; render(); return; }
      render();
      schedule(next < body.size ? 0 : interval);
    } catch (err) {
      show('Cannot read the log (' + err.message + '); trying again.');
      schedule(interval * 3);
    }
  }
  button.addEventListener('click', () => {
    following = !following;
    render();
    if (following) { log.scrollTop = log.scrollHeight; schedule(0); } else schedule(0);
  });
  render();
  schedule(interval);
})();
`;

export interface LogPageData {
  readonly taskId: string;
  readonly jobTitle: string;
  readonly process: string;
  readonly run: ObservedRun;
  readonly stream: 'stdout' | 'stderr';
  readonly tail: ByteRange;
  /** Poll interval of the follower. @default 1000 */
  readonly intervalMs?: number;
}

export function renderLogPage(site: Site, d: LogPageData): string {
  const other = d.stream === 'stdout' ? 'stderr' : 'stdout';
  const live = d.run.state === 'RUNNING';
  const body = html`<h1>${d.process} <span class="muted">run ${d.run.run}</span> ${badge(d.run.state)}</h1>
<p class="sub mono">${d.run.cmdline}</p>
<div class="toolbar">
<span><a class="button current" href="${OBSERVER_PATHS.logPage(d.taskId, d.process, d.run.run, d.stream)}">${d.stream}</a>
<a class="button" href="${OBSERVER_PATHS.logPage(d.taskId, d.process, d.run.run, other)}">${other}</a></span>
<button class="button" id="follow" type="button">${live ? 'Pause' : 'Follow'}</button>
<a class="button" id="download" href="${OBSERVER_PATHS.log(d.taskId, d.process, d.run.run, d.stream)}?download=1" download>Download</a>
<a class="button" href="${OBSERVER_PATHS.log(d.taskId, d.process, d.run.run, d.stream)}">Raw</a>
<span class="muted small" id="status">${live ? 'Following…' : 'The run is over: not following.'}</span>
<span class="muted small">${d.tail.offset > 0 ? `showing the last ${formatBytes(d.tail.size - d.tail.offset)} of ${formatBytes(d.tail.size)}` : formatBytes(d.tail.size)}</span>
</div>
<pre class="log" id="log" data-src="${OBSERVER_PATHS.apiLogData(d.taskId, d.process, d.run.run, d.stream)}" data-next="${d.tail.next}" data-live="${String(live)}" data-interval="${d.intervalMs ?? 1000}">${d.tail.data}</pre>`;
  return page({
    site,
    title: `${d.process} ${d.stream}`,
    crumbs: [
      ['Tasks', OBSERVER_PATHS.index],
      [d.jobTitle, OBSERVER_PATHS.task(d.taskId)],
      [`${d.process} run ${d.run.run} ${d.stream}`, null],
    ],
    body,
    script: FOLLOW_SCRIPT,
  });
}
