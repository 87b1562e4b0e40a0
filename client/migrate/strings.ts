/** Python string literals in, TypeScript string literals out. Pure. */

export type PyString = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** The value of one Python string literal (`'x'`, `"x"`, `'''x'''`, `r'x'`, `u'x'`). */
export function decodePythonString(literal: string): PyString {
  const m = /^([a-zA-Z]*)('''|"""|'|")([\s\S]*)\2$/.exec(literal);
  if (!m) return { ok: false, reason: `cannot read the string ${literal}` };
  const prefix = (m[1] ?? '').toLowerCase();
  const body = m[3] ?? '';
  if (prefix.includes('f')) return { ok: false, reason: 'f-strings are not translated; write a template literal by hand' };
  if (prefix.includes('b')) return { ok: false, reason: 'byte strings have no equivalent in a config' };
  if (prefix.includes('r')) return { ok: true, value: body };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) {
      out += '\\';
      continue;
    }
    if (next === '\n') {
      i++; // a backslash at the end of a line continues the string
      continue;
    }
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hex > 0) {
      const digits = body.slice(i + 2, i + 2 + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) return { ok: false, reason: `bad escape \\${next}${digits}` };
      out += String.fromCodePoint(parseInt(digits, 16));
      i += 1 + hex;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1));
    if (octal) {
      out += String.fromCharCode(parseInt(octal[0], 8));
      i += octal[0].length;
      continue;
    }
    out += `\\${next}`; // Python keeps unknown escapes as they are
    i++;
  }
  return { ok: true, value: out };
}

/** A TypeScript literal for a string: single-quoted, or a template literal when it spans lines. */
export function tsString(value: string): string {
  if (value.includes('\n')) return `\`${escapeTemplateText(value)}\``;
  let out = "'";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return `${out}'`;
}

/** Text placed verbatim inside a template literal. */
export function escapeTemplateText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\r/g, '\\r');
}

/**
 * `hello_world_task` → `helloWorldTask`, `ContainerProfile` → `containerProfile`; UPPER_SNAKE
 * constants stay as they are.
 */
export function camelCase(name: string): string {
  if (/^[A-Z0-9_]+$/.test(name)) return name;
  const lead = /^_*/.exec(name)?.[0] ?? '';
  const parts = name.slice(lead.length).split('_').filter((p) => p.length > 0);
  if (parts.length === 0) return name;
  const lowerFirst = (p: string): string => (/^[A-Z][a-z]/.test(p) ? (p[0] as string).toLowerCase() + p.slice(1) : p);
  return lead + parts.map((p, i) => (i === 0 ? lowerFirst(p) : (p[0] as string).toUpperCase() + p.slice(1))).join('');
}

/** Whether a name can be an unquoted property key. */
export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name);
}

export const RESERVED_WORDS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await any boolean number string ' +
    'symbol type from of undefined NaN Infinity eval arguments Object Array String Number Boolean Math JSON Date'
  ).split(' '),
);
