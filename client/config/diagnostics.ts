import path from 'node:path';

/** One problem in a config file, located by file, line and column (1-based). Data, not text. */
export interface ConfigDiagnostic {
  /** Absolute path of the file; undefined for problems not tied to a file. */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Characters the problem spans on its line (at least 1). */
  readonly length?: number;
  /** `TS2322` for compiler diagnostics; undefined for the loader's own. */
  readonly code?: string;
  readonly message: string;
  /** The text of the line the problem is on, for the excerpt. */
  readonly sourceLine?: string;
}

/** The path to print for a file: relative to the working directory when inside it. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * `file:line:col - error TS2322: message`, then the source line and a caret under the column,
 * as tsc's pretty output but plain text. Pure.
 */
export function formatDiagnostic(d: ConfigDiagnostic, cwd: string): string[] {
  const where = d.file === undefined ? '' : `${displayPath(d.file, cwd)}${d.line ? `:${d.line}:${d.column ?? 1}` : ''} - `;
  const lines = [`${where}error${d.code ? ` ${d.code}` : ''}: ${d.message}`];
  if (d.sourceLine !== undefined && d.line !== undefined) {
    const gutter = String(d.line);
    const col = Math.max(1, d.column ?? 1);
    const prefix = d.sourceLine.slice(0, col - 1).replace(/[^\t]/g, ' ');
    const span = Math.max(1, Math.min(d.length ?? 1, d.sourceLine.length - (col - 1)));
    lines.push(`${gutter} ${d.sourceLine}`, `${' '.repeat(gutter.length)} ${prefix}^${'~'.repeat(span - 1)}`);
  }
  return lines;
}

/** Every diagnostic, separated by blank lines. Pure. */
export function formatDiagnostics(ds: readonly ConfigDiagnostic[], cwd: string): string[] {
  return ds.flatMap((d, i) => [...(i > 0 ? [''] : []), ...formatDiagnostic(d, cwd)]);
}

/** The text of line `line` (1-based) of `text`. */
export function lineOf(text: string, line: number): string | undefined {
  return text.split(/\r?\n/)[line - 1];
}
