/**
 * Aurora's schema objects into the DSL's factories: `Process(name='x', ...)` into
 * `Process({ name: 'x', ... })` with each field renamed and its value translated as the field
 * needs (schema.ts), settings that mean nothing here dropped with a comment, and templates derived
 * with calls (`base(name='x')`) into the template spread into the factory that made it:
 * `Service({ ...base, name: 'x' })`.
 */
import type { SyntaxNode } from '@lezer/common';
import { plainArgs, type Binding, type Ctx, type Kind, type Tx } from './kinds.js';
import { atom, call, type Code, type Entry } from './printer.js';
import { children, meaningful } from './python.js';
import { STRUCTS, type FieldSpec, type StructSpec } from './schema.js';
import { isIdentifier, tsString } from './strings.js';
import { constraintsValue } from './tasks.js';

const OMIT = Symbol('omit');

/** A dict key: a string (or number) literal. */
function dictKey(ctx: Ctx, node: SyntaxNode): string {
  const key = ctx.expr(node);
  if ((key.kind.k === 'string' || key.kind.k === 'number') && key.kind.literal !== undefined) {
    const text = key.kind.literal;
    return key.kind.k === 'number' || isIdentifier(text) ? text : tsString(text);
  }
  return ctx.fail(node, 'dict keys must be string literals');
}

/** `Process(name='x', ...)` → `Process({ name: 'x', ... })`. */
export function structCall(ctx: Ctx, node: SyntaxNode, name: string, argList: SyntaxNode, base?: { ts: string; fields: ReadonlySet<string> }): Tx {
  const spec = STRUCTS[name] as StructSpec;
  const entries: Entry[] = base ? [{ spread: atom(base.ts) }] : [];
  const fields = new Set<string>(base?.fields ?? []);
  const failures: string[] = [];
  for (const arg of ctx.args(argList)) {
    if (arg.comment !== undefined) {
      entries.push({ comment: [arg.comment] });
      continue;
    }
    const lines = ctx.linesBetween(arg.from, arg.value.to);
    const note = (line: number, reason: string): void => {
      failures.push(reason);
      ctx.pushNote(entries, { line, reason, lines });
    };
    const line = ctx.py.lineAt(arg.from);
    if (arg.star) {
      note(line, `${arg.star}${ctx.py.textOf(arg.value)} in a call of ${name} is not translated; write the fields out`);
      continue;
    }
    if (arg.name === undefined) {
      note(line, `positional arguments to ${name} are not translated; name the field (field=value)`);
      continue;
    }
    const field = spec.fields[arg.name];
    if (!field) {
      note(line, `${name} has no field '${arg.name}' that aurora-ts knows`);
      continue;
    }
    if ('dropped' in field) {
      // the setting alone, not the line it shares with others
      const setting = ctx.py.text.slice(arg.from, arg.value.to).split('\n').map((l, i) => (i === 0 ? `  ${l}` : l));
      ctx.pushNote(entries, { line, reason: `${name}.${arg.name} dropped: ${field.dropped}`, lines: setting, remark: 'dropped' });
      continue;
    }
    const r = ctx.frame(() => fieldValue(ctx, name, arg.name as string, field, arg.value));
    if (!r.ok) {
      note(r.error.line, r.error.reason);
      continue;
    }
    for (const n of r.notes) ctx.pushNote(entries, n);
    if (r.value === OMIT) continue;
    const key = field.prop;
    const existing = entries.findIndex((e) => 'key' in e && e.key === key);
    if (existing >= 0) entries.splice(existing, 1);
    entries.push({ key, value: r.value });
    fields.add(key);
  }
  if (failures.length > 0 && !entries.some((e) => 'key' in e || 'spread' in e)) {
    // nothing of it translated: not left as an empty call, the whole call is reported where it is
    ctx.fail(node, [...new Set(failures)].join('; '));
  }
  if (name === 'HealthCheckConfig') legacyHealthCheck(ctx, node, entries, fields);
  if (name === 'UpdateConfig') shorthandDefaults(entries, fields);
  const factoryName = spec.factory;
  if ((factoryName === 'Job' || factoryName === 'Service') && !fields.has('environment') && !base) {
    // Aurora 0.22 requires an environment; older Aurora, which such configs were written for, gave 'devel'
    entries.push({ key: 'environment', value: atom("'devel'") });
    ctx.remark(node, `${name} sets no environment: 'devel' added, as older Aurora gave (Aurora 0.22 refuses a job without one)`, 'rewritten');
    fields.add('environment');
  }
  const obj: Code = { t: 'object', entries };
  if (!factoryName) return { code: obj, kind: { k: 'dict' } };
  let factory = factoryName;
  if (factory === 'Service' && fields.has('service')) factory = 'Job';
  const partial = spec.required.some((r) => !fields.has(r));
  const empty = entries.length === 0 && spec.required.length === 0;
  return {
    code: call(ctx.value(factory), empty ? [] : [obj]),
    kind: { k: 'struct', struct: factory === 'Job' || factory === 'Service' ? factory : name, fields, partial },
    ...(partial && spec.propsType ? { props: obj } : {}),
  };
}

function fieldValue(ctx: Ctx, struct: string, pyName: string, field: FieldSpec, node: SyntaxNode): Code | typeof OMIT {
  if (node.name === 'None') return field.type === 'nullableStruct' ? atom('null') : OMIT;
  const type = field.type;
  if (type === 'metadata') return metadata(ctx, node);
  const tx = ctx.expr(node, type === 'string' && field.templateOk ? 'string' : undefined);
  if (typeof type === 'object') {
    if (tx.kind.k === 'string' && tx.kind.literal !== undefined && !type.oneOf.includes(tx.kind.literal)) {
      const hint = tx.kind.literal === 'RUN_OVERLAP' ? 'RUN_OVERLAP was removed from Aurora, which ran the jobs that still had it as CANCEL_NEW; ' : '';
      ctx.fail(node, `${hint}${struct}.${pyName} must be one of ${type.oneOf.join(', ')}, not '${tx.kind.literal}'`);
    }
    return tx.code;
  }
  if (type === 'number' && tx.kind.k === 'string' && tx.kind.literal !== undefined) {
    // Pystachio reads numbers from strings: '3' is 3, '{{profile.instances}}' is bound later
    const text = tx.kind.literal;
    if (text.includes('{{')) return tx.code;
    if (text.trim() !== '' && Number.isFinite(Number(text))) return atom(String(Number(text)));
    return ctx.fail(node, `${struct}.${pyName} must be a number, not '${text}'`);
  }
  if (type === 'orderConstraints') return constraintsValue(tx);
  return tx.code;
}

/**
 * Beside an update_strategy Aurora accepts batch_size = 1 and wait_for_batch_completion = False
 * (its defaults, which it cannot tell from unset) and refuses other values; the DSL refuses any
 * shorthand with a strategy, so the defaults go. Other values stay, for the compiler to refuse.
 */
function shorthandDefaults(entries: Entry[], fields: Set<string>): void {
  if (!fields.has('updateStrategy')) return;
  const defaults: Readonly<Record<string, string>> = { batchSize: '1', waitForBatchCompletion: 'false' };
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as Entry;
    if ('key' in e && e.value.t === 'atom' && defaults[e.key] === e.value.code) {
      entries.splice(i, 1);
      fields.delete(e.key);
    }
  }
}

/** Aurora's older HealthCheckConfig(endpoint=..., expected_response=...) → an HttpHealthChecker. */
function legacyHealthCheck(ctx: Ctx, node: SyntaxNode, entries: Entry[], fields: Set<string>): void {
  const legacy = ['endpoint', 'expectedResponse', 'expectedResponseCode'];
  const moved: Entry[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as Entry;
    if ('key' in e && legacy.includes(e.key)) {
      moved.unshift(e);
      entries.splice(i, 1);
      fields.delete(e.key);
    }
  }
  if (moved.length === 0) return;
  if (fields.has('healthChecker')) {
    ctx.pushNote(entries, {
      line: ctx.py.lineOf(node),
      reason: 'HealthCheckConfig sets both health_checker and endpoint/expected_response; the latter are ignored',
      lines: [],
    });
    return;
  }
  entries.push({ key: 'healthChecker', value: call(ctx.value('HttpHealthChecker'), [{ t: 'object', entries: moved }]) });
  fields.add('healthChecker');
}

function metadata(ctx: Ctx, node: SyntaxNode): Code {
  if (node.name === 'DictionaryExpression') return ctx.expr(node).code;
  if (node.name !== 'ArrayExpression' && node.name !== 'TupleExpression') {
    return ctx.fail(node, 'metadata is translated only from a list of Metadata(key=..., value=...)');
  }
  const entries: Entry[] = [];
  for (const item of meaningful(node)) {
    if (item.name === 'Comment') continue;
    const [callee, argList] = children(item);
    if (item.name !== 'CallExpression' || !callee || !argList || ctx.py.textOf(callee) !== 'Metadata') {
      ctx.fail(item, 'metadata is translated only from a list of Metadata(key=..., value=...)');
    }
    const args = plainArgs(ctx.args(argList));
    const key = args.find((a) => a.name === 'key') ?? (args[0]?.name === undefined ? args[0] : undefined);
    const value = args.find((a) => a.name === 'value') ?? (args[1]?.name === undefined ? args[1] : undefined);
    if (!key || !value) ctx.fail(item, 'Metadata needs a key and a value');
    entries.push({ key: dictKey(ctx, key.value), value: ctx.expr(value.value, 'string').code });
  }
  return { t: 'object', entries };
}

/** `template(name='x')`: the template's fields and the new ones, `Service({ ...template, name: 'x' })`. */
export function derive(ctx: Ctx, node: SyntaxNode, b: Binding, argList: SyntaxNode): Tx {
  const kind = b.kind as Extract<Kind, { k: 'struct' }>;
  const factory = derivedFactory(kind, ctx.args(argList).some((a) => a.name === 'service'));
  if (!STRUCTS[factory]) ctx.fail(node, `copying a ${kind.struct} with new fields is not translated`);
  return structCall(ctx, node, factory, argList, { ts: b.ts, fields: kind.fields });
}

/** The factory that makes a copy of a struct value: the one that made it. */
export function derivedFactory(kind: Extract<Kind, { k: 'struct' }>, setsService: boolean): string {
  switch (kind.struct) {
    case 'SequentialTask':
      // a complete SequentialTask already holds its order constraints; a template gets them now
      return kind.partial ? 'SequentialTask' : 'Task';
    case 'Service':
      return setsService ? 'Job' : 'Service';
    default:
      return STRUCTS[kind.struct]?.factory ?? kind.struct;
  }
}

/** `HealthCheckerConfig(http=X)` is X; `Container(docker=X)` is X. */
export function unwrap(ctx: Ctx, node: SyntaxNode, argList: SyntaxNode, allowed: readonly string[], name: string, empty?: () => Tx): Tx {
  const args = plainArgs(ctx.args(argList));
  if (args.length === 0 && empty) return empty();
  const only = args[0];
  if (args.length !== 1 || !only || only.name === undefined || !allowed.includes(only.name)) {
    return ctx.fail(node, `${name} is translated only with one of ${allowed.map((a) => `${a}=...`).join(', ')}`);
  }
  return ctx.expr(only.value);
}
