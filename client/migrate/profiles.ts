/**
 * Pystachio Struct classes, the profiles Aurora configs bind and use as `{{profile.x}}`:
 *
 *   class Profile(Struct):                      const Profile = Struct({
 *     role = Default(String, getpass.getuser())   role: Default(String, currentUser()),
 *     version = Required(String)                  version: Required(String),
 *                                               });
 *   PROD = Profile(version = 'live')            const PROD = Profile({ version: 'live' });
 *   GPU = PROD(gpu = 1)                         const GPU = Profile({ ...PROD, gpu: 1 });
 */
import type { SyntaxNode } from '@lezer/common';
import { plainArgs, type Binding, type Ctx, type Kind, type ProfileField, type Tx } from './kinds.js';
import { atom, call, type Entry } from './printer.js';
import { children, meaningful } from './python.js';
import { decodePythonString, isIdentifier, tsString } from './strings.js';

/** Pystachio's field types and what the DSL calls them (String and Boolean are JavaScript's own). */
const TYPES: Readonly<Record<string, { readonly dsl: boolean; readonly type: ProfileField['type'] }>> = {
  String: { dsl: false, type: 'string' },
  Integer: { dsl: true, type: 'number' },
  Float: { dsl: true, type: 'number' },
  Boolean: { dsl: false, type: 'bool' },
};

/** Whether a class statement is a Struct class: `class Name(Struct):`. */
export function isStructClass(ctx: Ctx, node: SyntaxNode): boolean {
  const args = children(node).find((k) => k.name === 'ArgList');
  const bases = args ? meaningful(args) : [];
  return bases.length === 1 && bases[0]?.name === 'VariableName' && ctx.py.textOf(bases[0]) === 'Struct';
}

/** The type of a field: `String`, `Integer`, ... or another Struct class. */
function fieldType(ctx: Ctx, node: SyntaxNode): { code: string; type: ProfileField['type'] } {
  if (node.name === 'VariableName') {
    const name = ctx.py.textOf(node);
    const b = ctx.binding(name);
    if (b?.translated && b.kind.k === 'profileType') return { code: b.ts, type: 'profile' };
    const t = !b ? TYPES[name] : undefined;
    if (t) return { code: t.dsl ? ctx.value(name) : name, type: t.type };
  }
  const text = ctx.py.textOf(node);
  return ctx.fail(node, `a Struct field of type ${text} is not translated: the DSL's Struct has String, Integer, Float, Boolean and Struct fields`);
}

/** A value for a field of the given type: numeric strings become numbers where a number is expected. */
function fieldValue(ctx: Ctx, type: ProfileField['type'] | undefined, node: SyntaxNode): Tx {
  const tx = ctx.expr(node, type === 'string' ? 'string' : undefined);
  if (type === 'number' && tx.kind.k === 'string' && tx.kind.literal !== undefined && !tx.kind.literal.includes('{{')) {
    const n = tx.kind.literal.trim();
    if (n !== '' && Number.isFinite(Number(n))) return { code: atom(String(Number(n))), kind: { k: 'number', literal: String(Number(n)) } };
    ctx.fail(node, `'${tx.kind.literal}' is not a number`);
  }
  return tx;
}

/** `class Profile(Struct): ...` → `Struct({...})`, and the class's kind. */
export function structClass(ctx: Ctx, node: SyntaxNode): Tx {
  const body = children(node).find((k) => k.name === 'Body');
  if (!body) return ctx.fail(node, 'this class is not translated');
  const entries: Entry[] = [];
  const fields = new Map<string, ProfileField>();
  for (const st of meaningful(body)) {
    if (st.name === 'Comment') {
      entries.push({ comment: [ctx.py.textOf(st).replace(/^#\s?/, '')] });
      continue;
    }
    if (st.name === 'PassStatement') continue;
    const only = st.name === 'ExpressionStatement' ? meaningful(st) : [];
    if (only.length === 1 && only[0]?.name === 'String') {
      const doc = decodePythonString(ctx.py.textOf(only[0]));
      if (doc.ok) entries.push({ comment: doc.value.trim().split('\n').map((l) => l.trim()) });
      continue;
    }
    const [target, op, value] = children(st);
    if (st.name !== 'AssignStatement' || target?.name !== 'VariableName' || op?.name !== 'AssignOp' || !value || children(st).length !== 3) {
      return ctx.fail(st, 'a Struct class is translated when its body only declares fields (name = Default(...), Required(...) or a type)');
    }
    const name = ctx.py.textOf(target);
    let code;
    let field: ProfileField;
    const [callee, argList] = value.name === 'CallExpression' ? children(value) : [];
    const wrapper = callee?.name === 'VariableName' && !ctx.binding(ctx.py.textOf(callee)) ? ctx.py.textOf(callee) : undefined;
    if ((wrapper === 'Default' || wrapper === 'Required') && argList) {
      const args = plainArgs(ctx.args(argList));
      const [typeArg, valueArg] = args;
      const arity = wrapper === 'Default' ? 2 : 1;
      if (args.length !== arity || !typeArg || args.some((a) => a.name !== undefined || a.star)) {
        return ctx.fail(value, wrapper === 'Default' ? 'Default takes a type and a value' : 'Required takes a type');
      }
      const t = fieldType(ctx, typeArg.value);
      const dsl = ctx.value(wrapper);
      code = call(dsl, valueArg ? [atom(t.code), fieldValue(ctx, t.type, valueArg.value).code] : [atom(t.code)]);
      field = { required: wrapper === 'Required', type: t.type };
    } else {
      const t = fieldType(ctx, value);
      code = atom(t.code);
      field = { required: false, type: t.type };
    }
    entries.push({ key: isIdentifier(name) ? name : tsString(name), value: code });
    fields.set(name, field);
  }
  return { code: call(ctx.value('Struct'), [{ t: 'object', entries }]), kind: { k: 'profileType', fields } };
}

/** The fields set by a call of a Struct class or value: `Profile(version = 'live')`. */
function fieldEntries(ctx: Ctx, node: SyntaxNode, what: string, fields: ReadonlyMap<string, ProfileField>, argList: SyntaxNode): { entries: Entry[]; given: Set<string> } {
  const entries: Entry[] = [];
  const given = new Set<string>();
  for (const a of ctx.args(argList)) {
    if (a.comment !== undefined) {
      entries.push({ comment: [a.comment] });
      continue;
    }
    if (a.name === undefined || a.star) ctx.fail(node, `${what} takes fields by name (field = value)`);
    const field = fields.get(a.name as string);
    if (!field) ctx.fail(a.nameNode ?? node, `${what} has no field '${a.name}'`);
    entries.push({ key: isIdentifier(a.name as string) ? (a.name as string) : tsString(a.name as string), value: fieldValue(ctx, field?.type, a.value).code });
    given.add(a.name as string);
  }
  return { entries, given };
}

/** `Profile(x = 1)`: a value of a Struct class. */
export function profileValue(ctx: Ctx, node: SyntaxNode, type: Binding, argList: SyntaxNode): Tx {
  const kind = type.kind as Extract<Kind, { k: 'profileType' }>;
  const { entries, given } = fieldEntries(ctx, node, type.py, kind.fields, argList);
  const missing = [...kind.fields].filter(([name, f]) => f.required && !given.has(name)).map(([name]) => name);
  if (missing.length > 0) {
    ctx.fail(node, `${type.py} is made without its Required field${missing.length === 1 ? '' : 's'} ${missing.join(', ')}, which the DSL's Struct refuses; give ${missing.length === 1 ? 'it' : 'them'} here`);
  }
  return {
    code: call(type.ts, entries.length === 0 ? [] : [{ t: 'object', entries }]),
    kind: { k: 'profile', type: type.ts, fields: kind.fields },
  };
}

/** `PROD(gpu = 1)`: a copy of a Struct value with fields replaced. */
export function derivedProfile(ctx: Ctx, node: SyntaxNode, base: Binding, argList: SyntaxNode): Tx {
  const kind = base.kind as Extract<Kind, { k: 'profile' }>;
  const { entries } = fieldEntries(ctx, node, base.py, kind.fields, argList);
  return { code: call(kind.type, [{ t: 'object', entries: [{ spread: atom(base.ts) }, ...entries] }]), kind };
}
