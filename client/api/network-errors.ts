/** Node and undici error codes that mean "could not talk to the server", in words. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
};

/**
 * Why a request could not reach the server ("connection refused"), or undefined when the error
 * is something else. Looks through `cause` and AggregateError's `errors` (Happy Eyeballs). Pure.
 */
export function describeNetworkFailure(err: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code in NETWORK_CODES) return NETWORK_CODES[e.code];
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const why = describeNetworkFailure(inner, depth + 1);
      if (why) return why;
    }
  }
  return describeNetworkFailure(e.cause, depth + 1);
}
