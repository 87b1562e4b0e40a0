import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { displayPath, formatDiagnostics, type ConfigDiagnostic } from '../config/diagnostics.js';
import { CommandFailureError, InvalidConfigurationError } from '../errors.js';
import type { PythonSyntaxError } from '../migrate/index.js';
import type { CommandContext } from './context.js';

export interface MigrateArgs {
  /** The Apache Aurora config (`hello_world.aurora`). */
  readonly file: string;
  /** Where the TypeScript goes. @default FILE.aurora.ts next to FILE */
  readonly out?: string | undefined;
  /** Overwrite `out` when it exists. */
  readonly force: boolean;
  /** Exit 0 when the file was written but needs finishing by hand. @default false */
  readonly allowPartial?: boolean;
  /** Print the report as JSON on stdout. @default false */
  readonly json?: boolean;
}

/**
 * `aurora config migrate FILE.aurora [--out FILE.aurora.ts] [--force] [--allow-partial] [--json]`,
 * registered under the `config` noun. The translator (ts-morph, the Python parser) and the loader
 * load only when the command runs.
 */
export function configMigrateCommand(ctx: CommandContext): CommandModule<object, MigrateArgs> {
  return {
    command: 'migrate <file>',
    describe: 'Translate an Apache Aurora .aurora config into a .aurora.ts config and check it; exit 4 when something is left to finish by hand',
    builder: (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the Apache Aurora config (Python, Pystachio)' })
        .option('out', { type: 'string', describe: 'where to write the TypeScript (default: FILE.aurora.ts next to FILE)' })
        .option('force', { type: 'boolean', default: false, describe: 'overwrite the output file if it exists' })
        .option('allow-partial', {
          type: 'boolean',
          default: false,
          describe: 'exit 0 even when constructs were not translated or the output does not type-check (the summary is printed still)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON: what was written, what to finish by hand, every error located' }),
    handler: (a) => migrateConfigFile(ctx, { file: a.file, out: a.out, force: a.force, allowPartial: a.allowPartial, json: a.json }),
  };
}

/** `hello_world.aurora` → `hello_world.aurora.ts`; `hello.py` → `hello.aurora.ts`. Pure. */
export function defaultOutput(file: string): string {
  if (file.endsWith('.aurora')) return `${file}.ts`;
  const ext = path.extname(file);
  return `${ext ? file.slice(0, -ext.length) : file}.aurora.ts`;
}

/**
 * `file:line:col: message`, then the source line and a caret under the column (tabs kept, so the
 * caret lines up in a terminal). Pure.
 */
export function formatSyntaxError(file: string, e: PythonSyntaxError): string[] {
  const gutter = String(e.line);
  const prefix = e.sourceLine.slice(0, Math.max(0, e.column - 1)).replace(/[^\t]/g, ' ');
  return [`${file}:${e.line}:${e.column}: ${e.message}`, `${gutter} ${e.sourceLine}`, `${' '.repeat(gutter.length)} ${prefix}^`];
}

/** One thing said about a line of a Python file: untranslated, or dropped on purpose. */
export interface MigrationNote {
  /** The Python file, as shown (the config, or a file it include()s). */
  readonly file: string;
  readonly line: number;
  readonly message: string;
  /** For a remark: `dropped` (a setting that means nothing here) or `rewritten` (translated with a change). */
  readonly kind?: string;
}

/** What a migration wrote, and what is left to finish by hand. Data, printed by formatReport or as JSON. */
export interface MigrationReport {
  /** The Python config, as shown. */
  readonly file: string;
  /** The TypeScript config written, as shown; null when nothing was written (the input is not Python). */
  readonly out: string | null;
  /** Every file written: `out`, then what it include()s, migrated too. */
  readonly written: readonly string[];
  /** True when nothing is left to finish: everything translated and `out` type-checks and compiles. */
  readonly ok: boolean;
  /** The job keys `out` defines (templated keys unbound), when it loads. */
  readonly jobs: readonly string[];
  /** Constructs left as comments, by their Python line: to finish by hand. */
  readonly untranslated: readonly MigrationNote[];
  /** Settings dropped on purpose and things translated with a change: nothing to finish. */
  readonly remarks: readonly MigrationNote[];
  /**
   * Located errors: the Python file's syntax errors (nothing written then), or the type and
   * compile errors of the written file at its own lines. Each is to finish by hand.
   */
  readonly errors: readonly ConfigDiagnostic[];
  /** Variables the written file leaves to `--bind` (as the Aurora config did): not errors. */
  readonly unbound: readonly string[];
}

/** A variable the compiler reports unbound (`{{version}} is not bound: pass --bind ...`), from its message. */
const UNBOUND = /\{\{([^{}]+)\}\} is not bound: pass --bind /;

/** The notes of one migrated file, from its issues and its remarks. Pure. */
export function notesOf(
  file: string,
  issues: readonly { readonly line: number; readonly message: string }[],
  remarks: readonly { readonly line: number; readonly message: string; readonly kind: string }[],
): { untranslated: MigrationNote[]; remarks: MigrationNote[] } {
  return {
    untranslated: issues.map((i) => ({ file, line: i.line, message: i.message })),
    remarks: remarks.map((r) => ({ file, line: r.line, message: r.message, kind: r.kind })),
  };
}

/**
 * Reads FILE, writes the translation (and the files it include()s), then loads what it wrote with
 * the real loader (type-check, evaluate, compile every job) and reports: each untranslated
 * construct at its Python line, each error at its line in the written file, each remark.
 * Exits 0 when nothing is left to finish; 4 (COMMAND_FAILURE) when something is, with a summary
 * of it (0 with --allow-partial, the summary printed still); 3 when FILE is missing or is not
 * Python (every syntax error at Python's line, nothing written); 4 when an output exists and
 * --force was not given (nothing written).
 */
export async function migrateConfigFile(ctx: CommandContext, a: MigrateArgs): Promise<void> {
  const json = a.json ?? false;
  const input = path.resolve(ctx.cwd, a.file);
  const shownIn = displayPath(input, ctx.cwd);
  if (!existsSync(input)) throw new InvalidConfigurationError(`Config file ${shownIn} does not exist`);
  if (!statSync(input).isFile()) throw new InvalidConfigurationError(`Config file ${shownIn} is not a file`);
  const output = path.resolve(ctx.cwd, a.out ?? defaultOutput(a.file));
  const shownOut = displayPath(output, ctx.cwd);
  if (output === input) throw new CommandFailureError(`--out ${shownOut} is the input file; choose another file`);
  if (existsSync(output) && !a.force) {
    throw new CommandFailureError(`${shownOut} already exists; nothing was written. Pass --force to overwrite it, or --out to write elsewhere`);
  }

  const { migrateAuroraConfig } = await import('../migrate/index.js');
  const readInclude = (rel: string): string | undefined => {
    try {
      return readFileSync(path.resolve(path.dirname(input), rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  const result = migrateAuroraConfig(readFileSync(input, 'utf8'), input, { readInclude });

  if (result.syntaxErrors.length > 0) {
    const n = result.syntaxErrors.length;
    const errors = result.syntaxErrors.map((e) => ({ file: shownIn, line: e.line, column: e.column, message: e.message, sourceLine: e.sourceLine }));
    if (json) ctx.json(reportJson({ file: shownIn, out: null, written: [], ok: false, jobs: [], untranslated: [], remarks: [], errors, unbound: [] }));
    throw new InvalidConfigurationError(`${shownIn} is not valid Python (${n} syntax error${n === 1 ? '' : 's'}); nothing was written`, {
      details: json ? [] : result.syntaxErrors.flatMap((e, i) => [...(i > 0 ? [''] : []), ...formatSyntaxError(shownIn, e)]),
    });
  }

  // The files it include()s, migrated too, next to the output.
  const untranslated: MigrationNote[] = [];
  const remarks: MigrationNote[] = [];
  const errors: ConfigDiagnostic[] = [];
  const writes: { file: string; text: string }[] = [{ file: output, text: result.text }];
  const main = notesOf(shownIn, result.issues, result.remarks);
  untranslated.push(...main.untranslated);
  remarks.push(...main.remarks);
  for (const inc of result.included) {
    const shownInc = displayPath(path.resolve(path.dirname(input), inc.path), ctx.cwd);
    const notes = notesOf(shownInc, inc.issues, inc.remarks);
    untranslated.push(...notes.untranslated);
    remarks.push(...notes.remarks);
    for (const e of inc.syntaxErrors) errors.push({ file: path.resolve(path.dirname(input), inc.path), line: e.line, column: e.column, message: e.message, sourceLine: e.sourceLine });
    if (inc.syntaxErrors.length === 0) writes.push({ file: path.resolve(path.dirname(output), inc.output), text: inc.text });
  }
  const clash = writes.slice(1).find((w) => (w.file === input || existsSync(w.file)) && !a.force);
  if (clash) {
    throw new CommandFailureError(
      `${displayPath(clash.file, ctx.cwd)} (the migration of a file ${shownIn} includes) already exists; nothing was written. Pass --force to overwrite it, or --out to write elsewhere`,
    );
  }
  for (const w of writes) {
    mkdirSync(path.dirname(w.file), { recursive: true });
    writeFileSync(w.file, w.text);
  }

  const checked = await checkWritten(ctx, output);
  errors.push(...checked.errors);
  const report: MigrationReport = {
    file: shownIn,
    out: shownOut,
    written: writes.map((w) => displayPath(w.file, ctx.cwd)),
    ok: untranslated.length === 0 && errors.length === 0,
    jobs: checked.jobs,
    untranslated,
    remarks,
    errors,
    unbound: checked.unbound,
  };
  const allowPartial = a.allowPartial ?? false;
  if (json) {
    ctx.json(reportJson(report, ctx.cwd));
  } else {
    const { out, err } = formatReport(report, ctx.cwd, allowPartial);
    for (const line of err) ctx.err(line);
    for (const line of out) ctx.out(line);
  }
  if (!report.ok && !allowPartial) {
    throw new CommandFailureError(
      `${shownOut} was written but is not finished: ${finishSummary(report)}. Finish it by hand and check it with \`aurora config check ${shownOut}\`, or pass --allow-partial to accept it as it is`,
    );
  }
}

/** `2 constructs were not translated and it has 1 error`. Pure. */
function finishSummary(r: MigrationReport): string {
  const parts: string[] = [];
  const u = r.untranslated.length;
  const e = r.errors.length;
  if (u > 0) parts.push(`${u} construct${u === 1 ? ' was' : 's were'} not translated`);
  if (e > 0) parts.push(`it has ${e} error${e === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

/**
 * The report as text: per-line notes and errors (stderr), what was written and what to do
 * (stdout), and the summary of what to finish by hand (stderr). Pure.
 */
export function formatReport(r: MigrationReport, cwd: string, allowPartial: boolean): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const shownOut = r.out ?? '';
  for (const n of r.untranslated) err.push(`${n.file}:${n.line}: not translated: ${n.message}`);
  for (const n of r.remarks) err.push(`${n.file}:${n.line}: ${n.kind ?? 'note'}: ${n.message}`);
  if (r.errors.length > 0) err.push(...formatDiagnostics(r.errors, cwd));

  const others = r.written.slice(1);
  const also = others.length > 0 ? ` (and ${others.join(', ')}, which it imports)` : '';
  const u = r.untranslated.length;
  if (r.ok) {
    const jobs = `${r.jobs.length} job${r.jobs.length === 1 ? '' : 's'}`;
    out.push(`Wrote ${shownOut}${also}: everything in ${r.file} was translated, and it type-checks and compiles (${jobs}).`);
  } else if (u === 0) {
    out.push(`Wrote ${shownOut}${also}: everything in ${r.file} was translated, but it does not type-check or compile.`);
  } else {
    const rest = r.errors.length > 0 ? ', and it does not type-check or compile' : '; the rest type-checks and compiles';
    out.push(`Wrote ${shownOut}${also}: ${u} construct${u === 1 ? '' : 's'} of ${r.file} could not be translated${rest}.`);
  }
  if (r.unbound.length > 0) {
    const binds = r.unbound.map((v) => `--bind ${v}=VALUE`).join(' ');
    out.push(`It leaves ${r.unbound.map((v) => `{{${v}}}`).join(', ')} to bind when a job is used, as ${r.file} did: ${binds}`);
  }
  out.push(`Check it with: aurora config check ${shownOut}${r.unbound.length > 0 ? ` ${r.unbound.map((v) => `--bind ${v}=VALUE`).join(' ')}` : ''}`);

  if (!r.ok) {
    err.push(`To finish by hand in ${shownOut}:`);
    if (u > 0) {
      const lines = [...new Set(r.untranslated.map((n) => `${n.file}:${n.line}`))].join(', ');
      err.push(`  - ${u} construct${u === 1 ? ' is' : 's are'} not translated (${lines}): each is a comment starting with "aurora config migrate: line"`);
    }
    if (r.errors.length > 0) {
      const where = [...new Set(r.errors.map((d) => (d.file ? `${displayPath(d.file, cwd)}${d.line ? `:${d.line}` : ''}` : '(no file)')))].join(', ');
      err.push(`  - ${r.errors.length} error${r.errors.length === 1 ? '' : 's'} from the type-check and compile (${where})`);
    }
    if (allowPartial) err.push('Warning: --allow-partial: exit 0, though the file is not finished.');
  }
  return { out, err };
}

/** The report as JSON: files as shown, errors as `aurora config check --json` prints them. Pure. */
function reportJson(r: MigrationReport, cwd?: string): Record<string, unknown> {
  return {
    ...r,
    errors: r.errors.map((d) => ({ ...d, ...(d.file && cwd !== undefined ? { file: displayPath(d.file, cwd) } : {}) })),
  };
}

/**
 * Loads a written config as `aurora config check` does (type-check, evaluate, compile every job,
 * environments the clusters allow included) and returns its job keys, its errors located in it,
 * and the variables it leaves to --bind (which are not errors: the Aurora config left them too).
 */
async function checkWritten(ctx: CommandContext, file: string): Promise<{ jobs: string[]; errors: ConfigDiagnostic[]; unbound: string[] }> {
  const [{ loadConfig, compileConfigJobs }, { userName }, { cacheDir }, { extraEnvironmentsFor }, { definedKeys }] = await Promise.all([
    import('../config/loader.js'),
    import('../config/host.js'),
    import('./compile-spec.js'),
    import('./config-actions.js'),
    import('../config/jobs.js'),
  ]);
  let config;
  try {
    config = loadConfig(file, { cwd: ctx.cwd, cacheDir: cacheDir(ctx), user: userName(ctx.env) });
  } catch (err) {
    if (!(err instanceof InvalidConfigurationError)) throw err;
    const diagnostics = (err as { diagnostics?: readonly ConfigDiagnostic[] }).diagnostics;
    return { jobs: [], errors: diagnostics ? [...diagnostics] : [{ file, message: err.message }], unbound: [] };
  }
  const { diagnostics } = compileConfigJobs(config, {}, { extraEnvironments: await extraEnvironmentsFor(ctx, config, {}) });
  const unbound = new Set<string>();
  const errors: ConfigDiagnostic[] = [];
  for (const d of diagnostics) {
    const m = UNBOUND.exec(d.message);
    if (m) unbound.add(m[1] as string);
    else errors.push(d);
  }
  return { jobs: definedKeys(config.jobs, {}), errors, unbound: [...unbound].sort() };
}
