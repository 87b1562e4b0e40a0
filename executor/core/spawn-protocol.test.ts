import { describe, expect, it } from 'vitest';
import {
  decodeField,
  encodeField,
  environmentChanges,
  formatCancel,
  formatGo,
  formatLaunch,
  LineBuffer,
  parseHelperLine,
} from './spawn-protocol.js';

describe('spawn protocol', () => {
  it('carries any string, newlines and spaces included, as one field', () => {
    for (const s of ['', 'plain', 'two words', 'line\nbreak', 'ünïcödé ✓', "quote ' \" $HOME `x`"]) {
      const field = encodeField(s);
      expect(field).toMatch(/^x[0-9a-f]*$/);
      expect(decodeField(field)).toBe(s);
    }
    expect(decodeField('nothex')).toBeNull();
    expect(decodeField('x0')).toBeNull();
  });

  it('writes a launch as one line the helper can split on spaces', () => {
    const line = formatLaunch({
      id: 7,
      dir: '/s/.logs/p/0',
      cwd: '/s',
      stdout: '/s/.logs/p/0/stdout',
      stderr: '/s/.logs/p/0/stderr',
      user: { uid: 33, gid: 33 },
      cmdline: 'echo "a b"\nexit 3',
      exitFile: '/s/.logs/p/0/exit',
      env: { KEEP: 'x y', GONE: null },
      setup: [{ mkdir: '/cg/t' }, { write: '/cg/t/memory.max', value: '1 2' }, { chown: '/cg/t/cgroup.procs', uid: 33, gid: 34 }],
    });
    expect(line.endsWith('\n')).toBe(true);
    const fields = line.trimEnd().split(' ');
    expect(fields).toHaveLength(12);
    expect(fields[11]?.split(',').map((f) => decodeField(f))).toEqual(['mkdir\0/cg/t', 'write\0/cg/t/memory.max\x001 2', 'chown\0/cg/t/cgroup.procs\x0033\x0034']);
    expect(fields.slice(0, 2)).toEqual(['L', '7']);
    expect(fields.slice(2, 6).map(decodeField)).toEqual(['/s/.logs/p/0', '/s', '/s/.logs/p/0/stdout', '/s/.logs/p/0/stderr']);
    expect(fields.slice(6, 8)).toEqual(['33', '33']);
    expect(fields.slice(8, 10).map(decodeField)).toEqual(['echo "a b"\nexit 3', '/s/.logs/p/0/exit']);
    expect(fields[10]?.split(',').map((f) => decodeField(f))).toEqual(['KEEP=x y', 'GONE']);
    const plain = formatLaunch({ id: 1, dir: '', cwd: '/', stdout: 'o', stderr: 'e', user: null, cmdline: 'true', exitFile: 'x', env: {} });
    expect(plain.trimEnd().split(' ').slice(6)).toEqual(['-', '-', encodeField('true'), encodeField('x'), '-', '-']);
  });

  it('refuses what the protocol cannot carry', () => {
    const base = { id: 1, dir: '', cwd: '/', stdout: 'o', stderr: 'e', user: null, cmdline: 'true', exitFile: 'x', env: {} };
    expect(() => formatLaunch({ ...base, exitFile: '' })).toThrow('needs an exit file');
    expect(() => formatLaunch({ ...base, env: { 'A=B': 'c' } })).toThrow("bad environment variable name 'A=B'");
    expect(() => formatLaunch({ ...base, id: -1 })).toThrow('bad launch id');
    expect(() => formatLaunch({ ...base, setup: [{ write: '/f', value: 'a\0b' }] })).toThrow('cannot hold a NUL');
    expect(formatGo(3)).toBe('G 3\n');
    expect(formatCancel(3)).toBe('C 3\n');
  });

  it('reads what the helper says, and nothing else', () => {
    expect(parseHelperLine('H 42')).toEqual({ kind: 'hello', pid: 42 });
    expect(parseHelperLine('S 1 100 555')).toEqual({ kind: 'prepared', id: 1, pid: 100, startTicks: 555 });
    expect(parseHelperLine('S 1 100 -')).toEqual({ kind: 'prepared', id: 1, pid: 100, startTicks: undefined });
    expect(parseHelperLine(`F 2 ${encodeField('fork: no memory')}`)).toEqual({ kind: 'failed', id: 2, message: 'fork: no memory' });
    expect(parseHelperLine(`W 2 ${encodeField('cannot create /cg/: Permission denied')}`)).toEqual({
      kind: 'setupFailed',
      id: 2,
      message: 'cannot create /cg/: Permission denied',
    });
    expect(parseHelperLine('E 100 137')).toEqual({ kind: 'exited', pid: 100, status: 137 });
    expect(parseHelperLine(`B ${encodeField('bad request: x')}`)).toEqual({ kind: 'bad', message: 'bad request: x' });
    for (const bad of ['', 'S 1 100', 'S x 100 5', 'E 1', 'F 2 nothex', 'H', 'Z 1', 'E 1 2 3', 'S 1 2 3 4']) expect(parseHelperLine(bad)).toBeNull();
  });

  it('sends only what differs from the environment the helper started with', () => {
    expect(environmentChanges({ PATH: '/bin', HOME: '/root', LANG: 'C' }, { PATH: '/bin', HOME: '/home/u', USER: 'u' })).toEqual({
      HOME: '/home/u',
      USER: 'u',
      LANG: null,
    });
  });

  it('splits a stream into lines across chunks', () => {
    const lines = new LineBuffer();
    expect(lines.push('S 1 2 ')).toEqual([]);
    expect(lines.push('3\nE 2 0\nH')).toEqual(['S 1 2 3', 'E 2 0']);
    expect(lines.push(' 9\n')).toEqual(['H 9']);
  });
});
