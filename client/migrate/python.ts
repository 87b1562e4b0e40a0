import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { pythonSyntaxErrors, type PythonSyntaxError } from './python-errors.js';

export type { PythonSyntaxError } from './python-errors.js';

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
   * Every syntax error, located where Python 3 reports it, with its column and source line (see
   * python-errors.ts). A file that is not Python is refused before anything is translated.
   */
  syntaxErrors(): PythonSyntaxError[] {
    return pythonSyntaxErrors(this.text, this.tree);
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
