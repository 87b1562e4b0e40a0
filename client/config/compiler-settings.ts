/**
 * The compiler options of configs, in tsconfig.json form so that this module does not load the
 * TypeScript compiler: the loader converts them, `aurora config init` writes them, and the
 * type-check cache hashes them.
 *
 * Strict, ES2023 only (no DOM, no Node types, so a config cannot name `process`, `fs` or
 * `fetch`); `@aurora/dsl` is mapped to the client's own DSL by the loader.
 */
export const CONFIG_COMPILER_OPTIONS = {
  strict: true,
  target: 'ES2022',
  lib: ['ES2023'],
  types: [] as string[],
  module: 'ESNext',
  moduleResolution: 'Bundler',
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
  allowJs: false,
  resolveJsonModule: false,
  forceConsistentCasingInFileNames: true,
} as const;

/** Bumped when the loader's cached data changes shape or meaning. */
export const LOADER_CACHE_FORMAT = 2;
