/**
 * The TypeScript the translator builds, as a small tree, and its printer: short things on one
 * line, longer ones (and any with comments inside) broken over lines. ts-morph indents the result.
 */

export type Code =
  | { readonly t: 'atom'; readonly code: string }
  | { readonly t: 'call'; readonly callee: Code; readonly args: readonly Code[] }
  | { readonly t: 'object'; readonly entries: readonly Entry[]; readonly satisfies?: string }
  | { readonly t: 'array'; readonly items: readonly Item[] }
  | { readonly t: 'binary'; readonly op: string; readonly left: Code; readonly right: Code }
  | { readonly t: 'unary'; readonly op: string; readonly operand: Code }
  | { readonly t: 'cond'; readonly test: Code; readonly then: Code; readonly otherwise: Code }
  | { readonly t: 'member'; readonly object: Code; readonly name: string };

export type Entry =
  | { readonly key: string; readonly value: Code }
  | { readonly spread: Code }
  | { readonly comment: readonly string[] };

export type Item = Code | { readonly spread: Code } | { readonly comment: readonly string[] };

export const atom = (code: string): Code => ({ t: 'atom', code });
export const call = (callee: string | Code, args: readonly Code[]): Code => ({
  t: 'call',
  callee: typeof callee === 'string' ? atom(callee) : callee,
  args,
});

const WIDTH = 100;

/** Binding strength of TypeScript operators, for parentheses. */
const PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1,
  '&&': 2,
  '===': 5,
  '!==': 5,
  '<': 6,
  '>': 6,
  '<=': 6,
  '>=': 6,
  '+': 8,
  '-': 8,
  '*': 9,
  '/': 9,
  '%': 9,
  '**': 10,
};

function precedence(c: Code): number {
  if (c.t === 'binary') return PRECEDENCE[c.op] ?? 0;
  if (c.t === 'cond') return 0;
  if (c.t === 'unary') return 11;
  return 20;
}

function isComment(e: Entry | Item): e is { readonly comment: readonly string[] } {
  return typeof e === 'object' && 'comment' in e;
}

function isSpread(e: Entry | Item): e is { readonly spread: Code } {
  return typeof e === 'object' && 'spread' in e;
}

/** One-line form, or undefined when the code holds a comment (and so needs lines). */
function flat(c: Code): string | undefined {
  switch (c.t) {
    case 'atom':
      return c.code;
    case 'call': {
      const callee = flat(c.callee);
      const args = c.args.map(flat);
      if (callee === undefined || args.some((a) => a === undefined)) return undefined;
      return `${callee}(${args.join(', ')})`;
    }
    case 'object': {
      if (c.entries.length === 0) return withSatisfies('{}', c.satisfies);
      const parts: string[] = [];
      for (const e of c.entries) {
        if (isComment(e)) return undefined;
        const v = flat(isSpread(e) ? e.spread : e.value);
        if (v === undefined) return undefined;
        parts.push(isSpread(e) ? `...${v}` : e.key === v ? v : `${e.key}: ${v}`);
      }
      return withSatisfies(`{ ${parts.join(', ')} }`, c.satisfies);
    }
    case 'array': {
      const parts: string[] = [];
      for (const i of c.items) {
        if (isComment(i)) return undefined;
        const v = flat(isSpread(i) ? i.spread : i);
        if (v === undefined) return undefined;
        parts.push(isSpread(i) ? `...${v}` : v);
      }
      return `[${parts.join(', ')}]`;
    }
    case 'binary': {
      const l = flat(c.left);
      const r = flat(c.right);
      if (l === undefined || r === undefined) return undefined;
      const p = precedence(c);
      const left = precedence(c.left) < p ? `(${l})` : l;
      const right = precedence(c.right) <= p ? `(${r})` : r;
      return `${left} ${c.op} ${right}`;
    }
    case 'unary': {
      const o = flat(c.operand);
      if (o === undefined) return undefined;
      return `${c.op}${precedence(c.operand) < precedence(c) ? `(${o})` : o}`;
    }
    case 'cond': {
      const [t, a, b] = [flat(c.test), flat(c.then), flat(c.otherwise)];
      if (t === undefined || a === undefined || b === undefined) return undefined;
      return `${t} ? ${a} : ${b}`;
    }
    case 'member': {
      const o = flat(c.object);
      if (o === undefined) return undefined;
      return `${precedence(c.object) < 20 ? `(${o})` : o}.${c.name}`;
    }
  }
}

function withSatisfies(text: string, type: string | undefined): string {
  return type ? `${text} satisfies ${type}` : text;
}

function fits(text: string | undefined, column: number): text is string {
  if (text === undefined || text.includes('\n')) return false;
  return column + text.length <= WIDTH;
}

function commentLines(lines: readonly string[], pad: string): string[] {
  return lines.map((l) => (l.trim() === '' ? `${pad}//` : `${pad}// ${l}`));
}

/** Prints code starting at `column`, continuation lines indented by `indent`. */
export function print(c: Code, indent = '', column = indent.length): string {
  if (c.t === 'atom') return c.code;
  const one = flat(c);
  if (fits(one, column)) return one;
  const inner = `${indent}  `;
  switch (c.t) {
    case 'call': {
      const callee = print(c.callee, indent, column);
      // where the argument starts: after the callee's last line when the callee spans lines
      const at = callee.includes('\n') ? callee.length - callee.lastIndexOf('\n') - 1 : column + callee.length;
      if (c.args.length === 1) return `${callee}(${print(c.args[0] as Code, indent, at + 1)})`;
      const args = c.args.map((a) => `${inner}${print(a, inner)},`);
      return `${callee}(\n${args.join('\n')}\n${indent})`;
    }
    case 'object': {
      const lines: string[] = [];
      for (const e of c.entries) {
        if (isComment(e)) lines.push(...commentLines(e.comment, inner));
        else if (isSpread(e)) lines.push(`${inner}...${print(e.spread, inner, inner.length + 3)},`);
        else {
          const v = print(e.value, inner, inner.length + e.key.length + 2);
          lines.push(e.key === v ? `${inner}${v},` : `${inner}${e.key}: ${v},`);
        }
      }
      return withSatisfies(`{\n${lines.join('\n')}\n${indent}}`, c.satisfies);
    }
    case 'array': {
      const lines: string[] = [];
      for (const i of c.items) {
        if (isComment(i)) lines.push(...commentLines(i.comment, inner));
        else if (isSpread(i)) lines.push(`${inner}...${print(i.spread, inner, inner.length + 3)},`);
        else lines.push(`${inner}${print(i, inner)},`);
      }
      return `[\n${lines.join('\n')}\n${indent}]`;
    }
    case 'binary': {
      const p = precedence(c);
      const l = print(c.left, indent, column);
      const left = precedence(c.left) < p ? `(${l})` : l;
      const r = print(c.right, inner);
      const right = precedence(c.right) <= p ? `(${r})` : r;
      return `${left} ${c.op}\n${inner}${right}`;
    }
    case 'member':
      return `${print(c.object, indent, column)}.${c.name}`;
    case 'unary':
      return `${c.op}${print(c.operand, indent, column + c.op.length)}`;
    case 'cond':
      return `${print(c.test, indent, column)}\n${inner}? ${print(c.then, inner)}\n${inner}: ${print(c.otherwise, inner)}`;
  }
}

/** `// line` for each line, as printed above a statement or inside an object or array. */
export function printComment(lines: readonly string[], indent = ''): string {
  return commentLines(lines, indent).join('\n');
}
