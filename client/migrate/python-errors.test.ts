/**
 * Syntax errors of Aurora configs, located where Python 3 locates them, every one of a file.
 * Each broken fixture (fixtures/syntax/) is asserted literally (line, column, message), and,
 * when python3 is installed, its line is compared with what
 * `python3 -c "import ast,sys; ast.parse(open(sys.argv[1]).read())" FILE` reports (skipped
 * without python3). Python stops at one error; for a file with several, its line must be among
 * those reported, and the others are errors too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PythonSource } from './python.js';

const SYNTAX = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'syntax');

/** Each fixture and its errors: [line, column, message]. */
const FIXTURES: Readonly<Record<string, readonly (readonly [number, number, string])[]>> = {
  'unclosed_paren.aurora': [[1, 16, "'(' was never closed"]],
  'bad_indent.aurora': [[2, 3, 'unexpected indent']],
  'bad_dedent.aurora': [[3, 3, 'unindent does not match any outer indentation level']],
  'stray_token.aurora': [[3, 105, "invalid syntax at 'task'"]],
  'stray_paren.aurora': [[1, 56, "unmatched ')'"]],
  // Aurora's docs/reference/configuration-templating.md, as written there (its opening quote is missing)
  'unterminated_string.aurora': [[4, 68, 'unterminated string literal (detected at line 4)']],
  'missing_colon.aurora': [[1, 22, "expected ':'"]],
  // Aurora's docs/reference/configuration-tutorial.md, as written there: lezer notices it at line 7, Python says 6
  'missing_comma.aurora': [[6, 12, 'invalid syntax. Perhaps you forgot a comma?']],
  'several_errors.aurora': [
    [1, 24, 'invalid syntax. Perhaps you forgot a comma?'],
    [3, 12, 'unterminated string literal (detected at line 3)'],
    [5, 12, "'(' was never closed"],
  ],
};

function errorsOf(file: string): (readonly [number, number, string])[] {
  return new PythonSource(readFileSync(path.join(SYNTAX, file), 'utf8')).syntaxErrors().map((e) => [e.line, e.column, e.message] as const);
}

const python3 = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

/** The line Python 3 reports for a file, with the command a user would run. */
function pythonLine(file: string): number | undefined {
  const r = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path.join(SYNTAX, file)], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const lines = [...r.stderr.matchAll(/File "<unknown>", line (\d+)/g)];
  return Number(lines.at(-1)?.[1]);
}

describe('Python syntax errors: file:line:col at Python 3’s line, every error', () => {
  for (const [file, expected] of Object.entries(FIXTURES)) {
    it(`${file}: ${expected.map(([l, c]) => `${l}:${c}`).join(', ')}`, () => {
      expect(errorsOf(file)).toEqual(expected);
    });
  }

  it.skipIf(!python3)('each fixture’s error is at the line python3 reports (skipped without python3)', () => {
    for (const [file, expected] of Object.entries(FIXTURES)) {
      const line = pythonLine(file);
      expect(line, file).toBeDefined();
      const ours = errorsOf(file).map(([l]) => l);
      if (expected.length === 1) expect(ours, file).toEqual([line]);
      else expect(ours, file).toContain(line);
    }
  });

  it('reports the source line of each error, and nothing for valid Python (Python 2 print included, as lezer reads it)', () => {
    const [e] = new PythonSource("x = 1\np = Process(name = 'a' cmdline = 'b')\n").syntaxErrors();
    expect(e).toEqual({ line: 2, column: 20, message: 'invalid syntax. Perhaps you forgot a comma?', sourceLine: "p = Process(name = 'a' cmdline = 'b')" });
    expect(new PythonSource("x = [\n  1,\n]\nif x:\n  y = 'a' \\\n    'b'\nprint 'configuring'\n").syntaxErrors()).toEqual([]);
  });

  it("reads '\\r\\n' and a lone '\\r' as Python does", () => {
    const errors = new PythonSource("x = 1\r\n\r\ny = (1,\r\n").syntaxErrors();
    expect(errors).toEqual([{ line: 3, column: 5, message: "'(' was never closed", sourceLine: 'y = (1,' }]);
  });

  it('what CPython checks beyond the grammar lezer knows: number literals, assignment targets, argument order', () => {
    const first = (text: string) => new PythonSource(text).syntaxErrors().map((e) => `${e.line}:${e.column} ${e.message}`);
    expect(first('mode = 0755\n')).toEqual([]); // Python 2's octal, which the translator reads as 0o755
    expect(first('x = 3z\n')).toEqual(['1:5 invalid decimal literal']);
    // `Process(` without its parenthesis: a chained assignment to a tuple holding a literal
    expect(first("hello = Processname = 'a', cmdline = 'b'\n")).toEqual(['1:23 cannot assign to literal']);
    expect(first('x = f(a) = 1\n')).toEqual(['1:5 cannot assign to function call']);
    expect(first("p = Process(\n  name = 'a',\n  cmd\n)\n")).toEqual(["4:1 positional argument 'cmd' (line 3) follows keyword argument"]);
  });

  it('an error lezer notices on the next line of a broken statement is that statement’s: one error, not two', () => {
    const errors = new PythonSource('task = Task(\n  processes = [hello],\n  resources = Resourcescpu=1, ram=1*MB, disk=8*MB)\n)\n').syntaxErrors();
    // Python reports the stray ')' that the missing '(' leaves; the two are one mistake.
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual(["4:1 unmatched ')'"]);
  });
});
