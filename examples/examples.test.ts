/**
 * Every example compiles, and its compiled spec matches its reviewed golden file in
 * examples/golden/ (canonical JSON). After an intended change, regenerate the goldens with
 *
 *   UPDATE_GOLDEN=1 npx vitest run examples
 *
 * and review the diff of examples/golden/ like any other change.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../dsl/canonical-json.js';
import { formatJobKey } from '../dsl/key.js';
import { compileConfigJobs, loadConfig } from '../client/config/loader.js';
import { formatDiagnostics } from '../client/config/diagnostics.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.join(dir, 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';

/** Bindings an example leaves to the command line, as its header comment shows. */
const BINDINGS: Record<string, Record<string, string>> = {
  'team_indexer.aurora.ts': { 'profile.version': '2024.06.2' },
};

const examples = readdirSync(dir).filter((f) => f.endsWith('.aurora.ts')).sort();

function goldenName(key: string): string {
  return `${key.replaceAll('/', '_')}.json`;
}

describe('examples', () => {
  const seen = new Set<string>();

  it.each(examples)('%s compiles to its golden spec', (file) => {
    const config = loadConfig(file, { cwd: dir });
    const { specs, diagnostics } = compileConfigJobs(config, BINDINGS[file] ?? {});
    expect(formatDiagnostics(diagnostics, dir)).toEqual([]);
    expect(specs.length).toBeGreaterThan(0);
    for (const spec of specs) {
      const golden = path.join(goldenDir, goldenName(formatJobKey(spec.key)));
      seen.add(path.basename(golden));
      const text = `${canonicalJson(spec, 2)}\n`;
      if (update) writeFileSync(golden, text);
      expect(existsSync(golden), `no golden file ${path.relative(dir, golden)}; run UPDATE_GOLDEN=1 npx vitest run examples`).toBe(true);
      expect(text).toBe(readFileSync(golden, 'utf8'));
    }
  });

  it('has no golden file without an example job', () => {
    const stale = readdirSync(goldenDir).filter((f) => f.endsWith('.json') && !seen.has(f));
    expect(stale).toEqual([]);
  });

  it('keeps the hello world key the README and the integration test use', () => {
    expect(seen.has('devcluster_www-data_prod_hello.json')).toBe(true);
  });
});
