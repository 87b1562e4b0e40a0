/**
 * The translator: statements and expressions of a Pystachio file into TypeScript statements, the
 * names it binds, include()s, exports, and the comments that stand for what did not translate.
 * The constructs with more to them each have a module: objects.ts (Aurora's schema objects and the
 * templates derived from them), bind.ts (.bind()), profiles.ts (Struct classes), host.ts (the OS
 * user, file digests, the imports they need), tasks.ts (order, SimpleTask, Tasks.concat/combine)
 * and formatting.ts (string building); kinds.ts holds what they share. Whatever is outside the
 * subset becomes one commented block with its line, and is reported; settings that mean nothing
 * here are dropped with a comment that says so. Pure.
 */
import type { SyntaxNode } from '@lezer/common';
import { bindCall } from './bind.js';
import { formatCall, joinCall, percentFormat, templateLiteral } from './formatting.js';
import { currentUser, digestBlock, dottedName, environmentRead, fileDigest, knownImport } from './host.js';
import { Untranslatable, plainArgs, type Arg, type Binding, type Ctx, type Framed, type Kind, type Note, type Tx } from './kinds.js';
import { derive, derivedFactory, structCall, unwrap } from './objects.js';
import { atom, call, print, printComment, type Code, type Entry, type Item } from './printer.js';
import { derivedProfile, isStructClass, profileValue, structClass } from './profiles.js';
import { children, meaningful, type MigrationIssue, type PythonSource } from './python.js';
import { STRUCTS, UNITS, UNSUPPORTED_NAMES, type FieldSpec, type StructSpec } from './schema.js';
import { camelCase, decodePythonString, isIdentifier, RESERVED_WORDS, tsString } from './strings.js';
import { combineTasks, constraintCall, orderCall, simpleTask } from './tasks.js';

/** What the DSL the output targets offers beyond the core factories (other parts may add these). */
export interface DslCapabilities {
  /** Every name the DSL exports; generated names avoid them. */
  readonly exports: ReadonlySet<string>;
  /** `SimpleTask(name, cmdline)` exists. */
  readonly simpleTask: boolean;
  /** `Tasks.concat(...)` and `Tasks.combine(...)` exist. */
  readonly tasks: boolean;
  /** DSL objects have `.bind({...})`. */
  readonly bind: boolean;
}

/** A name an included file defines, as the including file sees it. */
export interface ExportedName {
  readonly ts: string;
  readonly kind: Kind;
  readonly template: boolean;
}

/** An included file, translated: where the including file imports it from, and what it defines. */
export interface IncludedModule {
  /** `./hello_world.aurora.ts`, relative to the including file's output. */
  readonly specifier: string;
  readonly names: ReadonlyMap<string, ExportedName>;
}

/** Translates `include('x.aurora')` (the path as written, relative to the including file). */
export type IncludeResolver = (file: string) => { readonly ok: true; readonly module: IncludedModule } | { readonly ok: false; readonly reason: string };

export interface TranslateOptions {
  /** How `include(...)` is followed. @default include() is reported as not translated */
  readonly include?: IncludeResolver;
  /** Export every name (for a file that another includes). @default only the jobs */
  readonly exportAll?: boolean;
}

/** Something translated with a change, or dropped on purpose: said in a comment, not counted as untranslated. */
export interface MigrationRemark extends MigrationIssue {
  readonly kind: 'dropped' | 'rewritten';
}

export interface Translation {
  /** The TypeScript body, without the import line of the DSL. */
  readonly body: string;
  readonly values: ReadonlySet<string>;
  readonly types: ReadonlySet<string>;
  readonly issues: readonly MigrationIssue[];
  readonly remarks: readonly MigrationRemark[];
  readonly exportsSomething: boolean;
  /** The names this file defines, for a file that includes it. */
  readonly exported: ReadonlyMap<string, ExportedName>;
}

/** One top-level piece of output. */
interface Chunk {
  text: string;
  readonly startLine: number;
  readonly endLine: number;
  /** Declares this binding (so `export` can be added when it is a job). */
  readonly binding?: Binding;
  /** The chunk is the commented-out original (which holds its own end-of-line comments). */
  readonly commented?: boolean;
  /** An include(): its import line is written once the names used from it are known. */
  readonly include?: { readonly specifier: string; readonly written: string };
  trailing?: string;
}

/** A comment made from notes, which a note about the same source lines joins instead of repeating them. */
type NoteComment = { comment: string[]; readonly notes: Note[] };

const MARK = 'aurora config migrate';

const STATEMENT_REASONS: Readonly<Record<string, string>> = {
  ImportStatement: "imports are not translated: a config imports only '@aurora/dsl' (added for you) and local .ts files",
  FunctionDefinition: 'functions are not translated; write the function in TypeScript by hand',
  ClassDefinition: 'classes other than Struct classes are not translated; write a TypeScript interface and object by hand',
  IfStatement: 'if blocks are not translated',
  ForStatement: 'for loops are not translated; build the list with .map(...) by hand',
  WhileStatement: 'while loops are not translated',
  WithStatement: 'with blocks are not translated (except a file digest: with open(p) as f: x = hashlib.md5(f.read()).hexdigest())',
  TryStatement: 'try blocks are not translated',
  UpdateStatement: 'augmented assignments (+=, ...) are not translated; build the value in one expression',
  DeleteStatement: 'del is not translated',
  AssertStatement: 'assert is not translated',
  ExpressionStatement: 'a statement that only computes a value (print(...), jobs.append(...)) is not translated',
  GlobalStatement: 'global is not translated',
  PrintStatement: 'print is not translated: configs have no output',
  DecoratedStatement: 'decorated definitions are not translated',
};

const EXPRESSION_REASONS: Readonly<Record<string, string>> = {
  LambdaExpression: 'lambdas are not translated; write an arrow function by hand',
  ArrayComprehensionExpression: 'list comprehensions are not translated; write .map(...) by hand',
  DictionaryComprehensionExpression: 'dict comprehensions are not translated',
  SetComprehensionExpression: 'set comprehensions are not translated',
  ComprehensionExpression: 'generator expressions are not translated',
  SetExpression: 'sets are not translated',
  FormatString: 'f-strings are not translated; write a template literal by hand',
  AwaitExpression: 'await is not translated',
  YieldExpression: 'yield is not translated',
};

/** Why an import of getpass, os or hashlib is not needed. */
const IMPORT_NOT_NEEDED: Readonly<Record<string, string>> = {
  getpass: 'getpass.getuser() is currentUser()',
  os: "os.getenv('USER') is currentUser()",
  hashlib: "a digest of a file is fileDigest('md5', './file')",
};

/** Translates the statements of a parsed Pystachio file into TypeScript statements. */
export class Translator implements Ctx {
  private readonly bindings = new Map<string, Binding>();
  private readonly tsNames = new Set<string>();
  private readonly values = new Set<string>();
  private readonly types = new Set<string>();
  private readonly issues: MigrationIssue[] = [];
  private readonly remarks: MigrationRemark[] = [];
  private notes: Note[] = [];
  private readonly assignCounts = new Map<string, number>();

  constructor(
    readonly py: PythonSource,
    readonly dsl: DslCapabilities,
    private readonly options: TranslateOptions = {},
  ) {}

  translate(): Translation {
    const top = this.py.tree.topNode;
    const statements = children(top);
    for (const s of statements) {
      const target = s.name === 'AssignStatement' ? this.singleTarget(s) : undefined;
      if (target) this.assignCounts.set(target, (this.assignCounts.get(target) ?? 0) + 1);
    }
    const chunks: Chunk[] = [];
    for (const s of statements) {
      const startLine = this.py.lineOf(s);
      const endLine = this.py.endLineOf(s);
      if (s.name === 'Comment') {
        const text = `// ${this.py.textOf(s).replace(/^#\s?/, '')}`.trimEnd();
        const prev = chunks[chunks.length - 1];
        if (prev && prev.endLine === startLine && prev.trailing === undefined) {
          // a comment at the end of a line: kept after the statement, or already in the commented-out lines
          if (!prev.commented) prev.trailing = text;
        } else chunks.push({ text, startLine, endLine });
        continue;
      }
      try {
        chunks.push(this.statement(s, startLine, endLine));
      } catch (err) {
        // a construct this translator mishandles: reported like any other, never dropped
        const reason = `could not be translated (a bug in aurora config migrate, please report it: ${err instanceof Error ? err.message : String(err)})`;
        chunks.push(this.untranslatedStatement(s, reason, startLine, endLine));
      }
    }
    const exportsSomething = this.markExports(chunks);
    return {
      body: this.render(chunks),
      values: this.values,
      types: this.types,
      issues: [...this.issues].sort((a, b) => a.line - b.line),
      remarks: [...this.remarks].sort((a, b) => a.line - b.line),
      exportsSomething,
      exported: this.exported(),
    };
  }

  // ---- Ctx: what the construct modules use -----------------------------------------------------

  binding(py: string): Binding | undefined {
    const b = this.bindings.get(py);
    if (b) b.used = true;
    return b;
  }

  value(name: string): string {
    this.values.add(name);
    return name;
  }

  fail(node: SyntaxNode, reason: string): never {
    throw new Untranslatable(this.py.lineOf(node), reason);
  }

  note(...notes: Note[]): void {
    this.notes.push(...notes);
  }

  remark(node: SyntaxNode, message: string, kind: 'dropped' | 'rewritten'): void {
    this.notes.push({ line: this.py.lineOf(node), reason: message, lines: [], remark: kind });
  }

  templateLiteral(parts: readonly (string | Tx)[]): Tx {
    return templateLiteral(parts);
  }

  args(argList: SyntaxNode): Arg[] {
    const kids = children(argList).filter((c) => !['(', ')', ','].includes(c.name));
    const out: Arg[] = [];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i] as SyntaxNode;
      if (k.name === 'Comment') {
        out.push({ comment: this.py.textOf(k).replace(/^#\s?/, ''), value: k, from: k.from });
      } else if (k.name === '*' || k.name === '**') {
        const v = kids[i + 1] as SyntaxNode;
        out.push({ star: k.name, value: v, from: k.from });
        i++;
      } else if (k.name === 'VariableName' && kids[i + 1]?.name === 'AssignOp') {
        const v = kids[i + 2] as SyntaxNode;
        out.push({ name: this.py.textOf(k), nameNode: k, value: v, from: k.from });
        i += 2;
      } else {
        out.push({ value: k, from: k.from });
      }
    }
    return out.filter((a) => a.value !== undefined);
  }

  // ---- statements ------------------------------------------------------------------------------

  private statement(s: SyntaxNode, startLine: number, endLine: number): Chunk {
    switch (s.name) {
      case 'ExpressionStatement': {
        const only = meaningful(s);
        if (only.length === 1 && (only[0]?.name === 'String' || only[0]?.name === 'ContinuedString')) {
          const doc = decodePythonString(this.py.textOf(only[0] as SyntaxNode));
          if (doc.ok) return { text: printComment(doc.value.trim().split('\n').map((l) => l.trim())), startLine, endLine };
        }
        const [callee] = only.length === 1 && only[0]?.name === 'CallExpression' ? children(only[0]) : [];
        if (callee?.name === 'VariableName' && this.py.textOf(callee) === 'include' && !this.bindings.has('include')) {
          return this.include(s, only[0] as SyntaxNode, startLine, endLine);
        }
        break;
      }
      case 'AssignStatement': {
        const target = this.singleTarget(s);
        if (target) return this.assignment(s, target, startLine, endLine);
        return this.untranslatedStatement(s, 'only `name = value` assignments are translated', startLine, endLine);
      }
      case 'ImportStatement': {
        const known = knownImport(this, s);
        if (!known) break;
        for (const [name, dotted] of known) {
          const b = this.bind(name, startLine);
          b.translated = true;
          b.kind = { k: 'python', name: dotted };
        }
        const modules = [...new Set([...known.values()].map((d) => d.split('.')[0] as string))];
        const reason = `\`${this.py.textOf(s).trim()}\` is not needed: ${modules.map((m) => IMPORT_NOT_NEEDED[m]).join('; ')}`;
        return { text: this.noteText({ line: startLine, reason, lines: [], remark: 'dropped' }), startLine, endLine, commented: true };
      }
      case 'ClassDefinition':
        if (isStructClass(this, s)) return this.declaration(s, children(s)[1] as SyntaxNode, () => structClass(this, s), startLine, endLine);
        break;
      case 'WithStatement': {
        const r = this.frame(() => digestBlock(this, s));
        if (!r.ok || !r.value) break;
        const lines = r.value.map(({ name, tx }) => {
          const b = this.bind(name, startLine);
          Object.assign(b, { translated: true, kind: tx.kind, declared: true });
          return `const ${b.ts} = ${print(tx.code)};`;
        });
        return { text: [...r.notes.map((n) => this.noteText(n)), ...lines].join('\n'), startLine, endLine };
      }
    }
    return this.untranslatedStatement(s, STATEMENT_REASONS[s.name] ?? `${s.name} is not translated`, startLine, endLine);
  }

  private singleTarget(s: SyntaxNode): string | undefined {
    const kids = children(s);
    const ops = kids.filter((k) => k.name === 'AssignOp');
    if (ops.length !== 1 || kids.length !== 3 || kids[0]?.name !== 'VariableName') return undefined;
    return this.py.textOf(kids[0]);
  }

  private assignment(s: SyntaxNode, py: string, startLine: number, endLine: number): Chunk {
    return this.declaration(s, children(s)[0] as SyntaxNode, () => this.expr(children(s)[2] as SyntaxNode), startLine, endLine);
  }

  /** `name = value` (or `class Name(Struct)`): a const (a let when assigned again), or the statement commented out. */
  private declaration(s: SyntaxNode, nameNode: SyntaxNode, translate: () => Tx, startLine: number, endLine: number): Chunk {
    const py = this.py.textOf(nameNode);
    const result = this.frame(translate);
    if (!result.ok) {
      const note = { line: result.error.line, reason: result.error.reason, lines: this.py.sourceLines(s) };
      const binding = this.rebind(py, startLine);
      binding.translated = false;
      binding.reason = result.error.reason;
      return { text: this.noteText(note), startLine, endLine, commented: true };
    }
    const existing = this.bindings.get(py);
    const tx = result.value;
    const binding = existing && existing.declared && !existing.importedFrom ? existing : this.rebind(py, startLine, tx.kind.k === 'profileType');
    let code = tx.code;
    let kind = tx.kind;
    binding.template = false;
    if (tx.props && kind.k === 'struct') {
      // a template that lacks required fields (Aurora allows it): the fields alone, spread where it is used
      binding.template = true;
      const spec = STRUCTS[kind.struct] as StructSpec;
      const type = tx.propsBound ? (spec.propsType as string).replace(/Props$/, 'Def') : (spec.propsType as string);
      code = { ...(tx.props as Extract<Code, { t: 'object' }>), satisfies: `Partial<${type}>` };
      this.types.add(type);
    }
    if (kind.k === 'struct' && !kind.partial && kind.struct === 'SequentialTask') kind = { ...kind, struct: 'Task' };
    binding.translated = true;
    binding.kind = kind;
    delete binding.reason;
    const multiple = (this.assignCounts.get(py) ?? 0) > 1;
    const head = binding.declared ? `${binding.ts} = ` : `${multiple ? 'let' : 'const'} ${binding.ts} = `;
    const first = !binding.declared;
    binding.declared = true;
    const text = `${head}${print(code, '', head.length + 7)};`;
    return {
      text: [...result.notes.map((n) => this.noteText(n)), text].join('\n'),
      startLine,
      endLine,
      ...(first ? { binding } : {}),
    };
  }

  /** `include('x.aurora')`: the included file is migrated beside this one, and what it defines imported. */
  private include(s: SyntaxNode, callNode: SyntaxNode, startLine: number, endLine: number): Chunk {
    const argList = children(callNode)[1] as SyntaxNode;
    const args = plainArgs(this.args(argList));
    const only = args[0];
    const file = only && args.length === 1 && only.name === undefined && only.value.name === 'String' ? decodePythonString(this.py.textOf(only.value)) : undefined;
    if (!file?.ok) return this.untranslatedStatement(s, "include() is translated when it names one file: include('other.aurora')", startLine, endLine);
    if (!this.options.include) return this.untranslatedStatement(s, 'include() is not translated here: the included file cannot be read', startLine, endLine);
    const r = this.options.include(file.value);
    if (!r.ok) return this.untranslatedStatement(s, r.reason, startLine, endLine);
    for (const [py, name] of r.module.names) {
      const old = this.bindings.get(py);
      if (old && !old.declared && !old.importedFrom) this.tsNames.delete(old.ts);
      let ts = name.ts;
      for (let i = 2; this.tsNames.has(ts); i++) ts = `${name.ts}${i}`;
      this.tsNames.add(ts);
      this.bindings.set(py, {
        py,
        ts,
        line: startLine,
        translated: true,
        kind: name.kind,
        declared: true,
        template: name.template,
        importedFrom: r.module.specifier,
        ...(ts !== name.ts ? { importedName: name.ts } : {}),
      } as Binding);
    }
    return { text: '', startLine, endLine, include: { specifier: r.module.specifier, written: this.py.textOf(s).trim() } };
  }

  private untranslatedStatement(s: SyntaxNode, reason: string, startLine: number, endLine: number): Chunk {
    for (const name of this.definedNames(s)) {
      const b = this.rebind(name, startLine);
      b.translated = false;
      b.reason = reason;
    }
    return { text: this.noteText({ line: startLine, reason, lines: this.py.sourceLines(s) }), startLine, endLine, commented: true };
  }

  /** Names an untranslated statement defines, so later uses of them are reported as such. */
  private definedNames(s: SyntaxNode): string[] {
    const names: string[] = [];
    if (s.name === 'ImportStatement') {
      const kids = children(s);
      const from = kids.some((k) => k.name === 'from');
      let afterImport = !from;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i] as SyntaxNode;
        if (k.name === 'import') afterImport = true;
        else if (afterImport && k.name === 'VariableName') {
          const next = kids[i + 1];
          const prev = kids[i - 1];
          if (next?.name === 'as' || prev?.name === '.') continue;
          names.push(this.py.textOf(k));
        }
      }
      return names;
    }
    const visit = (n: SyntaxNode): void => {
      const kids = children(n);
      if (n.name === 'AssignStatement' || n.name === 'UpdateStatement') {
        for (const k of kids) if (k.name === 'VariableName' && k.nextSibling?.name !== 'TypeDef') names.push(this.py.textOf(k));
        // a = b = 1 lists both; the value's own names are not definitions
        const lastOp = kids.map((k) => k.name).lastIndexOf(n.name === 'AssignStatement' ? 'AssignOp' : 'UpdateOp');
        names.splice(names.length - kids.slice(lastOp).filter((k) => k.name === 'VariableName').length);
      }
      if ((n.name === 'FunctionDefinition' || n.name === 'ClassDefinition') && kids[1]?.name === 'VariableName') {
        names.push(this.py.textOf(kids[1]));
      }
      if (n.name === 'ForStatement') {
        for (const k of kids) {
          if (k.name === 'in') break;
          if (k.name === 'VariableName') names.push(this.py.textOf(k));
        }
      }
      if (n.name === 'WithStatement') {
        kids.forEach((k, i) => {
          if (k.name === 'VariableName' && kids[i - 1]?.name === 'as') names.push(this.py.textOf(k));
        });
      }
      for (const k of kids) if (k.name === 'Body' || /Statement$|Clause$/.test(k.name)) visit(k);
    };
    visit(s);
    return [...new Set(names)];
  }

  /**
   * The binding of a Python name, made when it is new: a camelCase TypeScript name, even for a
   * value Python names like a class (`ContainerProfile = DefaultProfile(...)`); a Struct class
   * keeps its name (`keepCase`), as a factory does.
   */
  private bind(py: string, line: number, keepCase = false): Binding {
    const existing = this.bindings.get(py);
    if (existing) return existing;
    let ts = keepCase ? py : camelCase(py);
    if (RESERVED_WORDS.has(ts) || this.dsl.exports.has(ts)) ts = `${ts}_`;
    const base = ts;
    for (let i = 2; this.tsNames.has(ts); i++) ts = `${base}${i}`;
    this.tsNames.add(ts);
    const b: Binding = { py, ts, line, translated: false, kind: { k: 'unknown' }, declared: false };
    this.bindings.set(py, b);
    return b;
  }

  /** The binding a definition in this file gives a name: a new one where the name was imported. */
  private rebind(py: string, line: number, keepCase = false): Binding {
    const existing = this.bindings.get(py);
    if (existing?.importedFrom) {
      this.bindings.delete(py);
      // an imported name never used here is not imported: this file's own definition takes its name
      if (!existing.used) this.tsNames.delete(existing.ts);
    }
    return this.bind(py, line, keepCase);
  }

  /** Aurora's loader takes `jobs`, else every Job the file defines: export those (everything, when included). */
  private markExports(chunks: Chunk[]): boolean {
    const exportChunk = (c: Chunk): void => {
      c.text = c.text.replace(/^(const|let) /m, 'export $1 ');
    };
    const noJobs = (): boolean => {
      // as in Aurora, a file may define no jobs (templates for other files); `config list` lists none
      chunks.push({ text: '// This file defines no jobs, as the Aurora file did not.\nexport const jobs = [];', startLine: Infinity, endLine: Infinity });
      return true;
    };
    if (this.options.exportAll) {
      for (const c of chunks) if (c.binding?.translated) exportChunk(c);
      return this.tsNames.has('jobs') ? chunks.some((c) => c.binding?.translated) : noJobs();
    }
    const jobs = this.bindings.get('jobs');
    if (jobs?.translated && jobs.importedFrom) {
      // the jobs come from an included file, as Pystachio's include() gives them
      jobs.used = true;
      chunks.push({ text: `export { ${jobs.ts === 'jobs' ? 'jobs' : `${jobs.ts} as jobs`} };`, startLine: Infinity, endLine: Infinity });
      return true;
    }
    if (jobs?.declared && jobs.translated) {
      for (const c of chunks) {
        if (c.binding === jobs) {
          if (jobs.ts === 'jobs') exportChunk(c);
          else chunks.push({ text: `export { ${jobs.ts} as jobs };`, startLine: Infinity, endLine: Infinity });
        }
      }
      return true;
    }
    let any = false;
    for (const c of chunks) {
      const k = c.binding?.kind;
      if (k?.k === 'struct' && (k.struct === 'Job' || k.struct === 'Service') && !c.binding?.template) {
        exportChunk(c);
        any = true;
      }
    }
    return any || (!this.tsNames.has('jobs') && noJobs());
  }

  /** What an including file may use: every name this file defines (and translated). */
  private exported(): Map<string, { ts: string; kind: Kind; template: boolean }> {
    const out = new Map<string, { ts: string; kind: Kind; template: boolean }>();
    for (const b of this.bindings.values()) {
      if (b.translated && b.declared && !b.importedFrom && b.kind.k !== 'python') out.set(b.py, { ts: b.ts, kind: b.kind, template: b.template ?? false });
    }
    return out;
  }

  private render(chunks: readonly Chunk[]): string {
    const out: string[] = [];
    let prevEnd = 0;
    for (const c of chunks) {
      if (out.length > 0 && c.startLine > prevEnd + 1) out.push('');
      let text = c.text;
      if (c.include) text = this.importLine(c.include.specifier, c.include.written);
      out.push(c.trailing ? `${text}  ${c.trailing}` : text);
      prevEnd = c.endLine;
    }
    return `${out.join('\n')}\n`;
  }

  /** `import { a, b } from './x.aurora.ts';` for the names used from an included file. */
  private importLine(specifier: string, written: string): string {
    const names = [...this.bindings.values()]
      .filter((b) => b.importedFrom === specifier && b.used)
      .map((b) => (b.importedName ? `${b.importedName} as ${b.ts}` : b.ts))
      .sort();
    if (names.length === 0) return `// ${written}: migrated to ${specifier}, of which this file uses nothing`;
    return `import { ${names.join(', ')} } from ${tsString(specifier)}; // ${written}`;
  }

  // ---- boundaries and notes --------------------------------------------------------------------

  /** Runs a translation; soft notes made inside come back with it, a failure is caught. */
  frame<T>(fn: () => T): Framed<T> {
    const saved = this.notes;
    const issues = this.issues.length;
    const remarks = this.remarks.length;
    this.notes = [];
    try {
      const value = fn();
      return { ok: true, value, notes: this.notes };
    } catch (err) {
      if (err instanceof Untranslatable) {
        // what was recorded inside is gone with it: the construct is reported once, by the caller
        this.issues.length = issues;
        this.remarks.length = remarks;
        return { ok: false, error: err };
      }
      throw err;
    } finally {
      this.notes = saved;
    }
  }

  /** Records the note and returns the comment lines that stand for the construct. */
  private noteLines(note: Note): string[] {
    if (note.remark) {
      this.remarks.push({ line: note.line, message: note.reason, kind: note.remark });
      return [`${MARK}: line ${note.line}: ${note.reason}`, ...note.lines];
    }
    this.issues.push({ line: note.line, message: note.reason });
    return [`${MARK}: line ${note.line} not translated: ${note.reason}`, ...note.lines];
  }

  private noteText(note: Note): string {
    return printComment(this.noteLines(note));
  }

  /**
   * Adds a note as a comment to a list of entries or items; a note about the same source lines as
   * the comment before it joins that comment, so the lines are shown once.
   */
  pushNote(list: (Entry | Item)[], note: Note): void {
    const last = list[list.length - 1] as Partial<NoteComment> | undefined;
    const header = (n: Note): string => (n.remark ? `${MARK}: line ${n.line}: ${n.reason}` : `${MARK}: line ${n.line} not translated: ${n.reason}`);
    if (last?.notes && note.lines.length > 0 && last.notes.some((n) => n.lines.join('\n') === note.lines.join('\n'))) {
      this.noteLines(note);
      last.notes.push(note);
      const headers = last.notes.map(header);
      (last as NoteComment).comment = [...headers, ...note.lines];
      return;
    }
    list.push({ comment: this.noteLines(note), notes: [note] } as NoteComment);
  }

  linesBetween(from: number, to: number): string[] {
    const first = this.py.lineAt(from);
    let end = to;
    while (end > from && /\s/.test(this.py.text[end - 1] ?? '')) end--;
    return this.py.lines.slice(first - 1, this.py.lineAt(Math.max(from, end - 1)));
  }

  /** A string value the config cannot compute: becomes the template `{{name}}`, bound with --bind. */
  private placeholder(node: SyntaxNode, name: string, why: string): Tx {
    const line = this.py.lineOf(node);
    this.notes.push({
      line,
      reason: `${why}; left as the template {{${name}}}: pass --bind ${name}=VALUE`,
      lines: this.py.sourceLines(node),
    });
    return { code: atom(tsString(`{{${name}}}`)), kind: { k: 'string', literal: `{{${name}}}` } };
  }

  /**
   * Items of a list (or a call's arguments), each its own boundary; comments kept. A list of which
   * nothing translated is not left as an empty list: the whole list is untranslated.
   */
  private items(node: SyntaxNode, nodes: readonly SyntaxNode[], translate: (n: SyntaxNode) => Item): Item[] {
    const out: Item[] = [];
    const failures: Untranslatable[] = [];
    let translated = 0;
    for (const n of nodes) {
      if (n.name === 'Comment') {
        out.push({ comment: [this.py.textOf(n).replace(/^#\s?/, '')] });
        continue;
      }
      const r = this.frame(() => translate(n));
      if (r.ok) {
        for (const note of r.notes) this.pushNote(out, note);
        out.push(r.value);
        translated++;
      } else {
        failures.push(r.error);
        this.pushNote(out, { line: r.error.line, reason: r.error.reason, lines: this.py.sourceLines(n) });
      }
    }
    if (translated === 0 && failures.length > 0) {
      // not left as an empty list: the list is reported once, where it is
      this.fail(node, [...new Set(failures.map((f) => f.reason))].join('; '));
    }
    return out;
  }

  // ---- expressions -----------------------------------------------------------------------------

  expr(node: SyntaxNode, want?: 'string'): Tx {
    switch (node.name) {
      case 'String':
      case 'ContinuedString':
        return this.stringLiteral(node);
      case 'Number':
        return this.number(node);
      case 'Boolean':
        return { code: atom(this.py.textOf(node) === 'True' ? 'true' : 'false'), kind: { k: 'bool' } };
      case 'None':
        return { code: atom('null'), kind: { k: 'null' } };
      case 'VariableName':
        return this.name(node, want);
      case 'ParenthesizedExpression': {
        const inner = meaningful(node).filter((c) => c.name !== 'Comment');
        if (inner.length !== 1) this.fail(node, 'this parenthesized expression is not translated');
        return this.expr(inner[0] as SyntaxNode, want);
      }
      case 'ArrayExpression':
      case 'TupleExpression':
        return this.list(node, want);
      case 'DictionaryExpression':
        return this.dict(node);
      case 'UnaryExpression':
        return this.unary(node);
      case 'BinaryExpression':
        return this.binary(node, want);
      case 'ConditionalExpression':
        return this.conditional(node);
      case 'CallExpression':
        return this.call(node, want);
      case 'MemberExpression':
        return this.member(node, want);
      default:
        return this.fail(node, EXPRESSION_REASONS[node.name] ?? `${node.name} is not translated`);
    }
  }

  private stringLiteral(node: SyntaxNode): Tx {
    const parts = node.name === 'ContinuedString' ? children(node).filter((c) => c.name !== 'Comment') : [node];
    let value = '';
    for (const p of parts) {
      if (p.name !== 'String') this.fail(p, EXPRESSION_REASONS[p.name] ?? `${p.name} is not translated`);
      const decoded = decodePythonString(this.py.textOf(p));
      if (!decoded.ok) this.fail(p, decoded.reason);
      value += decoded.value;
    }
    return { code: atom(tsString(value)), kind: { k: 'string', literal: value } };
  }

  private number(node: SyntaxNode): Tx {
    let text = this.py.textOf(node);
    if (/[jJ]$/.test(text)) this.fail(node, 'complex numbers are not translated');
    if (/^0\d+$/.test(text)) text = `0o${text.slice(1)}`; // Python 2 octal
    return { code: atom(text), kind: { k: 'number', literal: text } };
  }

  private name(node: SyntaxNode, want?: 'string'): Tx {
    const py = this.py.textOf(node);
    const b = this.binding(py);
    if (b) {
      if (!b.translated) {
        const why = `'${py}' comes from line ${b.line}, which was not translated`;
        if (want === 'string') return this.placeholder(node, py, why);
        this.fail(node, why);
      }
      if (b.kind.k === 'python') this.fail(node, `${py} (${b.kind.name}) is translated only where it is called`);
      return this.useBinding(b);
    }
    if (UNITS.has(py)) {
      this.values.add(py);
      return { code: atom(py), kind: { k: 'number' } };
    }
    const unsupported = UNSUPPORTED_NAMES[py];
    if (unsupported) this.fail(node, unsupported);
    if (STRUCTS[py]) this.fail(node, `${py} is used without being called; write ${py}(...)`);
    return this.fail(node, `'${py}' is not defined in this file (Aurora's other built-ins are not translated)`);
  }

  private useBinding(b: Binding): Tx {
    const kind = b.kind;
    if (kind.k === 'struct' && b.template) {
      // a template that lacks required fields, used as a whole: the factory says what is missing
      const factory = derivedFactory(kind, false);
      return { code: call(this.value(factory), [atom(b.ts)]), kind: { ...kind, partial: false } };
    }
    // a variable stays a reference: its value is not inlined into strings built from it
    if ((kind.k === 'string' || kind.k === 'number') && kind.literal !== undefined) return { code: atom(b.ts), kind: { k: kind.k } };
    return { code: atom(b.ts), kind };
  }

  private list(node: SyntaxNode, want?: 'string'): Tx {
    const elements = meaningful(node);
    if (elements.some((e) => e.name === '*')) this.fail(node, 'unpacking (*x) in a list is not translated');
    const items = this.items(node, elements, (e) => this.expr(e, want).code);
    return { code: { t: 'array', items }, kind: { k: 'list' } };
  }

  private dict(node: SyntaxNode): Tx {
    const kids = meaningful(node);
    if (kids.some((k) => k.name === '**')) this.fail(node, 'unpacking (**x) in a dict is not translated');
    const entries: Entry[] = [];
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i] as SyntaxNode;
      if (k.name === 'Comment') {
        entries.push({ comment: [this.py.textOf(k).replace(/^#\s?/, '')] });
        continue;
      }
      const v = kids[i + 1];
      i++;
      if (!v) this.fail(k, 'this dict entry is not translated');
      const r = this.frame(() => ({ key: this.dictKey(k), value: this.expr(v).code }));
      if (r.ok) {
        for (const note of r.notes) this.pushNote(entries, note);
        entries.push(r.value);
      } else {
        this.pushNote(entries, { line: r.error.line, reason: r.error.reason, lines: this.linesBetween(k.from, v.to) });
      }
    }
    return { code: { t: 'object', entries }, kind: { k: 'dict' } };
  }

  private dictKey(node: SyntaxNode): string {
    const key = this.expr(node);
    if ((key.kind.k === 'string' || key.kind.k === 'number') && key.kind.literal !== undefined) {
      const text = key.kind.literal;
      return key.kind.k === 'number' || isIdentifier(text) ? text : tsString(text);
    }
    return this.fail(node, 'dict keys must be string literals');
  }

  private unary(node: SyntaxNode): Tx {
    const [op, operand] = children(node);
    if (!op || !operand) return this.fail(node, 'this expression is not translated');
    const o = this.expr(operand);
    const text = this.py.textOf(op);
    if (text === 'not') return { code: { t: 'unary', op: '!', operand: o.code }, kind: { k: 'bool' } };
    if (text === '-' || text === '+') {
      const literal = o.kind.k === 'number' && o.kind.literal !== undefined ? `${text}${o.kind.literal}` : undefined;
      return {
        code: literal !== undefined ? atom(literal) : { t: 'unary', op: text, operand: o.code },
        kind: { k: 'number', ...(literal !== undefined ? { literal } : {}) },
      };
    }
    return this.fail(node, `the operator ${text} is not translated`);
  }

  private binary(node: SyntaxNode, want?: 'string'): Tx {
    const [l, opNode, r] = children(node);
    if (!l || !opNode || !r) return this.fail(node, 'this expression is not translated');
    const op = this.py.textOf(opNode);
    if (op === '%') {
      const left = this.expr(l);
      if (left.kind.k === 'string') return percentFormat(this, node, left, r);
      return this.arithmetic('%', left, this.expr(r), node);
    }
    if (op === 'and' || op === 'or') {
      return { code: { t: 'binary', op: op === 'and' ? '&&' : '||', left: this.expr(l).code, right: this.expr(r).code }, kind: { k: 'unknown' } };
    }
    const compare: Readonly<Record<string, string>> = { '==': '===', '!=': '!==', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };
    if (opNode.name === 'CompareOp' || compare[op]) {
      const ts = compare[op];
      if (!ts) this.fail(node, `the comparison ${op} is not translated`);
      return { code: { t: 'binary', op: ts, left: this.expr(l).code, right: this.expr(r).code }, kind: { k: 'bool' } };
    }
    if (op === '+') return this.plus(node, l, r, want);
    return this.arithmetic(op, this.expr(l), this.expr(r), node);
  }

  private plus(node: SyntaxNode, l: SyntaxNode, r: SyntaxNode, want?: 'string'): Tx {
    let left: Tx;
    let right: Tx;
    if (want === 'string') {
      left = this.expr(l, 'string');
      right = this.expr(r, 'string');
    } else {
      const first = this.frame(() => this.expr(l));
      if (first.ok) {
        this.notes.push(...first.notes);
        left = first.value;
        const second = this.frame(() => this.expr(r, left.kind.k === 'string' ? 'string' : undefined));
        if (!second.ok) return this.partOfList(left, second.error, r);
        this.notes.push(...second.notes);
        right = second.value;
      } else {
        right = this.expr(r);
        if (right.kind.k === 'list' || right.kind.k === 'constraints') return this.partOfList(right, first.error, l);
        if (right.kind.k !== 'string') throw first.error;
        left = this.expr(l, 'string');
      }
    }
    const lk = left.kind.k;
    const rk = right.kind.k;
    if (lk === 'string' || rk === 'string') {
      const literal = left.kind.k === 'string' && right.kind.k === 'string' && left.kind.literal !== undefined && right.kind.literal !== undefined
        ? left.kind.literal + right.kind.literal
        : undefined;
      return { code: { t: 'binary', op: '+', left: left.code, right: right.code }, kind: { k: 'string', ...(literal !== undefined ? { literal } : {}) } };
    }
    const listy = (k: Kind['k']): boolean => k === 'list' || k === 'constraints';
    if (listy(lk) || listy(rk)) {
      // Aurora's `order(a, b) + order(c, d)` and `[a] + rest`: one list, with spreads
      const items: Item[] = [];
      for (const side of [left, right]) {
        if (side.code.t === 'array') items.push(...side.code.items);
        else items.push({ spread: side.code });
      }
      return { code: { t: 'array', items }, kind: lk === 'constraints' || rk === 'constraints' ? { k: 'constraints' } : { k: 'list' } };
    }
    return this.arithmetic('+', left, right, node);
  }

  /** `[a] + untranslatable`: keeps the list that translated, reports the part that did not. */
  private partOfList(kept: Tx, error: Untranslatable, dropped: SyntaxNode): Tx {
    if (kept.kind.k !== 'list' && kept.kind.k !== 'constraints') throw error;
    this.notes.push({
      line: error.line,
      reason: `${error.reason}; the list keeps only the rest`,
      lines: this.py.sourceLines(dropped),
    });
    return kept;
  }

  private arithmetic(op: string, left: Tx, right: Tx, node: SyntaxNode): Tx {
    for (const side of [left, right]) {
      if (side.kind.k === 'string' || side.kind.k === 'list' || side.kind.k === 'struct' || side.kind.k === 'dict') {
        this.fail(node, `${op} on a ${side.kind.k} is not translated`);
      }
    }
    if (op === '//') {
      return { code: call('Math.floor', [{ t: 'binary', op: '/', left: left.code, right: right.code }]), kind: { k: 'number' } };
    }
    if (!['+', '-', '*', '/', '%', '**'].includes(op)) this.fail(node, `the operator ${op} is not translated`);
    return { code: { t: 'binary', op, left: left.code, right: right.code }, kind: { k: 'number' } };
  }

  private conditional(node: SyntaxNode): Tx {
    const parts = meaningful(node).filter((c) => c.name !== 'if' && c.name !== 'else');
    const [then, test, otherwise] = parts;
    if (!then || !test || !otherwise) return this.fail(node, 'this conditional expression is not translated');
    const a = this.expr(then);
    return { code: { t: 'cond', test: this.expr(test).code, then: a.code, otherwise: this.expr(otherwise).code }, kind: a.kind };
  }

  private member(node: SyntaxNode, want?: 'string'): Tx {
    const user = currentUser(this, node);
    if (user) return user;
    const env = environmentRead(this, node);
    if (env) {
      if (want === 'string') return this.placeholder(node, env, `${this.py.textOf(node)} reads the environment, which configs cannot`);
      this.fail(node, `${this.py.textOf(node)} reads the environment, which configs cannot; pass the value with --bind`);
    }
    const [object, dot, prop] = children(node);
    if (object && dot?.name === '.' && prop?.name === 'PropertyName' && this.py.textOf(object) === 'Mode') return this.mode(node, this.py.textOf(prop));
    return this.fail(node, `${this.py.textOf(node)} is not translated`);
  }

  /** Aurora's `Mode('RO')` (a Pystachio Enum) → `Mode.RO`. */
  private mode(node: SyntaxNode, value: string | undefined): Tx {
    if (value !== 'RO' && value !== 'RW') return this.fail(node, "a volume's mode is Mode('RO') or Mode('RW')");
    return { code: { t: 'member', object: atom(this.value('Mode')), name: value }, kind: { k: 'string', literal: value } };
  }

  // ---- calls -----------------------------------------------------------------------------------

  private call(node: SyntaxNode, want?: 'string'): Tx {
    const [callee, argList] = children(node);
    if (!callee || !argList) return this.fail(node, 'this call is not translated');
    const host = currentUser(this, node) ?? fileDigest(this, node);
    if (host) return host;
    if (environmentRead(this, node)) return this.member(node, want);
    if (callee.name === 'VariableName') {
      const name = this.py.textOf(callee);
      const b = this.binding(name);
      if (b) {
        if (!b.translated) this.fail(callee, `'${name}' comes from line ${b.line}, which was not translated`);
        if (b.kind.k === 'profileType') return profileValue(this, node, b, argList);
        if (b.kind.k === 'profile') return derivedProfile(this, node, b, argList);
        if (b.kind.k === 'python') this.fail(node, `${name}(...) (${b.kind.name}) is not translated`);
        if (b.kind.k !== 'struct') this.fail(node, `calling '${name}' is not translated (only Aurora objects can be called to copy them)`);
        return derive(this, node, b, argList);
      }
      switch (name) {
        case 'order':
          return orderCall(this, node, argList);
        case 'SimpleTask':
          return simpleTask(this, this.dsl, node, argList);
        case 'concat_tasks':
        case 'combine_tasks':
          return combineTasks(this, this.dsl, node, name === 'concat_tasks' ? 'concat' : 'combine', argList);
        case 'HealthCheckerConfig':
          return unwrap(this, node, argList, ['http', 'shell'], 'HealthCheckerConfig', () => ({
            code: call(this.value('HttpHealthChecker'), []),
            kind: { k: 'struct', struct: 'HttpHealthChecker', fields: new Set(), partial: false },
          }));
        case 'Container':
          return unwrap(this, node, argList, ['docker'], 'Container');
        case 'Constraint':
          return constraintCall(this, node, argList);
        case 'Mode': {
          const args = plainArgs(this.args(argList));
          const only = args[0];
          const v = only && args.length === 1 && only.name === undefined ? this.expr(only.value) : undefined;
          return this.mode(node, v?.kind.k === 'string' ? v.kind.literal : undefined);
        }
        case 'LoggerDestination':
        case 'LoggerMode': {
          const args = this.args(argList);
          const only = args[0];
          if (args.length !== 1 || !only || only.name !== undefined) this.fail(node, `${name} takes one string`);
          return this.expr(only.value);
        }
        case 'str': {
          const args = this.args(argList);
          if (args.length !== 1 || args[0]?.name !== undefined) this.fail(node, 'str() takes one value');
          const v = this.expr((args[0] as Arg).value, want);
          return { code: call('String', [v.code]), kind: { k: 'string' } };
        }
        default:
          if (STRUCTS[name]) return structCall(this, node, name, argList);
          if (UNSUPPORTED_NAMES[name]) this.fail(callee, UNSUPPORTED_NAMES[name] as string);
          return this.fail(callee, `the function '${name}' is not defined in this file or not translated`);
      }
    }
    if (callee.name === 'MemberExpression') {
      const [object, , prop] = children(callee);
      const method = prop && prop.name === 'PropertyName' ? this.py.textOf(prop) : undefined;
      if (!object || !method) return this.fail(node, `${this.py.textOf(callee)}(...) is not translated`);
      const objText = this.py.textOf(object);
      if (objText === 'Tasks' && (method === 'concat' || method === 'combine')) return combineTasks(this, this.dsl, node, method, argList);
      if (method === 'join') return joinCall(this, node, object, argList);
      if (method === 'format') return formatCall(this, node, object, argList);
      if (method === 'bind') return bindCall(this, node, object, argList);
      const dotted = dottedName(this, callee);
      if (dotted) this.fail(node, `${dotted}(...) is not translated (only getpass.getuser(), os.getenv('USER') and hashlib digests of a file are)`);
      const receiver = this.expr(object);
      if (receiver.kind.k === 'struct' && this.args(argList).length === 0) {
        const field = (STRUCTS[receiver.kind.struct]?.fields[method] ?? undefined) as FieldSpec | undefined;
        if (field && 'prop' in field) {
          return { code: { t: 'member', object: receiver.code, name: field.prop }, kind: field.type === 'string' ? { k: 'string' } : { k: 'unknown' } };
        }
      }
      return this.fail(node, `the method .${method}() is not translated`);
    }
    return this.fail(node, `${this.py.textOf(callee)}(...) is not translated`);
  }

}
