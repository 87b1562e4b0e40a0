/**
 * `aurora config migrate`: an Apache Aurora `.aurora` file (Python with Pystachio) in, the
 * equivalent `.aurora.ts` out. The Python is parsed with @lezer/python, the common subset of
 * Aurora's schema is translated (translate.ts, schema.ts), and ts-morph writes the TypeScript.
 * Whatever is outside the subset is reported with its line and left in the output as a comment.
 * Pure: no file I/O.
 */
import path from 'node:path';
import { IndentationText, Project, QuoteKind } from 'ts-morph';
import * as dsl from '../../dsl/index.js';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';
import { PythonSource, type MigrationIssue, type PythonSyntaxError } from './python.js';
import { Translator, type DslCapabilities, type IncludedModule, type IncludeResolver, type MigrationRemark, type Translation } from './translate.js';

export type { MigrationIssue, PythonSyntaxError } from './python.js';
export type { DslCapabilities, MigrationRemark } from './translate.js';

export interface MigrationResult {
  /** The generated `.aurora.ts`, formatted; empty when the input is not valid Python. */
  readonly text: string;
  /** Every construct left untranslated (each is also a comment in `text`), by Python line. */
  readonly issues: readonly MigrationIssue[];
  /** Every syntax error, at Python 3's line and column; nothing is translated then. */
  readonly syntaxErrors: readonly PythonSyntaxError[];
  /**
   * Settings dropped on purpose because they mean nothing in aurora-ts (`executor_config`,
   * `enable_hooks`, ...) and things translated with a change (a file digest's path): each is a
   * comment in `text`; none is untranslated.
   */
  readonly remarks: readonly MigrationRemark[];
  /** The files it include()s, migrated too: each is written at its `output`, next to this file's. */
  readonly included: readonly IncludedFile[];
}

/** A file another include()s, migrated: the including file imports what it uses from it. */
export interface IncludedFile {
  /** The included file, relative to the including file's directory, as `readInclude` was given it. */
  readonly path: string;
  /** Where its TypeScript goes, relative to the directory of the including file's output. */
  readonly output: string;
  readonly text: string;
  readonly issues: readonly MigrationIssue[];
  readonly syntaxErrors: MigrationResult['syntaxErrors'];
  readonly remarks: readonly MigrationRemark[];
}

export interface MigrateOptions {
  /** What the target DSL offers. @default what the client's own DSL exports */
  readonly dsl?: DslCapabilities;
  /**
   * Reads a file the config include()s, by its path relative to the config's directory ('/'
   * separated); undefined when it cannot. @default include() is reported as not translated
   */
  readonly readInclude?: (file: string) => string | undefined;
}

/** What the client's own DSL offers: SimpleTask, Tasks.concat/combine and .bind() when present. */
export function dslCapabilities(): DslCapabilities {
  const exports = new Set(Object.keys(dsl));
  const module = dsl as Readonly<Record<string, unknown>>;
  const tasks = module['Tasks'] as Readonly<Record<string, unknown>> | undefined;
  const probe = dsl.Process({ name: 'probe', cmdline: 'true' }) as unknown as Readonly<Record<string, unknown>>;
  return {
    exports,
    simpleTask: typeof module['SimpleTask'] === 'function',
    tasks: typeof tasks?.['concat'] === 'function' && typeof tasks['combine'] === 'function',
    bind: typeof probe['bind'] === 'function',
  };
}

let defaultCapabilities: DslCapabilities | undefined;

/** Translates one Pystachio config; `fileName` only names the source in the generated header. */
export function migrateAuroraConfig(source: string, fileName: string, options: MigrateOptions = {}): MigrationResult {
  const included = new Map<string, IncludedFile & { readonly module?: IncludedModule['names'] }>();
  const capabilities = options.dsl ?? (defaultCapabilities ??= dslCapabilities());
  const result = migrateFile(source, fileName, '', capabilities, options, { stack: [path.basename(fileName)], included, exportAll: false });
  return {
    text: result.text,
    issues: result.issues,
    syntaxErrors: result.syntaxErrors,
    remarks: result.remarks,
    included: [...included.values()].map(({ module: _, ...file }) => file),
  };
}

interface FileContext {
  /** The files being migrated, outermost first (for include cycles). */
  readonly stack: readonly string[];
  /** Every included file, by its path relative to the outermost config's directory. */
  readonly included: Map<string, IncludedFile & { readonly module?: IncludedModule['names'] }>;
  readonly exportAll: boolean;
}

/** `x.aurora` → `x.aurora.ts`, `x.py` → `x.aurora.ts` (as the CLI names outputs). */
function outputName(file: string): string {
  if (file.endsWith('.aurora')) return `${file}.ts`;
  const ext = path.posix.extname(file);
  return `${ext ? file.slice(0, -ext.length) : file}.aurora.ts`;
}

/** One file (`at`: its path relative to the outermost config's directory, '' for that config). */
function migrateFile(
  source: string,
  fileName: string,
  at: string,
  capabilities: DslCapabilities,
  options: MigrateOptions,
  ctx: FileContext,
): Omit<MigrationResult, 'included'> & { readonly exported?: Translation['exported'] } {
  const py = new PythonSource(source);
  const syntaxErrors = py.syntaxErrors();
  if (syntaxErrors.length > 0) return { text: '', issues: [], syntaxErrors, remarks: [] };

  const dir = path.posix.dirname(at || '.');
  const include: IncludeResolver = (file) => {
    const rel = path.posix.normalize(path.posix.join(dir, file));
    if (rel === at || ctx.stack.includes(rel)) return { ok: false, reason: `include('${file}') includes a file that includes this one` };
    let done = ctx.included.get(rel);
    if (!done) {
      const text = options.readInclude?.(rel);
      if (text === undefined) return { ok: false, reason: `include('${file}') is not translated: ${rel} cannot be read` };
      const sub = migrateFile(text, rel, rel, capabilities, options, { ...ctx, stack: [...ctx.stack, at], exportAll: true });
      done = { path: rel, output: outputName(rel), text: sub.text, issues: sub.issues, syntaxErrors: sub.syntaxErrors, remarks: sub.remarks, ...(sub.exported ? { module: sub.exported } : {}) };
      ctx.included.set(rel, done);
    }
    if (!done.module) return { ok: false, reason: `include('${file}') is not translated: ${rel} is not valid Python` };
    const relative = path.posix.relative(path.posix.dirname(outputName(at || 'x')), done.output);
    return { ok: true, module: { specifier: relative.startsWith('.') ? relative : `./${relative}`, names: done.module } };
  };
  const translation = new Translator(py, capabilities, { include, exportAll: ctx.exportAll }).translate();

  const project = new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: { quoteKind: QuoteKind.Single, indentationText: IndentationText.TwoSpaces },
  });
  const base = path.basename(fileName);
  const n = translation.issues.length;
  const header = [
    `// Migrated from ${base} by \`aurora config migrate\`.`,
    n === 0
      ? '// Everything was translated; check it with `aurora config check` before you use it.'
      : `// ${n} construct${n === 1 ? ' was' : 's were'} not translated: search for "aurora config migrate: line" below.`,
  ].join('\n');
  const sf = project.createSourceFile('migrated.aurora.ts', translation.body);
  const names = [
    ...[...translation.values].sort().map((name) => ({ name })),
    ...[...translation.types].sort().map((name) => ({ name, isTypeOnly: true })),
  ];
  if (names.length > 0) {
    sf.insertImportDeclaration(0, { moduleSpecifier: DSL_SPECIFIER, namedImports: names });
  }
  if (!translation.exportsSomething) sf.addStatements('export {};');
  sf.insertStatements(0, header);
  sf.formatText({ indentSize: 2, convertTabsToSpaces: true });
  const text = sf.getFullText().replace(/\n{3,}/g, '\n\n');
  return { text, issues: translation.issues, syntaxErrors: [], remarks: translation.remarks, exported: translation.exported };
}
