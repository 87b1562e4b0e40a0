import { mkdir, mkdtemp, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutCharacterBytes, normalizeSandboxPath, openInside, readRange, resolveSandboxPath } from './sandbox-files.js';

describe('normalizeSandboxPath', () => {
  it.each([
    ['', ''],
    ['.', ''],
    ['./.logs//hello/', '.logs/hello'],
    ['a/./b', 'a/b'],
    ['..hidden', '..hidden'],
  ])('keeps %j inside as %j', (raw, rel) => {
    expect(normalizeSandboxPath(raw)).toBe(rel);
  });

  it.each(['..', '../x', 'a/../../b', 'a/..', '/etc', '//etc', 'a\0b'])('refuses %j', (raw) => {
    expect(() => normalizeSandboxPath(raw)).toThrow(/leaves the task sandbox|absolute path|NUL/);
  });
});

describe('readRange', () => {
  let dir: string;
  let root: string;
  let file: string;
  // 'a' (1 byte), 'é' (2), '€' (3), '😀' (4), 'z' (1): 11 bytes.
  const text = 'aé€😀z';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aurora-range-'));
    root = await realpath(dir);
    file = join(root, 'log');
    await writeFile(file, text);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('never ends inside a character', () => {
    expect(cutCharacterBytes(Buffer.from('a'))).toBe(0);
    expect(cutCharacterBytes(Buffer.from('aé').subarray(0, 2))).toBe(1);
    expect(cutCharacterBytes(Buffer.from('😀').subarray(0, 3))).toBe(3);
    expect(cutCharacterBytes(Buffer.from('😀'))).toBe(0);
  });

  it('stops short of a cut character and resumes there', async () => {
    const parts: string[] = [];
    let offset = 0;
    for (let i = 0; i < 20 && offset < 11; i++) {
      const r = await readRange(file, offset, 4, root);
      parts.push(r.data);
      offset = r.next;
    }
    expect(parts.join('')).toBe(text);
    expect(parts).toEqual(['aé', '€', '😀', 'z']);
  });

  it('starts a tail at a whole character', async () => {
    expect(await readRange(file, undefined, 6, root)).toEqual({ offset: 6, next: 11, size: 11, data: '😀z' });
    expect(await readRange(file, undefined, 7, root)).toEqual({ offset: 6, next: 11, size: 11, data: '😀z' });
    expect(await readRange(file, undefined, 100, root)).toEqual({ offset: 0, next: 11, size: 11, data: text });
  });

  it('still moves on when the length is shorter than the character', async () => {
    const r = await readRange(file, 6, 2, root);
    expect(r).toMatchObject({ offset: 6, next: 8 });
  });

  it('answers an empty range past the end', async () => {
    expect(await readRange(file, 50, 10, root)).toEqual({ offset: 11, next: 11, size: 11, data: '' });
  });
});

describe('what is opened is what was checked', () => {
  let base: string;
  let sandbox: string;
  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'aurora-race-')));
    sandbox = join(base, 'sandbox');
    await mkdir(join(sandbox, 'data'), { recursive: true });
    await writeFile(join(sandbox, 'data', 'file.txt'), 'inside');
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside', 'file.txt'), 'SECRET');
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('refuses a file whose directory became a symlink out of the sandbox after the check', async () => {
    const checked = await resolveSandboxPath(sandbox, 'data/file.txt');
    // The task swaps the checked directory for a symlink to outside.
    await rename(join(sandbox, 'data'), join(sandbox, 'data.old'));
    await symlink(join(base, 'outside'), join(sandbox, 'data'));
    try {
      await expect(readRange(checked.real, 0, 100, checked.root)).rejects.toThrow('resolves outside the task sandbox');
      await expect(openInside(join(sandbox, 'data'), checked.root, true)).rejects.toThrow('resolves outside the task sandbox');
    } finally {
      await rm(join(sandbox, 'data'));
      await rename(join(sandbox, 'data.old'), join(sandbox, 'data'));
    }
    expect((await readRange(checked.real, 0, 100, checked.root)).data).toBe('inside');
  });
});
