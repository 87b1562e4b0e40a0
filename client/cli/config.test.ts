import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestScheduler, type TestScheduler } from '../testing/test-scheduler.js';
import { runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { createCli } from './index.js';

describe('aurora config and job inspect/diff', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  beforeEach(() => {
    tmp = tempDir();
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
  });
  afterEach(async () => {
    await sched?.close();
    sched = undefined;
    tmp.remove();
  });
  const cacheDir = () => path.join(tmp.dir, 'cache');
  const aurora = (...argv: string[]) =>
    runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir, AURORA_CACHE_DIR: cacheDir() }, cwd: tmp.dir });

  describe('config check', () => {
    it('prints the job keys of a good config', async () => {
      const r = await aurora('config', 'check', 'hello.aurora.ts');
      expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'hello.aurora.ts: OK, 1 job\n  devcluster/www-data/prod/hello\n' });
      const j = await aurora('config', 'check', 'hello.aurora.ts', '--json');
      expect(JSON.parse(j.stdout)).toEqual({ file: 'hello.aurora.ts', ok: true, jobs: ['devcluster/www-data/prod/hello'], errors: [] });
    });

    it('reports every error of the file with its line and exits 3', async () => {
      tmp.write(
        'bad.aurora.ts',
        HELLO_CONFIG.replace("environment: 'prod'", "environment: 'production'").replace('cpu: 0.1', 'cpu: 0').replace("'while true; do echo hello world; sleep 5; done'", "'echo {{version}}'"),
      );
      const r = await aurora('config', 'check', 'bad.aurora.ts');
      expect(r.code).toBe(3);
      const heads = r.stderr.split('\n').filter((l) => l.startsWith('bad.aurora.ts:'));
      expect(heads).toEqual([
        'bad.aurora.ts:2:49 - error: job devcluster/www-data/production/hello: task.processes[0].cmdline: {{version}} is not bound: pass --bind version=VALUE or define it with .bind()',
        "bad.aurora.ts:7:18 - error: job devcluster/www-data/production/hello: key.environment: environment must be 'prod', 'devel', 'test' or 'staging<N>' (found \"production\")",
        'bad.aurora.ts:9:66 - error: job devcluster/www-data/production/hello: task.resources.cpu: cpu must be more than 0 (found 0)',
      ]);
      expect(r.stderr).toMatch(/Error: bad\.aurora\.ts has 3 errors; fix them and try again\n$/);
      const j = await aurora('config', 'check', 'bad.aurora.ts', '--json', '--bind', 'version=1');
      expect(j.code).toBe(3);
      const out = JSON.parse(j.stdout) as { ok: boolean; errors: { file: string; line: number; column: number }[] };
      expect(out.ok).toBe(false);
      expect(out.errors.map((e) => `${e.file}:${e.line}:${e.column}`)).toEqual(['bad.aurora.ts:7:18', 'bad.aurora.ts:9:66']);
    });

    it('accepts an environment the cluster allows in clusters.json', async () => {
      tmp.write('qa.aurora.ts', HELLO_CONFIG.replace("environment: 'prod'", "environment: 'qa'"));
      expect((await aurora('config', 'check', 'qa.aurora.ts')).code).toBe(3);
      tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: 'http://127.0.0.1:9', allowed_environments: ['qa'] }]));
      expect(await aurora('config', 'check', 'qa.aurora.ts')).toMatchObject({ code: 0, stdout: 'qa.aurora.ts: OK, 1 job\n  devcluster/www-data/qa/hello\n' });
      const inspect = await aurora('job', 'inspect', 'devcluster/www-data/qa/hello', 'qa.aurora.ts', '--json');
      expect(inspect.code).toBe(0);
    });
  });

  it("config list prints the job keys as Aurora's jobs=[...] line, --json as JSON", async () => {
    tmp.write('two.aurora.ts', HELLO_CONFIG.replace('export const jobs = [', "export const jobs = [\n  Service({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'other', task: Task({ processes: [hello], resources: Resources({ cpu: 1, ram: 16 * MB, disk: 16 * MB }) }) }),"));
    const r = await aurora('config', 'list', 'two.aurora.ts');
    expect(r).toMatchObject({ code: 0, stdout: 'jobs=[devcluster/www-data/test/other, devcluster/www-data/prod/hello]\n' });
    const j = await aurora('config', 'list', 'two.aurora.ts', '--json');
    expect(JSON.parse(j.stdout)).toHaveLength(2);
  });

  it('config schema prints a JSON Schema of the JobSpec', async () => {
    const r = await aurora('config', 'schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { title: string; type: string; required: string[]; properties: Record<string, unknown> };
    expect(schema.title).toBe('JobSpec');
    expect(schema.type).toBe('object');
    expect(schema.required).toContain('task');
    expect(Object.keys(schema.properties)).toContain('healthCheck');
  });

  describe('job inspect', () => {
    it('prints the compiled spec, readable or as canonical JSON, and caches it', async () => {
      const r = await aurora('job', 'inspect', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').slice(0, 1)).toEqual(['Job devcluster/www-data/prod/hello: service, 1 instance']);
      expect(r.stdout).toContain('  Process hello:\n    cmdline: while true; do echo hello world; sleep 5; done\n');
      const j = await aurora('job', 'inspect', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--json');
      const spec = JSON.parse(j.stdout) as { key: { name: string }; task: { resources: unknown } };
      expect(spec.task.resources).toEqual({ cpu: 0.1, diskMb: 16, gpu: 0, ramMb: 16 });
      expect(readdirSync(path.join(cacheDir(), 'specs'))).toHaveLength(1);
      // The warm run answers from the cache, with the same output.
      expect((await aurora('job', 'inspect', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--json')).stdout).toBe(j.stdout);
    });

    it('exits 3 with located errors, and 6 for a bad key', async () => {
      tmp.write('bad.aurora.ts', HELLO_CONFIG.replace('cpu: 0.1', 'cpu: -1'));
      const r = await aurora('job', 'inspect', 'devcluster/www-data/prod/hello', 'bad.aurora.ts');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^bad\.aurora\.ts:9:66 - error: job devcluster\/www-data\/prod\/hello: task\.resources\.cpu: cpu must be more than 0 \(found -1\)\n/);
      const k = await aurora('job', 'inspect', 'devcluster/www data/prod/hello', 'hello.aurora.ts');
      expect(k.code).toBe(6);
      expect(k.stderr).toContain("role may only contain letters, digits, '_', '-' and '.'");
    });
  });

  describe('job diff', () => {
    async function scheduler(): Promise<TestScheduler> {
      sched = await startTestScheduler();
      tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
      return sched;
    }

    it('says "no differences" when the config compiles to what runs', async () => {
      await scheduler();
      expect((await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'diff', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe('no differences: hello.aurora.ts compiles to the spec the scheduler runs for devcluster/www-data/prod/hello\n');
    });

    it('prints a unified diff of canonical JSON, and exits 0', async () => {
      await scheduler();
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      tmp.write('changed.aurora.ts', HELLO_CONFIG.replace('ram: 16 * MB', 'ram: 32 * MB'));
      const r = await aurora('job', 'diff', 'devcluster/www-data/prod/hello', 'changed.aurora.ts');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^--- scheduler devcluster\/www-data\/prod\/hello \(config [0-9a-f]{16}\)$/);
      expect(lines[1]).toMatch(/^\+\+\+ changed\.aurora\.ts \(config [0-9a-f]{16}\)$/);
      expect(lines[2]).toMatch(/^@@ -\d+,7 \+\d+,7 @@$/);
      expect(lines.filter((l) => /^[-+] /.test(l))).toEqual(['-      "ramMb": 16', '+      "ramMb": 32']);
      const j = await aurora('job', 'diff', 'devcluster/www-data/prod/hello', 'changed.aurora.ts', '--json');
      expect(JSON.parse(j.stdout)).toMatchObject({ job: 'devcluster/www-data/prod/hello', differs: true });
    });

    it('says clearly when the job does not exist', async () => {
      await scheduler();
      const r = await aurora('job', 'diff', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      expect(r.code).toBe(10);
      expect(r.stderr).toBe(
        'Error: Job devcluster/www-data/prod/hello does not exist on the scheduler, so there is nothing to diff against; create it with "aurora job create"\n',
      );
    });
  });

  it('config init writes a tsconfig and the DSL declarations that tsc checks configs with', async () => {
    const repo = path.join(tmp.dir, 'repo');
    tmp.write('repo/hello.aurora.ts', HELLO_CONFIG);
    tmp.write(
      'repo/templates.ts',
      `import { Process, thermos, type ProcessDef } from '@aurora/dsl';\nexport const web = (): ProcessDef => Process({ name: 'web', cmdline: \`serve \${thermos.ports.http}\` });\n`,
    );
    const r = await aurora('config', 'init', 'repo');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote repo/tsconfig.json\nwrote repo/aurora-dsl.d.ts\n');
    expect(existsSync(path.join(repo, 'aurora-dsl.d.ts'))).toBe(true);
    expect((await aurora('config', 'init', 'repo')).code).toBe(6);
    const tsc = path.resolve('node_modules', 'typescript', 'bin', 'tsc');
    // Only the generated files: no paths to the client, no node_modules in the repo.
    execFileSync(process.execPath, [tsc, '-p', repo], { cwd: repo, stdio: 'pipe' });
    tmp.write('repo/bad.aurora.ts', HELLO_CONFIG.replace('cpu: 0.1', "cpu: '0.1'"));
    let out = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', repo], { cwd: repo, stdio: 'pipe' });
    } catch (err) {
      out = String((err as { stdout?: Buffer }).stdout);
    }
    // A number field takes a number or a '{{template}}', not any string.
    expect(out).toMatch(/bad\.aurora\.ts\(9,61\): error TS2322: Type '"0\.1"' is not assignable to type 'NumberOrTemplate'/);
  });
});
