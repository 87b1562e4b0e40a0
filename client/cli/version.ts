import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version of aurora-ts, from the package.json above this module (the checkout's, whether
 * this runs from the sources or from dist/). `unknown` when there is none.
 */
export function clientVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'aurora-ts' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // none here: look further up
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
