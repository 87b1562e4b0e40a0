/**
 * `x.bind(a=1)` → `x.bind({ a: 1 })`. A bind of which nothing translated is not left as
 * `.bind({})`; a template lacking fields keeps its bindings among its fields.
 */
import type { SyntaxNode } from '@lezer/common';
import type { Ctx, Note, Tx } from './kinds.js';
import { call, print, type Code, type Entry } from './printer.js';
import { isIdentifier, tsString } from './strings.js';

/** `x.bind(a=1)` → `x.bind({ a: 1 })`. */
export function bindCall(ctx: Ctx, node: SyntaxNode, object: SyntaxNode, argList: SyntaxNode): Tx {
  const receiver = ctx.expr(object);
  const entries: Entry[] = [];
  const failed: Note[] = [];
  for (const arg of ctx.args(argList)) {
    if (arg.comment !== undefined) {
      entries.push({ comment: [arg.comment] });
      continue;
    }
    if (arg.name === undefined && arg.value.name === 'DictionaryExpression') {
      const d = ctx.expr(arg.value).code as Extract<Code, { t: 'object' }>;
      entries.push(...d.entries);
      continue;
    }
    const lines = ctx.linesBetween(arg.from, arg.value.to);
    if (arg.name === undefined) {
      failed.push({ line: ctx.py.lineAt(arg.from), reason: '.bind() takes name=value pairs or a dict', lines });
      continue;
    }
    const r = ctx.frame(() => ctx.expr(arg.value));
    if (!r.ok) {
      failed.push({ line: r.error.line, reason: r.error.reason, lines });
      continue;
    }
    for (const n of r.notes) ctx.pushNote(entries, n);
    entries.push({ key: isIdentifier(arg.name) ? arg.name : tsString(arg.name), value: r.value.code });
  }
  if (!ctx.dsl.bind) {
    const pairs = entries
      .filter((e): e is { key: string; value: Code } => 'key' in e)
      .map((e) => {
        const v = e.value.t === 'atom' && /^'[^'\\]*'$/.test(e.value.code) ? e.value.code.slice(1, -1) : print(e.value);
        return `--bind ${e.key.replace(/'/g, '')}=${v}`;
      });
    ctx.note(...failed, {
      line: ctx.py.lineOf(node),
      reason: `.bind() is not translated: the DSL has no .bind() yet; pass the values on the command line instead${pairs.length ? ` (${pairs.join(' ')})` : ''}`,
      lines: ctx.py.sourceLines(node),
    });
    return receiver;
  }
  if (!entries.some((e) => 'key' in e)) {
    // nothing to bind: no empty .bind({}); what did not translate is said above the statement
    ctx.note(...failed);
    return receiver;
  }
  for (const f of failed) ctx.pushNote(entries, f);
  const bound: Code = { t: 'object', entries };
  if (receiver.props?.t === 'object') {
    // a template lacking required fields (Aurora binds those too): its fields and the bindings,
    // which the factory it is spread into keeps
    const fields = receiver.props.entries.filter((e) => !('key' in e && e.key === 'bindings'));
    const earlier = receiver.props.entries.find((e): e is { key: string; value: Code } => 'key' in e && e.key === 'bindings');
    const merged: Entry[] = earlier?.value.t === 'object' ? [...earlier.value.entries, ...entries] : entries;
    return {
      code: call({ t: 'member', object: receiver.code, name: 'bind' }, [bound]),
      kind: receiver.kind,
      props: { t: 'object', entries: [...fields, { key: 'bindings', value: { t: 'object', entries: merged } }] },
      propsBound: true,
    };
  }
  return { code: call({ t: 'member', object: receiver.code, name: 'bind' }, [bound]), kind: receiver.kind };
}
