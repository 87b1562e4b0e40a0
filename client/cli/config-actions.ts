/** What `aurora config check|list|schema|init` do; loaded when one of them runs. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { environmentAllowed, formatJobKey } from '../../dsl/key.js';
import { JobSpecSchema } from '../../dsl/jobspec.js';
import type { Bindings } from '../../dsl/templates.js';
import { parseBindings } from '../config/bindings.js';
import { configRepoTsconfig, dslDeclarationBundle } from '../config/declarations.js';
import { displayPath, formatDiagnostics, type ConfigDiagnostic } from '../config/diagnostics.js';
import { dslEntryPoint } from '../config/dsl-location.js';
import { userName } from '../config/host.js';
import { definedKeys, keyOf } from '../config/jobs.js';
import { compileConfigJobs, loadConfig, type LoadedConfig } from '../config/loader.js';
import { InvalidConfigurationError, InvalidParameterError } from '../errors.js';
import { cacheDir } from './compile-spec.js';
import type { CommandContext } from './context.js';

/** Loads a config; with --json, a failure is printed as JSON diagnostics before it is thrown. */
function load(ctx: CommandContext, file: string, json: boolean): LoadedConfig {
  try {
    return loadConfig(file, { cwd: ctx.cwd, cacheDir: cacheDir(ctx), user: userName(ctx.env) });
  } catch (err) {
    if (json && err instanceof InvalidConfigurationError) {
      ctx.json({ file, ok: false, jobs: [], errors: (err as { diagnostics?: unknown }).diagnostics ?? err.details });
    }
    throw err;
  }
}

/** Environments the clusters allow besides Aurora's, read only when a job needs one. */
export async function extraEnvironmentsFor(ctx: CommandContext, config: LoadedConfig, bindings: Bindings): Promise<(cluster: string) => readonly string[]> {
  if (config.jobs.every((j) => environmentAllowed(keyOf(j, bindings).environment))) return () => [];
  await ctx.loadServices();
  return (cluster) => ctx.clusters().byName.get(cluster)?.allowedEnvironments ?? [];
}

function jsonDiagnostic(d: ConfigDiagnostic, cwd: string): Record<string, unknown> {
  return { ...d, ...(d.file ? { file: displayPath(d.file, cwd) } : {}) };
}

export async function checkConfigFile(ctx: CommandContext, a: { config: string; bind: readonly string[]; json: boolean }): Promise<void> {
  const bindings = parseBindings(a.bind);
  const config = load(ctx, a.config, a.json);
  const { specs, diagnostics } = compileConfigJobs(config, bindings, { extraEnvironments: await extraEnvironmentsFor(ctx, config, bindings) });
  const keys = specs.map((s) => formatJobKey(s.key));
  if (a.json) {
    ctx.json({ file: config.displayName, ok: diagnostics.length === 0, jobs: keys, errors: diagnostics.map((d) => jsonDiagnostic(d, ctx.cwd)) });
  }
  if (diagnostics.length > 0) {
    const n = diagnostics.length;
    throw new InvalidConfigurationError(`${config.displayName} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} and try again`, {
      details: a.json ? [] : formatDiagnostics(diagnostics, ctx.cwd),
    });
  }
  if (!a.json) {
    ctx.out(`${config.displayName}: OK, ${keys.length} job${keys.length === 1 ? '' : 's'}`);
    for (const k of keys) ctx.out(`  ${k}`);
  }
}

export async function listConfigJobs(ctx: CommandContext, a: { config: string; bind: readonly string[]; json: boolean }): Promise<void> {
  const bindings = parseBindings(a.bind);
  const config = load(ctx, a.config, false);
  const keys = definedKeys(config.jobs, bindings);
  // Aurora's line: `jobs=[cluster/role/env/name, ...]` (`jobs=[]` for none), in the file's order.
  if (a.json) ctx.json(config.jobs.map((j) => keyOf(j, bindings)));
  else ctx.out(`jobs=[${keys.join(', ')}]`);
}

/** The JSON Schema (draft 2020-12) of the JobSpec, from the zod schema every part validates with. */
export function jobSpecJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://aurora-ts.invalid/schemas/jobspec.json',
    title: 'JobSpec',
    description: 'A compiled, fully client-bound job: what `aurora job inspect --json` prints and the scheduler runs.',
    ...(z.toJSONSchema(JobSpecSchema, { unrepresentable: 'any' }) as Record<string, unknown>),
  };
}

export async function printSchema(ctx: CommandContext): Promise<void> {
  ctx.json(jobSpecJsonSchema());
}

export const DECLARATIONS_FILE = 'aurora-dsl.d.ts';

export async function initConfigRepo(ctx: CommandContext, a: { dir: string; force: boolean; json: boolean }): Promise<void> {
  const dir = path.resolve(ctx.cwd, a.dir);
  const tsconfig = path.join(dir, 'tsconfig.json');
  if (existsSync(tsconfig) && !a.force) {
    throw new InvalidParameterError(`${displayPath(tsconfig, ctx.cwd)} exists; pass --force to replace it with the aurora config settings`);
  }
  mkdirSync(dir, { recursive: true });
  const declarations = path.join(dir, DECLARATIONS_FILE);
  writeFileSync(declarations, dslDeclarationBundle(dslEntryPoint()));
  writeFileSync(tsconfig, configRepoTsconfig());
  const written = [tsconfig, declarations].map((f) => displayPath(f, ctx.cwd));
  if (a.json) return ctx.json({ written });
  for (const f of written) ctx.out(`wrote ${f}`);
  ctx.out(`Editors now check and complete *.aurora.ts files in ${displayPath(dir, ctx.cwd) || '.'}; \`tsc -p ${a.dir}\` checks them all.`);
}
