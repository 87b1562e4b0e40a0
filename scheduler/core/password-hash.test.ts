import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST, hashPassword, isPasswordHash, passwordHashProblem, verifyPassword } from './password-hash.js';

// Cheap parameters keep the tests fast; the defaults are exercised once.
const cheap = { N: 2 ** 4, r: 8, p: 1 };
const salt = Buffer.from('SodiumChloride');

describe('hashPassword', () => {
  it('matches scrypt test vector 3 of RFC 7914 (first 32 bytes of the key)', async () => {
    const stored = await hashPassword('pleaseletmein', { N: 16384, r: 8, p: 1, salt });
    const [prefix, N, r, p, saltText, keyText] = stored.split('$');
    expect([prefix, N, r, p, saltText]).toEqual(['scrypt', '16384', '8', '1', salt.toString('base64')]);
    expect(Buffer.from(keyText!, 'base64').toString('hex')).toBe('7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2');
  });

  it('uses the default cost and a fresh random salt each time', async () => {
    const [a, b] = await Promise.all([hashPassword('secret'), hashPassword('secret')]);
    expect(a.split('$').slice(0, 4)).toEqual(['scrypt', String(DEFAULT_SCRYPT_COST.N), String(DEFAULT_SCRYPT_COST.r), String(DEFAULT_SCRYPT_COST.p)]);
    expect(Buffer.from(a.split('$')[4]!, 'base64')).toHaveLength(16);
    expect(a).not.toBe(b);
    expect(await verifyPassword('secret', a)).toBe(true);
    expect(await verifyPassword('secret!', a)).toBe(false);
  });

  it('hashes N=2^15, r=8 (past node\'s default 32 MiB maxmem)', async () => {
    const stored = await hashPassword('pw', { N: 2 ** 15, r: 8, p: 1, salt });
    expect(await verifyPassword('pw', stored)).toBe(true);
  });

  it.each([
    [{ N: 1000 }, 'Invalid scrypt cost: N must be a power of two from 2 to 2^20, got 1000'],
    [{ N: 2 ** 21 }, 'Invalid scrypt cost: N must be a power of two from 2 to 2^20, got 2097152'],
    [{ r: 0 }, 'Invalid scrypt cost: r must be an integer from 1 to 32, got 0'],
    [{ p: 17 }, 'Invalid scrypt cost: p must be an integer from 1 to 16, got 17'],
    [{ N: 2 ** 20, r: 8 }, 'Invalid scrypt cost: N=1048576, r=8, p=1 would need more than 256 MiB'],
    [{ ...cheap, salt: Buffer.from('short') }, 'Invalid scrypt salt: at least 8 bytes are needed, got 5'],
  ])('refuses %o', async (options, message) => {
    await expect(hashPassword('pw', options)).rejects.toThrow(message);
  });
});

describe('verifyPassword', () => {
  it('accepts only the hashed password, including the empty and non-ASCII ones', async () => {
    for (const password of ['', 'hunter2', 'pässwörd ✓', 'with$dollar:and,comma']) {
      const stored = await hashPassword(password, cheap);
      expect(await verifyPassword(password, stored)).toBe(true);
      expect(await verifyPassword(`${password}x`, stored)).toBe(false);
    }
  });

  it('treats composed and decomposed forms of a character as the same password', async () => {
    const stored = await hashPassword('caf\u00e9', cheap);
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it.each([
    ['secret', 'secret', true],
    ['secret', 'Secret', false],
    ['secret', 'secret ', false],
    ['', '', true],
    ['a', '', false],
    ['scrypt', 'scrypt', true],
  ])('compares %j with the plain stored password %j: %s', async (password, stored, expected) => {
    expect(await verifyPassword(password, stored)).toBe(expected);
  });

  it('verifies false, without throwing, against every kind of malformed hash', async () => {
    const good = await hashPassword('pw', { ...cheap, salt });
    const [, , , , saltText, keyText] = good.split('$');
    const malformed = [
      'scrypt$',
      'scrypt$16$8$1$' + saltText,
      `scrypt$16$8$1$${saltText}$${keyText}$extra`,
      `scrypt$15$8$1$${saltText}$${keyText}`,
      `scrypt$0$8$1$${saltText}$${keyText}`,
      `scrypt$016$8$1$${saltText}$${keyText}`,
      `scrypt$16$x$1$${saltText}$${keyText}`,
      `scrypt$16$8$-1$${saltText}$${keyText}`,
      `scrypt$1048576$32$16$${saltText}$${keyText}`,
      `scrypt$16$8$1$!!!!$${keyText}`,
      `scrypt$16$8$1$$${keyText}`,
      `scrypt$16$8$1$${saltText}$`,
      `scrypt$16$8$1$${saltText}$AAAA`,
      `scrypt$16$8$1$${saltText}$${keyText}%`,
    ];
    expect(await verifyPassword('pw', good)).toBe(true);
    for (const stored of malformed) {
      expect(isPasswordHash(stored)).toBe(false);
      expect(await verifyPassword('pw', stored)).toBe(false);
      // Nor is it taken as a plain password.
      expect(await verifyPassword(stored, stored)).toBe(false);
    }
  });
});

describe('isPasswordHash and passwordHashProblem', () => {
  it('tells hashes, plain passwords and damaged hashes apart', async () => {
    const good = await hashPassword('pw', { ...cheap, salt });
    const rows: [string, boolean, string | null][] = [
      [good, true, null],
      ['secret', false, null],
      ['SCRYPT$16$8$1$a$b', false, null],
      ['scrypt$16$8$1', false, 'a password hash has 6 parts separated by "$" (scrypt$N$r$p$salt$hash), this one has 4'],
      [good.replace('$16$', '$17$'), false, 'N must be a power of two from 2 to 2^20, got 17'],
      [good.replace('$16$', '$abc$'), false, 'the cost parameters N, r and p of a password hash are positive integers'],
      [good.replace(/\$[^$]+\$([^$]+)$/, '$QUJD$$1'), false, 'the salt of a password hash is base64 of at least 8 bytes'],
      [good.replace(/[^$]+$/, 'QUJD'), false, 'the hash of a password hash is base64 of 16 to 128 bytes'],
    ];
    for (const [stored, isHash, problem] of rows) {
      expect([stored, isPasswordHash(stored), passwordHashProblem(stored)]).toEqual([stored, isHash, problem]);
    }
  });
});
