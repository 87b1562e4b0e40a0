/**
 * Syntax errors of a Python file, located where Python 3 (3.10 and later) locates them, with
 * every independent error of the file rather than only the first. Pure.
 *
 * Two sources, because neither alone finds what Python finds:
 * - A small Python tokenizer (below) finds what CPython's tokenizer finds: unterminated strings,
 *   unmatched and mismatched brackets, a bracket never closed, and indentation errors (which
 *   @lezer/python tolerates silently).
 * - @lezer/python's error nodes find everything else (a missing comma or colon, a stray token).
 *   Lezer notices an error where its recovery starts, which is not always where Python reports
 *   it: a missing comma in `[\n  a\n  b\n]` is noticed at `b` (line 3), and Python reports the
 *   expression before it (line 2). Those are moved to Python's place.
 *
 * Errors are merged per logical line (a statement, with every physical line its brackets
 * span): lezer's recovery inside one statement is guesswork, and Python stops at the first
 * error of a statement anyway. Within a statement the error Python would report wins: a
 * tokenizer error over a parser error (CPython re-tokenizes the rest of the file and prefers
 * tokenizer errors), an indentation error at the statement's start, and a bracket never closed
 * over a parser error on a later line than the bracket.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';

/** One syntax error, at Python 3's line and 1-based column. */
export interface PythonSyntaxError {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The physical line the error is on, for an excerpt with a caret. */
  readonly sourceLine: string;
}

type TokenKind = 'name' | 'number' | 'string' | 'op' | 'open' | 'close';

interface Token {
  readonly kind: TokenKind;
  readonly from: number;
  readonly to: number;
  readonly text: string;
  /** Open brackets before this token (an opening bracket not counted in its own depth). */
  readonly depth: number;
  /** Offset of the innermost bracket open at this token, or -1. */
  readonly opener: number;
}

interface LogicalLine {
  /** Where its first token starts. */
  readonly from: number;
  /** Where its first physical line starts, its indentation included. */
  readonly lineStart: number;
  /** Where it ends: its newline, or the end of the file. */
  to: number;
  readonly indent: number;
  readonly tokens: Token[];
}

/** An error found while tokenizing; `rank` orders errors within one logical line (lower wins). */
interface Found {
  readonly at: number;
  readonly message: string;
  readonly rank: Rank;
  /** For a parser error: where lezer noticed it (the line Python's look-ahead reached). */
  readonly noticed?: number;
  /** For a parser error: where the top-level statement lezer put it in starts. */
  readonly statement?: number;
}

enum Rank {
  /** Unterminated string, unmatched or mismatched closing bracket: CPython's tokenizer errors win. */
  Tokenizer = 0,
  /** Unexpected indent, unindent mismatch, missing indented block: at the statement's start. */
  Indentation = 1,
  Parser = 2,
  /** A bracket never closed: wins over a parser error on a later line than the bracket. */
  Unclosed = 3,
}

const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** Indentation errors CPython raises as it meets them, before it looks further. */
const INDENTATION = /^(unexpected indent|unindent does not match|inconsistent use of tabs)/;
/** Errors at the start of a statement that a broken statement before it explains. */
const CASCADES = /^(unmatched '.'|unexpected indent)$/;

/** Keywords that do not end an expression (`a and`, `if`), for the missing-comma rule. */
const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield',
]);
/** What Python names the block a compound statement's header opens. */
const BLOCK_NAMES: Readonly<Record<string, string>> = {
  if: "'if' statement",
  elif: "'elif' statement",
  else: "'else' statement",
  for: "'for' statement",
  while: "'while' statement",
  with: "'with' statement",
  try: "'try' statement",
  except: "'except' statement",
  finally: "'finally' statement",
  def: 'function definition',
  class: 'class definition',
};

const STRING_START = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:'''|"""|'|")/;
const NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_]*/u;
const OPERATOR = /^(?:\*\*=|\/\/=|>>=|<<=|\.\.\.|->|\*\*|\/\/|<<|>>|<=|>=|==|!=|:=|[-+*\/%&|^@]=)/;
const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][-+]?\d(?:_?\d)*)?[jJ]?)/;
/** Keywords CPython lets follow a number directly (`1if x else 2`). */
const AFTER_NUMBER = /^(and|else|for|if|in|is|not|or)\b/;

/**
 * What CPython's tokenizer says of a number literal followed by `rest`, or undefined when it is
 * fine. Python 2's octal `0755`, which Python 3 refuses, is let through: lezer reads it, and so
 * does the translator (as `0o755`), as Aurora's configs were Python 2.
 */
function numberProblem(literal: string, rest: string): string | undefined {
  if (!/^[\p{L}\p{N}_]/u.test(rest) || AFTER_NUMBER.test(rest)) return undefined;
  if (/^0[xX]/.test(literal)) return 'invalid hexadecimal literal';
  if (/^0[oO]/.test(literal)) return 'invalid octal literal';
  if (/^0[bB]/.test(literal)) return 'invalid binary literal';
  if (/[jJ]$/.test(literal)) return 'invalid imaginary literal';
  return 'invalid decimal literal';
}

/** Where each line starts, for offsets to line and column. */
class Lines {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  columnAt(offset: number): number {
    return offset - (this.starts[this.lineAt(offset) - 1] as number) + 1;
  }
  source(line: number): string {
    const from = this.starts[line - 1] ?? this.text.length;
    const end = this.text.indexOf('\n', from);
    return this.text.slice(from, end < 0 ? this.text.length : end).replace(/\r$/, '');
  }
  /** The last line of the file: the one holding its final newline, as Python counts. */
  get last(): number {
    return this.lineAt(this.eof);
  }
  /** Where Python places an error found at the end of the file: on the final newline, if any. */
  get eof(): number {
    return this.text.endsWith('\n') ? this.text.length - 1 : this.text.length;
  }
}

interface Scan {
  readonly logical: LogicalLine[];
  readonly errors: Found[];
}

/**
 * Tokenizes as CPython does, as far as errors go: strings, brackets, comments, line joining and
 * indentation. It recovers where CPython stops (a string ends at its line, a stray closing
 * bracket is skipped), so that errors further on are found too.
 */
function tokenize(text: string, lines: Lines): Scan {
  const logical: LogicalLine[] = [];
  const errors: Found[] = [];
  const stack: { char: string; at: number }[] = [];
  const indents: { col: number; alt: number }[] = [{ col: 0, alt: 0 }];
  let current: LogicalLine | undefined;
  let previous: LogicalLine | undefined;
  let i = 0;
  const n = text.length;

  const push = (kind: TokenKind, from: number, to: number): Token => {
    if (!current) throw new Error('token outside a logical line');
    const top = stack[stack.length - 1];
    const t: Token = { kind, from, to, text: text.slice(from, to), depth: stack.length, opener: top ? top.at : -1 };
    current.tokens.push(t);
    return t;
  };
  const end = (at: number): void => {
    if (current) {
      current.to = at;
      previous = current;
    }
    current = undefined;
  };

  while (i < n) {
    if (!current) {
      // The start of a physical line outside brackets: measure its indentation.
      let col = 0;
      let alt = 0;
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t' || text[j] === '\f')) {
        if (text[j] === '\t') col = Math.floor(col / 8) * 8 + 8;
        else if (text[j] === ' ') col++;
        else col = 0;
        alt = text[j] === '\f' ? 0 : alt + 1;
        j++;
      }
      const c = text[j];
      if (j >= n || c === '\n' || c === '\r' || c === '#' || (c === '\\' && text[j + 1] === '\n')) {
        // A blank or comment-only line: no statement, no indentation.
        const nl = text.indexOf('\n', j);
        i = nl < 0 ? n : nl + 1;
        continue;
      }
      current = { from: j, lineStart: i, to: n, indent: col, tokens: [] };
      logical.push(current);
      indentation(col, alt, j);
      i = j;
      continue;
    }
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      // An explicit line join: the logical line goes on.
      i += text[i + 1] === '\n' ? 2 : 3;
      continue;
    }
    if (c === '\n') {
      i++;
      if (stack.length === 0) end(i - 1);
      continue;
    }
    const quote = STRING_START.exec(text.slice(i, i + 5));
    if (quote) {
      i = scanString(i, quote[0]);
      continue;
    }
    const name = NAME.exec(text.slice(i, i + 200));
    if (name) {
      push('name', i, i + name[0].length);
      i += name[0].length;
      continue;
    }
    const number = NUMBER.exec(text.slice(i, i + 200));
    if (number) {
      const problem = numberProblem(number[0], text.slice(i + number[0].length, i + number[0].length + 10));
      if (problem) errors.push({ at: i, message: problem, rank: Rank.Tokenizer });
      // An invalid literal runs on through the letters after it (`3z`), as one token.
      const len = problem ? number[0].length + (/^[\p{L}\p{N}_]*/u.exec(text.slice(i + number[0].length))?.[0].length ?? 0) : number[0].length;
      push('number', i, i + len);
      i += len;
      continue;
    }
    if (OPENERS[c]) {
      push('open', i, i + 1);
      stack.push({ char: c, at: i });
      i++;
      continue;
    }
    if (CLOSERS[c]) {
      const top = stack[stack.length - 1];
      if (!top) {
        errors.push({ at: i, message: `unmatched '${c}'`, rank: Rank.Tokenizer });
        i++;
        continue;
      }
      if (top.char !== CLOSERS[c]) {
        const openLine = lines.lineAt(top.at);
        const where = openLine === lines.lineAt(i) ? '' : ` on line ${openLine}`;
        errors.push({ at: i, message: `closing parenthesis '${c}' does not match opening parenthesis '${top.char}'${where}`, rank: Rank.Tokenizer });
        // Recover: close up to a matching bracket if one is open, else skip this one.
        const match = stack.map((s) => s.char).lastIndexOf(CLOSERS[c] as string);
        if (match < 0) {
          i++;
          continue;
        }
        stack.length = match + 1;
      }
      // A closing bracket belongs to the level around its pair, as its opening bracket does.
      stack.pop();
      push('close', i, i + 1);
      i++;
      continue;
    }
    const op = OPERATOR.exec(text.slice(i, i + 3));
    const len = op ? op[0].length : 1;
    push('op', i, i + len);
    i += len;
  }
  if (stack.length > 0) {
    // CPython reports the innermost bracket still open at the end of the file.
    const top = stack[stack.length - 1] as { char: string; at: number };
    errors.push({ at: top.at, message: `'${top.char}' was never closed`, rank: Rank.Unclosed });
  }
  end(n);
  if (previous && endsWithColon(previous) && opensBlock(previous)) {
    errors.push({ at: lines.eof, message: expectedBlock(previous, lines), rank: Rank.Indentation });
  }
  return { logical, errors };

  /** Indentation of a new logical line at `at`, against the stack of open blocks. */
  function indentation(col: number, alt: number, at: number): void {
    const top = indents[indents.length - 1] as { col: number; alt: number };
    const opener = previous !== undefined && endsWithColon(previous);
    if (col > top.col) {
      if (alt <= top.alt) errors.push({ at, message: 'inconsistent use of tabs and spaces in indentation', rank: Rank.Indentation });
      else if (!opener && !(previous && headerWithoutColon(previous))) errors.push({ at, message: 'unexpected indent', rank: Rank.Indentation });
      indents.push({ col, alt });
      return;
    }
    if (opener && previous && opensBlock(previous)) errors.push({ at, message: expectedBlock(previous, lines), rank: Rank.Indentation });
    while (indents.length > 1 && (indents[indents.length - 1] as { col: number }).col > col) indents.pop();
    const outer = indents[indents.length - 1] as { col: number; alt: number };
    if (outer.col !== col) {
      errors.push({ at, message: 'unindent does not match any outer indentation level', rank: Rank.Indentation });
      indents.push({ col, alt });
    } else if (outer.alt !== alt) {
      errors.push({ at, message: 'inconsistent use of tabs and spaces in indentation', rank: Rank.Indentation });
    }
  }

  /** Scans a string literal from `from` (its prefix); returns where scanning goes on. */
  function scanString(from: number, opening: string): number {
    const q = opening.replace(/^[a-zA-Z]+/, '');
    const triple = q.length === 3;
    let j = from + opening.length;
    while (j < n) {
      const ch = text[j];
      if (ch === '\\') {
        j += 2;
        continue;
      }
      if (text.startsWith(q, j)) {
        push('string', from, j + q.length);
        return j + q.length;
      }
      if (ch === '\n' && !triple) break;
      j++;
    }
    if (triple) {
      errors.push({ at: from, message: `unterminated triple-quoted string literal (detected at line ${lines.last})`, rank: Rank.Tokenizer });
      push('string', from, n);
      return n;
    }
    // A single-quoted string ends at its line; go on from the line's end as if it were closed.
    const stop = Math.min(j, n);
    errors.push({ at: from, message: `unterminated string literal (detected at line ${lines.lineAt(from)})`, rank: Rank.Tokenizer });
    push('string', from, stop);
    return stop;
  }
}

/** A compound statement's header (`if x:`, `def f():`), which must be followed by an indented block. */
function opensBlock(line: LogicalLine): boolean {
  const first = line.tokens[0];
  return first !== undefined && Object.hasOwn(BLOCK_NAMES, first.text);
}

function endsWithColon(line: LogicalLine): boolean {
  const last = line.tokens[line.tokens.length - 1];
  return last !== undefined && last.text === ':' && last.depth === 0;
}

/** A compound statement's header whose colon is missing (an error of its own, found by the parser). */
function headerWithoutColon(line: LogicalLine): boolean {
  const first = line.tokens[0];
  if (!first || !Object.hasOwn(BLOCK_NAMES, first.text)) return false;
  return !line.tokens.some((t) => t.text === ':' && t.depth === 0);
}

function expectedBlock(header: LogicalLine, lines: Lines): string {
  const keyword = header.tokens[0]?.text ?? '';
  const what = BLOCK_NAMES[keyword] ?? `'${keyword}' statement`;
  return `expected an indented block after ${what} on line ${lines.lineAt(header.from)}`;
}

/** Whether a token can end an expression (`a`, `1`, `'x'`, `)`). */
function endsExpression(t: Token): boolean {
  return t.kind === 'number' || t.kind === 'string' || t.kind === 'close' || (t.kind === 'name' && !KEYWORDS.has(t.text));
}

/** Whether a token starts an expression that cannot follow one (`b`, `1`, `'x'`, `{`; not `(` or `[`, a call or subscript). */
function startsExpression(t: Token): boolean {
  return t.kind === 'number' || t.kind === 'string' || t.text === '{' || (t.kind === 'name' && !KEYWORDS.has(t.text));
}

/** Tokens that end the expression before them at their level: Python's `disjunction` goes no further back. */
const EXPRESSION_STOPS = new Set([
  ',', '=', ':', ';', ':=', '->', '+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=',
  'lambda', 'if', 'else', 'for', 'yield', 'return', 'await', 'from', 'assert', 'del', 'raise', 'with', 'as', 'import',
]);

/**
 * The start of the expression that ends with `tokens[k]` (`1 * MB` for `MB`, `foo(1)` for `)`):
 * back over its level's tokens, and whole bracketed parts, to a comma, `=`, `:` or the bracket.
 */
function expressionStart(tokens: readonly Token[], k: number): number {
  const last = tokens[k] as Token;
  let start = last.from;
  for (let j = k - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    if (t.depth < last.depth || (t.depth === last.depth && EXPRESSION_STOPS.has(t.text))) break;
    start = t.from;
  }
  return start;
}

/**
 * Lezer's error nodes, each moved to where Python reports it and described as Python does:
 * a missing comma between two expressions inside brackets, a compound statement's missing colon,
 * or plain invalid syntax at the token.
 */
function parserErrors(text: string, tree: Tree, scan: Scan, lines: Lines): Found[] {
  const lineAt = (offset: number): number => lines.lineAt(offset);
  const tokens = scan.logical.flatMap((l) => l.tokens);
  const found: Found[] = [];
  const seen = new Set<number>();
  const recovered: number[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) recovered.push(ref.from);
    },
  });
  /** Whether lezer recovered from an error anywhere inside `node`. */
  const hasError = (node: SyntaxNode): boolean => recovered.some((at) => at >= node.from && at <= node.to);
  tree.iterate({
    enter: (ref) => {
      // Only where lezer parsed without recovering: its recovered trees are guesses.
      if ((ref.name === 'ArgList' || ref.name === 'AssignStatement') && hasError(ref.node)) return;
      if (ref.name === 'ArgList') {
        const misplaced = positionalAfterKeyword(ref.node);
        if (misplaced) found.push(misplaced);
        return;
      }
      if (ref.name === 'AssignStatement') {
        const target = unassignable(ref.node);
        if (target) found.push(target);
      }
      if (!ref.type.isError) return;
      if (seen.has(ref.from)) return;
      seen.add(ref.from);
      let top = ref.node;
      while (top.parent && top.parent.parent) top = top.parent;
      found.push({ ...describe(ref.from), statement: top.from });
    },
  });
  return found;

  /**
   * A target of `=` that cannot be assigned to (`x = f(a) = 1`, or `x = Process name = 'a', ...`
   * with its parenthesis missing), which lezer accepts and Python refuses, at the target.
   */
  function unassignable(statement: SyntaxNode): Found | undefined {
    const segments: SyntaxNode[][] = [[]];
    for (let c = statement.firstChild; c; c = c.nextSibling) {
      if (c.type.isError) return undefined;
      if (c.name === 'AssignOp') segments.push([]);
      else if (c.name !== 'TypeDef' && c.name !== 'Comment') (segments[segments.length - 1] as SyntaxNode[]).push(c);
    }
    for (const target of segments.slice(0, -1)) {
      for (const node of target) {
        const problem = cannotAssign(node, text);
        if (problem) return { at: problem.node.from, message: `cannot assign to ${problem.what}`, rank: Rank.Parser, noticed: problem.node.from };
      }
    }
    return undefined;
  }

  /**
   * `f(a=1, b)`, which lezer accepts and Python refuses. Python reports it at the call's closing
   * parenthesis, so it is placed there, naming the argument.
   */
  function positionalAfterKeyword(args: SyntaxNode): Found | undefined {
    let keyword = false;
    let unpacking = false;
    let arg: SyntaxNode[] = [];
    const close = args.lastChild;
    const check = (): Found | undefined => {
      const [head, second] = arg;
      const generator = arg.some((n) => n.name === 'for');
      arg = [];
      if (!head || head.name === '*' || generator) return undefined;
      if (head.name === '**') {
        unpacking = true;
        return undefined;
      }
      if (second?.name === 'AssignOp') {
        keyword = true;
        return undefined;
      }
      if (!keyword && !unpacking) return undefined;
      const at = close?.name === ')' ? close.from : head.from;
      const shown = text.slice(head.from, head.to);
      const line = lineAt(head.from) === lineAt(at) ? '' : ` (line ${lineAt(head.from)})`;
      const what = shown.length <= 30 && !shown.includes('\n') ? `'${shown}'${line} ` : line ? `${line.trim()} ` : '';
      return { at, message: `positional argument ${what}follows keyword argument${unpacking ? ' unpacking' : ''}`, rank: Rank.Parser, noticed: at };
    };
    for (let c = args.firstChild; c; c = c.nextSibling) {
      if (c.type.isError) return undefined;
      if (c.name === 'Comment') continue;
      if (c.name === '(' || c.name === ')' || c.name === ',') {
        const problem = check();
        if (problem) return problem;
        continue;
      }
      arg.push(c);
    }
    return undefined;
  }

  function describe(noticed: number): Found {
    // The first token at or after the error, and the last one before it.
    let k = tokens.findIndex((t) => t.to > noticed);
    if (k < 0) k = tokens.length;
    const at = tokens[k];
    const before = k > 0 ? tokens[k - 1] : undefined;
    const line = scan.logical.find((l) => l.lineStart <= noticed && noticed <= l.to);
    const last = line?.tokens[line.tokens.length - 1];
    if (line && last && headerWithoutColon(line) && noticed >= last.to) {
      // Noticed at the header's end: Python says so right after its last token.
      return { at: last.to, message: "expected ':'", rank: Rank.Parser, noticed };
    }
    if (at && before && at.from >= noticed && at.depth > 0 && before.depth === at.depth && before.opener === at.opener && endsExpression(before) && startsExpression(at)) {
      return { at: expressionStart(tokens, k - 1), message: 'invalid syntax. Perhaps you forgot a comma?', rank: Rank.Parser, noticed };
    }
    // At the token, unless the error is at the end of a line (`x = 1 +` then a newline).
    let spot = noticed;
    while (spot < text.length && (text[spot] === ' ' || text[spot] === '\t')) spot++;
    const shown = at && at.from === spot ? at.text : '';
    return { at: spot, message: shown && shown.length <= 30 ? `invalid syntax at '${shown}'` : 'invalid syntax', rank: Rank.Parser, noticed };
  }
}

const LITERALS = new Set(['String', 'ContinuedString', 'FormatString', 'Number', 'Ellipsis']);
const ASSIGNABLE = new Set(['VariableName', 'MemberExpression', '*', ',', '(', ')', '[', ']']);
const SEQUENCES = new Set(['TupleExpression', 'ArrayExpression', 'ParenthesizedExpression']);

/** Why an assignment target cannot be assigned to, as Python words it (`literal`, `function call`). */
function cannotAssign(node: SyntaxNode, text: string): { node: SyntaxNode; what: string } | undefined {
  if (ASSIGNABLE.has(node.name) || node.type.isError) return undefined;
  if (SEQUENCES.has(node.name)) {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      const inner = cannotAssign(c, text);
      if (inner) return inner;
    }
    return undefined;
  }
  if (LITERALS.has(node.name)) return { node, what: 'literal' };
  if (node.name === 'Boolean' || node.name === 'None') return { node, what: text.slice(node.from, node.to) };
  if (node.name === 'CallExpression') return { node, what: 'function call' };
  if (node.name === 'BinaryExpression' && node.getChild('CompareOp')) return { node, what: 'comparison' };
  if (node.name === 'LambdaExpression') return { node, what: 'lambda' };
  if (node.name === 'ConditionalExpression') return { node, what: 'conditional expression' };
  if (/Comprehension/.test(node.name)) return { node, what: 'comprehension' };
  if (node.name === 'DictionaryExpression' || node.name === 'SetExpression') return { node, what: node.name === 'SetExpression' ? 'set display' : 'dict literal' };
  return { node, what: 'expression' };
}

/** Every syntax error of `text` (parsed by lezer into `tree`), merged per statement, in file order. Pure. */
export function pythonSyntaxErrors(source: string, parsed: Tree): PythonSyntaxError[] {
  // Python reads a file with universal newlines: '\r\n' and a lone '\r' end a line too.
  const text = source.includes('\r') ? source.replace(/\r\n?/g, '\n') : source;
  // Spaces after the last line are nothing to Python, and trip lezer: it parses without them.
  const trimmed = text.replace(/[ \t\f]+$/, '');
  const tree = trimmed === source ? parsed : parser.parse(trimmed);
  const lines = new Lines(text);
  const scan = tokenize(text, lines);
  const all = [...scan.errors, ...parserErrors(text, tree, scan, lines)];
  if (all.length === 0) return [];

  // Group by the logical line each error belongs to (by where it was noticed).
  const groupAt = (pos: number): number => {
    let g = -1;
    for (let k = 0; k < scan.logical.length; k++) if ((scan.logical[k] as LogicalLine).lineStart <= pos) g = k;
    return Math.max(g, 0);
  };
  const groups = new Map<number, Found[]>();
  const grouped = all.map((e) => ({ e, g: groupAt(e.noticed ?? e.at) }));
  for (const { e, g } of grouped) groups.set(g, [...(groups.get(g) ?? []), e]);
  // Lezer's recovery from an error often notices more at the start of the next line, inside the
  // statement it was recovering (`f(a b)` then a newline): that belongs to the statement's error.
  for (const { e, g } of grouped) {
    if (e.statement === undefined) continue;
    const owner = groupAt(e.statement);
    if (owner >= g || !groups.has(owner)) continue;
    groups.set(g, (groups.get(g) ?? []).filter((x) => x !== e));
    if (groups.get(g)?.length === 0) groups.delete(g);
    groups.set(owner, [...(groups.get(owner) ?? []), e]);
  }
  // A stray closing bracket or an unexpected indent that starts the statement after a broken one
  // is mostly that one's doing (`f(a` closed on the wrong line, or `Resourcescpu=1, ...)`): one error.
  const cascades = new Set<Found>();
  const keys = [...groups.keys()].sort((a, b) => a - b);
  for (const g of keys) {
    const errors = groups.get(g);
    const previous = [...groups.keys()].filter((k) => k < g).sort((a, b) => b - a)[0];
    if (!errors || previous === undefined || previous !== g - 1) continue;
    const start = (scan.logical[g] as LogicalLine).from;
    const head = errors.find((e) => e.at === start && CASCADES.test(e.message));
    if (!head) continue;
    const moved = errors.filter((e) => e.at === start);
    for (const e of moved) cascades.add(e);
    const rest = errors.filter((e) => e.at !== start);
    if (rest.length > 0) groups.set(g, rest);
    else groups.delete(g);
    groups.set(previous, [...(groups.get(previous) ?? []), ...moved]);
  }
  const chosen = [...groups.values()].map((errors) => pick(errors, lines, cascades));
  chosen.sort((a, b) => a.at - b.at);
  return chosen.map((e) => {
    const line = lines.lineAt(e.at);
    return { line, column: lines.columnAt(e.at), message: e.message, sourceLine: lines.source(line) };
  });
}

/** The error Python reports among those of one statement. */
function pick(all: readonly Found[], lines: Lines, cascades: ReadonlySet<Found>): Found {
  const own = all.filter((e) => !cascades.has(e));
  const errors = own.length > 0 ? own : all;
  const first = (list: readonly Found[]): Found | undefined => [...list].sort((a, b) => a.at - b.at)[0];
  // CPython re-tokenizes the rest of the file after a parser error and prefers a tokenizer error
  // it finds there; an indentation error stops it first.
  const indentation = first(errors.filter((e) => INDENTATION.test(e.message)));
  const tokenizer = first(all.filter((e) => e.rank === Rank.Tokenizer));
  if (indentation && (!tokenizer || indentation.at < tokenizer.at)) return indentation;
  if (tokenizer) return tokenizer;
  // Otherwise the first error Python meets; a missing block's message over lezer's at the same place.
  const unclosed = first(errors.filter((e) => e.rank === Rank.Unclosed));
  const met = errors.filter((e) => e.rank !== Rank.Unclosed).sort((a, b) => a.at - b.at || a.rank - b.rank)[0];
  if (!met) return (unclosed ?? first(all)) as Found;
  if (!unclosed || met.rank !== Rank.Parser) return met;
  // CPython prefers "never closed" when its look-ahead got past the bracket's line.
  return lines.lineAt(met.noticed ?? met.at) > lines.lineAt(unclosed.at) ? unclosed : met;
}
