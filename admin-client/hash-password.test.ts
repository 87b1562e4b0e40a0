import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../scheduler/core/password-hash.js';
import type { InputStream } from '../client/cli/context.js';
import { runCli } from '../client/testing/run-cli.js';
import { tempDir } from '../client/testing/temp-dir.js';
import { createAdminCli } from './cli.js';
import { firstLine } from './hash-password.js';

/**
 * A terminal: once a prompt is up (raw mode on), what the user types at it arrives, a write per
 * chunk; `typed` holds the chunks of each prompt in turn. Raw mode changes are recorded.
 */
function terminal(typed: readonly (readonly string[])[]): { input: InputStream; raw: boolean[] } {
  const stream = new PassThrough();
  const raw: boolean[] = [];
  let prompt = 0;
  const input = Object.assign(stream, {
    isTTY: true,
    setRawMode: (on: boolean) => {
      raw.push(on);
      if (on) {
        const chunks = [...(typed[prompt++] ?? [])];
        const next = (): void => {
          const chunk = chunks.shift();
          if (chunk !== undefined) stream.write(chunk, () => setImmediate(next));
        };
        setImmediate(next);
      }
      return stream;
    },
  });
  return { input, raw };
}

describe('aurora-admin hash_password', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());
  const hash = (stdin: InputStream, ...argv: string[]) => runCli(createAdminCli, ['hash_password', ...argv], { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, stdin });

  it('hashes a piped password (its first line) for security.ini, and says where the hash goes', async () => {
    const r = await hash(Readable.from(['s3cret pass\n']));
    expect(r.code).toBe(0);
    const printed = r.stdout.trimEnd();
    expect(printed).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('s3cret pass', printed)).toBe(true);
    expect(await verifyPassword('s3cret pass\n', printed)).toBe(false);
    expect(r.stderr).toBe("Put it in security.ini's [users] section in place of the password: NAME = HASH, ROLE, ...\n");
    // A new salt every time: the same password never hashes the same twice.
    expect((await hash(Readable.from(['s3cret pass\n']))).stdout).not.toBe(r.stdout);
  });

  it('asks twice at a terminal without echo, taking Backspace into account', async () => {
    const { input, raw } = terminal([['pa', 'x\u007fss\r'], ['pass\r']]);
    const r = await hash(input);
    expect(r.code, r.stderr).toBe(0);
    expect(await verifyPassword('pass', r.stdout.trimEnd())).toBe(true);
    expect(r.stderr.startsWith('Password: \nPassword (again): \n')).toBe(true);
    expect(raw.at(-1)).toBe(false);
  });

  it('keeps what was typed ahead for the second prompt', async () => {
    const r = await hash(terminal([['word\rword\r']]).input);
    expect(r.code, r.stderr).toBe(0);
    expect(await verifyPassword('word', r.stdout.trimEnd())).toBe(true);
  });

  it('refuses two different answers at a terminal, and an empty password (exit 6)', async () => {
    const differ = await hash(terminal([['one\r'], ['two\r']]).input);
    expect(differ).toMatchObject({ code: 6, stdout: '' });
    expect(differ.stderr).toMatch(/Error: the two passwords differ; nothing was hashed\n$/);
    const empty = await hash(Readable.from(['\n']));
    expect(empty).toMatchObject({ code: 6, stdout: '', stderr: 'Error: the password is empty; type one, or pipe it in: aurora-admin hash_password < file\n' });
  });

  it('stops on Ctrl-C at the prompt (exit 130)', async () => {
    const r = await hash(terminal([['sec\u0003']]).input);
    expect(r).toMatchObject({ code: 130, stdout: '' });
  });

  it('never takes the password from the command line (exit 5)', async () => {
    const r = await hash(Readable.from([]), 's3cret');
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
  });

  it('takes the first line of what is piped in', () => {
    expect(firstLine('a b\r\nsecond')).toBe('a b');
    expect(firstLine('no newline')).toBe('no newline');
  });
});
