import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '../../dsl/canonical-json.js';
import { CONFIG_COMPILER_OPTIONS, LOADER_CACHE_FORMAT } from './compiler-settings.js';
import type { ConfigDiagnostic } from './diagnostics.js';
import { typescriptVersion } from './lazy-ts.js';

/**
 * The loader's content cache. A config's type-check result and transpiled output are stored
 * under a key made of the config's path and the tool's identity (DSL, compiler version and
 * options), and are valid while every file of the program has the same content (sha256). An
 * unchanged file is therefore never checked twice, and a hit needs no TypeScript at all.
 *
 * Configs are deterministic (no clock, no randomness, no I/O), so a compiled spec is a function
 * of those contents, the job key and the bindings: it is cached too, which makes the warm
 * `aurora job inspect` cheap. Anything unreadable in the cache is a miss; write failures are
 * ignored (the cache only ever saves time).
 */

/** One file of a checked program: its content hash, transpiled CommonJS, source map and resolved imports. */
export interface CachedFile {
  readonly path: string;
  readonly hash: string;
  readonly js: string;
  readonly map: string | undefined;
  /** Relative specifier to the absolute file it resolved to. */
  readonly imports: Readonly<Record<string, string>>;
}

export interface CachedProgram {
  readonly format: number;
  readonly salt: string;
  readonly entry: string;
  readonly files: readonly CachedFile[];
  readonly diagnostics: readonly ConfigDiagnostic[];
}

/**
 * Where the cache lives: `$AURORA_CACHE_DIR`, else `$XDG_CACHE_HOME/aurora`, else
 * `$HOME/.cache/aurora`; undefined (no cache) when the environment names none of them.
 */
export function cacheDirFor(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env['AURORA_CACHE_DIR']) return env['AURORA_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return path.join(env['XDG_CACHE_HOME'], 'aurora');
  if (env['HOME']) return path.join(env['HOME'], '.cache', 'aurora');
  return undefined;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const saltByDsl = new Map<string, string>();

/**
 * What besides the config's own files decides the result: the cache format, the compiler's
 * version and options, and the DSL and loader as installed (their files' names, sizes and
 * modification times).
 */
export function toolSalt(dslEntry: string): string {
  const known = saltByDsl.get(dslEntry);
  if (known) return known;
  const parts: string[] = [String(LOADER_CACHE_FORMAT), typescriptVersion(), canonicalJson(CONFIG_COMPILER_OPTIONS), dslEntry];
  const loaderDir = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.dirname(dslEntry), loaderDir]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      // a missing directory only changes the salt
    }
    for (const name of names) {
      try {
        const st = statSync(path.join(dir, name));
        if (st.isFile()) parts.push(`${dir}/${name}:${st.size}:${st.mtimeMs}`);
      } catch {
        // raced with a rebuild: the salt differs, which is right
      }
    }
  }
  const salt = sha256(parts.join('\n'));
  saltByDsl.set(dslEntry, salt);
  return salt;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch {
    // a read-only or full cache directory only costs time
  }
}

/**
 * Current content hashes of files, or undefined when one cannot be read: of their text (config
 * files), or of their bytes (files a config read, as client/config/host.ts hashes them).
 */
function currentHashes(files: readonly string[], as: 'text' | 'binary' = 'text'): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const f of files) {
    try {
      out.set(f, as === 'text' ? sha256(readFileSync(f, 'utf8')) : createHash('sha256').update(readFileSync(f)).digest('hex'));
    } catch {
      return undefined;
    }
  }
  return out;
}

export class LoaderCache {
  constructor(readonly dir: string) {}

  private programFile(entry: string, salt: string): string {
    return path.join(this.dir, 'programs', `${sha256(`${salt}\n${entry}`).slice(0, 40)}.json`);
  }

  /** The cached program of `entry`, when every file it had still has the same content. */
  readProgram(entry: string, salt: string): CachedProgram | undefined {
    const p = readJson(this.programFile(entry, salt)) as CachedProgram | undefined;
    if (!p || p.format !== LOADER_CACHE_FORMAT || p.salt !== salt || p.entry !== entry || !Array.isArray(p.files)) return undefined;
    const hashes = currentHashes(p.files.map((f) => f.path));
    if (!hashes || p.files.some((f) => hashes.get(f.path) !== f.hash)) return undefined;
    return p;
  }

  writeProgram(program: CachedProgram): void {
    writeAtomically(this.programFile(program.entry, program.salt), JSON.stringify(program));
  }

  private specFile(program: CachedProgram, memoKey: string): string {
    const id = sha256([program.salt, program.entry, ...program.files.map((f) => `${f.path}:${f.hash}`), memoKey].join('\n'));
    return path.join(this.dir, 'specs', `${id.slice(0, 40)}.json`);
  }

  /**
   * A spec compiled before from this exact program for `memoKey` (job key, bindings, rules, user),
   * while every file the config read (fileDigest) still has the content it had.
   */
  readSpec(program: CachedProgram, memoKey: string): unknown {
    const v = readJson(this.specFile(program, memoKey)) as { memoKey?: string; spec?: unknown; inputs?: unknown } | undefined;
    if (v?.memoKey !== memoKey) return undefined;
    const inputs = Array.isArray(v.inputs) ? (v.inputs as { path?: unknown; hash?: unknown }[]) : [];
    if (inputs.some((i) => typeof i.path !== 'string' || typeof i.hash !== 'string')) return undefined;
    const hashes = currentHashes(inputs.map((i) => i.path as string), 'binary');
    if (!hashes || inputs.some((i) => hashes.get(i.path as string) !== i.hash)) return undefined;
    return v.spec;
  }

  /** Caches a spec; `inputs` are the files the config read, each with the sha256 of its content. */
  writeSpec(program: CachedProgram, memoKey: string, spec: unknown, inputs: readonly { path: string; hash: string }[] = []): void {
    writeAtomically(this.specFile(program, memoKey), JSON.stringify({ memoKey, spec, inputs }));
  }
}

/**
 * The memo key of a compiled spec: the job key, the bindings, the cluster's extra environments and
 * the user (what a config's currentUser() returns).
 */
export function specMemoKey(jobKey: string, bindings: unknown, extraEnvironments: readonly string[] = [], user = ''): string {
  return canonicalJson({ jobKey, bindings, extraEnvironments, user });
}
