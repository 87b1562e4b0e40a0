import { formatJobKey } from '../../dsl/job-key.js';
import { OBSERVER_PATHS, type ObservedRun, type TaskDetailResponse, type TaskSummary } from './api.js';

/** Server-rendered pages of the observer. Every value from a checkpoint or a log is escaped. */

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const CSS = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --ok: #15803d; --bad: #b91c1c; --run: #1d4ed8; --warn: #b45309; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; }
header { padding: 12px 24px; border-bottom: 1px solid var(--line); display: flex; gap: 16px; align-items: baseline; }
header a { color: inherit; text-decoration: none; font-weight: 600; }
main { padding: 16px 24px; max-width: 1200px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; } h3 { font-size: 14px; margin: 16px 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 12px; }
th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: rgba(127,127,127,.1); padding: 8px; overflow: auto; max-height: 360px; white-space: pre-wrap; word-break: break-all; margin: 4px 0; }
.muted { color: var(--muted); }
.state { font-weight: 600; font-size: 12px; }
.state.RUNNING, .state.STARTING { color: var(--run); }
.state.FINISHED, .state.SUCCESS { color: var(--ok); }
.state.FAILED, .state.LOST { color: var(--bad); }
.state.KILLING, .state.KILLED, .state.WAITING { color: var(--warn); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dt { color: var(--muted); } dd { margin: 0; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Aurora observer</title><style>${CSS}</style></head>
<body><header><a href="${OBSERVER_PATHS.index}">Aurora observer</a></header>
<main>${body}</main></body></html>`;
}

function state(value: string): string {
  return `<span class="state ${escapeHtml(value)}">${escapeHtml(value)}</span>`;
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

function ports(p: Record<string, number>): string {
  const entries = Object.entries(p).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '<span class="muted">none</span>' : entries.map(([k, v]) => `${escapeHtml(k)}: ${v}`).join(', ');
}

export function renderIndex(host: string, tasks: readonly TaskSummary[], now: number): string {
  const rows = tasks
    .map((t) => {
      const end = t.endedAt ?? now;
      return `<tr>
<td><a href="${escapeHtml(OBSERVER_PATHS.task(t.taskId))}"><code>${escapeHtml(t.taskId)}</code></a></td>
<td>${escapeHtml(`${t.jobKey.role}/${t.jobKey.environment}/${t.jobKey.name}`)}</td>
<td>${t.instance}</td>
<td>${state(t.state)}</td>
<td>${formatTime(t.startedAt)}</td>
<td>${t.endedAt === null ? `up ${formatDuration(end - t.startedAt)}` : `ran ${formatDuration(end - t.startedAt)}`}</td>
<td>${t.runningProcessCount} running / ${t.processCount}</td>
</tr>`;
    })
    .join('\n');
  const table =
    tasks.length === 0
      ? '<p class="muted">No tasks on this host yet.</p>'
      : `<table><thead><tr><th>Task</th><th>Job</th><th>Instance</th><th>State</th><th>Started</th><th>Uptime</th><th>Processes</th></tr></thead>
<tbody>${rows}</tbody></table>`;
  return layout(`Tasks on ${host}`, `<h1>Tasks on ${escapeHtml(host)}</h1>${table}`);
}

export interface LogTail {
  readonly process: string;
  readonly run: number;
  readonly stdout: string | null;
  readonly stderr: string | null;
}

function runRow(process: string, r: ObservedRun, now: number): string {
  const duration = formatDuration((r.endedAt ?? now) - r.startedAt);
  return `<tr>
<td>${escapeHtml(process)}</td><td>${r.run}</td><td>${state(r.state)}</td>
<td>${r.exitCode === null ? '—' : r.exitCode}</td><td>${r.pid}</td>
<td>${formatTime(r.startedAt)}</td><td>${duration}</td>
<td><a href="${escapeHtml(r.logs.stdout)}">stdout</a> · <a href="${escapeHtml(r.logs.stderr)}">stderr</a></td>
</tr>`;
}

export function renderTask(task: TaskDetailResponse, tails: readonly LogTail[], now: number): string {
  const r = task.resources;
  const info = `<dl>
<dt>Job</dt><dd>${escapeHtml(formatJobKey(task.jobKey))}, instance ${task.instance}</dd>
<dt>State</dt><dd>${state(task.state)}${task.message ? ` <span class="muted">${escapeHtml(task.message)}</span>` : ''}</dd>
<dt>Host</dt><dd>${escapeHtml(task.host)}</dd>
<dt>Started</dt><dd>${formatTime(task.startedAt)}</dd>
<dt>${task.endedAt === null ? 'Uptime' : 'Ended'}</dt><dd>${task.endedAt === null ? formatDuration(now - task.startedAt) : formatTime(task.endedAt)}</dd>
<dt>Ports</dt><dd>${ports(task.ports)}</dd>
<dt>Resources</dt><dd>${r.cpu} cpu, ${r.ramMb} MiB ram, ${r.diskMb} MiB disk${r.gpu ? `, ${r.gpu} gpu` : ''}</dd>
<dt>Sandbox</dt><dd><code>${escapeHtml(task.sandbox)}</code></dd>
</dl>`;
  const processRows = task.processes
    .map((p) => {
      const flags = [p.daemon && 'daemon', p.ephemeral && 'ephemeral', p.final && 'final'].filter(Boolean).join(', ');
      return `<tr><td>${escapeHtml(p.name)}</td><td>${state(p.state)}</td><td>${p.runs.length}</td>
<td><code>${escapeHtml(p.cmdline)}</code></td><td>${escapeHtml(flags)}</td></tr>`;
    })
    .join('\n');
  const runs = task.processes.flatMap((p) => p.runs.map((run) => runRow(p.name, run, now))).join('\n');
  const logs = tails
    .map((t) => {
      const block = (stream: 'stdout' | 'stderr', text: string | null) => `
<h3>${escapeHtml(t.process)} · run ${t.run} · ${stream} <a class="muted" href="${escapeHtml(
        OBSERVER_PATHS.log(task.taskId, t.process, t.run, stream),
      )}">full log</a></h3>
<pre>${text === null ? '<span class="muted">no log file</span>' : text === '' ? '<span class="muted">empty</span>' : escapeHtml(text)}</pre>`;
      return block('stdout', t.stdout) + block('stderr', t.stderr);
    })
    .join('\n');
  const body = `<h1>Task <code>${escapeHtml(task.taskId)}</code></h1>${info}
<h2>Processes</h2>
<table><thead><tr><th>Process</th><th>State</th><th>Runs</th><th>Command line</th><th></th></tr></thead><tbody>${processRows}</tbody></table>
<h2>Runs</h2>
${runs ? `<table><thead><tr><th>Process</th><th>Run</th><th>State</th><th>Exit</th><th>Pid</th><th>Started</th><th>Duration</th><th>Logs</th></tr></thead><tbody>${runs}</tbody></table>` : '<p class="muted">No process has started yet.</p>'}
<h2>Logs (latest run, last ${LOG_TAIL_KIB} KiB)</h2>
${logs || '<p class="muted">No logs yet.</p>'}`;
  return layout(`Task ${task.taskId}`, body);
}

export const LOG_TAIL_KIB = 16;

export function renderError(status: number, message: string): string {
  return layout(`Error ${status}`, `<h1>${status === 404 ? 'Not found' : status >= 500 ? 'Cannot show this' : 'Bad request'}</h1><p>${escapeHtml(message)}</p>
<p><a href="${OBSERVER_PATHS.index}">All tasks on this host</a></p>`);
}
