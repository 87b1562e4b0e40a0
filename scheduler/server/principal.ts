import { ApiError } from '../api/errors.js';
import { ANONYMOUS, type Principal } from '../core/authorize.js';

/**
 * The caller's principal from HTTP basic auth (the client sends it from .netrc), else anonymous.
 * The password is not checked here: verifying credentials belongs to the authenticating
 * security.ini realm that comes with it; an unauthenticated cluster only records the name.
 */
export function principalFrom(authorization: string | undefined): Principal {
  if (authorization === undefined) return ANONYMOUS;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0) {
    throw new ApiError('UNAUTHENTICATED', 'malformed Authorization header: expected "Basic base64(user:password)"');
  }
  return { name: decoded.slice(0, colon) };
}
