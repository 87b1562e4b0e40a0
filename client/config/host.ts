import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigHost, DigestAlgorithm } from '../../dsl/host.js';

/**
 * The loader's side of the DSL's `currentUser()` and `fileDigest()` (dsl/host.ts): what a config
 * may learn from the machine. Each evaluation gets its own host, which records every file it
 * read with the file's content hash, so the compile cache can key a spec by them.
 */

/** A file a config read through fileDigest(), with the sha256 of its content when it was read. */
export interface ConfigInput {
  readonly path: string;
  readonly hash: string;
}

export interface RecordingHost extends ConfigHost {
  /** Every file read so far, once each. */
  inputs(): readonly ConfigInput[];
}

const ALGORITHMS: readonly DigestAlgorithm[] = ['md5', 'sha1', 'sha256', 'sha512'];

/**
 * The user as Aurora's `getpass.getuser()` finds it: `LOGNAME`, `USER`, `LNAME` or `USERNAME`
 * from the environment, else the account's name.
 */
export function userName(env: Readonly<Record<string, string | undefined>>): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const v = env[name];
    if (v) return v;
  }
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Why `wanted` may not be read for a config in `dir`, or undefined. Pure. */
export function digestPathProblem(dir: string, wanted: string): string | undefined {
  if (wanted === '') return 'the path is empty';
  if (path.isAbsolute(wanted)) {
    return 'absolute paths are refused: a config reads only files in its own directory, so the same files always give the same job; put the file next to the config and name it relative to it (./file)';
  }
  const rel = path.relative(dir, path.resolve(dir, wanted));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    return "the path leaves the config's directory; a config reads only files in its own directory and below it";
  }
  return undefined;
}

/** The host of one evaluation of the config `configFile`, run by `user`. */
export function configHost(configFile: string, user: string): RecordingHost {
  const dir = path.dirname(configFile);
  const read = new Map<string, ConfigInput>();
  return {
    currentUser: () => user,
    fileDigest(algorithm: DigestAlgorithm, wanted: string): string {
      const call = `fileDigest(${JSON.stringify(algorithm)}, ${JSON.stringify(wanted)})`;
      if (!ALGORITHMS.includes(algorithm)) throw new Error(`${call}: the algorithm is one of ${ALGORITHMS.join(', ')}`);
      if (typeof wanted !== 'string') throw new Error(`${call}: the path must be a string`);
      const problem = digestPathProblem(dir, wanted);
      if (problem) throw new Error(`${call}: ${problem}`);
      let real: string;
      try {
        real = realpathSync(path.resolve(dir, wanted));
      } catch {
        throw new Error(`${call}: there is no such file in the config's directory (${dir})`);
      }
      if (digestPathProblem(realpathSync(dir), path.relative(realpathSync(dir), real)) !== undefined) {
        throw new Error(`${call}: the path is a link that leads out of the config's directory; a config reads only files in its own directory`);
      }
      let content: Buffer;
      try {
        content = readFileSync(real);
      } catch (err) {
        throw new Error(`${call}: cannot read it: ${(err as Error).message}`);
      }
      read.set(real, { path: real, hash: createHash('sha256').update(content).digest('hex') });
      return createHash(algorithm).update(content).digest('hex');
    },
    inputs: () => [...read.values()],
  };
}
