import path from 'node:path';
import ts from 'typescript';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';
import type { ConfigDiagnostic } from './diagnostics.js';
import { isAllowedImport, moduleSpecifiers, refusedImportMessage } from './import-policy.js';

/**
 * Compiler options for configs: strict, ES2023 only (no DOM, no Node types, so a config cannot
 * name `process`, `fs` or `fetch`), `@aurora/dsl` mapped to the client's own DSL.
 */
export function configCompilerOptions(dslEntry: string): ts.CompilerOptions {
  return {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    allowJs: false,
    resolveJsonModule: false,
    forceConsistentCasingInFileNames: true,
    paths: { [DSL_SPECIFIER]: [dslEntry] },
  };
}

export interface CheckResult {
  /** Every problem found, in file order; empty when the config type-checks. */
  readonly diagnostics: readonly ConfigDiagnostic[];
  /** The config's own files: the entry and the files it imports relatively (not the DSL, not libs). */
  readonly configFiles: readonly string[];
}

/** Type-checks a config and the config files it imports, as one program. */
export function checkConfig(entry: string, dslEntry: string): CheckResult {
  const options = configCompilerOptions(dslEntry);
  const program = ts.createProgram({ rootNames: [entry], options });
  const dslDir = path.dirname(dslEntry);
  const isConfigFile = (sf: ts.SourceFile): boolean =>
    !program.isSourceFileDefaultLibrary(sf) &&
    !path.resolve(sf.fileName).startsWith(dslDir + path.sep) &&
    !sf.fileName.split(/[\\/]/).includes('node_modules');
  const configSources = program.getSourceFiles().filter(isConfigFile);
  const configNames = new Set(configSources.map((sf) => path.resolve(sf.fileName)));

  const diagnostics: ConfigDiagnostic[] = [];
  for (const sf of configSources) {
    for (const { specifier, node } of moduleSpecifiers(sf)) {
      if (!isAllowedImport(specifier)) diagnostics.push(fromNode(sf, node, refusedImportMessage(specifier)));
    }
  }
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    if (d.file && !configNames.has(path.resolve(d.file.fileName))) continue; // the DSL's own files
    if (d.file && d.code === 2307 && isRefused(d, d.file)) continue; // reported above, more clearly
    diagnostics.push(fromTs(d));
  }
  diagnostics.sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { diagnostics, configFiles: [...configNames] };
}

/** Where a relative import of a config resolves, as the type-checker resolved it. */
export function resolveConfigImport(specifier: string, fromFile: string, dslEntry: string): string | undefined {
  const resolved = ts.resolveModuleName(specifier, fromFile, configCompilerOptions(dslEntry), ts.sys).resolvedModule;
  if (!resolved || resolved.extension !== ts.Extension.Ts) return undefined;
  return path.resolve(resolved.resolvedFileName);
}

function isRefused(d: ts.Diagnostic, sf: ts.SourceFile): boolean {
  if (d.start === undefined) return false;
  const text = sf.text.slice(d.start, d.start + (d.length ?? 0)).replace(/^['"`]|['"`]$/g, '');
  return !isAllowedImport(text);
}

function excerpt(sf: ts.SourceFile, start: number, length: number): Omit<ConfigDiagnostic, 'message' | 'code'> {
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const lineStart = sf.getPositionOfLineAndCharacter(line, 0);
  const lineEnd = sf.getLineEndOfPosition(start);
  return {
    file: path.resolve(sf.fileName),
    line: line + 1,
    column: character + 1,
    length: Math.max(1, Math.min(length, lineEnd - start)),
    sourceLine: sf.text.slice(lineStart, lineEnd),
  };
}

function fromNode(sf: ts.SourceFile, node: ts.Node, message: string): ConfigDiagnostic {
  const start = node.getStart(sf);
  return { ...excerpt(sf, start, node.getEnd() - start), message };
}

/**
 * "Cannot find name 'console'/'process'/'require'" come with tsc's advice to add DOM or Node
 * types; for configs the right advice is that these do not exist there.
 */
const MISSING_PLATFORM_GLOBAL = new Set([2580, 2582, 2583, 2584, 2591, 2592, 2593]);

function fromTs(d: ts.Diagnostic): ConfigDiagnostic {
  let message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (MISSING_PLATFORM_GLOBAL.has(d.code)) {
    message = `${message.replace(/\s*Do you need to.*$/s, '')} Configs run without Node or DOM globals (no console, process, require or fetch): they are deterministic, no I/O.`;
  }
  const code = `TS${d.code}`;
  if (!d.file || d.start === undefined) return { code, message };
  return { ...excerpt(d.file, d.start, d.length ?? 1), code, message };
}
