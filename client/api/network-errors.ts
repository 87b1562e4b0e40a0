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
  // TLS: an https URL of a server that speaks plain HTTP, or a handshake that failed.
  EPROTO: 'the TLS handshake failed (is the scheduler serving https?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the TLS handshake failed (is the scheduler serving https?)',
};

/** OpenSSL's verdicts on a server certificate this client does not trust, in words. */
const CERTIFICATE_CODES: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its certificate chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the issuer of its certificate is not trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer of its certificate is not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of its certificate is not trusted',
  CERT_SIGNATURE_FAILURE: 'the signature of its certificate does not verify',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  CERT_NOT_YET_VALID: 'its certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is not for this host name',
};

/** The error's own code, or that of an error inside it (cause, AggregateError). */
function findCode(err: unknown, known: Readonly<Record<string, string>>, depth = 0): string | undefined {
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && Object.hasOwn(known, e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = findCode(inner, known, depth + 1);
      if (code) return code;
    }
  }
  return findCode(e.cause, known, depth + 1);
}

/** Whether a request failed because the server's certificate is not trusted (see CERTIFICATE_CODES). Pure. */
export function isCertificateFailure(err: unknown): boolean {
  return findCode(err, CERTIFICATE_CODES) !== undefined;
}

/**
 * Why a request could not reach the server ("connection refused") or could not trust it ("its
 * certificate is self-signed"), or undefined when the error is something else. Looks through
 * `cause` and AggregateError's `errors` (Happy Eyeballs). Pure.
 */
export function describeNetworkFailure(err: unknown): string | undefined {
  const certificate = findCode(err, CERTIFICATE_CODES);
  if (certificate !== undefined) return CERTIFICATE_CODES[certificate];
  const code = findCode(err, NETWORK_CODES);
  return code === undefined ? undefined : NETWORK_CODES[code];
}
