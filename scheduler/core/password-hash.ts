import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for security.ini: `scrypt$N$r$p$<salt base64>$<hash base64>`. The cost
 * parameters travel with each hash, so raising the defaults later leaves existing hashes valid.
 * Aurora's Shiro realm compares plain text; a plain stored password still works here (it is
 * compared as text), and the scheduler warns about it.
 */

/** The cost parameters of scrypt (see RFC 7914). */
export interface ScryptCost {
  /** CPU and memory cost, a power of two. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelism. */
  readonly p: number;
}

/**
 * 16 MiB and about 50 ms per hash on the project's 2-core machine: every authenticated API call
 * may verify one, so the cost is kept at tens of ms (N=2^15 took ~180 ms there, and twice the
 * memory per concurrent call).
 */
export const DEFAULT_SCRYPT_COST: ScryptCost = { N: 2 ** 14, r: 8, p: 1 };

const PREFIX = 'scrypt';
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Bounds a stored hash must stay within to be verified: a hash from a security.ini is trusted
 * text, but a typo must not make the scheduler allocate gigabytes or spin for minutes.
 */
const LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16, maxMemoryBytes: 256 * 1024 * 1024, minSaltBytes: 8, minKeyBytes: 16, maxKeyBytes: 128 };

/** A parsed hash. */
interface ParsedHash extends ScryptCost {
  readonly salt: Buffer;
  readonly key: Buffer;
}

/**
 * Hashes a password with scrypt and a random 16-byte salt (or `options.salt`, for tests).
 * Throws a RangeError for cost parameters outside the verifiable bounds, so that no hash is
 * written that verifyPassword would refuse.
 */
export async function hashPassword(password: string, options: Partial<ScryptCost> & { salt?: Buffer } = {}): Promise<string> {
  const cost: ScryptCost = { N: options.N ?? DEFAULT_SCRYPT_COST.N, r: options.r ?? DEFAULT_SCRYPT_COST.r, p: options.p ?? DEFAULT_SCRYPT_COST.p };
  const problem = costProblem(cost);
  if (problem) throw new RangeError(`Invalid scrypt cost: ${problem}`);
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  if (salt.length < LIMITS.minSaltBytes) throw new RangeError(`Invalid scrypt salt: at least ${LIMITS.minSaltBytes} bytes are needed, got ${salt.length}`);
  const key = await derive(password, salt, KEY_BYTES, cost);
  return [PREFIX, cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `stored` is a well-formed password hash (as opposed to a plain password or a damaged hash). */
export function isPasswordHash(stored: string): boolean {
  return typeof parseHash(stored) !== 'string';
}

/**
 * Why a stored value that is meant as a hash (it starts with `scrypt$`) cannot be used, or null
 * when it is a well-formed hash or not meant as one (a plain password). For configuration checks.
 */
export function passwordHashProblem(stored: string): string | null {
  if (!looksLikeHash(stored)) return null;
  const parsed = parseHash(stored);
  return typeof parsed === 'string' ? parsed : null;
}

/**
 * Whether `password` matches `stored`, in constant time (independent of where the inputs differ
 * and, for plain text, of their lengths). A plain stored password (anything not starting with
 * `scrypt$`) is compared as plain text; a malformed hash verifies false. Never throws.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!looksLikeHash(stored)) {
    // Digests have one length whatever the inputs, so comparing them leaks no length.
    return timingSafeEqual(sha256(password), sha256(stored));
  }
  const parsed = parseHash(stored);
  if (typeof parsed === 'string') return false;
  try {
    const key = await derive(password, parsed.salt, parsed.key.length, parsed);
    return timingSafeEqual(key, parsed.key);
  } catch {
    return false;
  }
}

function looksLikeHash(stored: string): boolean {
  return stored.startsWith(`${PREFIX}$`);
}

/** The parts of a hash, or what is wrong with it. */
function parseHash(stored: string): ParsedHash | string {
  if (!looksLikeHash(stored)) return `a password hash starts with "${PREFIX}$"`;
  const parts = stored.split('$');
  if (parts.length !== 6) return `a password hash has 6 parts separated by "$" (scrypt$N$r$p$salt$hash), this one has ${parts.length}`;
  const [, nText, rText, pText, saltText, keyText] = parts as [string, string, string, string, string, string];
  const [N, r, p] = [nText, rText, pText].map((t) => (/^[1-9][0-9]{0,9}$/.test(t) ? Number(t) : NaN)) as [number, number, number];
  if ([N, r, p].some(Number.isNaN)) return 'the cost parameters N, r and p of a password hash are positive integers';
  const problem = costProblem({ N, r, p });
  if (problem) return problem;
  const salt = decodeBase64(saltText);
  if (!salt || salt.length < LIMITS.minSaltBytes) return `the salt of a password hash is base64 of at least ${LIMITS.minSaltBytes} bytes`;
  const key = decodeBase64(keyText);
  if (!key || key.length < LIMITS.minKeyBytes || key.length > LIMITS.maxKeyBytes)
    return `the hash of a password hash is base64 of ${LIMITS.minKeyBytes} to ${LIMITS.maxKeyBytes} bytes`;
  return { N, r, p, salt, key };
}

function costProblem({ N, r, p }: ScryptCost): string | null {
  if (!Number.isInteger(N) || N < 2 || N > LIMITS.maxN || (N & (N - 1)) !== 0) return `N must be a power of two from 2 to 2^20, got ${N}`;
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.maxR) return `r must be an integer from 1 to ${LIMITS.maxR}, got ${r}`;
  if (!Number.isInteger(p) || p < 1 || p > LIMITS.maxP) return `p must be an integer from 1 to ${LIMITS.maxP}, got ${p}`;
  if (memoryBytes({ N, r, p }) > LIMITS.maxMemoryBytes) return `N=${N}, r=${r}, p=${p} would need more than 256 MiB`;
  return null;
}

/** What scrypt allocates: 128·N·r for its table plus 128·r·p for its blocks (with room to spare). */
function memoryBytes({ N, r, p }: ScryptCost): number {
  return 128 * N * r + 128 * r * p;
}

/** Strict base64 (padding optional); null for anything else, where Buffer.from would skip bad characters. */
function decodeBase64(text: string): Buffer | null {
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '') ? bytes : null;
}

function derive(password: string, salt: Buffer, keyBytes: number, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Node's default maxmem (32 MiB) refuses N=2^15, r=8; allow what the cost needs and a margin.
    const maxmem = memoryBytes(cost) + 2 * 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, keyBytes, { N: cost.N, r: cost.r, p: cost.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text.normalize('NFC'), 'utf8').digest();
}
