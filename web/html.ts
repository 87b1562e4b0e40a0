/**
 * Server-rendered HTML with every interpolated value escaped unless it is already HTML. The one
 * helper of both web UIs: the scheduler's pages and the observer's.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/** Tagged template: html`<td>${name}</td>` escapes `name`; arrays of html`` nest. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += render(v) + (strings[i + 1] ?? '')));
  return new SafeHtml(out);
}

/** Text that is already HTML: for constants of the code (a stylesheet, a script), never for data. */
export function raw(value: string): SafeHtml {
  return new SafeHtml(value);
}

/** Only http(s) links are rendered as links, so an agent cannot inject `javascript:` URLs. */
export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}
