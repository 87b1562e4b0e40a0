import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type tsModule from 'typescript';

/**
 * The TypeScript compiler, loaded on first use: loading it costs ~0.4 s, and a config whose
 * type-check and transpile output are cached needs none of it.
 */
let loaded: typeof tsModule | undefined;

export function typescript(): typeof tsModule {
  loaded ??= createRequire(import.meta.url)('typescript') as typeof tsModule;
  return loaded;
}

/** The installed compiler's version, read from its package.json without loading the compiler (or requiring anything). */
export function typescriptVersion(): string {
  if (loaded) return loaded.version;
  try {
    const file = createRequire(import.meta.url).resolve('typescript/package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
