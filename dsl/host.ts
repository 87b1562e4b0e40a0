/**
 * What a config may ask of the machine it is loaded on: the OS user (Aurora configs use
 * `getpass.getuser()`) and the digest of a file next to the config (Aurora's tutorial uses
 * `hashlib.md5(...)`). The DSL only declares them: the config loader gives each evaluation its own
 * implementation (client/config/host.ts) and makes what they read part of the compile cache's key,
 * so a config still always compiles to the same job for the same inputs. Outside the loader they
 * throw.
 */

/** Digests {@link fileDigest} computes. */
export type DigestAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** The loader's implementation of the functions below, for one evaluation. */
export interface ConfigHost {
  currentUser(): string;
  fileDigest(algorithm: DigestAlgorithm, path: string): string;
}

function outsideLoader(what: string): never {
  throw new Error(`${what} is available only in a config the aurora client loads (aurora config check, job inspect, ...)`);
}

/**
 * The name of the user running the client, as Aurora's `getpass.getuser()`: `$LOGNAME`, `$USER`,
 * `$LNAME` or `$USERNAME`, else the account's name. `role: currentUser()`, or a Struct default.
 */
export function currentUser(): string {
  return outsideLoader('currentUser()');
}

/**
 * The hex digest of a file, by a path relative to the config's directory:
 * `fileDigest('md5', './payload.tgz')`, so a job changes when the file does. Absolute paths and
 * paths that leave the config's directory are refused.
 */
export function fileDigest(algorithm: DigestAlgorithm, path: string): string {
  void algorithm;
  void path;
  return outsideLoader('fileDigest()');
}
