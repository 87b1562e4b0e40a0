import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BINS, runCli as runCompiled } from '../../devcluster/daemons.js';
import { EXIT } from '../exit-codes.js';
import { runCli } from '../testing/run-cli.js';
import { tempDir } from '../testing/temp-dir.js';
import { configMigrateCommand, defaultOutput, formatSyntaxError } from './config-migrate.js';
import type { CliOptions } from './context.js';
import { runCommandLine } from './runner.js';

/** `aurora config migrate` alone, registered as the lead registers it: under the `config` noun. */
function createCli(options: CliOptions): { run(): ReturnType<typeof runCommandLine> } {
  return {
    run: () =>
      runCommandLine('aurora', options, (y, ctx) =>
        y.command('config', 'Config files', (config) => config.command(configMigrateCommand(ctx)).demandCommand(1)),
      ),
  };
}

const HELLO = [
  "hello = Process(name = 'hello', cmdline = 'echo hello')",
  'task = Task(processes = [hello], resources = Resources(cpu = 0.1, ram = 16 * MB, disk = 16 * MB))',
  "jobs = [Service(cluster = 'devcluster', role = 'www-data', environment = 'prod', name = 'hello', task = task)]",
  '',
].join('\n');

/** HELLO with two statements nothing translates (lines 1 and 5). */
const PARTIAL = ['try:', '  import json', 'except ImportError:', '  pass', 'assert 1 == 1', HELLO].join('\n');

/** A translation that does not compile: cpu 0 (line 2 of the Python, line 8 or so of the TypeScript). */
const BROKEN = HELLO.replace('cpu = 0.1', 'cpu = 0');

describe('aurora config migrate', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('aurora-migrate-cli-');
  });
  afterEach(() => tmp.remove());

  const run = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CACHE_DIR: path.join(tmp.dir, '.cache') }, cwd: tmp.dir });
  const written = (file: string) => readFileSync(path.join(tmp.dir, file), 'utf8');

  it('writes FILE.aurora.ts next to FILE, checks it with the loader, and exits 0 when nothing is left to do', async () => {
    tmp.write('hello.aurora', HELLO);
    const r = await run('config', 'migrate', 'hello.aurora');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stdout).toBe(
      [
        'Wrote hello.aurora.ts: everything in hello.aurora was translated, and it type-checks and compiles (1 job).',
        'Check it with: aurora config check hello.aurora.ts',
        '',
      ].join('\n'),
    );
    expect(written('hello.aurora.ts')).toContain("cmdline: 'echo hello'");
  });

  it('exits 4 when constructs were not translated, listing each at its line, and writes the file anyway', async () => {
    tmp.write('hello.aurora', PARTIAL);
    const r = await run('config', 'migrate', 'hello.aurora', '--out', 'out/hello.aurora.ts');
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    const err = r.stderr.split('\n');
    expect(err[0]).toMatch(/^hello\.aurora:1: not translated: try blocks are not translated/);
    expect(err[1]).toMatch(/^hello\.aurora:5: not translated: assert is not translated/);
    expect(err.slice(2)).toEqual([
      'To finish by hand in out/hello.aurora.ts:',
      '  - 2 constructs are not translated (hello.aurora:1, hello.aurora:5): each is a comment starting with "aurora config migrate: line"',
      'Error: out/hello.aurora.ts was written but is not finished: 2 constructs were not translated. ' +
        'Finish it by hand and check it with `aurora config check out/hello.aurora.ts`, or pass --allow-partial to accept it as it is',
      '',
    ]);
    expect(r.stdout).toContain('Wrote out/hello.aurora.ts: 2 constructs of hello.aurora could not be translated; the rest type-checks and compiles.');
    expect(written('out/hello.aurora.ts')).toContain('// aurora config migrate: line 5 not translated');
  });

  it('exits 4 when the written file does not compile, each error at its line in the new file', async () => {
    tmp.write('hello.aurora', BROKEN);
    const r = await run('config', 'migrate', 'hello.aurora');
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    const ts = written('hello.aurora.ts').split('\n');
    const line = ts.findIndex((l) => /cpu: 0\b/.test(l)) + 1;
    const column = (ts[line - 1] as string).indexOf('0') + 1;
    expect(r.stderr).toContain(
      [
        `hello.aurora.ts:${line}:${column} - error: job devcluster/www-data/prod/hello: task.resources.cpu: cpu must be more than 0 (found 0)`,
        `${line} ${ts[line - 1]}`,
      ].join('\n'),
    );
    expect(r.stderr).toContain(`  - 1 error from the type-check and compile (hello.aurora.ts:${line})`);
    expect(r.stderr).toMatch(/Error: hello\.aurora\.ts was written but is not finished: it has 1 error\. /);
  });

  it('a type error of the written file counts too: a Task without resources', async () => {
    tmp.write('hello.aurora', HELLO.replace(', resources = Resources(cpu = 0.1, ram = 16 * MB, disk = 16 * MB)', ''));
    const r = await run('config', 'migrate', 'hello.aurora');
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    expect(r.stderr).toMatch(/^hello\.aurora\.ts:\d+:\d+ - error TS\d+: /m);
    expect(r.stderr).toContain('resources');
    expect(r.stdout).toContain('Wrote hello.aurora.ts: everything in hello.aurora was translated, but it does not type-check or compile.');
    expect(r.stderr).toMatch(/it has \d+ errors?\./);
  });

  it('--allow-partial writes it and exits 0, the summary printed still', async () => {
    tmp.write('hello.aurora', PARTIAL);
    const r = await run('config', 'migrate', 'hello.aurora', '--allow-partial');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toContain('To finish by hand in hello.aurora.ts:');
    expect(r.stderr).toContain('Warning: --allow-partial: exit 0, though the file is not finished.');
    expect(r.stderr).not.toContain('Error:');
    expect(existsSync(path.join(tmp.dir, 'hello.aurora.ts'))).toBe(true);
  });

  it('settings dropped on purpose (executor_config, enable_hooks) do not count', async () => {
    tmp.write(
      'hello.aurora',
      HELLO.replace("name = 'hello', task = task", "name = 'hello', task = task, enable_hooks = True, executor_config = ExecutorConfig(name = 'x', data = '{}')"),
    );
    const r = await run('config', 'migrate', 'hello.aurora');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^hello\.aurora:3: dropped: .*(enable_hooks|executor_config)/);
  });

  it('variables the Aurora config left to --bind are not errors: it says which to pass', async () => {
    tmp.write('hello.aurora', HELLO.replace("'echo hello'", "'echo {{version}}'"));
    const r = await run('config', 'migrate', 'hello.aurora');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stdout).toContain('It leaves {{version}} to bind when a job is used, as hello.aurora did: --bind version=VALUE');
    expect(r.stdout).toContain('Check it with: aurora config check hello.aurora.ts --bind version=VALUE');
  });

  it('--json: the report as data, consistent with config check --json (file, ok, jobs, errors)', async () => {
    tmp.write('hello.aurora', HELLO);
    const ok = await run('config', 'migrate', 'hello.aurora', '--json');
    expect(ok.code).toBe(EXIT.OK);
    expect(JSON.parse(ok.stdout)).toEqual({
      file: 'hello.aurora',
      out: 'hello.aurora.ts',
      written: ['hello.aurora.ts'],
      ok: true,
      jobs: ['devcluster/www-data/prod/hello'],
      untranslated: [],
      remarks: [],
      errors: [],
      unbound: [],
    });

    tmp.write('partial.aurora', PARTIAL);
    tmp.write('broken.aurora', BROKEN);
    const partial = await run('config', 'migrate', 'partial.aurora', '--json');
    expect(partial.code).toBe(EXIT.COMMAND_FAILURE);
    expect(partial.stderr).toMatch(/^Error: partial\.aurora\.ts was written but is not finished/);
    const p = JSON.parse(partial.stdout) as { ok: boolean; untranslated: { file: string; line: number }[] };
    expect(p.ok).toBe(false);
    expect(p.untranslated.map((u) => `${u.file}:${u.line}`)).toEqual(['partial.aurora:1', 'partial.aurora:5']);
    const broken = JSON.parse((await run('config', 'migrate', 'broken.aurora', '--json')).stdout) as { errors: Record<string, unknown>[] };
    expect(broken.errors).toEqual([expect.objectContaining({ file: 'broken.aurora.ts', line: expect.any(Number), column: expect.any(Number), message: expect.stringContaining('cpu must be more than 0') })]);
  });

  it('a file that is not Python: exit 3, every syntax error at file:line:col with its line and a caret, nothing written', async () => {
    tmp.write('bad.aurora', "x = 1\np = Process(name = 'a' cmdline = 'b')\nq = [1, 2\ny = 3\n");
    const r = await run('config', 'migrate', 'bad.aurora');
    expect(r.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(r.stderr).toBe(
      [
        'bad.aurora:2:20: invalid syntax. Perhaps you forgot a comma?',
        "2 p = Process(name = 'a' cmdline = 'b')",
        '                     ^',
        '',
        "bad.aurora:3:5: '[' was never closed",
        '3 q = [1, 2',
        '      ^',
        'Error: bad.aurora is not valid Python (2 syntax errors); nothing was written',
        '',
      ].join('\n'),
    );
    expect(existsSync(path.join(tmp.dir, 'bad.aurora.ts'))).toBe(false);

    const json = await run('config', 'migrate', 'bad.aurora', '--json');
    expect(json.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(JSON.parse(json.stdout)).toMatchObject({
      file: 'bad.aurora',
      out: null,
      ok: false,
      errors: [
        { file: 'bad.aurora', line: 2, column: 20, message: 'invalid syntax. Perhaps you forgot a comma?', sourceLine: "p = Process(name = 'a' cmdline = 'b')" },
        { file: 'bad.aurora', line: 3, column: 5, message: "'[' was never closed" },
      ],
    });
    expect(json.stderr).toBe('Error: bad.aurora is not valid Python (2 syntax errors); nothing was written\n');
  });

  it('writes what FILE include()s next to the output, checks both, and will not overwrite an included one without --force', async () => {
    tmp.write('base.aurora', HELLO.split('\n').slice(0, 2).join('\n'));
    tmp.write('main.aurora', `include('base.aurora')\n${HELLO.split('\n')[2]}\n`);
    const r = await run('config', 'migrate', 'main.aurora', '--json');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, written: ['main.aurora.ts', 'base.aurora.ts'], jobs: ['devcluster/www-data/prod/hello'] });
    expect(written('main.aurora.ts')).toContain("from './base.aurora.ts'");

    tmp.write('main.aurora.ts', '// mine\n');
    const again = await run('config', 'migrate', 'main.aurora', '--out', 'other.aurora.ts');
    expect(again.code).toBe(EXIT.COMMAND_FAILURE);
    expect(again.stderr).toBe(
      'Error: base.aurora.ts (the migration of a file main.aurora includes) already exists; nothing was written. Pass --force to overwrite it, or --out to write elsewhere\n',
    );
    expect(existsSync(path.join(tmp.dir, 'other.aurora.ts'))).toBe(false);
  });

  it('refuses to overwrite without --force (exit 4), overwrites with it', async () => {
    tmp.write('hello.aurora', HELLO);
    tmp.write('hello.aurora.ts', '// mine\n');
    const refused = await run('config', 'migrate', 'hello.aurora');
    expect(refused.code).toBe(EXIT.COMMAND_FAILURE);
    expect(refused.stderr).toContain('Error: hello.aurora.ts already exists; nothing was written. Pass --force to overwrite it');
    expect(written('hello.aurora.ts')).toBe('// mine\n');

    const forced = await run('config', 'migrate', 'hello.aurora', '--force');
    expect(forced.code).toBe(EXIT.OK);
    expect(written('hello.aurora.ts')).toContain("cmdline: 'echo hello'");
  });

  it('a missing input file: exit 3', async () => {
    const r = await run('config', 'migrate', 'nope.aurora');
    expect(r.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(r.stderr).toContain('Error: Config file nope.aurora does not exist');
  });

  it('names the output after the input', () => {
    expect(defaultOutput('a/hello.aurora')).toBe('a/hello.aurora.ts');
    expect(defaultOutput('hello.py')).toBe('hello.aurora.ts');
    expect(defaultOutput('hello')).toBe('hello.aurora.ts');
  });

  it('a caret under the column, tabs kept', () => {
    expect(formatSyntaxError('f.aurora', { line: 12, column: 3, message: 'm', sourceLine: '\tx)' })).toEqual(['f.aurora:12:3: m', '12 \tx)', '   \t ^']);
  });

  it('through the compiled CLI: exit 4 and the summary when something is left to finish', async () => {
    tmp.write('hello.aurora', PARTIAL);
    const r = await runCompiled(BINS.aurora, ['config', 'migrate', 'hello.aurora'], {
      cwd: tmp.dir,
      env: { PATH: process.env['PATH'], HOME: tmp.dir, AURORA_CACHE_DIR: path.join(tmp.dir, '.cache') },
    });
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    expect(r.stderr).toContain('To finish by hand in hello.aurora.ts:');
    expect(r.stderr).toContain('Error: hello.aurora.ts was written but is not finished: 2 constructs were not translated.');
    expect(existsSync(path.join(tmp.dir, 'hello.aurora.ts'))).toBe(true);
  });
});
