/**
 * Strings built in Python: `' '.join([...])`, `'{} {name}'.format(...)` and `'%s' % (...)`, into
 * `.join(...)` and template literals.
 */
import type { SyntaxNode } from '@lezer/common';
import { plainArgs, type Ctx, type Tx } from './kinds.js';
import { atom, call, print } from './printer.js';
import { meaningful } from './python.js';
import { escapeTemplateText, tsString } from './strings.js';

/** Literal text and values as one string: inline literals, `${...}` for the rest. */
export function templateLiteral(parts: readonly (string | Tx)[]): Tx {
  let text = '';
  let literal: string | undefined = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      text += escapeTemplateText(p);
      if (literal !== undefined) literal += p;
    } else if (
      (p.kind.k === 'string' && p.kind.literal !== undefined) ||
      (p.kind.k === 'number' && p.kind.literal !== undefined && /^-?\d+(\.\d+)?$/.test(p.kind.literal))
    ) {
      text += escapeTemplateText(p.kind.literal);
      if (literal !== undefined) literal += p.kind.literal;
    } else {
      text += `\${${print(p.code)}}`;
      literal = undefined;
    }
  }
  if (literal !== undefined) return { code: atom(tsString(literal)), kind: { k: 'string', literal } };
  return { code: atom(`\`${text}\``), kind: { k: 'string' } };
}

/** `' '.join([...])` → `[...].join(' ')`. */
export function joinCall(ctx: Ctx, node: SyntaxNode, separator: SyntaxNode, argList: SyntaxNode): Tx {
  const sep = ctx.expr(separator);
  if (sep.kind.k !== 'string') ctx.fail(node, '.join() is translated only on a string');
  const args = plainArgs(ctx.args(argList));
  const only = args[0];
  if (args.length !== 1 || !only || only.name !== undefined) return ctx.fail(node, '.join() takes one list');
  const list = ctx.expr(only.value, 'string');
  if (list.kind.k !== 'list' && list.kind.k !== 'unknown') ctx.fail(node, '.join() is translated only on a list');
  return { code: call({ t: 'member', object: list.code, name: 'join' }, [sep.code]), kind: { k: 'string' } };
}

/** `'{} {name}'.format(a, name=b)` → a template literal. */
export function formatCall(ctx: Ctx, node: SyntaxNode, object: SyntaxNode, argList: SyntaxNode): Tx {
  const fmt = ctx.expr(object);
  if (fmt.kind.k !== 'string' || fmt.kind.literal === undefined) {
    return ctx.fail(node, '.format() is translated only on a string literal');
  }
  const args = plainArgs(ctx.args(argList));
  if (args.some((a) => a.star)) ctx.fail(node, '.format(*args) is not translated');
  const positional = args.filter((a) => a.name === undefined);
  const named = new Map(args.filter((a) => a.name !== undefined).map((a) => [a.name as string, a.value]));
  const text = fmt.kind.literal;
  const parts: (string | Tx)[] = [];
  let auto = 0;
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      literal += ch;
      i++;
      continue;
    }
    if (ch === '}') ctx.fail(node, `a single '}' in the format '${text}'`);
    if (ch !== '{') {
      literal += ch;
      continue;
    }
    const close = text.indexOf('}', i);
    if (close < 0) ctx.fail(node, `an unclosed '{' in the format '${text}'`);
    const field = text.slice(i + 1, close);
    i = close;
    let arg: SyntaxNode | undefined;
    if (field === '') arg = positional[auto++]?.value;
    else if (/^\d+$/.test(field)) arg = positional[Number(field)]?.value;
    else if (/^[A-Za-z_]\w*$/.test(field)) arg = named.get(field);
    else ctx.fail(node, `the format field {${field}} is not translated (only {}, {0} and {name})`);
    if (!arg) return ctx.fail(node, `no value for the format field {${field}}`);
    parts.push(literal);
    literal = '';
    parts.push(ctx.expr(arg, 'string'));
  }
  parts.push(literal);
  return templateLiteral(parts);
}

/** `'cp %s .' % path` → a template literal. */
export function percentFormat(ctx: Ctx, node: SyntaxNode, format: Tx, argsNode: SyntaxNode): Tx {
  if (format.kind.k !== 'string' || format.kind.literal === undefined) {
    return ctx.fail(node, '% formatting is translated only when the format is a string literal');
  }
  const text = format.kind.literal;
  const argNodes = argsNode.name === 'TupleExpression' ? meaningful(argsNode).filter((c) => c.name !== 'Comment') : [argsNode];
  const named = argsNode.name === 'DictionaryExpression';
  const namedArgs = new Map<string, SyntaxNode>();
  if (named) {
    const kids = meaningful(argsNode).filter((c) => c.name !== 'Comment');
    for (let i = 0; i + 1 < kids.length; i += 2) {
      const key = ctx.expr(kids[i] as SyntaxNode);
      if (key.kind.k !== 'string' || key.kind.literal === undefined) ctx.fail(argsNode, 'format keys must be string literals');
      namedArgs.set(key.kind.literal, kids[i + 1] as SyntaxNode);
    }
  }
  const parts: (string | Tx)[] = [];
  let next = 0;
  const spec = /%(?:\(([^)]*)\))?([-+ #0]*\d*(?:\.\d+)?)([a-zA-Z%])/g;
  let last = 0;
  for (let m = spec.exec(text); m; m = spec.exec(text)) {
    parts.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [, key, flags, conv] = m;
    if (conv === '%' && key === undefined && !flags) {
      parts.push('%');
      continue;
    }
    if (flags || !['s', 'd', 'i'].includes(conv as string)) {
      ctx.fail(node, `the format ${m[0]} is not translated (only %s, %d and %%)`);
    }
    let arg: SyntaxNode | undefined;
    if (key !== undefined) {
      if (!named) ctx.fail(node, `${m[0]} needs a dict of values`);
      arg = namedArgs.get(key);
    } else {
      if (named) ctx.fail(node, `${m[0]} needs a tuple of values`);
      arg = argNodes[next++];
    }
    if (!arg) return ctx.fail(node, `the format '${text}' has more fields than values`);
    parts.push(ctx.expr(arg, 'string'));
  }
  parts.push(text.slice(last));
  if (!named && next !== argNodes.length) ctx.fail(node, `the format '${text}' has fewer fields than values`);
  return templateLiteral(parts);
}
