import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import * as dsl from '../../dsl/index.js';
import { DSL_SPECIFIER } from '../../dsl/specifier.js';
import { lineOf, type ConfigDiagnostic } from './diagnostics.js';
import { isAllowedImport, refusedImportMessage } from './import-policy.js';

/** How long a config may run before the loader gives up on it (an endless loop). */
export const EVALUATION_TIMEOUT_MS = 10_000;

/** A config file ready to run: its TypeScript source (for messages), CommonJS and source map. */
export interface RunnableFile {
  readonly source: string;
  readonly js: string;
  readonly map: string | undefined;
}

export interface EvaluateOptions {
  /** Where a relative import of `fromFile` resolves (a `.ts` file), as the type-checker resolved it. */
  readonly resolveImport: (specifier: string, fromFile: string) => string | undefined;
  /** The runnable form of a config file (from the cache, or transpiled now). */
  readonly runnable: (file: string) => RunnableFile;
  readonly timeoutMs?: number;
  /** What `@aurora/dsl` is in the config: the DSL with the loader's host functions. @default the DSL itself */
  readonly dsl?: object;
}

/** The config files that ran, for mapping positions in stacks back to their sources. */
export interface ModuleTable {
  /** The innermost frame of `stack` that is in a config file, in that file's source. */
  locate(stack: string): { file: string; line: number; column: number; sourceLine: string | undefined } | undefined;
  /** Source text of a config file that ran. */
  source(file: string): string | undefined;
}

export type EvaluateResult =
  | { readonly ok: true; readonly exports: Readonly<Record<string, unknown>>; readonly modules: ModuleTable }
  | { readonly ok: false; readonly diagnostic: ConfigDiagnostic };

interface LoadedModule {
  readonly file: string;
  readonly source: string;
  readonly map: SourceMap | undefined;
  readonly module: { exports: Record<string, unknown> };
}

/** The first line of each module's wrapper; the config's own code starts on the line after. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';

/** What a config refuses to run with: a clear error thrown by its `require`. */
class RefusedImport extends Error {
  override readonly name = 'RefusedImport';
}

/**
 * Run first in every config context: configs are deterministic, so the clock and randomness
 * throw with a message saying what to do instead. `new Date(ms)`, `Date.UTC` and `Date.parse`
 * stay, since they do not depend on when or where the config runs.
 */
const DETERMINISM_PRELUDE = `(() => {
  const RealDate = Date;
  const refuse = (what) => {
    throw new Error(what + ' is not available in configs: they are deterministic (no clock, no randomness, no I/O), ' +
      'so the same file always compiles to the same job. Pass the value in with --bind NAME=VALUE and use {{NAME}}.');
  };
  function DeterministicDate(...args) {
    if (!new.target) refuse('Date()');
    if (args.length === 0) refuse('new Date() without arguments');
    return Reflect.construct(RealDate, args, new.target);
  }
  DeterministicDate.prototype = RealDate.prototype;
  Object.defineProperty(RealDate.prototype, 'constructor', { value: DeterministicDate, writable: true, configurable: true });
  DeterministicDate.now = () => refuse('Date.now()');
  DeterministicDate.parse = RealDate.parse;
  DeterministicDate.UTC = RealDate.UTC;
  Object.defineProperty(globalThis, 'Date', { value: DeterministicDate, writable: false, configurable: false });
  Object.defineProperty(Math, 'random', { value: () => refuse('Math.random()'), writable: false, configurable: false });
})();`;
const PRELUDE_FILE = '(aurora determinism prelude)';

/**
 * Runs a (type-checked) config in a fresh `node:vm` context that has only the JavaScript
 * built-ins, without clock or randomness. Its `require` returns the client's own DSL module for
 * `@aurora/dsl` (so DSL objects are the client's), loads relative config files the same way, and
 * refuses anything else. A throw is reported at its line in the config's source.
 */
export function evaluateConfig(entry: string, options: EvaluateOptions): EvaluateResult {
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  new vm.Script(DETERMINISM_PRELUDE, { filename: PRELUDE_FILE }).runInContext(context);
  const modules = new Map<string, LoadedModule>();
  const timeout = options.timeoutMs ?? EVALUATION_TIMEOUT_MS;

  const load = (file: string): Record<string, unknown> => {
    const cached = modules.get(file);
    if (cached) return cached.module.exports;
    const runnable = options.runnable(file);
    const map = runnable.map ? new SourceMap(JSON.parse(runnable.map) as SourceMapPayload) : undefined;
    const loaded: LoadedModule = { file, source: runnable.source, map, module: { exports: {} } };
    modules.set(file, loaded);
    const requireFrom = (specifier: string): unknown => {
      if (specifier === DSL_SPECIFIER) return options.dsl ?? dsl;
      if (!isAllowedImport(specifier)) throw new RefusedImport(refusedImportMessage(specifier));
      const target = options.resolveImport(specifier, file);
      if (!target) throw new RefusedImport(`cannot import '${specifier}': no such config file (configs import .ts files)`);
      return load(target);
    };
    const code = `${WRAPPER_HEAD}\n${runnable.js}\n})`;
    const script = new vm.Script(code, { filename: file });
    const fn = script.runInContext(context, { timeout }) as (...args: unknown[]) => void;
    const run = new vm.Script('__aurora_run()', { filename: `${file} (loader)` });
    context['__aurora_run'] = () =>
      fn.call(loaded.module.exports, loaded.module.exports, requireFrom, loaded.module, file, path.dirname(file));
    try {
      run.runInContext(context, { timeout });
    } finally {
      delete context['__aurora_run'];
    }
    return loaded.module.exports;
  };

  const table: ModuleTable = {
    locate: (stack) => locateInStack(stack, modules),
    source: (file) => modules.get(file)?.source,
  };
  try {
    return { ok: true, exports: load(path.resolve(entry)), modules: table };
  } catch (err) {
    return { ok: false, diagnostic: locateThrow(err, modules, entry) };
  }
}

function locateInStack(
  stack: string,
  modules: ReadonlyMap<string, LoadedModule>,
): { file: string; line: number; column: number; sourceLine: string | undefined } | undefined {
  for (const frame of stack.split('\n').slice(1)) {
    for (const m of modules.values()) {
      const at = frame.lastIndexOf(`${m.file}:`);
      if (at < 0) continue;
      const pos = /^:(\d+):(\d+)/.exec(frame.slice(at + m.file.length));
      if (!pos) continue;
      const generatedLine = Number(pos[1]) - 1; // the wrapper's head line
      const generatedColumn = Number(pos[2]);
      const original = originalPosition(m, generatedLine, generatedColumn);
      if (!original) continue;
      return { file: m.file, ...original, sourceLine: lineOf(m.source, original.line) };
    }
  }
  return undefined;
}

/** Where in the config's own source a throw happened (innermost config frame), and what it said. */
export function locateThrow(err: unknown, modules: ReadonlyMap<string, LoadedModule>, entry: string): ConfigDiagnostic {
  const { text, stack } = describeThrown(err);
  const code = (err as { code?: unknown } | null)?.code;
  const message =
    code === 'ERR_SCRIPT_EXECUTION_TIMEOUT'
      ? 'the config did not finish in time: does it loop forever?'
      : err instanceof RefusedImport
        ? err.message
        : `the config threw ${text}`;
  const at = locateInStack(stack, modules);
  return at ? { ...at, message } : { file: path.resolve(entry), message };
}

function originalPosition(m: LoadedModule, line: number, column: number): { line: number; column: number } | undefined {
  if (line < 1 || !m.map) return undefined;
  const entry = m.map.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number };
  if (entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  return { line: entry.originalLine + 1, column: entry.originalColumn + 1 };
}

/** `Error: message` and the stack of a thrown value, which may come from the config's realm. */
function describeThrown(err: unknown): { text: string; stack: string } {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const e = err as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof e.name === 'string' ? e.name : 'Error';
    return { text: `${name}: ${String(e.message)}`, stack: typeof e.stack === 'string' ? e.stack : '' };
  }
  return { text: `the value ${safeString(err)}`, stack: '' };
}

function safeString(v: unknown): string {
  try {
    return typeof v === 'string' ? JSON.stringify(v) : String(v);
  } catch {
    return '(unprintable)';
  }
}
