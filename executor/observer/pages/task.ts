import { canonicalJson, type HealthCheckSpec } from '../../../dsl/jobspec.js';
import { OBSERVER_PATHS, type ObservedProcess, type ObservedRun, type TaskDetailResponse } from '../api.js';
import { html, type SafeHtml } from '../../../web/html.js';
import { ago, badge, bar, formatBytes, formatCpu, formatTime, lasted, MIB, page, usageCell, type Site } from './layout.js';

/** One task: what it is, how it is doing, its processes and runs, log tails and its config. */

export const LOG_TAIL_KIB = 16;

export interface LogTail {
  readonly process: string;
  readonly run: number;
  readonly stdout: string | null;
  readonly stderr: string | null;
}

const jobTitle = (t: TaskDetailResponse) => `${t.jobKey.role}/${t.jobKey.environment}/${t.jobKey.name}/${t.instance}`;

/** What the configured check does, and whether the task has the port it needs. */
function checker(h: HealthCheckSpec, ports: Record<string, number>): string {
  const c = h.checker;
  const port = (name: string) => (name in ports ? `port ${name} (${ports[name]})` : `port ${name} (not assigned)`);
  if (c.kind === 'http') return `GET ${c.endpoint} on ${port(c.port)}, every ${h.intervalSecs}s`;
  if (c.kind === 'tcp') return `TCP connect to ${port(c.port)}, every ${h.intervalSecs}s`;
  return `shell: ${c.command}, every ${h.intervalSecs}s`;
}

function card(label: string, value: SafeHtml | string, foot?: SafeHtml | string): SafeHtml {
  return html`<section class="card"><div class="label">${label}</div><div class="value">${value}</div>${foot ? html`<div class="small muted">${foot}</div>` : ''}</section>`;
}

function usageCard(label: string, used: number | null, reserved: number, format: (n: number) => string): SafeHtml {
  if (used === null) return card(label, html`— <span class="of">/ ${format(reserved)} reserved</span>`, 'no sample');
  return card(label, html`${format(used)} <span class="of">/ ${format(reserved)}</span>${bar(used, reserved)}`);
}

function cards(t: TaskDetailResponse, now: number): SafeHtml {
  // A finished task shows its last sample: what it used when it ended.
  const s = t.sample;
  const ports = Object.entries(t.ports).sort(([a], [b]) => a.localeCompare(b));
  return html`<div class="cards">
${usageCard('CPU', s?.cpu ?? null, t.resources.cpu, (n) => `${formatCpu(n)} cores`)}
${usageCard('Memory', s?.rssBytes ?? null, t.resources.ramMb * MIB, formatBytes)}
${usageCard('Disk', s?.diskBytes ?? null, t.resources.diskMb * MIB, formatBytes)}
${card('Health', badge(t.health), t.healthMessage ?? checker(t.job.healthCheck, t.ports))}
${card(
  'Ports',
  ports.length ? html`${ports.map(([name, port], i) => html`${i ? ', ' : ''}<span class="mono">${name}:${port}</span>`)}` : html`<span class="muted">none</span>`,
)}
${card(t.endedAt === null ? 'Uptime' : 'Ran for', lasted(t.startedAt, t.endedAt, now), html`started ${ago(t.startedAt, now)}`)}
</div>
${s ? html`<p class="small muted">${t.endedAt === null ? 'Sampled' : 'Last sampled'} ${ago(s.at, now)}; limits enforced by ${s.enforcement}.</p>` : ''}`;
}

function logLinks(taskId: string, process: string, run: number): SafeHtml {
  return html`<a href="${OBSERVER_PATHS.logPage(taskId, process, run, 'stdout')}">stdout</a> · <a href="${OBSERVER_PATHS.logPage(
    taskId,
    process,
    run,
    'stderr',
  )}">stderr</a>`;
}

function processRow(t: TaskDetailResponse, p: ObservedProcess, now: number): SafeHtml {
  const latest = p.runs[p.runs.length - 1];
  const flags = [p.daemon && 'daemon', p.ephemeral && 'ephemeral', p.final && 'final'].filter(Boolean).join(', ');
  return html`<tr>
<td><b>${p.name}</b>${flags ? html` <span class="muted small">${flags}</span>` : ''}<div class="mono small muted">${p.cmdline}</div></td>
<td>${badge(p.state)}</td><td class="num">${p.runs.length}</td>
<td class="num">${latest?.pid ?? '—'}</td>
<td>${latest ? lasted(latest.startedAt, latest.endedAt, now) : '—'}</td>
<td>${usageCell(p.usage?.cpu ?? null, t.resources.cpu, formatCpu)}</td>
<td>${usageCell(p.usage?.rssBytes ?? null, t.resources.ramMb * MIB, formatBytes)}</td>
<td>${latest ? logLinks(t.taskId, p.name, latest.run) : html`<span class="muted">not started</span>`}</td>
</tr>`;
}

function runRow(taskId: string, process: string, r: ObservedRun, now: number): SafeHtml {
  return html`<tr>
<td>${process}</td><td class="num">${r.run}</td><td>${badge(r.state)}</td>
<td class="num">${r.exitCode ?? '—'}</td><td class="num">${r.pid}</td>
<td>${ago(r.startedAt, now)}</td><td>${lasted(r.startedAt, r.endedAt, now)}</td>
<td class="muted">${r.message ?? ''}</td>
<td>${logLinks(taskId, process, r.run)} · <a class="muted" href="${OBSERVER_PATHS.log(taskId, process, r.run, 'stdout')}?download=1">download</a></td>
</tr>`;
}

function tailBlock(taskId: string, t: LogTail, stream: 'stdout' | 'stderr'): SafeHtml {
  const text = t[stream];
  return html`<h3 class="small">${t.process} · run ${t.run} · ${stream}
<a class="muted" href="${OBSERVER_PATHS.logPage(taskId, t.process, t.run, stream)}">follow</a></h3>
<pre class="tail">${text === null ? html`<span class="muted">no log file</span>` : text === '' ? html`<span class="muted">empty</span>` : text}</pre>`;
}

export function renderTask(site: Site, t: TaskDetailResponse, tails: readonly LogTail[], now: number): string {
  const runs = t.processes.flatMap((p) => [...p.runs].reverse().map((r) => runRow(t.taskId, p.name, r, now)));
  const body = html`<h1>${jobTitle(t)} ${badge(t.state)}</h1>
<p class="sub">Task <code>${t.taskId}</code> on ${t.host}${t.message ? html` · ${t.message}` : ''}${
    t.endedAt !== null ? html` · ended <span title="${formatTime(t.endedAt)}">${ago(t.endedAt, now)}</span>` : ''
  }</p>
<div class="toolbar"><a class="button" href="${OBSERVER_PATHS.files(t.taskId)}">Sandbox</a>
<a class="button" href="${OBSERVER_PATHS.apiTask(t.taskId)}">JSON</a>${
  site.schedulerUrl
    ? html`
<a class="button" href="${`${site.schedulerUrl}/scheduler/${encodeURIComponent(t.jobKey.role)}/${encodeURIComponent(t.jobKey.environment)}/${encodeURIComponent(t.jobKey.name)}`}">Job on the scheduler</a>`
    : ''
}</div>
${cards(t, now)}
<h2>Processes <span class="count">${t.processes.length}</span></h2>
<table class="grid"><thead><tr><th>Process</th><th>State</th><th class="num">Runs</th><th class="num">Pid</th><th>Duration</th><th>CPU</th><th>Memory</th><th>Logs</th></tr></thead>
<tbody>${t.processes.map((p) => processRow(t, p, now))}</tbody></table>
<h2>Runs <span class="count">${runs.length}</span></h2>
${
  runs.length
    ? html`<table class="grid"><thead><tr><th>Process</th><th class="num">Run</th><th>State</th><th class="num">Exit</th><th class="num">Pid</th><th>Started</th><th>Duration</th><th>Message</th><th>Logs</th></tr></thead>
<tbody>${runs}</tbody></table>`
    : html`<div class="empty">No process has started yet.</div>`
}
<h2>Latest logs <span class="count">last ${LOG_TAIL_KIB} KiB of each</span></h2>
${tails.length ? tails.map((tail) => [tailBlock(t.taskId, tail, 'stdout'), tailBlock(t.taskId, tail, 'stderr')]) : html`<div class="empty">No logs yet.</div>`}
<h2>Configuration</h2>
<details class="config"><summary>The job's compiled JobSpec (canonical JSON)</summary><pre>${canonicalJson(t.job, 2)}</pre></details>`;
  return page({ site, title: jobTitle(t), crumbs: [['Tasks', OBSERVER_PATHS.index], [jobTitle(t), null]], body });
}
