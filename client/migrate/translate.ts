import type { SyntaxNode } from '@lezer/common';
import { children, meaningful, type MigrationIssue, type PythonSource } from './python.js';
import { atom, call, print, printComment, type Code, type Entry, type Item } from './printer.js';
import { STRUCTS, UNITS, UNSUPPORTED_NAMES, type FieldSpec, type StructSpec } from './schema.js';
import { camelCase, decodePythonString, escapeTemplateText, isIdentifier, RESERVED_WORDS, tsString } from './strings.js';

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

/** What a translated expression is, as far as the translation needs to know. */
type Kind =
  | { readonly k: 'string'; readonly literal?: string }
  | { readonly k: 'number'; readonly literal?: string }
  | { readonly k: 'bool' }
  | { readonly k: 'null' }
  | { readonly k: 'list' }
  | { readonly k: 'dict' }
  | { readonly k: 'constraints' }
  | { readonly k: 'order' }
  | { readonly k: 'struct'; readonly struct: string; readonly fields: ReadonlySet<string>; readonly partial: boolean }
  | { readonly k: 'unknown' };

interface Tx {
  readonly code: Code;
  readonly kind: Kind;
  /** For a struct call that lacks required fields: the props object alone (declared as a template). */
  readonly props?: Code;
}

interface Binding {
  readonly py: string;
  readonly ts: string;
  readonly line: number;
  translated: boolean;
  kind: Kind;
  /** Why the statement that defines it was not translated. */
  reason?: string;
  declared: boolean;
  /** Declared as a props object (a template lacking required fields), not as a DSL object. */
  template?: boolean;
}

/** A construct that could not be translated; caught at the nearest boundary. */
class Untranslatable extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

interface Note {
  readonly line: number;
  readonly reason: string;
  readonly lines: readonly string[];
}

/** One top-level piece of output. */
interface Chunk {
  readonly text: string;
  readonly startLine: number;
  readonly endLine: number;
  /** Declares this binding (so `export` can be added when it is a job). */
  readonly binding?: Binding;
  /** The chunk is the commented-out original (which holds its own end-of-line comments). */
  readonly commented?: boolean;
  trailing?: string;
}

export interface Translation {
  /** The TypeScript body, without the import line. */
  readonly body: string;
  readonly values: ReadonlySet<string>;
  readonly types: ReadonlySet<string>;
  readonly issues: readonly MigrationIssue[];
  readonly exportsSomething: boolean;
}

const MARK = 'aurora config migrate';
const OMIT = Symbol('omit');

const STATEMENT_REASONS: Readonly<Record<string, string>> = {
  ImportStatement: "imports are not translated: a config imports only '@aurora/dsl' (added for you) and local .ts files",
  FunctionDefinition: 'functions are not translated; write the function in TypeScript by hand',
  ClassDefinition: 'classes (Pystachio Structs) are not translated; write a TypeScript interface and object by hand',
  IfStatement: 'if blocks are not translated',
  ForStatement: 'for loops are not translated; build the list with .map(...) by hand',
  WhileStatement: 'while loops are not translated',
  WithStatement: 'with blocks are not translated: configs cannot read files',
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

/** Translates the statements of a parsed Pystachio file into TypeScript statements. */
export class Translator {
  private readonly bindings = new Map<string, Binding>();
  private readonly tsNames = new Set<string>();
  private readonly values = new Set<string>();
  private readonly types = new Set<string>();
  private readonly issues: MigrationIssue[] = [];
  private notes: Note[] = [];
  private readonly assignCounts = new Map<string, number>();
  /** Names called somewhere (`job_template(cluster=...)`): templates, which may lack required fields. */
  private readonly called = new Set<string>();

  constructor(
    private readonly py: PythonSource,
    private readonly dsl: DslCapabilities,
  ) {}

  translate(): Translation {
    const top = this.py.tree.topNode;
    const statements = children(top);
    for (const s of statements) {
      const target = s.name === 'AssignStatement' ? this.singleTarget(s) : undefined;
      if (target) this.assignCounts.set(target, (this.assignCounts.get(target) ?? 0) + 1);
    }
    this.py.tree.iterate({
      enter: (ref) => {
        if (ref.name !== 'CallExpression') return;
        const callee = ref.node.firstChild;
        if (callee?.name === 'VariableName') this.called.add(this.py.textOf(callee));
      },
    });
    const chunks: Chunk[] = [];
    for (const s of statements) {
      const startLine = this.py.lineOf(s);
      const endLine = this.py.endLineOf(s);
      if (s.name === 'Comment') {
        const text = `// ${this.py.textOf(s).replace(/^#\s?/, '')}`;
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
      exportsSomething,
    };
  }

  // ---- statements ------------------------------------------------------------------------------

  private statement(s: SyntaxNode, startLine: number, endLine: number): Chunk {
    if (s.name === 'ExpressionStatement') {
      const only = meaningful(s);
      if (only.length === 1 && (only[0]?.name === 'String' || only[0]?.name === 'ContinuedString')) {
        const doc = decodePythonString(this.py.textOf(only[0] as SyntaxNode));
        if (doc.ok) return { text: printComment(doc.value.trim().split('\n').map((l) => l.trim())), startLine, endLine };
      }
    }
    if (s.name === 'AssignStatement') {
      const target = this.singleTarget(s);
      if (target) return this.assignment(s, target, startLine, endLine);
      return this.untranslatedStatement(s, 'only `name = value` assignments are translated', startLine, endLine);
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
    const value = children(s)[2] as SyntaxNode;
    const result = this.frame(() => this.expr(value));
    const existing = this.bindings.get(py);
    if (!result.ok) {
      const note = { line: result.error.line, reason: result.error.reason, lines: this.py.sourceLines(s) };
      const binding = this.bind(py, startLine);
      binding.translated = false;
      binding.reason = result.error.reason;
      return { text: this.noteText(note), startLine, endLine, commented: true };
    }
    const binding = existing && existing.declared ? existing : this.bind(py, startLine);
    const tx = result.value;
    let code = tx.code;
    let kind = tx.kind;
    binding.template = false;
    if (tx.props && kind.k === 'struct' && this.called.has(py)) {
      binding.template = true;
      const spec = STRUCTS[kind.struct] as StructSpec;
      code = { ...(tx.props as Extract<Code, { t: 'object' }>), satisfies: `Partial<${spec.propsType}>` };
      this.types.add(spec.propsType as string);
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

  private untranslatedStatement(s: SyntaxNode, reason: string, startLine: number, endLine: number): Chunk {
    for (const name of this.definedNames(s)) {
      const b = this.bind(name, startLine);
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

  private bind(py: string, line: number): Binding {
    const existing = this.bindings.get(py);
    if (existing) return existing;
    let ts = camelCase(py);
    if (RESERVED_WORDS.has(ts) || this.dsl.exports.has(ts)) ts = `${ts}_`;
    const base = ts;
    for (let i = 2; this.tsNames.has(ts); i++) ts = `${base}${i}`;
    this.tsNames.add(ts);
    const b: Binding = { py, ts, line, translated: false, kind: { k: 'unknown' }, declared: false };
    this.bindings.set(py, b);
    return b;
  }

  /** Aurora's loader takes `jobs`, else every Job the file defines: export those. */
  private markExports(chunks: Chunk[]): boolean {
    const jobs = this.bindings.get('jobs');
    if (jobs?.declared) {
      for (const c of chunks) if (c.binding === jobs) (c as { text: string }).text = c.text.replace(/^(const|let) /m, 'export $1 ');
      return true;
    }
    let any = false;
    for (const c of chunks) {
      const k = c.binding?.kind;
      if (k?.k === 'struct' && (k.struct === 'Job' || k.struct === 'Service') && !c.binding?.template) {
        (c as { text: string }).text = c.text.replace(/^(const|let) /m, 'export $1 ');
        any = true;
      }
    }
    return any;
  }

  private render(chunks: readonly Chunk[]): string {
    const out: string[] = [];
    let prevEnd = 0;
    for (const c of chunks) {
      if (out.length > 0 && c.startLine > prevEnd + 1) out.push('');
      const text = c.trailing ? `${c.text}  ${c.trailing}` : c.text;
      out.push(text);
      prevEnd = c.endLine;
    }
    return `${out.join('\n')}\n`;
  }

  // ---- boundaries and notes --------------------------------------------------------------------

  /** Runs a translation; soft notes made inside come back with it, a failure is caught. */
  private frame<T>(fn: () => T): { ok: true; value: T; notes: Note[] } | { ok: false; error: Untranslatable } {
    const saved = this.notes;
    this.notes = [];
    try {
      const value = fn();
      return { ok: true, value, notes: this.notes };
    } catch (err) {
      if (err instanceof Untranslatable) return { ok: false, error: err };
      throw err;
    } finally {
      this.notes = saved;
    }
  }

  /** Records the issue and returns the comment lines that stand for the construct. */
  private noteLines(note: Note): string[] {
    this.issues.push({ line: note.line, message: note.reason });
    return [`${MARK}: line ${note.line} not translated: ${note.reason}`, ...note.lines];
  }

  private noteText(note: Note): string {
    return printComment(this.noteLines(note));
  }

  private linesBetween(from: number, to: number): string[] {
    const first = this.py.lineAt(from);
    let end = to;
    while (end > from && /\s/.test(this.py.text[end - 1] ?? '')) end--;
    return this.py.lines.slice(first - 1, this.py.lineAt(Math.max(from, end - 1)));
  }

  private fail(node: SyntaxNode, reason: string): never {
    throw new Untranslatable(this.py.lineOf(node), reason);
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

  /** Items of a list (or a call's arguments), each its own boundary; comments kept. */
  private items(nodes: readonly SyntaxNode[], translate: (n: SyntaxNode) => Item): Item[] {
    const out: Item[] = [];
    for (const n of nodes) {
      if (n.name === 'Comment') {
        out.push({ comment: [this.py.textOf(n).replace(/^#\s?/, '')] });
        continue;
      }
      const r = this.frame(() => translate(n));
      if (r.ok) {
        for (const note of r.notes) out.push({ comment: this.noteLines(note) });
        out.push(r.value);
      } else {
        out.push({ comment: this.noteLines({ line: r.error.line, reason: r.error.reason, lines: this.py.sourceLines(n) }) });
      }
    }
    return out;
  }

  // ---- expressions -----------------------------------------------------------------------------

  private expr(node: SyntaxNode, want?: 'string'): Tx {
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
    const b = this.bindings.get(py);
    if (b) {
      if (!b.translated) {
        const why = `'${py}' comes from line ${b.line}, which was not translated`;
        if (want === 'string') return this.placeholder(node, py, why);
        this.fail(node, why);
      }
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
      const factory = this.derivedFactory(kind, false);
      return { code: call(factory, [atom(b.ts)]), kind: { ...kind, partial: false } };
    }
    // a variable stays a reference: its value is not inlined into strings built from it
    if ((kind.k === 'string' || kind.k === 'number') && kind.literal !== undefined) return { code: atom(b.ts), kind: { k: kind.k } };
    return { code: atom(b.ts), kind };
  }

  private list(node: SyntaxNode, want?: 'string'): Tx {
    const elements = meaningful(node);
    if (elements.some((e) => e.name === '*')) this.fail(node, 'unpacking (*x) in a list is not translated');
    const items = this.items(elements, (e) => this.expr(e, want).code);
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
        for (const note of r.notes) entries.push({ comment: this.noteLines(note) });
        entries.push(r.value);
      } else {
        entries.push({ comment: this.noteLines({ line: r.error.line, reason: r.error.reason, lines: this.linesBetween(k.from, v.to) }) });
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
      if (left.kind.k === 'string') return this.percentFormat(node, left, r);
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

  /** `'cp %s .' % path` → a template literal. */
  private percentFormat(node: SyntaxNode, format: Tx, argsNode: SyntaxNode): Tx {
    if (format.kind.k !== 'string' || format.kind.literal === undefined) {
      return this.fail(node, '% formatting is translated only when the format is a string literal');
    }
    const text = format.kind.literal;
    const argNodes = argsNode.name === 'TupleExpression' ? meaningful(argsNode).filter((c) => c.name !== 'Comment') : [argsNode];
    const named = argsNode.name === 'DictionaryExpression';
    const namedArgs = new Map<string, SyntaxNode>();
    if (named) {
      const kids = meaningful(argsNode).filter((c) => c.name !== 'Comment');
      for (let i = 0; i + 1 < kids.length; i += 2) {
        const key = this.expr(kids[i] as SyntaxNode);
        if (key.kind.k !== 'string' || key.kind.literal === undefined) this.fail(argsNode, 'format keys must be string literals');
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
        this.fail(node, `the format ${m[0]} is not translated (only %s, %d and %%)`);
      }
      let arg: SyntaxNode | undefined;
      if (key !== undefined) {
        if (!named) this.fail(node, `${m[0]} needs a dict of values`);
        arg = namedArgs.get(key);
      } else {
        if (named) this.fail(node, `${m[0]} needs a tuple of values`);
        arg = argNodes[next++];
      }
      if (!arg) return this.fail(node, `the format '${text}' has more fields than values`);
      parts.push(this.expr(arg, 'string'));
    }
    parts.push(text.slice(last));
    if (!named && next !== argNodes.length) this.fail(node, `the format '${text}' has fewer fields than values`);
    return this.templateLiteral(parts);
  }

  /** Literal text and values as one string: inline literals, `${...}` for the rest. */
  private templateLiteral(parts: readonly (string | Tx)[]): Tx {
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

  private member(node: SyntaxNode, want?: 'string'): Tx {
    const env = this.environmentRead(node);
    if (env) {
      if (want === 'string') return this.placeholder(node, env, `${this.py.textOf(node)} reads the environment, which configs cannot`);
      this.fail(node, `${this.py.textOf(node)} reads the environment, which configs cannot; pass the value with --bind`);
    }
    return this.fail(node, `${this.py.textOf(node)} is not translated`);
  }

  /** `os.environ['X']`, `os.getenv('X')`, `os.environ.get('X')`: the variable's name. */
  private environmentRead(node: SyntaxNode): string | undefined {
    const text = this.py.textOf(node).replace(/\s+/g, '');
    const m = /^os\.(?:environ\[|getenv\(|environ\.get\()(['"])(\w+)\1/.exec(text);
    return m?.[2];
  }

  // ---- calls -----------------------------------------------------------------------------------

  private call(node: SyntaxNode, want?: 'string'): Tx {
    const [callee, argList] = children(node);
    if (!callee || !argList) return this.fail(node, 'this call is not translated');
    const env = this.environmentRead(node);
    if (env) return this.member(node, want);
    if (callee.name === 'VariableName') {
      const name = this.py.textOf(callee);
      const b = this.bindings.get(name);
      if (b) {
        if (!b.translated) this.fail(callee, `'${name}' comes from line ${b.line}, which was not translated`);
        if (b.kind.k !== 'struct') this.fail(node, `calling '${name}' is not translated (only Aurora objects can be called to copy them)`);
        return this.derive(node, b, argList);
      }
      switch (name) {
        case 'order':
          return this.order(node, argList);
        case 'SimpleTask':
          return this.simpleTask(node, argList);
        case 'concat_tasks':
        case 'combine_tasks':
          return this.combineTasks(node, name === 'concat_tasks' ? 'concat' : 'combine', argList);
        case 'HealthCheckerConfig':
          return this.unwrap(node, argList, ['http', 'shell'], 'HealthCheckerConfig', () => ({
            code: call(this.value('HttpHealthChecker'), []),
            kind: { k: 'struct', struct: 'HttpHealthChecker', fields: new Set(), partial: false },
          }));
        case 'Container':
          return this.unwrap(node, argList, ['docker'], 'Container');
        case 'Constraint':
          return this.constraint(node, argList);
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
          if (STRUCTS[name]) return this.struct(node, name, argList);
          if (UNSUPPORTED_NAMES[name]) this.fail(callee, UNSUPPORTED_NAMES[name] as string);
          return this.fail(callee, `the function '${name}' is not defined in this file or not translated`);
      }
    }
    if (callee.name === 'MemberExpression') {
      const [object, , prop] = children(callee);
      const method = prop && prop.name === 'PropertyName' ? this.py.textOf(prop) : undefined;
      if (!object || !method) return this.fail(node, `${this.py.textOf(callee)}(...) is not translated`);
      const objText = this.py.textOf(object);
      if (objText === 'Tasks' && (method === 'concat' || method === 'combine')) return this.combineTasks(node, method, argList);
      if (method === 'join') return this.join(node, object, argList);
      if (method === 'format') return this.format(node, object, argList);
      if (method === 'bind') return this.bindCall(node, object, argList);
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

  private value(name: string): string {
    this.values.add(name);
    return name;
  }

  private args(argList: SyntaxNode): Arg[] {
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

  /** `Process(name='x', ...)` → `Process({ name: 'x', ... })`. */
  private struct(node: SyntaxNode, name: string, argList: SyntaxNode, base?: { ts: string; fields: ReadonlySet<string> }): Tx {
    const spec = STRUCTS[name] as StructSpec;
    const entries: Entry[] = base ? [{ spread: atom(base.ts) }] : [];
    const fields = new Set<string>(base?.fields ?? []);
    for (const arg of this.args(argList)) {
      if (arg.comment !== undefined) {
        entries.push({ comment: [arg.comment] });
        continue;
      }
      const lines = this.linesBetween(arg.from, arg.value.to);
      const note = (line: number, reason: string): void => {
        entries.push({ comment: this.noteLines({ line, reason, lines }) });
      };
      const line = this.py.lineAt(arg.from);
      if (arg.star) {
        note(line, `${arg.star}${this.py.textOf(arg.value)} in a call of ${name} is not translated; write the fields out`);
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
        note(line, `${name}.${arg.name} is not translated: ${field.dropped}`);
        continue;
      }
      const r = this.frame(() => this.fieldValue(name, arg.name as string, field, arg.value));
      if (!r.ok) {
        note(r.error.line, r.error.reason);
        continue;
      }
      for (const n of r.notes) entries.push({ comment: this.noteLines(n) });
      if (r.value === OMIT) continue;
      const key = field.prop;
      const existing = entries.findIndex((e) => 'key' in e && e.key === key);
      if (existing >= 0) entries.splice(existing, 1);
      entries.push({ key, value: r.value });
      fields.add(key);
    }
    if (name === 'HealthCheckConfig') this.legacyHealthCheck(node, entries, fields);
    if (name === 'UpdateConfig') this.shorthandDefaults(entries, fields);
    if ((name === 'Job' || name === 'Service') && !fields.has('environment') && !base) {
      entries.push({ key: 'environment', value: atom("'devel'") }); // Aurora's default
      fields.add('environment');
    }
    const obj: Code = { t: 'object', entries };
    if (!spec.factory) return { code: obj, kind: { k: 'dict' } };
    let factory = spec.factory;
    if (factory === 'Service' && fields.has('service')) factory = 'Job';
    const partial = spec.required.some((r) => !fields.has(r));
    const empty = entries.length === 0 && spec.required.length === 0;
    return {
      code: call(this.value(factory), empty ? [] : [obj]),
      kind: { k: 'struct', struct: factory === 'Job' || factory === 'Service' ? factory : name, fields, partial },
      ...(partial && spec.propsType ? { props: obj } : {}),
    };
  }

  private fieldValue(struct: string, pyName: string, field: FieldSpec, node: SyntaxNode): Code | typeof OMIT {
    if (node.name === 'None') return field.type === 'nullableStruct' ? atom('null') : OMIT;
    const type = field.type;
    if (type === 'metadata') return this.metadata(node);
    const tx = this.expr(node, type === 'string' && field.templateOk ? 'string' : undefined);
    if (typeof type === 'object') {
      if (tx.kind.k === 'string' && tx.kind.literal !== undefined && !type.oneOf.includes(tx.kind.literal)) {
        const hint = tx.kind.literal === 'RUN_OVERLAP' ? 'RUN_OVERLAP was removed from Aurora, which ran the jobs that still had it as CANCEL_NEW; ' : '';
        this.fail(node, `${hint}${struct}.${pyName} must be one of ${type.oneOf.join(', ')}, not '${tx.kind.literal}'`);
      }
      return tx.code;
    }
    if (type === 'orderConstraints') {
      if (tx.kind.k === 'order') return { t: 'array', items: [tx.code] };
      return tx.code;
    }
    return tx.code;
  }

  /**
   * Beside an update_strategy Aurora accepts batch_size = 1 and wait_for_batch_completion = False
   * (its defaults, which it cannot tell from unset) and refuses other values; the DSL refuses any
   * shorthand with a strategy, so the defaults go. Other values stay, for the compiler to refuse.
   */
  private shorthandDefaults(entries: Entry[], fields: Set<string>): void {
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
  private legacyHealthCheck(node: SyntaxNode, entries: Entry[], fields: Set<string>): void {
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
      entries.push({
        comment: this.noteLines({
          line: this.py.lineOf(node),
          reason: 'HealthCheckConfig sets both health_checker and endpoint/expected_response; the latter are ignored',
          lines: [],
        }),
      });
      return;
    }
    entries.push({ key: 'healthChecker', value: call(this.value('HttpHealthChecker'), [{ t: 'object', entries: moved }]) });
    fields.add('healthChecker');
  }

  private metadata(node: SyntaxNode): Code {
    if (node.name === 'DictionaryExpression') return this.dict(node).code;
    if (node.name !== 'ArrayExpression' && node.name !== 'TupleExpression') {
      return this.fail(node, 'metadata is translated only from a list of Metadata(key=..., value=...)');
    }
    const entries: Entry[] = [];
    for (const item of meaningful(node)) {
      if (item.name === 'Comment') continue;
      const [callee, argList] = children(item);
      if (item.name !== 'CallExpression' || !callee || !argList || this.py.textOf(callee) !== 'Metadata') {
        this.fail(item, 'metadata is translated only from a list of Metadata(key=..., value=...)');
      }
      const args = this.args(argList).filter((a) => a.comment === undefined);
      const key = args.find((a) => a.name === 'key') ?? (args[0]?.name === undefined ? args[0] : undefined);
      const value = args.find((a) => a.name === 'value') ?? (args[1]?.name === undefined ? args[1] : undefined);
      if (!key || !value) this.fail(item, 'Metadata needs a key and a value');
      entries.push({ key: this.dictKey(key.value), value: this.expr(value.value, 'string').code });
    }
    return { t: 'object', entries };
  }

  /** `template(name='x')`: a copy of a template with fields replaced. */
  private derive(node: SyntaxNode, b: Binding, argList: SyntaxNode): Tx {
    const kind = b.kind as Extract<Kind, { k: 'struct' }>;
    const factory = this.derivedFactory(kind, this.args(argList).some((a) => a.name === 'service'));
    if (!STRUCTS[factory]) this.fail(node, `copying a ${kind.struct} with new fields is not translated`);
    return this.struct(node, factory, argList, { ts: b.ts, fields: kind.fields });
  }

  /** The factory that makes a copy of a struct value. */
  private derivedFactory(kind: Extract<Kind, { k: 'struct' }>, setsService: boolean): string {
    switch (kind.struct) {
      case 'SequentialTask':
        // a complete SequentialTask already holds its order constraints; a template gets them now
        return kind.partial ? 'SequentialTask' : 'Task';
      case 'Service':
        return kind.partial && !setsService ? 'Service' : 'Job';
      default:
        return STRUCTS[kind.struct]?.factory ?? kind.struct;
    }
  }

  private order(node: SyntaxNode, argList: SyntaxNode): Tx {
    const args: Code[] = [];
    for (const a of this.args(argList)) {
      if (a.comment !== undefined) continue;
      if (a.name !== undefined || a.star) this.fail(node, 'order() takes processes or process names');
      const v = this.expr(a.value);
      if (v.kind.k === 'struct' && v.kind.struct !== 'Process') this.fail(a.value, 'order() takes processes or process names');
      args.push(v.code);
    }
    return { code: { t: 'array', items: [call(this.value('order'), args)] }, kind: { k: 'constraints' } };
  }

  /** `Constraint(order=['a', 'b'])` → `order('a', 'b')`. */
  private constraint(node: SyntaxNode, argList: SyntaxNode): Tx {
    const args = this.args(argList).filter((a) => a.comment === undefined);
    const only = args[0];
    if (args.length !== 1 || !only || only.name !== 'order' || (only.value.name !== 'ArrayExpression' && only.value.name !== 'TupleExpression')) {
      return this.fail(node, "Constraint is translated only as Constraint(order=['a', 'b'])");
    }
    const names = meaningful(only.value)
      .filter((c) => c.name !== 'Comment')
      .map((c) => this.expr(c, 'string').code);
    return { code: call(this.value('order'), names), kind: { k: 'order' } };
  }

  private simpleTask(node: SyntaxNode, argList: SyntaxNode): Tx {
    const args = this.args(argList).filter((a) => a.comment === undefined);
    const pick = (kw: string, pos: number): Arg | undefined => args.find((a) => a.name === kw) ?? (args[pos]?.name === undefined ? args[pos] : undefined);
    const name = pick('name', 0);
    const command = pick('command', 1);
    if (!name || !command || args.length !== 2) return this.fail(node, 'SimpleTask takes a name and a command');
    const n = this.expr(name.value);
    const c = this.expr(command.value, 'string');
    const fields = new Set(['name', 'processes', 'resources']);
    const kind: Kind = { k: 'struct', struct: 'Task', fields, partial: false };
    if (this.dsl.simpleTask) return { code: call(this.value('SimpleTask'), [n.code, c.code]), kind };
    // Aurora's SimpleTask: one process and 1 core, 1 GB of RAM and 1 GB of disk.
    const process = call(this.value('Process'), [{ t: 'object', entries: [{ key: 'name', value: n.code }, { key: 'cmdline', value: c.code }] }]);
    const gb = this.value('GB');
    const resources = call(this.value('Resources'), [
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
    return { code: call(this.value('Task'), [task]), kind };
  }

  private combineTasks(node: SyntaxNode, how: 'concat' | 'combine', argList: SyntaxNode): Tx {
    if (!this.dsl.tasks) {
      return this.fail(node, `Tasks.${how} is not translated: the DSL has no Tasks.${how} yet; merge the processes into one Task by hand`);
    }
    const args = this.args(argList).filter((a) => a.comment === undefined);
    if (args.some((a) => a.name !== undefined || a.star)) this.fail(node, `Tasks.${how} takes tasks`);
    const tasks = args.map((a) => this.expr(a.value).code);
    this.values.add('Tasks');
    return {
      code: call({ t: 'member', object: atom('Tasks'), name: how }, tasks),
      kind: { k: 'struct', struct: 'Task', fields: new Set(['name', 'processes', 'resources']), partial: false },
    };
  }

  /** `HealthCheckerConfig(http=X)` is X; `Container(docker=X)` is X. */
  private unwrap(node: SyntaxNode, argList: SyntaxNode, allowed: readonly string[], name: string, empty?: () => Tx): Tx {
    const args = this.args(argList).filter((a) => a.comment === undefined);
    if (args.length === 0 && empty) return empty();
    const only = args[0];
    if (args.length !== 1 || !only || only.name === undefined || !allowed.includes(only.name)) {
      return this.fail(node, `${name} is translated only with one of ${allowed.map((a) => `${a}=...`).join(', ')}`);
    }
    return this.expr(only.value);
  }

  /** `' '.join([...])` → `[...].join(' ')`. */
  private join(node: SyntaxNode, separator: SyntaxNode, argList: SyntaxNode): Tx {
    const sep = this.expr(separator);
    if (sep.kind.k !== 'string') this.fail(node, '.join() is translated only on a string');
    const args = this.args(argList).filter((a) => a.comment === undefined);
    if (args.length !== 1 || args[0]?.name !== undefined) this.fail(node, '.join() takes one list');
    const list = this.expr((args[0] as Arg).value, 'string');
    if (list.kind.k !== 'list' && list.kind.k !== 'unknown') this.fail(node, '.join() is translated only on a list');
    return { code: call({ t: 'member', object: list.code, name: 'join' }, [sep.code]), kind: { k: 'string' } };
  }

  /** `'{} {name}'.format(a, name=b)` → a template literal. */
  private format(node: SyntaxNode, object: SyntaxNode, argList: SyntaxNode): Tx {
    const fmt = this.expr(object);
    if (fmt.kind.k !== 'string' || fmt.kind.literal === undefined) {
      return this.fail(node, '.format() is translated only on a string literal');
    }
    const args = this.args(argList).filter((a) => a.comment === undefined);
    if (args.some((a) => a.star)) this.fail(node, '.format(*args) is not translated');
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
      if (ch === '}') this.fail(node, `a single '}' in the format '${text}'`);
      if (ch !== '{') {
        literal += ch;
        continue;
      }
      const close = text.indexOf('}', i);
      if (close < 0) this.fail(node, `an unclosed '{' in the format '${text}'`);
      const field = text.slice(i + 1, close);
      i = close;
      let arg: SyntaxNode | undefined;
      if (field === '') arg = positional[auto++]?.value;
      else if (/^\d+$/.test(field)) arg = positional[Number(field)]?.value;
      else if (/^[A-Za-z_]\w*$/.test(field)) arg = named.get(field);
      else this.fail(node, `the format field {${field}} is not translated (only {}, {0} and {name})`);
      if (!arg) this.fail(node, `no value for the format field {${field}}`);
      parts.push(literal);
      literal = '';
      parts.push(this.expr(arg, 'string'));
    }
    parts.push(literal);
    return this.templateLiteral(parts);
  }

  /** `x.bind(a=1)` → `x.bind({ a: 1 })`. */
  private bindCall(node: SyntaxNode, object: SyntaxNode, argList: SyntaxNode): Tx {
    const receiver = this.expr(object);
    const entries: Entry[] = [];
    for (const arg of this.args(argList)) {
      if (arg.comment !== undefined) {
        entries.push({ comment: [arg.comment] });
        continue;
      }
      if (arg.name === undefined && arg.value.name === 'DictionaryExpression') {
        const d = this.dict(arg.value).code as Extract<Code, { t: 'object' }>;
        entries.push(...d.entries);
        continue;
      }
      const lines = this.linesBetween(arg.from, arg.value.to);
      if (arg.name === undefined) {
        entries.push({ comment: this.noteLines({ line: this.py.lineAt(arg.from), reason: '.bind() takes name=value pairs or a dict', lines }) });
        continue;
      }
      const r = this.frame(() => this.expr(arg.value));
      if (!r.ok) {
        entries.push({ comment: this.noteLines({ line: r.error.line, reason: r.error.reason, lines }) });
        continue;
      }
      for (const n of r.notes) entries.push({ comment: this.noteLines(n) });
      entries.push({ key: isIdentifier(arg.name) ? arg.name : tsString(arg.name), value: r.value.code });
    }
    if (!this.dsl.bind) {
      const pairs = entries
        .filter((e): e is { key: string; value: Code } => 'key' in e)
        .map((e) => {
          const v = e.value.t === 'atom' && /^'[^'\\]*'$/.test(e.value.code) ? e.value.code.slice(1, -1) : print(e.value);
          return `--bind ${e.key.replace(/'/g, '')}=${v}`;
        });
      this.notes.push({
        line: this.py.lineOf(node),
        reason: `.bind() is not translated: the DSL has no .bind() yet; pass the values on the command line instead${pairs.length ? ` (${pairs.join(' ')})` : ''}`,
        lines: this.py.sourceLines(node),
      });
      return receiver;
    }
    return { code: call({ t: 'member', object: receiver.code, name: 'bind' }, [{ t: 'object', entries }]), kind: receiver.kind };
  }
}

interface Arg {
  readonly name?: string;
  readonly nameNode?: SyntaxNode;
  readonly value: SyntaxNode;
  readonly from: number;
  readonly star?: string;
  readonly comment?: string;
}
