import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the type declarations of the client's own DSL are, so that `@aurora/dsl` in a config
 * resolves to them and a config folder needs no node_modules. The build puts
 * `dist/dsl/index.d.ts` beside `dist/client/...`; from source (vitest) it is `dsl/index.ts`.
 * Resolved relative to this module, never to the working directory.
 */
export function dslEntryPoint(moduleUrl: string = import.meta.url): string {
  const dslDir = path.resolve(path.dirname(fileURLToPath(moduleUrl)), '..', '..', 'dsl');
  for (const candidate of ['index.d.ts', 'index.ts']) {
    const file = path.join(dslDir, candidate);
    if (existsSync(file)) return file;
  }
  throw new Error(`the aurora client is installed incompletely: no DSL declarations in ${dslDir}`);
}
