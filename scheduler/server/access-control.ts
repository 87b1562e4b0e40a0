import { readFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { CLIENT_HEADER } from '../api/agent-protocol.js';
import { securityHeaders } from '../api/constants.js';
import { ApiError } from '../api/errors.js';
import { allowEveryone, ANONYMOUS, type Authorizer, type Principal } from '../core/authorize.js';
import { hashPassword, verifyPassword } from '../core/password-hash.js';
import { authorizerFor, parseSecurityIni, type SecurityConfig } from '../core/security-ini.js';
import { Authentication, basicCredentials } from './authentication.js';
import { principalFrom } from './principal.js';
import type { Access } from './route.js';

/**
 * Who may do what, for every request before its handler runs: the caller's identity (HTTP basic
 * against a security.ini, or just the name it gives on an unauthenticated cluster), the
 * permission its call needs (Aurora's names), and the browser checks of state-changing calls.
 */

/** A security.ini that cannot be used; the message names the file and line. */
export class SecurityIniError extends Error {
  override readonly name = 'SecurityIniError';
}

export interface LoadedSecurity {
  readonly config: SecurityConfig;
  /** `file:line: problem`, for the log at start-up. */
  readonly warnings: readonly string[];
}

/** Reads and checks a security.ini; throws SecurityIniError naming every bad line. */
export function loadSecurityIni(path: string): LoadedSecurity {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SecurityIniError(`cannot read the security.ini ${path}: ${(e as Error).message}`);
  }
  const { config, errors, warnings } = parseSecurityIni(text);
  if (errors.length > 0) {
    throw new SecurityIniError(`${path} is not a valid security.ini:\n${errors.map((e) => `  ${path}:${e.line}: ${e.message}`).join('\n')}`);
  }
  return { config, warnings: warnings.map((w) => `${path}:${w.line}: ${w.message}`) };
}

export interface AccessControlOptions {
  /** The users and roles; null runs the cluster unauthenticated, as Aurora without a security.ini. */
  readonly security: SecurityConfig | null;
  /** Reads need credentials and permissions too (Aurora's reads are open). @default false */
  readonly restrictReads?: boolean;
  /** Only with `security: null`: decides for the names callers give (tests). @default everyone may */
  readonly authorizer?: Authorizer;
  /** Called on each failed authentication (metrics). */
  readonly onAuthFailure?: () => void;
}

export class AccessControl {
  private readonly authorizer: Authorizer;
  private readonly authentication: Authentication | null;

  private constructor(
    private readonly options: AccessControlOptions,
    decoy: string,
  ) {
    const security = options.security;
    this.authorizer = security ? authorizerFor(security) : (options.authorizer ?? allowEveryone);
    this.authentication = security
      ? new Authentication({
          passwordOf: (user) => security.users.get(user)?.password,
          verify: verifyPassword,
          decoy,
          ...(options.onAuthFailure ? { onFailure: options.onAuthFailure } : {}),
        })
      : null;
  }

  static async create(options: AccessControlOptions): Promise<AccessControl> {
    // Unknown users are checked against this, so that a refusal takes as long either way.
    const decoy = options.security ? await hashPassword(`decoy-${Math.random()}`) : '';
    return new AccessControl(options, decoy);
  }

  get authenticated(): boolean {
    return this.authentication !== null;
  }

  /**
   * Whether `principal`, as `check` returned it, holds `permission`: for what a page offers
   * beyond itself (a link in the navigation), never instead of `check`.
   */
  allows(principal: Principal, permission: string): boolean {
    return this.authorizer.authorize(principal, permission).allowed;
  }

  /**
   * The caller of a route, allowed to call it, or an ApiError: 401 without valid credentials
   * where they are needed, 403 without the permission or for a cross-site request.
   */
  async check(request: FastifyRequest, access: Access): Promise<Principal> {
    if ((request.method === 'POST' || request.method === 'DELETE') && access.kind !== 'public') checkCrossSite(request);
    if (access.kind === 'public' || access.kind === 'agent') return ANONYMOUS;
    const header = request.headers.authorization;
    const auth = this.authentication;
    const needed = access.kind === 'write' || this.options.restrictReads === true;
    let principal: Principal;
    if (!auth) principal = principalFrom(header);
    // An open read needs no credentials, but ones that are given must be right.
    else if (needed || header !== undefined) principal = await auth.authenticate(basicCredentials(header), request.ip);
    else principal = ANONYMOUS;
    if (needed || !auth) {
      const decision = this.authorizer.authorize(principal, access.permission);
      if (!decision.allowed) throw new ApiError('PERMISSION_DENIED', `${principal.name} may not ${access.permission}: ${decision.reason}`);
    }
    return principal;
  }
}

/**
 * A browser sends a cross-site POST without asking only when it has no JSON body and no custom
 * header (a "simple" request); this scheduler grants no CORS, so requiring either keeps pages of
 * other sites from changing anything. An Origin of another site is refused outright.
 */
function checkCrossSite(request: FastifyRequest): void {
  const type = request.headers['content-type'] ?? '';
  if (request.headers[CLIENT_HEADER] === undefined && !/^application\/json\b/i.test(type)) {
    throw new ApiError(
      'CROSS_SITE_REQUEST',
      `a call that changes the scheduler needs a JSON body (content-type: application/json) or the ${CLIENT_HEADER} header, which pages of other sites cannot send`,
    );
  }
  const origin = request.headers.origin;
  if (origin !== undefined && hostOf(origin) !== request.headers.host) {
    throw new ApiError('CROSS_SITE_REQUEST', `requests from pages of ${origin} may not change this scheduler`);
  }
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Headers of every answer (the scheduler's pages run no script). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = securityHeaders();
