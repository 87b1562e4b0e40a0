import { html, raw, type SafeHtml } from './html.js';

/**
 * The frame of every page of the product, the scheduler's web UI and each agent's observer alike:
 * one stylesheet and one top bar (the brand, the part and where it runs, the part's pages, and a
 * link across to the other part), with the crumbs and the heading above the page's body. Pure.
 */

export const BASE_CSS = `
:root { color-scheme: light dark;
  --bg: #f7f8fa; --card: #fff; --text: #1f2328; --muted: #656d76; --line: #d8dee4; --head: #24292f; --link: #0969da;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --run: #0969da; --run-bg: #ddf4ff;
  --warn: #9a6700; --warn-bg: #fff8c5; --idle: #656d76; --idle-bg: #eaeef2; --code-bg: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #8d96a0; --line: #30363d; --head: #010409; --link: #4493f8;
  --ok: #3fb950; --ok-bg: #12261e; --bad: #f85149; --bad-bg: #2d1214; --run: #4493f8; --run-bg: #0c2d6b;
  --warn: #d29922; --warn-bg: #2e2410; --idle: #8d96a0; --idle-bg: #21262d; --code-bg: #0d1117; } }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
header.top { background: var(--head); color: #f0f6fc; padding: 10px 24px; display: flex; gap: 20px; align-items: center; }
header.top .brand { color: #f0f6fc; font-weight: 700; letter-spacing: .01em; }
header.top .where { color: #9198a1; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
header.top nav { margin-left: auto; }
header.top nav .pages { display: flex; gap: 16px; }
header.top nav a { color: #d1d9e0; }
main { padding: 20px 24px 48px; max-width: 1280px; margin: 0 auto; }
header.top .product { color: #9198a1; }
.crumbs { color: var(--muted); font-size: 13px; margin-bottom: 6px; }
.crumbs a { color: var(--muted); }
h1 { font-size: 22px; margin: 0 0 6px; font-weight: 600; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
h2 { font-size: 16px; margin: 28px 0 10px; font-weight: 600; }
h2 .count { color: var(--muted); font-weight: 400; }
.sub { color: var(--muted); margin: 0 0 16px; }
.sub code { color: var(--text); }
section.card, table { background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: separate; border-spacing: 0; width: 100%; overflow: hidden; }
table th, table td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
table tr:last-child td { border-bottom: 0; }
table th { font-weight: 600; color: var(--muted); font-size: 12px; background: var(--code-bg); white-space: nowrap; }
table tbody tr:hover td { background: color-mix(in srgb, var(--run-bg) 35%, transparent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; white-space: pre-wrap; word-break: break-all; margin: 6px 0; }
pre.tail { max-height: 320px; }
pre.log { height: calc(100vh - 240px); min-height: 240px; margin: 0; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 20px; white-space: nowrap;
  color: var(--idle); background: var(--idle-bg); }
.badge.RUNNING, .badge.STARTING { color: var(--run); background: var(--run-bg); }
.badge.FINISHED, .badge.SUCCESS, .badge.HEALTHY { color: var(--ok); background: var(--ok-bg); }
.badge.FAILED, .badge.LOST, .badge.UNHEALTHY { color: var(--bad); background: var(--bad-bg); }
.badge.KILLING, .badge.KILLED { color: var(--warn); background: var(--warn-bg); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr)); gap: 12px; margin: 12px 0 4px; }
.cards section.card { padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 18px; font-weight: 600; margin: 2px 0; font-variant-numeric: tabular-nums; }
.card .value .of { font-size: 13px; color: var(--muted); font-weight: 400; }
.bar { display: block; height: 6px; border-radius: 3px; background: var(--idle-bg); overflow: hidden; margin-top: 6px; }
.bar > span { display: block; height: 100%; background: var(--run); }
.bar > span.high { background: var(--warn); } .bar > span.over { background: var(--bad); }
.usage { white-space: nowrap; font-variant-numeric: tabular-nums; }
.usage .bar { width: 80px; display: inline-block; vertical-align: middle; margin: 0 0 0 6px; }
.toolbar { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; margin: 10px 0; }
.button { display: inline-block; border: 1px solid var(--line); background: var(--card); color: var(--text); border-radius: 6px; padding: 3px 12px;
  font: inherit; font-size: 13px; cursor: pointer; }
.button:hover { text-decoration: none; border-color: var(--muted); }
.button[disabled] { opacity: .5; cursor: default; }
.button.current { background: var(--run-bg); border-color: var(--run); color: var(--run); }
form.filter input { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--text); width: 240px; }
details.config > summary { cursor: pointer; color: var(--link); }
.empty { padding: 18px; text-align: center; color: var(--muted); background: var(--card); border: 1px dashed var(--line); border-radius: 8px; }
.error { border-left: 4px solid var(--bad); background: var(--bad-bg); padding: 12px 16px; border-radius: 6px; }
.more { margin: 8px 0; }
`;

export interface FrameOptions {
  /** Which part serves the page: `scheduler` or `observer`. */
  readonly part: string;
  /** Where it runs: the cluster's name, or the agent's host. */
  readonly where: string;
  /** The part's home page, which the brand links to. */
  readonly home: string;
  /** The part's pages in the top bar, as [text, href]. */
  readonly pages: readonly (readonly [string, string])[];
  /** Where the page is, above the heading (see `crumbTrail`). */
  readonly crumbs?: SafeHtml;
  /** The document's title. */
  readonly title: string;
  /** The page's heading, where its body does not open with its own. */
  readonly heading?: string;
  readonly body: SafeHtml;
  /** Reload the page this often while it shows something in progress. */
  readonly refreshSecs?: number;
  /** What the part adds to the stylesheet. */
  readonly css?: string;
  /** A script the page needs (the observer's log follower). */
  readonly script?: string;
}

/** Breadcrumbs from [text, href] pairs, the last one usually unlinked (href null). */
export function crumbTrail(crumbs: readonly (readonly [string, string | null])[]): SafeHtml {
  return html`${crumbs.map(([text, href], i) => html`${i > 0 ? ' › ' : ''}${href ? html`<a href="${href}">${text}</a>` : text}`)}`;
}

export function frame(o: FrameOptions): string {
  const refresh = o.refreshSecs ? html`<meta http-equiv="refresh" content="${o.refreshSecs}">` : '';
  const crumbs = o.crumbs ? html`<div class="crumbs">${o.crumbs}</div>` : '';
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${refresh}
<title>${o.title}</title><style>${raw(BASE_CSS)}${raw(o.css ?? '')}</style></head>
<body>
<header class="top"><a class="brand" href="${o.home}">Aurora</a><span class="product">${o.part}</span><span class="where">${o.where}</span>
<nav><span class="pages">${o.pages.map(([text, href], i) => html`${i > 0 ? ' · ' : ''}<a href="${href}">${text}</a>`)}</span></nav></header>
<main>${crumbs}${o.heading === undefined ? '' : html`
<h1>${o.heading}</h1>
`}${o.body}</main>
${o.script ? html`<script>${raw(o.script)}</script>` : ''}
</body></html>`.value;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `512 B`, `1.5 KiB`, `131 MiB` */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${UNITS[i]}`;
}
