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
import { PythonSource, type MigrationIssue } from './python.js';
import { Translator, type DslCapabilities } from './translate.js';

export type { MigrationIssue } from './python.js';
export type { DslCapabilities } from './translate.js';

export interface MigrationResult {
  /** The generated `.aurora.ts`, formatted; empty when the input is not valid Python. */
  readonly text: string;
  /** Every construct left untranslated (each is also a comment in `text`), by Python line. */
  readonly issues: readonly MigrationIssue[];
  /** Where the input is not valid Python; nothing is translated then. */
  readonly syntaxErrors: readonly MigrationIssue[];
}

export interface MigrateOptions {
  /** What the target DSL offers. @default what the client's own DSL exports */
  readonly dsl?: DslCapabilities;
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
  const py = new PythonSource(source);
  const syntaxErrors = py.syntaxErrors();
  if (syntaxErrors.length > 0) return { text: '', issues: [], syntaxErrors };

  const capabilities = options.dsl ?? (defaultCapabilities ??= dslCapabilities());
  const translation = new Translator(py, capabilities).translate();

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
  return { text, issues: translation.issues, syntaxErrors: [] };
}
