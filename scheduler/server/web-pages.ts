import type { JobSpec } from '../../dsl/jobspec.js';
import type { AgentInfo } from '../api/agent-protocol.js';
import type { JobDetail, JobSummary } from '../api/jobs-api.js';
import type { GetQuotaResponse, ResourceAmounts } from '../api/quota-api.js';
import type { HostStatus } from '../api/maintenance-api.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask, TaskState } from '../api/task.js';
import { currentTasks } from '../core/job-summary.js';
import { html, isHttpUrl, type SafeHtml } from '../../web/html.js';
import { frame } from '../../web/layout.js';

/** The scheduler's web pages, rendered from contract types. Pure: data in, HTML out. */

/** What the scheduler's pages add to the product's stylesheet (web/layout.ts): state colours. */
const STYLE = `
  .state { font-weight: 600; }
  .RUNNING, .FINISHED, .ACTIVE, .ROLLED_FORWARD, .SUCCEEDED, .STARTED, .KILLED_EXISTING { color: var(--ok); }
  .PENDING, .THROTTLED, .ASSIGNED, .STARTING, .KILLING, .RESTARTING, .PREEMPTING, .DRAINING, .PARTITIONED, .SCHEDULED { color: var(--warn); }
  .ROLLING_FORWARD, .ROLLING_BACK, .UPDATING { color: var(--warn); }
  .ROLL_FORWARD_AWAITING_PULSE, .ROLL_BACK_AWAITING_PULSE { color: var(--warn); }
  .FAILED, .LOST, .KILLED, .ROLLED_BACK, .ERROR { color: var(--bad); }
  .ROLL_FORWARD_PAUSED, .ROLL_BACK_PAUSED, .ABORTED, .CANCELLED_NEW, .DRAINED { color: var(--idle); }
  .INSTANCE_UPDATED, .INSTANCE_ROLLED_BACK { color: var(--ok); }
  .INSTANCE_UPDATING, .INSTANCE_ROLLING_BACK { color: var(--warn); }
  .INSTANCE_UPDATE_FAILED, .INSTANCE_ROLLBACK_FAILED { color: var(--bad); }
  .MISSED { color: #8250df; border: 1px dashed #8250df; padding: 0 0.2rem; }
  tr.missed td { background: color-mix(in srgb, #8250df 10%, transparent); }
  tr.active td { background: var(--warn-bg); }
  .notice { background: var(--warn-bg); border: 1px solid var(--warn); padding: 0.4rem 0.6rem; display: inline-block; border-radius: 6px; }
  table { width: auto; margin: 0.5rem 0 1.5rem; }
  h2 a { color: inherit; }
  td ul { margin: 0; padding-left: 1.2rem; }
  td code, .nowrap { white-space: nowrap; }
  small { color: var(--muted); }
`;

/**
 * The cluster-wide pages that need more than reading jobs, each linked in the navigation only for
 * a user who may open it (web-ui.ts decides per request).
 */
export interface Nav {
  /** The backups page: where the scheduler keeps backups, for users with the permission of aurora_admin scheduler_list_backups. */
  readonly backups: boolean;
}

/** The navigation of a page for nobody in particular (a refusal): only the pages every reader may open. */
export const PLAIN_NAV: Nav = { backups: false };

/**
 * A page: the crumbs and the cluster-wide pages in the navigation. `refreshSecs` reloads it
 * while it shows something in progress (a meta refresh: the pages run no script).
 */
export function layout(cluster: string, title: string, crumbs: SafeHtml, body: SafeHtml, options: { refreshSecs?: number; nav?: Nav } = {}): string {
  const nav = options.nav ?? PLAIN_NAV;
  return frame({
    part: 'scheduler',
    where: cluster,
    home: PATHS.ui,
    pages: [['Updates', PATHS.uiUpdates], ['Cron jobs', PATHS.uiCron], ...(nav.backups ? [['Backups', PATHS.uiBackups] as const] : [])],
    crumbs,
    title,
    heading: title,
    css: STYLE,
    body,
    ...(options.refreshSecs ? { refreshSecs: options.refreshSecs } : {}),
  });
}

/** A page's path: `/scheduler/www-data/prod/hello`, each part encoded. */
export const ui = (...parts: string[]) => [PATHS.ui, ...parts.map(encodeURIComponent)].join('/');

/** cluster / role / environment / job, then `tail` (the page below the job, or a cluster-wide page). */
export function crumbs(cluster: string, role?: string, job?: { environment: string; name: string }, tail?: SafeHtml | string): SafeHtml {
  return html`<a href="${PATHS.ui}">${cluster}</a>${role ? html` / <a href="${ui(role)}">${role}</a>` : ''}${
    job && role ? html` / ${job.environment} / <a href="${ui(role, job.environment, job.name)}">${job.name}</a>` : ''
  }${tail ? html` / ${tail}` : ''}`;
}

export const time = (at: number) => new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export function stateCell(state: string): SafeHtml {
  return html`<span class="state ${state}">${state}</span>`;
}

function counts(c: Partial<Record<TaskState, number>>): SafeHtml {
  const entries = Object.entries(c).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return html`<small>no tasks</small>`;
  return html`${entries.map(([state, n], i) => html`${i > 0 ? ', ' : ''}${n} ${stateCell(state)}`)}`;
}

/** The most agents the cluster page lists; a 10,000-host cluster is summarized, not drawn. */
export const AGENTS_SHOWN = 500;

export function rolesPage(
  cluster: string,
  jobs: readonly JobSummary[],
  allAgents: readonly AgentInfo[],
  maintenance: readonly Pick<HostStatus, 'host' | 'mode' | 'activeTasks'>[] = [],
  nav: Nav = PLAIN_NAV,
): string {
  const modeOf = new Map(maintenance.map((m) => [m.host, m.mode]));
  const agents = allAgents.slice(0, AGENTS_SHOWN);
  const byStatus = new Map<string, number>();
  for (const a of allAgents) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  const summary = [...byStatus].sort(([a], [b]) => a.localeCompare(b)).map(([status, n], i) => html`${i > 0 ? ', ' : ''}${n} ${stateCell(status)}`);
  const roles = new Map<string, number>();
  for (const j of jobs) roles.set(j.key.role, (roles.get(j.key.role) ?? 0) + 1);
  const body = html`
<h2>Roles</h2>
${
  roles.size === 0
    ? html`<p>No jobs yet. Create one with <code>aurora job create ${cluster}/ROLE/ENV/NAME config.aurora.ts</code>.</p>`
    : html`<table><tr><th>Role</th><th>Jobs</th></tr>
${[...roles].map(([role, n]) => html`<tr><td><a href="${ui(role)}">${role}</a></td><td>${n}</td></tr>\n`)}</table>`
}
${
  maintenance.length > 0
    ? html`<h2>Hosts in maintenance</h2>
<table><tr><th>Host</th><th>Mode</th><th>Tasks left</th></tr>
${maintenance.map((m) => html`<tr><td>${m.host}</td><td>${stateCell(m.mode)}</td><td>${m.activeTasks}</td></tr>\n`)}</table>
<p><small>Back in service with <code>aurora-admin host_activate ${cluster} --hosts=HOST</code>.</small></p>`
    : ''
}
<h2>Agents</h2>
${allAgents.length > 0 ? html`<p>${allAgents.length} agent${allAgents.length === 1 ? '' : 's'}: ${summary}${
    allAgents.length > agents.length ? html`; the first ${agents.length} by host below, all of them in <a href="${PATHS.agents}">${PATHS.agents}</a>` : ''
  }</p>` : ''}
${
  agents.length === 0
    ? html`<p>No agents registered.</p>`
    : html`<table><tr><th>Host</th><th>Status</th><th>Resources</th><th>Attributes</th><th>Last seen</th></tr>
${agents.map(
  (a) => html`<tr><td>${link(a.observerUrl, a.host)}</td><td>${stateCell(a.status)}${modeOf.has(a.host) ? html` ${stateCell(modeOf.get(a.host)!)}` : ''}</td>
<td>${a.resources.cpu} cpu, ${a.resources.ramMb} MiB ram, ${a.resources.diskMb} MiB disk${
    a.resources.gpu ? `, ${a.resources.gpu} gpu` : ''
  }, ports ${a.portRange.begin}-${a.portRange.end}</td>
<td>${Object.entries(a.attributes).map(([k, v]) => html`<code>${k}=${v}</code> `)}</td><td>${time(a.lastSeenAt)}</td></tr>\n`,
)}</table>`
}`;
  return layout(cluster, `Cluster ${cluster}`, crumbs(cluster), body, { nav });
}

/** Where a cron job is shown on the cron page of its role. */
export const cronAnchor = (k: { role: string; environment: string; name: string }) => `${ui(k.role, 'cron')}#${cronId(k)}`;
export const cronId = (k: { role: string; environment: string; name: string }) => `cron/${k.role}/${k.environment}/${k.name}`;

const amount = (n: number, unit: string) => `${Math.round(n * 100) / 100}${unit}`;

/** A role's quota beside what its production and other tasks hold (Aurora's role page). */
function quotaTable(q: GetQuotaResponse): SafeHtml {
  const row = (what: string, a: ResourceAmounts) =>
    html`<tr><th>${what}</th><td>${amount(a.cpu, '')}</td><td>${amount(a.ramMb, ' MiB')}</td><td>${amount(a.diskMb, ' MiB')}</td><td>${a.gpu}</td></tr>\n`;
  return html`<table class="quota"><tr><th></th><th>cpu</th><th>ram</th><th>disk</th><th>gpu</th></tr>
${row('Quota (production)', q.quota)}${row('Production use', q.prodUse)}${row('Non-production use', q.nonProdUse)}</table>`;
}

export function roleJobsPage(cluster: string, role: string, jobs: readonly JobSummary[], quota: GetQuotaResponse, nav: Nav = PLAIN_NAV): string {
  const list =
    jobs.length === 0
      ? html`<p>Role ${role} has no jobs.</p>`
      : html`<table><tr><th>Environment</th><th>Job</th><th>Kind</th><th>Instances</th><th>Tasks</th></tr>
${jobs.map(
  (j) => html`<tr><td>${j.key.environment}</td><td><a href="${ui(role, j.key.environment, j.key.name)}">${j.key.name}</a></td>
<td>${j.cronSchedule ? html`<a href="${cronAnchor(j.key)}">cron</a>` : j.service ? 'service' : 'job'}</td><td>${j.instances}</td><td>${counts(j.taskCounts)}</td></tr>\n`,
)}</table>`;
  const body = html`<p><a href="${ui(role, 'updates')}">Updates of ${role}</a> · <a href="${ui(role, 'cron')}">Cron jobs of ${role}</a></p>
<h2>Resources</h2>
${quotaTable(quota)}
<p><small>Production jobs may hold up to the quota together; an operator sets it with <code>aurora-admin set_quota ${cluster} ${role} CPU RAM DISK</code>.</small></p>
<h2>Jobs</h2>
${list}`;
  return layout(cluster, `Role ${role}`, crumbs(cluster, role), body, { nav });
}

function link(url: string | null, text: string): SafeHtml {
  return url && isHttpUrl(url) ? html`<a href="${url}">${text}</a>` : html`${text}`;
}

/** The observer's page of the task, on the agent that runs it. */
export function observerTaskUrl(task: Pick<ScheduledTask, 'observerUrl' | 'taskId'>): string | null {
  if (!task.observerUrl) return null;
  return `${task.observerUrl.replace(/\/+$/, '')}/task/${encodeURIComponent(task.taskId)}`;
}

export function specSummary(spec: JobSpec): SafeHtml {
  const r = spec.task.resources;
  const rows: [string, unknown][] = [
    ['Kind', spec.service ? 'service (restarted whenever it ends)' : 'job'],
    ['Instances', spec.instances],
    ['Resources per instance', `${r.cpu} cpu, ${r.ramMb} MiB ram, ${r.diskMb} MiB disk${r.gpu ? `, ${r.gpu} gpu` : ''}`],
    ['Production', spec.production ? 'yes' : 'no'],
    ['Tier / priority', `${spec.tier ?? 'default'} / ${spec.priority}`],
    ['Max task failures', spec.maxTaskFailures === -1 ? 'unlimited' : spec.maxTaskFailures],
    ['Ports', spec.ports.length ? spec.ports.join(', ') : 'none'],
    [
      'Constraints',
      Object.keys(spec.constraints).length
        ? Object.entries(spec.constraints).map(([k, v]) => html`<code>${k}=${v}</code> `)
        : 'none',
    ],
    ['Contact', spec.contact ?? 'none'],
    [
      'Processes',
      spec.task.processes.map((p) => html`<div><b>${p.name}</b>: <code>${p.cmdline}</code></div>`),
    ],
  ];
  return html`<table>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>\n`)}</table>`;
}

function events(task: ScheduledTask): SafeHtml {
  return html`<ul>${[...task.events].map(
    (e) => html`<li>${time(e.at)} ${stateCell(e.state)}${e.message ? html` <small>${e.message}</small>` : ''}</li>`,
  )}</ul>`;
}

/** States a task is put in when something decides to end it; their message says who and why. */
const ENDING_DECISIONS: ReadonlySet<string> = new Set(['KILLING', 'RESTARTING', 'PREEMPTING', 'DRAINING']);

/**
 * Why a task is where it is, without opening its events: why it waits while PENDING; why it is
 * being ended or was ended by a decision (who killed it, what preempted it), rather than how
 * the agent then killed it; else the message of its latest event (how it failed). Pure.
 */
export function latestMessage(task: Pick<ScheduledTask, 'state' | 'pendingReason' | 'events'>): string {
  if (task.state === 'PENDING' && task.pendingReason) return task.pendingReason;
  let latest = '';
  for (let i = task.events.length - 1; i >= 0; i--) {
    const event = task.events[i];
    if (!event) continue;
    if (ENDING_DECISIONS.has(event.state) && event.message) return event.message;
    if (!latest && event.message) latest = event.message;
  }
  return latest;
}

/** The id of a task's row on its job page, for links from elsewhere (an update's watched task). */
export const taskAnchor = (taskId: string) => `task-${taskId}`;

function taskRow(task: ScheduledTask): SafeHtml {
  const observer = observerTaskUrl(task);
  const ports = Object.entries(task.ports).map(([n, p]) => `${n}=${p}`).join(', ');
  return html`<tr id="${taskAnchor(task.taskId)}"><td>${task.instance}</td><td>${link(observer, task.taskId)}</td><td>${stateCell(task.state)}</td>
<td>${task.host ?? ''}</td><td>${ports}</td><td>${task.failureCount}</td><td class="message">${latestMessage(task)}</td>
<td><details><summary>${task.events.length} events</summary>${events(task)}</details></td></tr>\n`;
}

/**
 * Parts of the job page that come from elsewhere (web-pages-updates.ts): a notice above the
 * instances (an update in progress), the cron schedule, the job's updates below the instances.
 */
export interface JobPageSections {
  readonly notice?: SafeHtml;
  readonly cron?: SafeHtml;
  readonly updates?: SafeHtml;
}

export function jobPage(cluster: string, job: JobDetail, sections: JobPageSections = {}, nav: Nav = PLAIN_NAV): string {
  const { role, environment, name } = job.spec.key;
  const current = currentTasks(job.tasks);
  const currentIds = new Set(current.map((t) => t.taskId));
  const past = job.tasks.filter((t) => !currentIds.has(t.taskId));
  const header = html`<tr><th>Instance</th><th>Task</th><th>State</th><th>Host</th><th>Ports</th><th>Failures</th><th>Why</th><th>Events</th></tr>`;
  const body = html`
<p><small>spec ${job.summary.specHash}, created ${time(job.summary.createdAt)}</small></p>
${sections.notice ?? ''}
${sections.cron ?? ''}
<h2>Instances</h2>
<table>${header}
${current.map(taskRow)}</table>
${sections.updates ?? ''}
${past.length > 0 ? html`<h2>Earlier tasks</h2><table>${header}\n${past.map(taskRow)}</table>` : ''}
<h2>Configuration</h2>
${specSummary(job.spec)}`;
  return layout(cluster, `${cluster}/${role}/${environment}/${name}`, crumbs(cluster, role, { environment, name }), body, { nav });
}

export function notFoundPage(cluster: string, message: string, nav: Nav = PLAIN_NAV): string {
  return layout(cluster, 'Not found', crumbs(cluster), html`<p>${message}</p>`, { nav });
}

/** A refusal (401, 403, ...) as a page a person reads, with what to do; drawn for nobody in particular (PLAIN_NAV). */
export function refusalPage(cluster: string, status: number, message: string): string {
  const title = status === 401 ? 'Sign in needed' : status === 403 ? 'Not allowed' : 'Not possible';
  const hint =
    status === 401
      ? html`<p><small>This scheduler restricts reads to its users (security.ini). Your browser asks for a user name and password; the aurora client reads them from ~/.netrc.</small></p>`
      : status === 403
        ? html`<p><small>An operator can grant the permission above to one of your roles in the scheduler's security.ini.</small></p>`
        : html``;
  return layout(cluster, title, crumbs(cluster), html`<p class="refusal">${message}</p>${hint}`);
}
