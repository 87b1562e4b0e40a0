import path from 'node:path';
import { LoaderCache, specMemoKey, toolSalt } from './cache.js';
import { dslEntryPoint } from './dsl-location.js';

/**
 * The spec `aurora job inspect` (and friends) compiled before from exactly these files, job key
 * and bindings, read from the cache without loading the TypeScript compiler, zod or the DSL
 * compiler. Undefined on any miss; the caller then loads the config the normal way.
 */
export function cachedSpec(
  file: string,
  options: { cwd: string; cacheDir: string | undefined; jobKey: string; bindings: unknown; user: string; dslEntry?: string },
): unknown {
  if (!options.cacheDir) return undefined;
  try {
    const cache = new LoaderCache(options.cacheDir);
    const dslEntry = options.dslEntry ?? dslEntryPoint();
    const program = cache.readProgram(path.resolve(options.cwd, file), toolSalt(dslEntry));
    if (!program || program.diagnostics.length > 0) return undefined;
    return cache.readSpec(program, specMemoKey(options.jobKey, options.bindings, [], options.user));
  } catch {
    return undefined;
  }
}
