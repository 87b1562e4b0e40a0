import { describe, expect, it } from 'vitest';
import { baseName, formatRunOutput, parseScpOperand, parseTunnel, runNote, runSucceeded, shellWord, sshArguments, targetShown, type RunOutcome } from './task-remote-format.js';

const ok: RunOutcome = { instance: 2, host: 'host1', taskId: 't', exitCode: 0, output: '', truncated: false, timedOut: false, error: null };

describe('formatRunOutput', () => {
  it("prints Aurora's host:  line, one per line of output, none for no output", () => {
    expect(formatRunOutput('h1', 'a b\nc\n', false)).toEqual(['h1:  a b', 'h1:  c']);
    expect(formatRunOutput('h1', 'no newline', false)).toEqual(['h1:  no newline']);
    expect(formatRunOutput('h1', 'dos\r\nline\n\n', false)).toEqual(['h1:  dos', 'h1:  line', 'h1:  ']);
    expect(formatRunOutput('h1', '', false)).toEqual([]);
  });

  it('escapes control characters (tabs kept) on a terminal only, and in host names always', () => {
    expect(formatRunOutput('h\x1b1', 'a\tb\x1b[2J', true)).toEqual(['h\\x1b1:  a\tb\\x1b[2J']);
    expect(formatRunOutput('h1', 'a\tb\x1b[31m', false)).toEqual(['h1:  a\tb\x1b[31m']);
  });
});

describe('runNote and runSucceeded', () => {
  it.each<[Partial<RunOutcome>, string | null, boolean]>([
    [{}, null, true],
    [{ exitCode: 3 }, 'instance 2 on host1: exit status 3', false],
    [{ exitCode: null, timedOut: true, truncated: true }, 'instance 2 on host1: killed after its timeout; output cut at 1 MiB', false],
    [{ truncated: true }, 'instance 2 on host1: output cut at 1 MiB', true],
    [{ host: null, exitCode: null, error: 'its task is PENDING' }, 'instance 2: not run: its task is PENDING', false],
  ])('%j', (change, note, succeeded) => {
    expect(runNote({ ...ok, ...change })).toBe(note);
    expect(runSucceeded({ ...ok, ...change })).toBe(succeeded);
  });
});

describe('parseScpOperand', () => {
  it.each([
    ['notes.txt', { kind: 'local', path: 'notes.txt' }],
    ['/tmp/a:b', { kind: 'local', path: '/tmp/a:b' }],
    ['c/r/e/n:x', { kind: 'local', path: 'c/r/e/n:x' }],
    ['c/r/e/n/3:', { kind: 'task', key: 'c/r/e/n', instance: 3, path: '', text: 'c/r/e/n/3:' }],
    ['c/r/e/n/0:logs/a:b.txt', { kind: 'task', key: 'c/r/e/n', instance: 0, path: 'logs/a:b.txt', text: 'c/r/e/n/0:logs/a:b.txt' }],
  ])('%s', (text, operand) => expect(parseScpOperand(text)).toEqual(operand));

  it("refuses what Aurora's client refused, in its words", () => {
    expect(() => parseScpOperand('c/r/e/n/x:a')).toThrow('Instance must be an integer, but got x (in c/r/e/n/x:a)');
    expect(() => parseScpOperand('c/r/e/n/0:~/a')).toThrow('Command does not support tilde expansion for path: ~/a');
  });

  it('names the file a refused destination would have had', () => {
    expect(targetShown('../../', 'f.txt')).toBe('../../f.txt');
    expect(targetShown('', 'f.txt')).toBe('f.txt');
    expect(targetShown('conf/x', 'f.txt')).toBe('conf/x');
    expect([baseName('a/b.txt'), baseName('a/'), baseName('b')]).toEqual(['b.txt', '', 'b']);
  });
});

describe('sshArguments', () => {
  it("is Aurora's: -t, options, tunnels, user@host, then cd SANDBOX;COMMAND as one word", () => {
    expect(
      sshArguments({
        user: 'www-data',
        host: 'host1',
        sandbox: '/var/lib/aurora/sandboxes/t-1',
        command: 'bash',
        sshOptions: ['-o', 'BatchMode=yes'],
        tunnels: [{ localPort: 8080, remotePort: 31001 }],
      }),
    ).toEqual(['-t', '-o', 'BatchMode=yes', '-L', '8080:host1:31001', 'www-data@host1', 'cd /var/lib/aurora/sandboxes/t-1;bash']);
  });

  it('quotes a sandbox path the shell would split, and goes without cd when there is none', () => {
    expect(sshArguments({ user: 'u', host: 'h', sandbox: "/data dir/it's", command: 'ls', sshOptions: [], tunnels: [] }).at(-1)).toBe(`cd '/data dir/it'\\''s';ls`);
    expect(sshArguments({ user: 'u', host: 'h', sandbox: null, command: 'ls', sshOptions: [], tunnels: [] })).toEqual(['-t', 'u@h', 'ls']);
    expect(shellWord('/plain/path-1.2')).toBe('/plain/path-1.2');
  });

  it('reads PORT:NAME tunnels', () => {
    expect(parseTunnel('8080:http')).toEqual({ localPort: 8080, name: 'http' });
    expect([parseTunnel('http'), parseTunnel('99999:x'), parseTunnel('1:a:b')]).toEqual([null, null, null]);
  });
});
