import { readFileSync, statSync } from 'node:fs';

/** Unix users from /etc/passwd, for running a task as its role's user. */

export interface UnixUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Parses passwd text (`name:x:uid:gid:gecos:home:shell` lines). */
export function parsePasswd(text: string): Map<string, UnixUser> {
  const users = new Map<string, UnixUser>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || !Number.isInteger(Number(uid)) || !Number.isInteger(Number(gid))) continue;
    users.set(name, { name, uid: Number(uid), gid: Number(gid), home: home || '/' });
  }
  return users;
}

/** The last passwd file read, kept while its mtime and size stay: a launch then costs a stat. */
let cached: { path: string; mtimeMs: number; size: number; users: Map<string, UnixUser> } | null = null;

/** The user named `name` on this host, or null. */
export function lookupUser(name: string, passwd = '/etc/passwd'): UnixUser | null {
  try {
    const st = statSync(passwd);
    if (!cached || cached.path !== passwd || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      cached = { path: passwd, mtimeMs: st.mtimeMs, size: st.size, users: parsePasswd(readFileSync(passwd, 'utf8')) };
    }
    return cached.users.get(name) ?? null;
  } catch {
    return null;
  }
}

/** Whether this process may switch users (it runs as root). */
export function canSwitchUser(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
