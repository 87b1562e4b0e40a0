import { KNOWN_RPCS } from './authorize.js';

/**
 * Apache Shiro's WildcardPermission, which Aurora's security.ini grants are written in:
 * parts separated by `:`, alternatives within a part by `,`, `*` for anything, compared without
 * regard to case (Shiro's default). `thrift.AuroraSchedulerManager:*:www-data` grants every RPC on
 * every job of role www-data, because a granted permission with fewer parts implies every longer
 * one it prefixes.
 */

/** A parsed permission: one set of lower-cased alternatives per part. */
export interface Permission {
  /** As written (trimmed), for messages. */
  readonly text: string;
  readonly parts: readonly ReadonlySet<string>[];
}

const WILDCARD = '*';

/** A permission string that cannot be parsed; the message says where and why. */
export class PermissionSyntaxError extends Error {
  override readonly name = 'PermissionSyntaxError';
}

/**
 * Parses a wildcard permission. Alternatives are trimmed (`a, b` is `a,b`); an empty permission,
 * an empty part (`a::b`, a leading or trailing `:`) or an empty alternative (`a,,b`) is an error,
 * where Shiro would silently keep a part that matches nothing.
 */
export function parsePermission(text: string): Permission {
  const trimmed = text.trim();
  if (trimmed === '') throw new PermissionSyntaxError('a permission cannot be empty');
  const parts = trimmed.split(':').map((part, i) => {
    if (part.trim() === '') throw new PermissionSyntaxError(`part ${i + 1} of "${trimmed}" is empty (parts are separated by ":")`);
    const alternatives = part.split(',').map((a) => a.trim().toLowerCase());
    if (alternatives.some((a) => a === '')) throw new PermissionSyntaxError(`part ${i + 1} of "${trimmed}" has an empty alternative (alternatives are separated by ",")`);
    return new Set(alternatives);
  });
  return { text: trimmed, parts };
}

/**
 * Whether holding `granted` implies `wanted` (Shiro's WildcardPermission.implies): each part of
 * `granted` must contain `*` or every alternative of the same part of `wanted`; parts of `wanted`
 * beyond the end of `granted` are implied; parts of `granted` beyond the end of `wanted` must
 * each contain `*`.
 */
export function implies(granted: Permission, wanted: Permission): boolean {
  const g = granted.parts;
  const w = wanted.parts;
  for (let i = 0; i < w.length; i++) {
    if (i >= g.length) return true;
    const part = g[i]!;
    if (part.has(WILDCARD)) continue;
    for (const alternative of w[i]!) if (!part.has(alternative)) return false;
  }
  for (let i = w.length; i < g.length; i++) if (!g[i]!.has(WILDCARD)) return false;
  return true;
}

/** Whether any of `grants` implies `wanted` (a string is parsed first, and throws if malformed). */
export function isPermitted(grants: readonly Permission[], wanted: Permission | string): boolean {
  const w = typeof wanted === 'string' ? parsePermission(wanted) : wanted;
  return grants.some((g) => implies(g, w));
}

/** A name in a permission that no known domain or RPC has: probably a typo in a security.ini. */
export interface UnknownName {
  /** The first part (the domain) or the second (an RPC of the domain). */
  readonly kind: 'domain' | 'rpc';
  /** As written. */
  readonly name: string;
}

const KNOWN_DOMAINS = new Map(Object.keys(KNOWN_RPCS).map((d) => [d.toLowerCase(), d]));
const RPCS_BY_DOMAIN = new Map(Object.entries(KNOWN_RPCS).map(([d, rpcs]) => [d.toLowerCase(), new Set(rpcs.map((r) => r.toLowerCase()))]));

/**
 * The names in a permission that Aurora's API does not have, for start-up warnings: a domain
 * other than `thrift.AuroraSchedulerManager` and `thrift.AuroraAdmin` (or `*`), and RPC names in
 * the second part that none of the named domains has (`*` as the domain checks them against
 * every domain). Names are compared without regard to case, as permissions are. A malformed
 * permission has no unknown names (parsePermission reports it).
 */
export function unknownNames(permission: Permission | string): UnknownName[] {
  let text: string;
  try {
    text = typeof permission === 'string' ? parsePermission(permission).text : permission.text;
  } catch {
    return [];
  }
  const [domainPart, rpcPart] = text.split(':').map((part) => part.split(',').map((a) => a.trim()));
  const unknown: UnknownName[] = [];
  const domains = new Set<string>();
  for (const domain of domainPart!) {
    const key = domain.toLowerCase();
    if (key === WILDCARD) for (const known of KNOWN_DOMAINS.keys()) domains.add(known);
    else if (KNOWN_DOMAINS.has(key)) domains.add(key);
    else unknown.push({ kind: 'domain', name: domain });
  }
  if (rpcPart && domains.size > 0) {
    for (const rpc of rpcPart) {
      const key = rpc.toLowerCase();
      if (key === WILDCARD) continue;
      if (![...domains].some((d) => RPCS_BY_DOMAIN.get(d)!.has(key))) unknown.push({ kind: 'rpc', name: rpc });
    }
  }
  return unknown;
}
