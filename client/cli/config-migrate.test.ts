import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../exit-codes.js';
import { runCli } from '../testing/run-cli.js';
import { tempDir } from '../testing/temp-dir.js';
import { configMigrateCommand, defaultOutput } from './config-migrate.js';
import type { CliOptions } from './context.js';
import { runCommandLine } from './runner.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrate', 'fixtures');

/** `aurora config migrate` alone, registered as the lead registers it: under the `config` noun. */
function createCli(options: CliOptions): { run(): ReturnType<typeof runCommandLine> } {
  return {
    run: () =>
      runCommandLine('aurora', options, (y, ctx) =>
        y.command('config', 'Config files', (config) => config.command(configMigrateCommand(ctx)).demandCommand(1)),
      ),
  };
}

describe('aurora config migrate', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('aurora-migrate-cli-');
  });
  afterEach(() => tmp.remove());

  const run = (...argv: string[]) => runCli(createCli, argv, { env: {}, cwd: tmp.dir });

  it('writes FILE.aurora.ts next to FILE and exits 0 when everything translated', async () => {
    tmp.write('web.aurora', readFileSync(path.join(FIXTURES, 'web_service.aurora'), 'utf8'));
    const r = await run('config', 'migrate', 'web.aurora');
    expect(r.code).toBe(EXIT.OK);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Wrote web.aurora.ts: everything in web.aurora was translated.');
    expect(r.stdout).toContain('aurora config check web.aurora.ts');
    expect(readFileSync(path.join(tmp.dir, 'web.aurora.ts'), 'utf8')).toContain("import { Announcer, HealthCheckConfig");
  });

  it('prints each untranslated construct as FILE:LINE and warns, exit 0', async () => {
    tmp.write('hello_world.aurora', readFileSync(path.join(FIXTURES, 'outside_subset.aurora'), 'utf8'));
    const r = await run('config', 'migrate', 'hello_world.aurora', '--out', 'out/hello.aurora.ts');
    expect(r.code).toBe(EXIT.OK);
    const lines = r.stderr.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'hello_world.aurora:5: not translated: functions are not translated; write the function in TypeScript by hand',
      'hello_world.aurora:8: not translated: list comprehensions are not translated; write .map(...) by hand',
      expect.stringMatching(/^hello_world\.aurora:10: not translated: Packer packages do not exist in aurora-ts/),
    ]);
    expect(lines[8]).toMatch(/^Warning: they are left in out\/hello\.aurora\.ts as comments/);
    expect(r.stdout).toContain('Wrote out/hello.aurora.ts: 8 constructs of hello_world.aurora could not be translated.');
    expect(readFileSync(path.join(tmp.dir, 'out', 'hello.aurora.ts'), 'utf8')).toContain('// aurora config migrate: line 5 not translated');
  });

  it('refuses to overwrite without --force (exit 4), overwrites with it', async () => {
    tmp.write('cron.aurora', readFileSync(path.join(FIXTURES, 'cron_job.aurora'), 'utf8'));
    tmp.write('cron.aurora.ts', '// mine\n');
    const refused = await run('config', 'migrate', 'cron.aurora');
    expect(refused.code).toBe(EXIT.COMMAND_FAILURE);
    expect(refused.stderr).toContain('Error: cron.aurora.ts already exists; nothing was written. Pass --force to overwrite it');
    expect(readFileSync(path.join(tmp.dir, 'cron.aurora.ts'), 'utf8')).toBe('// mine\n');

    const forced = await run('config', 'migrate', 'cron.aurora', '--force');
    expect(forced.code).toBe(EXIT.OK);
    expect(readFileSync(path.join(tmp.dir, 'cron.aurora.ts'), 'utf8')).toContain("cronCollisionPolicy: 'CANCEL_NEW'");
  });

  it('a file that is not Python: exit 3 with the line, nothing written', async () => {
    tmp.write('bad.aurora', "x = 1\np = Process(name = 'a' cmdline = 'b')\n");
    const r = await run('config', 'migrate', 'bad.aurora');
    expect(r.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(r.stderr).toMatch(/^bad\.aurora:2: invalid Python syntax/m);
    expect(r.stderr).toContain('Error: bad.aurora is not valid Python; nothing was written');
    expect(existsSync(path.join(tmp.dir, 'bad.aurora.ts'))).toBe(false);
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
});
