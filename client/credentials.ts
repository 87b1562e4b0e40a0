import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Credentials } from './api/scheduler-client.js';
import type { Cluster } from './clusters.js';
import { AuthError } from './errors.js';
import { netrcEntryFor, NetrcSyntaxError, parseNetrc, type NetrcEntry } from './netrc.js';

/**
 * The user's credentials for a cluster, as Aurora's client finds them: HTTP basic auth from
 * `~/.netrc` for clusters whose clusters.json `auth_mechanism` is BASIC (the entry of the
 * scheduler URL's host name, else the `default` entry), none for UNAUTHENTICATED ones.
 */

export interface CredentialsLookup {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default $HOME from env, else os.homedir() */
  readonly home?: string;
  /** Warnings (a .netrc others can read) go here, one line each. */
  readonly warn: (line: string) => void;
  /** @default readFileSync; undefined when the file does not exist */
  readonly readFile?: (file: string) => string | undefined;
  /** The file's permission bits. @default statSync */
  readonly fileMode?: (file: string) => number;
}

/** Where the credentials of a cluster come from: the .netrc and the machine name looked up. */
export interface CredentialsSource {
  readonly file: string;
  readonly machine: string;
}

/** `$HOME/.netrc`. Pure. */
export function netrcPath(env: Readonly<Record<string, string | undefined>>, home?: string): string {
  return path.join(home ?? env['HOME'] ?? os.homedir(), '.netrc');
}

/** The host name a cluster's .netrc entry is looked up by: the scheduler URL's, without port or brackets. Pure. */
export function netrcMachine(cluster: Cluster): string {
  return new URL(cluster.schedulerUri).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** The line to add to a .netrc for a cluster, for messages. Pure. */
function entryExample(machine: string): string {
  return `"machine ${machine} login USER password PASSWORD"`;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuthError(`cannot read ${file}, where the credentials of BASIC clusters are read from: ${(err as Error).message}`);
  }
}

/** The credentials of a cluster's user, with where they came from; one .netrc read per instance. */
export class CredentialStore {
  private readonly file: string;
  private entries: readonly NetrcEntry[] | undefined;

  constructor(private readonly lookup: CredentialsLookup) {
    this.file = netrcPath(lookup.env, lookup.home);
  }

  /** Where `cluster`'s credentials are read from (whether or not it uses them). */
  sourceOf(cluster: Cluster): CredentialsSource {
    return { file: this.file, machine: netrcMachine(cluster) };
  }

  /**
   * The credentials to send to `cluster`: none for an UNAUTHENTICATED one; for a BASIC one, its
   * .netrc entry, or AuthError (exit 30) saying what to add to which file, before anything is
   * sent. Warns once when the .netrc can be read by other users.
   */
  credentialsFor(cluster: Cluster): Credentials | undefined {
    if (cluster.authMechanism !== 'BASIC') return undefined;
    const { file, machine } = this.sourceOf(cluster);
    const needs = `Cluster ${cluster.name} uses BASIC authentication (auth_mechanism in ${cluster.source})`;
    const entries = this.read();
    if (entries === undefined) {
      throw new AuthError(`${needs}, but ${file} does not exist; create it with ${entryExample(machine)} and chmod 600 it`);
    }
    const entry = netrcEntryFor(entries, machine);
    if (entry === undefined) {
      throw new AuthError(`${needs}, but ${file} has no entry for machine ${machine} and no default entry; add ${entryExample(machine)} to it`);
    }
    const which = entry.machine === undefined ? `the default entry (line ${entry.line})` : `the entry for machine ${machine} (line ${entry.line})`;
    if (entry.login === undefined || entry.login === '') {
      throw new AuthError(`${needs}, but ${which} of ${file} has no login; it needs ${entryExample(machine)}`);
    }
    return { username: entry.login, password: entry.password ?? '' };
  }

  /**
   * What an AuthError from `cluster`'s scheduler (HTTP 401) says before the scheduler's words:
   * whose credentials were refused and where they came from, or why none were sent. Pure but
   * for the .netrc read `credentials` already did.
   */
  refusalHint(cluster: Cluster, credentials: Credentials | undefined): string {
    const { file, machine } = this.sourceOf(cluster);
    if (credentials !== undefined) {
      return `The scheduler of cluster ${cluster.name} did not accept the credentials of ${credentials.username} from ${file} (machine ${machine}); check the login and password there`;
    }
    return (
      `The scheduler of cluster ${cluster.name} wants credentials, and none were sent: its auth_mechanism is UNAUTHENTICATED ` +
      `(${cluster.source === 'built-in' ? 'built in; a clusters.json entry may override it' : `in ${cluster.source}`}). ` +
      `Set "auth_mechanism": "BASIC" for it and put ${entryExample(machine)} in ${file}`
    );
  }

  private read(): readonly NetrcEntry[] | undefined {
    if (this.entries !== undefined) return this.entries;
    const text = (this.lookup.readFile ?? readIfExists)(this.file);
    if (text === undefined) return undefined;
    try {
      this.entries = parseNetrc(text);
    } catch (err) {
      if (err instanceof NetrcSyntaxError) throw new AuthError(`${this.file} is not a valid .netrc: ${err.message}`);
      throw err;
    }
    const mode = (this.lookup.fileMode ?? ((f: string) => statSync(f).mode))(this.file) & 0o777;
    // Python's netrc refuses such a file; a warning keeps working clusters working.
    if ((mode & 0o077) !== 0) {
      this.lookup.warn(
        `Warning: ${this.file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}) and holds passwords; run chmod 600 ${this.file}`,
      );
    }
    return this.entries;
  }
}
