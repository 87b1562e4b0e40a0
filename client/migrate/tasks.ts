/**
 * Aurora's task helpers: `order(a, b)` (a list, as in Aurora), `Constraint(order=[...])`,
 * `SimpleTask(name, command)` and `Tasks.concat/combine` (`concat_tasks`, `combine_tasks`), and how
 * order constraints are joined: `order(a, b) + order(c, d)` is `[...order(a, b), ...order(c, d)]`.
 */
import type { SyntaxNode } from '@lezer/common';
import type { DslCapabilities } from './translate.js';
import { plainArgs, type Arg, type Ctx, type Kind, type Tx } from './kinds.js';
import { atom, call, type Code, type Item } from './printer.js';
import { meaningful } from './python.js';

/** `order(a, b)` → `order(a, b)`: a list of one constraint, as Aurora's. */
export function orderCall(ctx: Ctx, node: SyntaxNode, argList: SyntaxNode): Tx {
  const args: Code[] = [];
  for (const a of plainArgs(ctx.args(argList))) {
    if (a.name !== undefined || a.star) ctx.fail(node, 'order() takes processes or process names');
    const v = ctx.expr(a.value);
    if (v.kind.k === 'struct' && v.kind.struct !== 'Process') ctx.fail(a.value, 'order() takes processes or process names');
    args.push(v.code);
  }
  return { code: call(ctx.value('order'), args), kind: { k: 'constraints' } };
}

/** `Constraint(order=['a', 'b'])` → `order('a', 'b')`. */
export function constraintCall(ctx: Ctx, node: SyntaxNode, argList: SyntaxNode): Tx {
  const args = plainArgs(ctx.args(argList));
  const only = args[0];
  if (args.length !== 1 || !only || only.name !== 'order' || (only.value.name !== 'ArrayExpression' && only.value.name !== 'TupleExpression')) {
    return ctx.fail(node, "Constraint is translated only as Constraint(order=['a', 'b'])");
  }
  const names = meaningful(only.value)
    .filter((c) => c.name !== 'Comment')
    .map((c) => ctx.expr(c, 'string').code);
  return { code: call(ctx.value('order'), names), kind: { k: 'constraints' } };
}

function isOrderCall(c: Item): boolean {
  return typeof c === 'object' && 't' in c && c.t === 'call' && c.callee.t === 'atom' && c.callee.code === 'order';
}

/**
 * A task's constraints as written best: `order(a, b)` alone, `[...order(a, b), ...order(c, d)]`
 * for several, whatever else as it is.
 */
export function constraintsValue(tx: Tx): Code {
  if (tx.code.t !== 'array') return tx.code;
  const items = tx.code.items;
  const values = items.filter((i) => !(typeof i === 'object' && 'comment' in i));
  if (values.length === 1 && values.length === items.length && isOrderCall(values[0] as Item)) return values[0] as Code;
  if (!values.every((i) => isOrderCall(i) || (typeof i === 'object' && 'spread' in i))) return tx.code;
  return { t: 'array', items: items.map((i) => (isOrderCall(i) ? { spread: i as Code } : i)) };
}

/** `SimpleTask(name, command)`: the DSL's SimpleTask, or the task it stands for when the DSL has none. */
export function simpleTask(ctx: Ctx, dsl: DslCapabilities, node: SyntaxNode, argList: SyntaxNode): Tx {
  const args = plainArgs(ctx.args(argList));
  const pick = (kw: string, pos: number): Arg | undefined => args.find((a) => a.name === kw) ?? (args[pos]?.name === undefined ? args[pos] : undefined);
  const name = pick('name', 0);
  const command = pick('command', 1);
  if (!name || !command || args.length !== 2) return ctx.fail(node, 'SimpleTask takes a name and a command');
  const n = ctx.expr(name.value);
  const c = ctx.expr(command.value, 'string');
  const fields = new Set(['name', 'processes', 'resources']);
  const kind: Kind = { k: 'struct', struct: 'Task', fields, partial: false };
  if (dsl.simpleTask) return { code: call(ctx.value('SimpleTask'), [n.code, c.code]), kind };
  // Aurora's SimpleTask: one process and 1 core, 1 GB of RAM and 1 GB of disk.
  const process = call(ctx.value('Process'), [{ t: 'object', entries: [{ key: 'name', value: n.code }, { key: 'cmdline', value: c.code }] }]);
  const gb = ctx.value('GB');
  const resources = call(ctx.value('Resources'), [
    { t: 'object', entries: [{ key: 'cpu', value: atom('1') }, { key: 'ram', value: atom(`1 * ${gb}`) }, { key: 'disk', value: atom(`1 * ${gb}`) }] },
  ]);
  const task: Code = {
    t: 'object',
    entries: [
      { key: 'name', value: n.code },
      { key: 'processes', value: { t: 'array', items: [process] } },
      { key: 'resources', value: resources },
    ],
  };
  return { code: call(ctx.value('Task'), [task]), kind };
}

/** `Tasks.concat(a, b)`, `concat_tasks(a, b)` (and combine). */
export function combineTasks(ctx: Ctx, dsl: DslCapabilities, node: SyntaxNode, how: 'concat' | 'combine', argList: SyntaxNode): Tx {
  if (!dsl.tasks) {
    return ctx.fail(node, `Tasks.${how} is not translated: the DSL has no Tasks.${how} yet; merge the processes into one Task by hand`);
  }
  const args = plainArgs(ctx.args(argList));
  if (args.some((a) => a.name !== undefined || a.star)) ctx.fail(node, `Tasks.${how} takes tasks`);
  const tasks = args.map((a) => ctx.expr(a.value).code);
  return {
    code: call({ t: 'member', object: atom(ctx.value('Tasks')), name: how }, tasks),
    kind: { k: 'struct', struct: 'Task', fields: new Set(['name', 'processes', 'resources']), partial: false },
  };
}
