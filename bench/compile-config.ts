#!/usr/bin/env node
/**
 * Compile time of configs: `aurora job inspect KEY FILE --json` of every example job, run as the
 * real CLI from dist/. Cold is an empty cache directory (type-check, transpile, evaluate,
 * compile); warm is a second run against the same cache (nothing changed, so the spec comes from
 * the content cache). Prints the median and spread of each; asserts nothing.
 *
 *   npm run bench:compile -- --runs 7
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hideBin } from 'yargs/helpers';
import yargs from 'yargs';
import { BINS, projectRoot, runCli } from '../devcluster/daemons.js';

const argv = await yargs(hideBin(process.argv)).option('runs', { type: 'number', default: 5 }).strict().parseAsync();
const examplesDir = path.join(projectRoot, 'examples');
const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-compile-'));
const BINDINGS: Record<string, string[]> = { 'team_indexer.aurora.ts': ['--bind', 'profile.version=1'] };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0).padStart(5)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

async function timed(args: string[], cacheDir: string): Promise<number> {
  const started = performance.now();
  const r = await runCli(BINS.aurora, args, { env: { ...process.env, AURORA_CACHE_DIR: cacheDir }, cwd: projectRoot });
  const ms = performance.now() - started;
  if (r.code !== 0) throw new Error(`aurora ${args.join(' ')} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

const allCold: number[] = [];
const allWarm: number[] = [];
try {
  for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.aurora.ts')).sort()) {
    const rel = path.join('examples', file);
    const list = await runCli(BINS.aurora, ['config', 'list', rel, '--json'], { cwd: projectRoot, env: { ...process.env, AURORA_CACHE_DIR: path.join(root, 'list') } });
    const keys = (JSON.parse(list.stdout) as { cluster: string; role: string; environment: string; name: string }[]).map(
      (k) => `${k.cluster}/${k.role}/${k.environment}/${k.name}`,
    );
    for (const key of keys) {
      const args = ['job', 'inspect', key, rel, '--json', ...(BINDINGS[file] ?? [])];
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < argv.runs; i++) {
        const dir = path.join(root, `${file}-${i}`);
        cold.push(await timed(args, dir));
        warm.push(await timed(args, dir));
      }
      allCold.push(...cold);
      allWarm.push(...warm);
      console.log(`${key.padEnd(42)} cold ${fmt(cold)}   warm ${fmt(warm)}`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`all examples (n=${allCold.length})                    cold ${fmt(allCold)}   warm ${fmt(allWarm)}`);
console.log('targets: warm under 150 ms, cold under 1500 ms');
