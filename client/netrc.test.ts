import { describe, expect, it } from 'vitest';
import { netrcEntryFor, NetrcSyntaxError, parseNetrc } from './netrc.js';

describe('.netrc', () => {
  it('reads machine entries written one per line or all on one line, and the default entry', () => {
    const entries = parseNetrc(
      [
        '# the scheduler of us-east',
        'machine scheduler.east login alice password apple',
        '',
        'machine scheduler.west',
        '  login bob',
        '  account ops',
        '  password "two words"',
        'default login anonymous password guest@',
      ].join('\n'),
    );
    expect(entries).toEqual([
      { machine: 'scheduler.east', login: 'alice', password: 'apple', account: undefined, line: 2 },
      { machine: 'scheduler.west', login: 'bob', password: 'two words', account: 'ops', line: 4 },
      { machine: undefined, login: 'anonymous', password: 'guest@', account: undefined, line: 8 },
    ]);
  });

  it('finds the entry of a host, else the default one', () => {
    const entries = parseNetrc('machine a.example login a password 1\nmachine B.Example login b password 2\ndefault login d password 3\n');
    expect(netrcEntryFor(entries, 'b.example')?.login).toBe('b');
    expect(netrcEntryFor(entries, 'a.example')?.login).toBe('a');
    expect(netrcEntryFor(entries, 'c.example')?.login).toBe('d');
    expect(netrcEntryFor(parseNetrc('machine a login a password 1'), 'c')).toBeUndefined();
  });

  it('takes the first entry of a machine named twice, as ftp and curl do', () => {
    const entries = parseNetrc('machine h login first password 1\nmachine h login second password 2\n');
    expect(netrcEntryFor(entries, 'h')?.login).toBe('first');
  });

  it('skips macro definitions up to the empty line, and keeps reading after them', () => {
    const entries = parseNetrc(
      ['machine h login a password 1', 'macdef init', 'cd /pub', 'machine not-an-entry login x', '', 'machine after login b password 2'].join('\n'),
    );
    expect(entries.map((e) => [e.machine, e.login])).toEqual([
      ['h', 'a'],
      ['after', 'b'],
    ]);
  });

  it('keeps passwords with #, quotes and escaped spaces as they are', () => {
    const [entry] = parseNetrc('machine h login a password #not-a-comment account "with \\" quote"\nmachine i login b password with\\ space');
    expect(entry).toMatchObject({ password: '#not-a-comment', account: 'with " quote' });
    expect(netrcEntryFor(parseNetrc('machine i login b password with\\ space'), 'i')?.password).toBe('with space');
  });

  it('reads an empty file, or one of comments only, as no entries', () => {
    expect(parseNetrc('')).toEqual([]);
    expect(parseNetrc('# nothing here\n   \n# still nothing\n')).toEqual([]);
  });

  it('says on which line a malformed file goes wrong', () => {
    const problem = (text: string): string => {
      try {
        parseNetrc(text);
      } catch (err) {
        if (err instanceof NetrcSyntaxError) return err.message;
        throw err;
      }
      return 'parsed';
    };
    expect(problem('machine h login a\n  pasword x')).toBe('line 2: unexpected "pasword"; expected machine, default, login, password, account or macdef');
    expect(problem('login a password b')).toBe("line 1: 'login' must follow 'machine NAME' or 'default'");
    expect(problem('machine h login a\npassword')).toBe("line 2: 'password' needs a value after it");
    expect(problem('machine')).toBe("line 1: 'machine' needs a host name after it");
    expect(problem('machine h password "open\n\n')).toBe('line 1: a quoted value is not closed (a missing ")');
  });
});
