import { readFileSync } from 'node:fs';
import path from 'node:path';
import type ts from 'typescript';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';
import { sha256, type CachedFile } from './cache.js';
import { CONFIG_COMPILER_OPTIONS } from './compiler-settings.js';
import type { ConfigDiagnostic } from './diagnostics.js';
import { isAllowedImport, moduleSpecifiers, refusedImportMessage } from './import-policy.js';
import { typescript } from './lazy-ts.js';

const optionsByDsl = new Map<string, ts.CompilerOptions>();

/**
 * Compiler options for configs (see compiler-settings.ts), with `@aurora/dsl` mapped to the
 * client's own DSL.
 */
export function configCompilerOptions(dslEntry: string): ts.CompilerOptions {
  const known = optionsByDsl.get(dslEntry);
  if (known) return known;
  const t = typescript();
  const { options, errors } = t.convertCompilerOptionsFromJson(CONFIG_COMPILER_OPTIONS, path.dirname(dslEntry));
  if (errors.length > 0) throw new Error(`bad config compiler options: ${t.flattenDiagnosticMessageText(errors[0]!.messageText, ' ')}`);
  const out = { ...options, paths: { [DSL_SPECIFIER]: [dslEntry] } };
  optionsByDsl.set(dslEntry, out);
  return out;
}

export interface CheckResult {
  /** Every problem found, in file order; empty when the config type-checks. */
  readonly diagnostics: readonly ConfigDiagnostic[];
  /** The config's own files: the entry and the files it imports relatively (not the DSL, not libs). */
  readonly configFiles: readonly string[];
}

export interface CheckedProgram extends CheckResult {
  /** Each config file transpiled to CommonJS with its source map and resolved relative imports. */
  readonly files: readonly CachedFile[];
}

/** Type-checks a config and the config files it imports, as one program. */
export function checkConfig(entry: string, dslEntry: string): CheckResult {
  const { diagnostics, configFiles } = checkProgram(entry, dslEntry, false);
  return { diagnostics, configFiles };
}

/** Type-checks a config and transpiles each of its files, for the loader and its cache. */
export function checkAndTranspile(entry: string, dslEntry: string): CheckedProgram {
  return checkProgram(entry, dslEntry, true);
}

function checkProgram(entry: string, dslEntry: string, transpile: boolean): CheckedProgram {
  const t = typescript();
  const options = configCompilerOptions(dslEntry);
  const program = t.createProgram({ rootNames: [entry], options });
  const dslDir = path.dirname(dslEntry);
  const isConfigFile = (sf: ts.SourceFile): boolean =>
    !program.isSourceFileDefaultLibrary(sf) &&
    !path.resolve(sf.fileName).startsWith(dslDir + path.sep) &&
    !sf.fileName.split(/[\\/]/).includes('node_modules');
  const configSources = program.getSourceFiles().filter(isConfigFile);
  const configNames = new Set(configSources.map((sf) => path.resolve(sf.fileName)));

  const diagnostics: ConfigDiagnostic[] = [];
  const files: CachedFile[] = [];
  for (const sf of configSources) {
    const imports: Record<string, string> = {};
    for (const { specifier, node } of moduleSpecifiers(sf)) {
      if (!isAllowedImport(specifier)) diagnostics.push(fromNode(sf, node, refusedImportMessage(specifier)));
      else if (specifier !== DSL_SPECIFIER) {
        const target = resolveConfigImport(specifier, sf.fileName, dslEntry);
        if (target) imports[specifier] = target;
      }
    }
    if (transpile) files.push({ path: path.resolve(sf.fileName), hash: sha256(readFileSync(sf.fileName, 'utf8')), ...transpileConfig(sf.text, sf.fileName), imports });
  }
  for (const d of t.getPreEmitDiagnostics(program)) {
    if (d.category !== t.DiagnosticCategory.Error) continue;
    if (d.file && !configNames.has(path.resolve(d.file.fileName))) continue; // the DSL's own files
    if (d.file && d.code === 2307 && isRefused(d, d.file)) continue; // reported above, more clearly
    diagnostics.push(fromTs(d));
  }
  diagnostics.sort(
    (a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { diagnostics, configFiles: [...configNames], files };
}

/** A config file as CommonJS for the sandbox, with its source map. */
export function transpileConfig(source: string, fileName: string): { js: string; map: string | undefined } {
  const t = typescript();
  const out = t.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: t.ModuleKind.CommonJS,
      target: t.ScriptTarget.ES2022,
      esModuleInterop: true,
      sourceMap: true,
      inlineSources: false,
    },
  });
  return { js: out.outputText.replace(/\n\/\/# sourceMappingURL=.*$/, ''), map: out.sourceMapText };
}

/** Where a relative import of a config resolves, as the type-checker resolved it. */
export function resolveConfigImport(specifier: string, fromFile: string, dslEntry: string): string | undefined {
  const t = typescript();
  const resolved = t.resolveModuleName(specifier, fromFile, configCompilerOptions(dslEntry), t.sys).resolvedModule;
  if (!resolved || resolved.extension !== t.Extension.Ts) return undefined;
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
  const t = typescript();
  let message = t.flattenDiagnosticMessageText(d.messageText, '\n');
  if (MISSING_PLATFORM_GLOBAL.has(d.code)) {
    message = `${message.replace(/\s*Do you need to.*$/s, '')} Configs run without Node or DOM globals (no console, process, require or fetch): they are deterministic, no I/O.`;
  }
  const code = `TS${d.code}`;
  if (!d.file || d.start === undefined) return { code, message };
  return { ...excerpt(d.file, d.start, d.length ?? 1), code, message };
}
