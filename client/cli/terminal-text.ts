/**
 * Text that came from the cluster (host names, task ids, messages, pending reasons), made safe to
 * print on a terminal: control characters (C0, DEL, C1) and the bidirectional overrides that
 * could move the cursor, recolor, retitle the window or reorder a line are shown escaped, as
 * `\n`, `\t`, `\r`, `\x1b` or `\u202e`; everything else is kept. Pure.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const named = NAMED[ch];
    if (named !== undefined) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };
