/**
 * What Aurora configs read from the machine, into the DSL's host helpers: the OS user
 * (`getpass.getuser()`, `os.getenv('USER')`, `os.environ['USER']`) becomes `currentUser()`, and a
 * load-time digest of a file (`hashlib.md5(open(p).read()).hexdigest()`, or the tutorial's
 * `with open(p, 'rb') as f: x = hashlib.md5(f.read()).hexdigest()`) becomes `fileDigest('md5', './p')`.
 * The `import getpass` / `import os` / `import hashlib` lines these need are dropped with a comment.
 */
import path from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import { plainArgs, type Ctx, type Tx } from './kinds.js';
import { atom, call } from './printer.js';
import { children, meaningful } from './python.js';
import { tsString } from './strings.js';

/** Python modules (and their functions) the translation understands, when imported. */
const KNOWN = new Set([
  'getpass',
  'getpass.getuser',
  'os',
  'os.getenv',
  'os.environ',
  'hashlib',
  'hashlib.md5',
  'hashlib.sha1',
  'hashlib.sha256',
  'hashlib.sha512',
]);

/** Environment variables that name the user, as getpass.getuser() reads them. */
const USER_VARIABLES = new Set(['USER', 'LOGNAME', 'LNAME', 'USERNAME']);

const DIGESTS = new Set(['md5', 'sha1', 'sha256', 'sha512']);

/**
 * `import getpass`, `import os, hashlib`, `from hashlib import md5`: the names they bind (as the
 * dotted Python name each stands for), or undefined when the import brings in anything else.
 */
export function knownImport(ctx: Ctx, s: SyntaxNode): Map<string, string> | undefined {
  const kids = children(s).filter((k) => k.name !== ',');
  const names = new Map<string, string>();
  if (kids[0]?.name === 'from') {
    const i = kids.findIndex((k) => k.name === 'import');
    const module = kids.slice(1, i).map((k) => ctx.py.textOf(k)).join('');
    for (const k of kids.slice(i + 1)) {
      if (k.name !== 'VariableName') return undefined;
      const name = ctx.py.textOf(k);
      names.set(name, `${module}.${name}`);
    }
  } else {
    for (const k of kids.slice(1)) {
      if (k.name !== 'VariableName') return undefined;
      const name = ctx.py.textOf(k);
      names.set(name, name);
    }
  }
  if (names.size === 0 || [...names.values()].some((n) => !KNOWN.has(n))) return undefined;
  return names;
}

/** The dotted Python name an expression stands for (`hashlib.md5`, `os.environ.get`), through imports. */
export function dottedName(ctx: Ctx, node: SyntaxNode): string | undefined {
  if (node.name === 'VariableName') {
    const name = ctx.py.textOf(node);
    const b = ctx.binding(name);
    if (b) return b.kind.k === 'python' ? b.kind.name : undefined;
    return KNOWN.has(name) ? name : undefined; // a snippet that uses os without importing it
  }
  if (node.name === 'MemberExpression') {
    const [object, , prop] = children(node);
    if (!object || prop?.name !== 'PropertyName') return undefined;
    const base = dottedName(ctx, object);
    return base === undefined ? undefined : `${base}.${ctx.py.textOf(prop)}`;
  }
  return undefined;
}

/** A string literal's value, or the value of a variable bound to one. */
function literalString(ctx: Ctx, node: SyntaxNode): string | undefined {
  if (node.name === 'VariableName') {
    const b = ctx.binding(ctx.py.textOf(node));
    return b?.translated && b.kind.k === 'string' ? b.kind.literal : undefined;
  }
  const v = ctx.expr(node);
  return v.kind.k === 'string' ? v.kind.literal : undefined;
}

/**
 * The environment variable an expression reads (`os.getenv('X')`, `os.environ['X']`,
 * `os.environ.get('X')`), or undefined.
 */
export function environmentRead(ctx: Ctx, node: SyntaxNode): string | undefined {
  if (node.name === 'CallExpression') {
    const [callee, argList] = children(node);
    if (!callee || !argList) return undefined;
    const name = dottedName(ctx, callee);
    if (name !== 'os.getenv' && name !== 'os.environ.get') return undefined;
    const first = plainArgs(ctx.args(argList))[0];
    const readable = first && first.name === undefined && (first.value.name === 'String' || first.value.name === 'VariableName');
    return readable ? literalString(ctx, first.value) : undefined;
  }
  if (node.name === 'MemberExpression') {
    const kids = children(node);
    const [object, open, key] = kids;
    if (!object || open?.name !== '[' || !key || dottedName(ctx, object) !== 'os.environ') return undefined;
    return key.name === 'String' || key.name === 'VariableName' ? literalString(ctx, key) : undefined;
  }
  return undefined;
}

/** `getpass.getuser()` or a read of $USER (and the other variables getuser reads): `currentUser()`. */
export function currentUser(ctx: Ctx, node: SyntaxNode): Tx | undefined {
  let user = false;
  if (node.name === 'CallExpression') {
    const [callee, argList] = children(node);
    if (callee && argList && dottedName(ctx, callee) === 'getpass.getuser' && plainArgs(ctx.args(argList)).length === 0) user = true;
  }
  const variable = user ? undefined : environmentRead(ctx, node);
  if (!user && (variable === undefined || !USER_VARIABLES.has(variable))) return undefined;
  return { code: call(ctx.value('currentUser'), []), kind: { k: 'string' } };
}

/** `hashlib.md5(X).hexdigest()`: the algorithm and X, or undefined. */
function hexdigestOf(ctx: Ctx, node: SyntaxNode): { algorithm: string; data: SyntaxNode } | undefined {
  if (node.name !== 'CallExpression') return undefined;
  const [callee, argList] = children(node);
  if (callee?.name !== 'MemberExpression' || !argList || plainArgs(ctx.args(argList)).length > 0) return undefined;
  const [inner, , method] = children(callee);
  if (!inner || method?.name !== 'PropertyName' || ctx.py.textOf(method) !== 'hexdigest' || inner.name !== 'CallExpression') return undefined;
  const [hashCallee, hashArgs] = children(inner);
  const name = hashCallee ? dottedName(ctx, hashCallee) : undefined;
  const algorithm = name?.startsWith('hashlib.') ? name.slice('hashlib.'.length) : undefined;
  if (!algorithm || !DIGESTS.has(algorithm) || !hashArgs) return undefined;
  const args = plainArgs(ctx.args(hashArgs));
  const data = args[0];
  if (args.length !== 1 || !data || data.name !== undefined) return undefined;
  return { algorithm, data: data.value };
}

/** `X.read()`: X, or undefined. */
function readOf(ctx: Ctx, node: SyntaxNode): SyntaxNode | undefined {
  if (node.name !== 'CallExpression') return undefined;
  const [callee, argList] = children(node);
  if (callee?.name !== 'MemberExpression' || !argList || plainArgs(ctx.args(argList)).length > 0) return undefined;
  const [object, , method] = children(callee);
  return object && method?.name === 'PropertyName' && ctx.py.textOf(method) === 'read' ? object : undefined;
}

/** `open(path)` or `open(path, 'rb')`: the path node, or undefined. */
function openOf(ctx: Ctx, node: SyntaxNode): SyntaxNode | undefined {
  if (node.name !== 'CallExpression') return undefined;
  const [callee, argList] = children(node);
  if (callee?.name !== 'VariableName' || ctx.py.textOf(callee) !== 'open' || ctx.binding('open') || !argList) return undefined;
  const args = plainArgs(ctx.args(argList));
  const file = args[0];
  if (!file || file.name !== undefined || args.length > 2 || args.slice(1).some((a) => a.name !== undefined && a.name !== 'mode')) return undefined;
  return file.value;
}

/**
 * The path fileDigest() takes for a path Python opened: relative to the config's directory. An
 * absolute path, or one that leaves the directory, cannot be read by a config: it becomes the
 * file's name next to the config, with a comment saying so (the user copies the file there).
 */
function digestPath(ctx: Ctx, node: SyntaxNode): string {
  const written = literalString(ctx, node);
  if (written === undefined) return ctx.fail(node, 'a file digest is translated only when the path is a string literal (or a variable holding one)');
  const normal = path.posix.normalize(written);
  if (!path.posix.isAbsolute(normal) && !normal.startsWith('..')) return `./${normal.replace(/^\.\//, '')}`;
  const moved = `./${path.posix.basename(normal)}`;
  ctx.remark(
    node,
    `fileDigest() reads only files next to the config: '${written}' became '${moved}'; put the file there (next to the migrated .aurora.ts)`,
    'rewritten',
  );
  return moved;
}

function digestCall(ctx: Ctx, algorithm: string, pathNode: SyntaxNode): Tx {
  return { code: call(ctx.value('fileDigest'), [atom(tsString(algorithm)), atom(tsString(digestPath(ctx, pathNode)))]), kind: { k: 'string' } };
}

/** `hashlib.md5(open('x').read()).hexdigest()` → `fileDigest('md5', './x')`; undefined when it is not one. */
export function fileDigest(ctx: Ctx, node: SyntaxNode): Tx | undefined {
  const digest = hexdigestOf(ctx, node);
  const read = digest ? readOf(ctx, digest.data) : undefined;
  const file = read ? openOf(ctx, read) : undefined;
  return digest && file ? digestCall(ctx, digest.algorithm, file) : undefined;
}

/**
 * `with open(p, 'rb') as f:` whose body only assigns digests of `f.read()`: each assignment as a
 * name and its `fileDigest(...)`. Undefined when the block does anything else.
 */
export function digestBlock(ctx: Ctx, s: SyntaxNode): { name: string; node: SyntaxNode; tx: Tx }[] | undefined {
  const kids = children(s);
  const opened = kids[1];
  const as = kids.findIndex((k) => k.name === 'as');
  const handle = as >= 0 ? kids[as + 1] : undefined;
  const body = kids.find((k) => k.name === 'Body');
  const file = opened ? openOf(ctx, opened) : undefined;
  if (!file || handle?.name !== 'VariableName' || !body || kids.filter((k) => k.name === 'as').length !== 1) return undefined;
  const handleName = ctx.py.textOf(handle);
  const out: { name: string; node: SyntaxNode; tx: Tx }[] = [];
  for (const st of meaningful(body)) {
    if (st.name === 'Comment') continue;
    if (st.name !== 'AssignStatement') return undefined;
    const [target, op, value] = children(st);
    if (target?.name !== 'VariableName' || op?.name !== 'AssignOp' || !value || children(st).length !== 3) return undefined;
    const digest = hexdigestOf(ctx, value);
    const read = digest ? readOf(ctx, digest.data) : undefined;
    if (!digest || read?.name !== 'VariableName' || ctx.py.textOf(read) !== handleName) return undefined;
    out.push({ name: ctx.py.textOf(target), node: st, tx: digestCall(ctx, digest.algorithm, file) });
  }
  return out.length > 0 ? out : undefined;
}
