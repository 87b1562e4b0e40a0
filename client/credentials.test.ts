import { chmodSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cluster } from './clusters.js';
import { CredentialStore, netrcMachine } from './credentials.js';
import { AuthError } from './errors.js';
import { tempDir } from './testing/temp-dir.js';

const BASIC: Cluster = { name: 'east', schedulerUri: 'https://Scheduler.East:8081', authMechanism: 'BASIC', source: '/etc/aurora/clusters.json' };
const OPEN: Cluster = { ...BASIC, name: 'open', authMechanism: 'UNAUTHENTICATED' };

describe('credentials', () => {
  let tmp: ReturnType<typeof tempDir>;
  let warnings: string[];
  beforeEach(() => {
    tmp = tempDir();
    warnings = [];
  });
  afterEach(() => tmp.remove());
  const store = () => new CredentialStore({ env: { HOME: tmp.dir }, warn: (l) => warnings.push(l) });
  const netrc = (text: string, mode = 0o600): string => {
    const file = tmp.write('.netrc', text);
    chmodSync(file, mode);
    return file;
  };
  const authError = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(AuthError);
      return (err as AuthError).message;
    }
    throw new Error('no AuthError');
  };

  it("sends a BASIC cluster the login and password of its scheduler host's entry", () => {
    netrc('machine other login x password y\nmachine scheduler.east login alice password apple\n');
    expect(store().credentialsFor(BASIC)).toEqual({ username: 'alice', password: 'apple' });
    expect(warnings).toEqual([]);
  });

  it('falls back to the default entry', () => {
    netrc('machine other login x password y\ndefault login dave password d\n');
    expect(store().credentialsFor(BASIC)).toEqual({ username: 'dave', password: 'd' });
  });

  it('sends an UNAUTHENTICATED cluster nothing, without reading .netrc', () => {
    netrc('this is not a netrc at all');
    expect(store().credentialsFor(OPEN)).toBeUndefined();
  });

  it('says what to add where when a BASIC cluster has no .netrc or no entry in it', () => {
    const file = path.join(tmp.dir, '.netrc');
    expect(authError(() => store().credentialsFor(BASIC))).toBe(
      `Cluster east uses BASIC authentication (auth_mechanism in /etc/aurora/clusters.json), but ${file} does not exist; ` +
        'create it with "machine scheduler.east login USER password PASSWORD" and chmod 600 it',
    );
    netrc('machine other login x password y\n');
    expect(authError(() => store().credentialsFor(BASIC))).toBe(
      `Cluster east uses BASIC authentication (auth_mechanism in /etc/aurora/clusters.json), but ${file} has no entry for machine scheduler.east and no default entry; ` +
        'add "machine scheduler.east login USER password PASSWORD" to it',
    );
    netrc('machine scheduler.east password y\n');
    expect(authError(() => store().credentialsFor(BASIC))).toContain(`the entry for machine scheduler.east (line 1) of ${file} has no login`);
  });

  it('refuses a malformed .netrc, naming the file and line', () => {
    const file = netrc('machine scheduler.east\n  login alice\n  passwd apple\n');
    expect(authError(() => store().credentialsFor(BASIC))).toBe(
      `${file} is not a valid .netrc: line 3: unexpected "passwd"; expected machine, default, login, password, account or macdef`,
    );
  });

  it('warns once when other users can read the .netrc, and still uses it', () => {
    const file = netrc('machine scheduler.east login alice password apple\n', 0o644);
    const s = store();
    expect(s.credentialsFor(BASIC)).toEqual({ username: 'alice', password: 'apple' });
    s.credentialsFor(BASIC);
    expect(warnings).toEqual([`Warning: ${file} can be read by other users (mode 0644) and holds passwords; run chmod 600 ${file}`]);
    netrc('machine scheduler.east login alice password apple\n', 0o400);
    warnings = [];
    store().credentialsFor(BASIC);
    expect(warnings).toEqual([]);
  });

  it('says whose credentials a scheduler refused and where they came from, or why none were sent', () => {
    const file = path.join(tmp.dir, '.netrc');
    expect(store().refusalHint(BASIC, { username: 'alice', password: 'x' })).toBe(
      `The scheduler of cluster east did not accept the credentials of alice from ${file} (machine scheduler.east); check the login and password there`,
    );
    expect(store().refusalHint(OPEN, undefined)).toBe(
      'The scheduler of cluster open wants credentials, and none were sent: its auth_mechanism is UNAUTHENTICATED (in /etc/aurora/clusters.json). ' +
        `Set "auth_mechanism": "BASIC" for it and put "machine scheduler.east login USER password PASSWORD" in ${file}`,
    );
  });

  it('looks a cluster up by the host name of its scheduler URL, without port or brackets', () => {
    expect(netrcMachine({ ...BASIC, schedulerUri: 'http://[::1]:8081' })).toBe('::1');
    expect(netrcMachine({ ...BASIC, schedulerUri: 'http://127.0.0.1:8081/aurora' })).toBe('127.0.0.1');
  });
});
