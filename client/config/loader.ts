import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import type { JobDef } from '../../dsl/job.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { Bindings } from '../../dsl/templates.js';
import { InvalidConfigurationError } from '../errors.js';
import { displayPath, formatDiagnostic, formatDiagnostics } from './diagnostics.js';
import { dslEntryPoint } from './dsl-location.js';
import { evaluateConfig } from './evaluate.js';
import { compileDefinedJob, definedKeys, findJob, jobsDefinedBy } from './jobs.js';
import { checkConfig, resolveConfigImport } from './typecheck.js';

export interface LoadOptions {
  /** Paths in messages are printed relative to it. */
  readonly cwd: string;
  /** The DSL declarations `@aurora/dsl` resolves to. @default the client's own (see dslEntryPoint) */
  readonly dslEntry?: string;
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
}

/**
 * Loads a `*.aurora.ts` file: type-check (every problem printed as `file:line:col - error TSxxxx`),
 * then evaluate in a sandbox and collect the jobs it defines. Throws InvalidConfigurationError.
 */
export function loadConfig(file: string, options: LoadOptions): LoadedConfig {
  const abs = path.resolve(options.cwd, file);
  const shown = displayPath(abs, options.cwd);
  if (!existsSync(abs)) throw new InvalidConfigurationError(`Config file ${shown} does not exist`);
  if (!statSync(abs).isFile()) throw new InvalidConfigurationError(`Config file ${shown} is not a file`);
  const dslEntry = options.dslEntry ?? dslEntryPoint();

  const checked = checkConfig(abs, dslEntry);
  if (checked.diagnostics.length > 0) {
    const n = checked.diagnostics.length;
    throw new InvalidConfigurationError(`${shown} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} and try again`, {
      details: formatDiagnostics(checked.diagnostics, options.cwd),
    });
  }

  const evaluated = evaluateConfig(abs, { resolveImport: (spec, from) => resolveConfigImport(spec, from, dslEntry) });
  if (!evaluated.ok) {
    throw new InvalidConfigurationError(`${shown} failed while it was evaluated`, {
      details: formatDiagnostic(evaluated.diagnostic, options.cwd),
    });
  }
  const jobs = jobsDefinedBy(evaluated.exports);
  if (!jobs.ok) throw new InvalidConfigurationError(`${shown}: ${jobs.problem}`);
  return { file: abs, displayName: shown, jobs: jobs.jobs, files: checked.configFiles };
}

/** Picks the job `key` from a loaded config and compiles it with `bindings`. Throws InvalidConfigurationError. */
export function compileConfigJob(config: LoadedConfig, key: JobKey, bindings: Bindings): JobSpec {
  const job = findJob(config.jobs, key);
  if (!job) {
    throw new InvalidConfigurationError(
      `Job ${formatJobKey(key)} not found in ${config.displayName}; it defines: ${definedKeys(config.jobs).join(', ')}`,
    );
  }
  const compiled = compileDefinedJob(job, bindings);
  if (!compiled.ok) {
    const n = compiled.issues.length;
    throw new InvalidConfigurationError(`job ${formatJobKey(key)} in ${config.displayName} is not valid (${n} problem${n === 1 ? '' : 's'})`, {
      details: compiled.issues.map((i) => `${config.displayName}: job ${formatJobKey(key)}: ${i}`),
    });
  }
  return compiled.spec;
}
