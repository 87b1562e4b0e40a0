/**
 * A .netrc parser, as ftp, curl and Python's netrc module (which Aurora's client used, through
 * requests) read the file: whitespace-separated tokens; `machine NAME` or `default` opens an
 * entry, followed by `login`, `password` and `account` values in any order; `macdef NAME` is
 * followed by macro lines up to the next empty line; `#` at a place where a keyword is expected
 * starts a comment to the end of the line. A value may be double-quoted (with `\` escapes), so
 * a password may hold spaces. Pure; no I/O.
 *
 * Written here rather than taken from npm: the packages on the registry are unmaintained
 * (`netrc`, last release 2015) or bring process and GPG dependencies (`netrc-parser`), and the
 * client's warm path loads no npm package.
 */

export interface NetrcEntry {
  /** The host name; undefined for the `default` entry. */
  readonly machine: string | undefined;
  readonly login: string | undefined;
  readonly password: string | undefined;
  readonly account: string | undefined;
  /** 1-based line of the `machine` or `default` token. */
  readonly line: number;
}

/** A .netrc that cannot be read as one; `line` is where the problem is (1-based). */
export class NetrcSyntaxError extends Error {
  override readonly name = 'NetrcSyntaxError';
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

interface Token {
  readonly text: string;
  readonly line: number;
  /** Whether the token was quoted (a quoted "#" or "machine" is a value, never a keyword). */
  readonly quoted: boolean;
}

const KEYWORDS = 'machine, default, login, password, account or macdef';

/** Reads the tokens of `text` one at a time; `restOfLine` and `skipMacro` consume raw text. */
class Lexer {
  private pos = 0;
  private line = 1;
  constructor(private readonly text: string) {}

  next(): Token | undefined {
    this.skipSpace();
    if (this.pos >= this.text.length) return undefined;
    const line = this.line;
    if (this.text[this.pos] === '"') return { text: this.quoted(line), line, quoted: true };
    let out = '';
    while (this.pos < this.text.length && !/\s/.test(this.text[this.pos] as string)) {
      const ch = this.text[this.pos++] as string;
      if (ch !== '\\' || this.pos >= this.text.length) {
        out += ch;
        continue;
      }
      const escaped = this.text[this.pos++] as string; // `\ ` keeps a space in a value, as in Python's netrc
      if (escaped === '\n') this.line++;
      out += escaped;
    }
    return { text: out, line, quoted: false };
  }

  /** Drops the rest of the current line (a comment). */
  restOfLine(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.text.length : end;
  }

  /** Drops a macro's body: the lines after `macdef NAME`, up to and including the next empty line. */
  skipMacro(): void {
    this.restOfLine();
    while (this.pos < this.text.length) {
      this.pos++; // the newline
      this.line++;
      const end = this.text.indexOf('\n', this.pos);
      const body = this.text.slice(this.pos, end < 0 ? this.text.length : end);
      this.pos = end < 0 ? this.text.length : end;
      if (body.trim() === '') return;
    }
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) {
      if (this.text[this.pos] === '\n') this.line++;
      this.pos++;
    }
  }

  private quoted(line: number): string {
    this.pos++; // the opening quote
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++] as string;
      if (ch === '"') return out;
      if (ch === '\\' && this.pos < this.text.length) {
        out += this.text[this.pos++];
        continue;
      }
      if (ch === '\n') this.line++;
      out += ch;
    }
    throw new NetrcSyntaxError(line, 'a quoted value is not closed (a missing ")');
  }
}

/**
 * The entries of a .netrc, in file order; NetrcSyntaxError naming the line of the first
 * problem. Pure.
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const lexer = new Lexer(text);
  const entries: NetrcEntry[] = [];
  let current: { machine: string | undefined; login?: string; password?: string; account?: string; line: number } | undefined;
  const close = (): void => {
    if (current) entries.push({ machine: current.machine, login: current.login, password: current.password, account: current.account, line: current.line });
    current = undefined;
  };
  const valueOf = (keyword: Token, what: string): string => {
    const value = lexer.next();
    if (value === undefined) throw new NetrcSyntaxError(keyword.line, `'${keyword.text}' needs ${what} after it`);
    return value.text;
  };
  for (let token = lexer.next(); token !== undefined; token = lexer.next()) {
    if (!token.quoted && token.text.startsWith('#')) {
      lexer.restOfLine();
      continue;
    }
    const keyword = token.quoted ? '' : token.text;
    switch (keyword) {
      case 'machine':
        close();
        current = { machine: valueOf(token, 'a host name'), line: token.line };
        break;
      case 'default':
        close();
        current = { machine: undefined, line: token.line };
        break;
      case 'login':
      case 'user': // Python's netrc takes `user` for `login`
      case 'password':
      case 'account': {
        if (!current) throw new NetrcSyntaxError(token.line, `'${keyword}' must follow 'machine NAME' or 'default'`);
        const value = valueOf(token, 'a value');
        if (keyword === 'password') current.password = value;
        else if (keyword === 'account') current.account = value;
        else current.login = value;
        break;
      }
      case 'macdef':
        close();
        valueOf(token, 'a macro name');
        lexer.skipMacro();
        break;
      default:
        throw new NetrcSyntaxError(token.line, `unexpected ${JSON.stringify(token.text)}; expected ${KEYWORDS}`);
    }
  }
  close();
  return entries;
}

/**
 * The entry for `host`: the first `machine` entry of that name (host names compare without
 * case), else the `default` entry, else undefined. ftp and curl take the first entry of a
 * machine named twice. Pure.
 */
export function netrcEntryFor(entries: readonly NetrcEntry[], host: string): NetrcEntry | undefined {
  const wanted = host.toLowerCase();
  return entries.find((e) => e.machine !== undefined && e.machine.toLowerCase() === wanted) ?? entries.find((e) => e.machine === undefined);
}
