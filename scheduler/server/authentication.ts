import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../api/errors.js';
import type { Principal } from '../core/authorize.js';

/**
 * HTTP basic authentication against the users of a security.ini. Basic auth sends the password
 * with every call and checking a scrypt hash costs tens of milliseconds, so a verified pair is
 * remembered (by a hash of it) for a short time. Repeated failures from one address are slowed
 * down: each further attempt from it waits longer before it is even checked.
 */

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** The user and password of an `Authorization: Basic ...` header; null without one. */
export function basicCredentials(authorization: string | undefined): Credentials | null {
  if (authorization === undefined) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new ApiError('UNAUTHENTICATED', 'malformed Authorization header: expected "Basic base64(user:password)"');
  }
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export interface AuthenticationOptions {
  /** The stored password (plain or a hash) of a user, or undefined for no such user. */
  readonly passwordOf: (user: string) => string | undefined;
  /** Checks a password against what is stored (constant time). */
  readonly verify: (password: string, stored: string) => Promise<boolean>;
  /** A hash an unknown user's password is checked against, so a refusal takes as long either way. */
  readonly decoy: string;
  /** How long a verified pair is taken without checking again. @default 60000 */
  readonly cacheMs?: number;
  /** Failures from one address before its attempts are slowed. @default 3 */
  readonly freeFailures?: number;
  /** The longest an attempt is made to wait. @default 10000 */
  readonly maxDelayMs?: number;
  /** Called on every failed attempt (metrics). */
  readonly onFailure?: (address: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default a real sleep */
  readonly wait?: (ms: number) => Promise<unknown>;
}

/** Entries kept per map at most: a flood of addresses or passwords must not grow memory without bound. */
const MAX_ENTRIES = 10_000;
/** Failures older than this are forgotten. */
const FAILURE_WINDOW_MS = 10 * 60_000;

export class Authentication {
  private readonly verified = new Map<string, number>();
  private readonly failures = new Map<string, { count: number; lastAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: AuthenticationOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The caller, or 401 UNAUTHENTICATED (after a wait if its address keeps failing). */
  async authenticate(credentials: Credentials | null, address: string): Promise<Principal> {
    if (!credentials) {
      throw new ApiError('UNAUTHENTICATED', 'this call needs credentials: the scheduler takes HTTP basic auth (the aurora client reads it from ~/.netrc)');
    }
    const key = createHash('sha256').update(`${credentials.user}\0${credentials.password}`).digest('base64');
    const now = this.now();
    const until = this.verified.get(key);
    if (until !== undefined && until > now) return { name: credentials.user };
    await this.slowDown(address, now);
    const stored = this.options.passwordOf(credentials.user);
    // An unknown user costs a verification too, so timing does not tell which users exist.
    const ok = await this.options.verify(credentials.password, stored ?? this.options.decoy);
    if (!ok || stored === undefined) {
      this.failed(address, now);
      throw new ApiError('UNAUTHENTICATED', `wrong user name or password for ${credentials.user}`);
    }
    this.failures.delete(address);
    remember(this.verified, key, this.now() + (this.options.cacheMs ?? 60_000));
    return { name: credentials.user };
  }

  private async slowDown(address: string, now: number): Promise<void> {
    const f = this.failures.get(address);
    if (!f || now - f.lastAt > FAILURE_WINDOW_MS) return;
    const over = f.count - (this.options.freeFailures ?? 3);
    if (over < 0) return;
    const ms = Math.min(250 * 2 ** over, this.options.maxDelayMs ?? 10_000);
    await (this.options.wait ?? sleep)(ms);
  }

  private failed(address: string, now: number): void {
    this.options.onFailure?.(address);
    const f = this.failures.get(address);
    const count = f && now - f.lastAt <= FAILURE_WINDOW_MS ? f.count + 1 : 1;
    remember(this.failures, address, { count, lastAt: now });
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as string);
}
