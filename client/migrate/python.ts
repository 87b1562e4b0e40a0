import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';

/** One problem located by its (1-based) line in the Python source. */
export interface MigrationIssue {
  readonly line: number;
  readonly message: string;
}

/** A parsed Pystachio file: the lezer tree and the helpers the translator needs to read it. */
export class PythonSource {
  readonly tree: Tree;
  private readonly lineStarts: number[];
  readonly lines: readonly string[];

  constructor(readonly text: string) {
    this.tree = parser.parse(text);
    this.lines = text.split(/\r?\n/);
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  /** The source text of a node. */
  textOf(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  /** 1-based line of an offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based line where a node starts. */
  lineOf(node: SyntaxNode): number {
    return this.lineAt(node.from);
  }

  /** 1-based last line of a node (trailing newlines of block statements not counted). */
  endLineOf(node: SyntaxNode): number {
    let end = node.to;
    while (end > node.from && /\s/.test(this.text[end - 1] ?? '')) end--;
    return this.lineAt(Math.max(node.from, end - 1));
  }

  /** The whole source lines a node spans, as written. */
  sourceLines(node: SyntaxNode): string[] {
    return this.lines.slice(this.lineOf(node) - 1, this.endLineOf(node));
  }

  /**
   * The first syntax error, if any: lezer recovers from errors and marks them with error nodes,
   * but what follows the first one is guesswork, so only that one is reported. A file that is not
   * Python is refused before anything is translated.
   */
  syntaxErrors(): MigrationIssue[] {
    const found = new Map<number, string>();
    this.tree.iterate({
      enter: (ref) => {
        if (!ref.type.isError) return;
        const line = this.lineAt(ref.from);
        if (found.has(line)) return;
        found.set(line, this.describeError(ref.from, ref.to));
      },
    });
    return [...found.entries()]
      .sort(([a], [b]) => a - b)
      .slice(0, 1)
      .map(([line, message]) => ({ line, message }));
  }

  private describeError(from: number, to: number): string {
    const bad = this.text.slice(from, to).trim();
    if (bad) return `invalid Python syntax at '${bad.length > 30 ? `${bad.slice(0, 30)}…` : bad}'`;
    const rest = this.text.slice(from).trim();
    if (!rest) return 'invalid Python syntax: the file ends early (an unclosed bracket, string or call?)';
    const next = rest.split(/\s/)[0] ?? '';
    return `invalid Python syntax before '${next.length > 30 ? `${next.slice(0, 30)}…` : next}'`;
  }
}

/** The named (non-punctuation) children of a node. */
export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const PUNCTUATION = new Set(['(', ')', '[', ']', '{', '}', ',', ':', '.', ';']);

/** Children that carry meaning: no brackets, commas or dots. Comments are kept. */
export function meaningful(node: SyntaxNode): SyntaxNode[] {
  return children(node).filter((c) => !PUNCTUATION.has(c.name));
}
