import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { compileJob, describeFound, formatPath, type ConfigIssue } from '../../dsl/compile.js';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import type { JobDef } from '../../dsl/job.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { callSiteOf } from '../../dsl/node.js';
import type { Bindings } from '../../dsl/templates.js';
import { InvalidConfigurationError } from '../errors.js';
import { LoaderCache, specMemoKey, toolSalt, type CachedProgram } from './cache.js';
import { LOADER_CACHE_FORMAT } from './compiler-settings.js';
import { displayPath, formatDiagnostics, type ConfigDiagnostic } from './diagnostics.js';
import { dslEntryPoint } from './dsl-location.js';
import { evaluateConfig, type ModuleTable } from './evaluate.js';
import * as dsl from '../../dsl/index.js';
import { configHost, userName, type ConfigInput } from './host.js';
import { definedKeys, findJob, jobsDefinedBy, keyOf } from './jobs.js';
import { refineToField } from './locate.js';
import { checkAndTranspile, resolveConfigImport, transpileConfig } from './typecheck.js';

export interface LoadOptions {
  /** Paths in messages are printed relative to it. */
  readonly cwd: string;
  /** The DSL declarations `@aurora/dsl` resolves to. @default the client's own (see dslEntryPoint) */
  readonly dslEntry?: string;
  /** Cache of type-checks, transpiled files and compiled specs (see cache.ts). @default none */
  readonly cacheDir?: string | undefined;
  /** What the config's `currentUser()` returns. @default the user running the client (see userName) */
  readonly user?: string;
}

/** A config file, type-checked and evaluated. */
export interface LoadedConfig {
  /** Absolute path of the config. */
  readonly file: string;
  /** How messages name the file. */
  readonly displayName: string;
  readonly jobs: readonly JobDef[];
  /** Every config file the program contains (the entry and what it imports). */
  readonly files: readonly string[];
  /** The working directory messages are relative to. */
  readonly cwd: string;
  /** The checked program (as cached), for memoizing compiled specs. */
  readonly program: CachedProgram;
  readonly cache: LoaderCache | undefined;
  /** The config files that ran, to map DSL call sites to lines. */
  readonly modules: ModuleTable;
  /** What `currentUser()` returned: part of a compiled spec's cache key. */
  readonly user: string;
  /** Files the config read (fileDigest), with their content hashes: part of a compiled spec's cache key. */
  readonly inputs: readonly ConfigInput[];
}

/** Per-job compile options that depend on the job's cluster. */
export interface CompileRules {
  /** Environments the cluster `cluster` allows besides Aurora's. @default none */
  readonly extraEnvironments?: (cluster: string) => readonly string[];
}

/** InvalidConfigurationError that also carries its diagnostics as data (for --json). */
export class ConfigDiagnosticsError extends InvalidConfigurationError {
  constructor(
    message: string,
    readonly diagnostics: readonly ConfigDiagnostic[],
    cwd: string,
  ) {
    super(message, { details: formatDiagnostics(diagnostics, cwd) });
  }
}

function invalid(shown: string, diagnostics: readonly ConfigDiagnostic[], cwd: string): InvalidConfigurationError {
  const n = diagnostics.length;
  return new ConfigDiagnosticsError(`${shown} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} and try again`, diagnostics, cwd);
}

/** The checked program of `abs`: from the cache when no file changed, else type-checked now (and cached). */
function checkedProgram(abs: string, dslEntry: string, cache: LoaderCache | undefined): CachedProgram {
  const salt = toolSalt(dslEntry);
  const hit = cache?.readProgram(abs, salt);
  if (hit) return hit;
  const checked = checkAndTranspile(abs, dslEntry);
  const program: CachedProgram = { format: LOADER_CACHE_FORMAT, salt, entry: abs, files: checked.files, diagnostics: checked.diagnostics };
  if (cache) cache.writeProgram(program);
  return program;
}

/**
 * Loads a `*.aurora.ts` file: type-check (every problem printed as `file:line:col - error TSxxxx`),
 * then evaluate in a sandbox and collect the jobs it defines. Throws InvalidConfigurationError.
 * With a cache directory, an unchanged program is neither type-checked nor transpiled again.
 */
export function loadConfig(file: string, options: LoadOptions): LoadedConfig {
  const abs = path.resolve(options.cwd, file);
  const shown = displayPath(abs, options.cwd);
  if (!existsSync(abs)) throw new InvalidConfigurationError(`Config file ${shown} does not exist`);
  if (!statSync(abs).isFile()) throw new InvalidConfigurationError(`Config file ${shown} is not a file`);
  const dslEntry = options.dslEntry ?? dslEntryPoint();
  const cache = options.cacheDir ? new LoaderCache(options.cacheDir) : undefined;

  const program = checkedProgram(abs, dslEntry, cache);
  if (program.diagnostics.length > 0) throw invalid(shown, program.diagnostics, options.cwd);

  const byPath = new Map(program.files.map((f) => [f.path, f]));
  const user = options.user ?? userName(process.env);
  const host = configHost(abs, user);
  const evaluated = evaluateConfig(abs, {
    dsl: Object.freeze({ ...dsl, currentUser: host.currentUser, fileDigest: host.fileDigest }),
    resolveImport: (spec, from) => byPath.get(from)?.imports[spec] ?? resolveConfigImport(spec, from, dslEntry),
    runnable: (f) => {
      const source = readFileSync(f, 'utf8');
      const cached = byPath.get(f);
      return cached ? { source, js: cached.js, map: cached.map } : { source, ...transpileConfig(source, f) };
    },
  });
  if (!evaluated.ok) {
    throw new ConfigDiagnosticsError(`${shown} failed while it was evaluated`, [evaluated.diagnostic], options.cwd);
  }
  const jobs = jobsDefinedBy(evaluated.exports);
  if (!jobs.ok) throw new InvalidConfigurationError(`${shown}: ${jobs.problem}`);
  return {
    file: abs,
    displayName: shown,
    jobs: jobs.jobs,
    files: program.files.map((f) => f.path),
    cwd: options.cwd,
    program,
    cache,
    modules: evaluated.modules,
    user,
    inputs: host.inputs(),
  };
}

/** `task.resources.cpu: cpu must be more than 0 (found 0)`. Pure. */
export function issueText(issue: ConfigIssue): string {
  const at = formatPath(issue.path);
  const found = 'found' in issue && issue.found !== undefined ? ` (found ${describeFound(issue.found)})` : '';
  return `${at ? `${at}: ` : ''}${issue.message}${found}`;
}

/** A compile issue as a diagnostic at the config line that wrote the offending value. */
export function issueDiagnostic(config: LoadedConfig, job: JobKey, issue: ConfigIssue): ConfigDiagnostic {
  const message = `job ${formatJobKey(job)}: ${issueText(issue)}`;
  const site = issue.origin ? callSiteOf(issue.origin.node) : undefined;
  const at = site?.stack ? config.modules.locate(site.stack) : undefined;
  if (!at) return { file: config.file, message };
  const source = config.modules.source(at.file);
  if (source === undefined) return { ...at, message };
  try {
    const spot = refineToField(source, at.file, at.line, at.column, issue.origin?.field);
    return { file: at.file, ...spot, message };
  } catch {
    return { ...at, message };
  }
}

/** Every job of a config compiled, with every issue of every job as located diagnostics. */
export function compileConfigJobs(
  config: LoadedConfig,
  bindings: Bindings,
  rules: CompileRules = {},
): { specs: JobSpec[]; diagnostics: ConfigDiagnostic[] } {
  const specs: JobSpec[] = [];
  const diagnostics: ConfigDiagnostic[] = [];
  for (const job of config.jobs) {
    const key = keyOf(job, bindings);
    const result = compileJob(job, bindings, { extraEnvironments: rules.extraEnvironments?.(key.cluster) ?? [] });
    if (result.ok) specs.push(result.spec);
    else diagnostics.push(...result.issues.map((i) => issueDiagnostic(config, key, i)));
  }
  return { specs, diagnostics };
}

/** Picks the job `key` from a loaded config and compiles it with `bindings`. Throws InvalidConfigurationError. */
export function compileConfigJob(
  config: LoadedConfig,
  key: JobKey,
  bindings: Bindings,
  options: { readonly extraEnvironments?: readonly string[] } = {},
): JobSpec {
  const job = findJob(config.jobs, key, bindings);
  if (!job) {
    const defined = definedKeys(config.jobs, bindings);
    const unbound = defined.some((k) => k.includes('{{')) ? '; a key holding {{...}} needs its variables bound, with .bind() in the config or --bind NAME=VALUE' : '';
    throw new InvalidConfigurationError(`Job ${formatJobKey(key)} not found in ${config.displayName}; it defines: ${defined.join(', ')}${unbound}`);
  }
  const extraEnvironments = options.extraEnvironments ?? [];
  const compiled = compileJob(job, bindings, { extraEnvironments });
  if (!compiled.ok) {
    const n = compiled.issues.length;
    throw new ConfigDiagnosticsError(
      `job ${formatJobKey(key)} in ${config.displayName} is not valid (${n} problem${n === 1 ? '' : 's'})`,
      compiled.issues.map((i) => issueDiagnostic(config, key, i)),
      config.cwd,
    );
  }
  config.cache?.writeSpec(config.program, specMemoKey(formatJobKey(key), bindings, extraEnvironments, config.user), compiled.spec, config.inputs);
  return compiled.spec;
}
