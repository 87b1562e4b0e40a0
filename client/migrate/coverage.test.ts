/**
 * What migrate covers of Aurora's config forms, each on a fixture written in Aurora's idioms: the
 * migrated file is written, loaded through the real loader (type-check, evaluate) and each job
 * compiled to the JobSpec Aurora's own schema gives for the .aurora file (the expected values
 * below are Pystachio's, with the same bindings and USER=vagrant).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { compileConfigJob, loadConfig, type LoadedConfig } from '../config/index.js';
import { tempDir } from '../testing/temp-dir.js';
import { migrateAuroraConfig, type MigrationResult } from './index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tmp = tempDir('aurora-migrate-coverage-');
afterAll(() => tmp.remove());

function migrate(name: string): MigrationResult {
  const file = path.join(FIXTURES, name);
  const result = migrateAuroraConfig(readFileSync(file, 'utf8'), file, {
    readInclude: (rel) => {
      try {
        return readFileSync(path.join(path.dirname(file), rel), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
  expect(result.syntaxErrors).toEqual([]);
  return result;
}

/** Writes the migrated file (and what it includes, next to it) and loads it as `vagrant`. */
function load(result: MigrationResult, name: string): LoadedConfig {
  tmp.write(name, result.text);
  for (const inc of result.included) tmp.write(path.join(path.dirname(name), inc.output), inc.text);
  return loadConfig(name, { cwd: tmp.dir, user: 'vagrant' });
}

function compile(config: LoadedConfig, key: string, bindings: Record<string, string> = {}): JobSpec {
  return compileConfigJob(config, parseJobKey(key), bindings);
}

/** The text without the header, import lines and comments, lines joined. */
function code(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*(\/\/|import )/.test(l))
    .join('\n')
    .replace(/,(\s*[}\]])/g, '$1')
    .replace(/\s+/g, ' ');
}

describe('Struct profiles, templated numbers and keys, the OS user, MesosJob, Mesos containers', () => {
  const result = migrate('profiles.aurora');

  it('translates everything: the Struct class, its values, the templates and the containers', () => {
    expect(result.issues).toEqual([]);
    expect(result.remarks).toEqual([{ line: 4, kind: 'dropped', message: '`import getpass` is not needed: getpass.getuser() is currentUser()' }]);
    const ts = code(result.text);
    expect(ts).toContain(
      "const WebProfile = Struct({ role: Default(String, currentUser()), instances: Default(Integer, 1), gpu: Default(Integer, 0), version: Required(String), fetch: Default(String, 'curl -sO https://artifacts.example.com') });",
    );
    expect(ts).toContain("const STABLE = WebProfile({ version: '1.4' });");
    // a value derived from a value: the fields spread, then replaced
    expect(ts).toContain("const CANARY = WebProfile({ ...STABLE, version: '1.5-rc1', instances: 2 });");
    // names camelCase, even of a value Python names like a class; the Struct class keeps its name
    expect(ts).toContain("const gpuProfile = WebProfile({ version: '1.4', gpu: 1 });");
    // templated numbers stay templates; a number written as a string is a number
    expect(ts).toContain("instances: '{{profile.instances}}', maxTaskFailures: 3,");
    expect(ts).toContain("gpu: '{{profile.gpu}}'");
    expect(ts).toContain("cluster: '{{cluster_binding}}', role: '{{profile.role}}',");
    // templates derived with calls: one idiom, the template spread into the factory that made it
    expect(ts).toContain("Service({ ...web, name: 'web' }).bind({ profile: STABLE, cluster_binding: 'devcluster' })");
    expect(ts).toContain("Volume({ containerPath: 'etc/web', hostPath: '/etc/web', mode: Mode.RO })");
    expect(ts).toContain("container: Mesos({ image: DockerImage({ name: 'web', tag: '1.4' }), volumes })");
    expect(ts).toContain("updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [1, 2, 5] })");
    // MesosJob is Aurora's name for Job
    expect(ts).toContain("const batch = Job({ cluster: 'devcluster',");
  });

  it('compiles each job to what Aurora gives, --bind winning over the bound profile', () => {
    const config = load(result, 'profiles.aurora.ts');
    const common = {
      service: true,
      contact: 'vagrant@example.com',
      maxTaskFailures: 3,
      announce: { primaryPort: 'http', portmap: { alias: 'http' }, zkPath: null },
      updateConfig: { strategy: { kind: 'variable', batchSizes: [1, 2, 5], autopauseAfterBatch: false } },
    };
    const web = compile(config, 'devcluster/vagrant/test/web');
    expect(web).toMatchObject({
      ...common,
      key: { cluster: 'devcluster', role: 'vagrant', environment: 'test', name: 'web' },
      instances: 1,
      tier: null,
      container: null,
      task: {
        name: 'web',
        processes: [
          { name: 'fetch', cmdline: 'curl -sO https://artifacts.example.com/web-1.4.tgz' },
          { name: 'serve', cmdline: 'tar xzf web-1.4.tgz && ./web --port {{thermos.ports[http]}}' },
        ],
        constraints: [{ order: ['fetch', 'serve'] }],
        resources: { cpu: 0.5, ramMb: 64, diskMb: 128, gpu: 0 },
      },
    });
    expect(compile(config, 'devcluster/vagrant/test/web', { 'profile.instances': '3' }).instances).toBe(3);
    const canary = compile(config, 'devcluster/vagrant/test/web_canary');
    expect(canary.instances).toBe(2);
    expect(canary.task.processes[0]?.cmdline).toBe('curl -sO https://artifacts.example.com/web-1.5-rc1.tgz');
    expect(compile(config, 'devcluster/vagrant/test/web_gpu')).toMatchObject({ tier: 'revocable', task: { resources: { gpu: 1 } } });
    const volumes = [
      { containerPath: 'etc/web', hostPath: '/etc/web', mode: 'RO' },
      { containerPath: 'var/cache/web', hostPath: '/var/cache/web', mode: 'RW' },
    ];
    expect(compile(config, 'devcluster/vagrant/test/web_docker').container).toEqual({
      mesos: { image: { kind: 'docker', name: 'web', tag: '1.4' }, volumes },
    });
    expect(compile(config, 'devcluster/vagrant/test/web_appc', { appc_image_id: 'sha512-abc' }).container).toEqual({
      mesos: { image: { kind: 'appc', name: 'web', imageId: 'sha512-abc' }, volumes },
    });
    expect(compile(config, 'devcluster/www-data/prod/reindex')).toMatchObject({
      service: false,
      cronSchedule: '0 4 * * *',
      task: { processes: [{ name: 'reindex', cmdline: './reindex --all' }], resources: { cpu: 1, ramMb: 1024, diskMb: 1024 } },
    });
  });

  it('the role is the user running the client', () => {
    tmp.write('profiles-alice.aurora.ts', result.text);
    const asAlice = loadConfig('profiles-alice.aurora.ts', { cwd: tmp.dir, user: 'alice' });
    expect(compile(asAlice, 'devcluster/alice/test/web').contact).toBe('alice@example.com');
  });
});

describe('load-time digests and the OS user, as the tutorial writes them', () => {
  const result = migrate('tutorial_digest.aurora');

  it('become fileDigest() of the file next to the config, and currentUser()', () => {
    expect(result.issues).toEqual([]);
    const ts = code(result.text);
    expect(ts).toContain("const scriptChecksum = fileDigest('md5', './hello_world.py');");
    expect(ts).toContain("cmdline: 'echo ' + fileDigest('sha1', './hello_world.py')");
    expect(ts).toContain('role: currentUser(),');
    // an absolute path is read next to the config, and the comment says so (not untranslated)
    expect(result.remarks.map((r) => [r.line, r.kind])).toEqual([
      [3, 'dropped'],
      [4, 'dropped'],
      [17, 'rewritten'],
    ]);
    expect(result.text).toContain(
      "// aurora config migrate: line 17: fileDigest() reads only files next to the config: '/vagrant/hello_world.py' became './hello_world.py'; put the file there",
    );
  });

  it('compiles with the digests of the file next to it, for the user running the client', () => {
    const script = 'print("hello world")\n';
    tmp.write('digest/hello_world.py', script);
    const spec = compile(load(result, 'digest/tutorial_digest.aurora.ts'), 'devcluster/vagrant/devel/hello');
    const md5 = createHash('md5').update(script).digest('hex');
    const sha1 = createHash('sha1').update(script).digest('hex');
    expect(spec.task.processes.map((p) => p.cmdline)).toEqual([`cp /vagrant/hello_world.py . && echo ${md5}`, `echo ${sha1}`, 'python -u hello_world.py']);
  });
});

describe('include()', () => {
  const result = migrate('include/hello_clusters.aurora');

  it('migrates the included file too, to be written next to the output, and imports what is used', () => {
    expect(result.issues).toEqual([]);
    expect(result.included.map((i) => [i.path, i.output, i.issues.length])).toEqual([['hello_base.aurora', 'hello_base.aurora.ts', 0]]);
    expect(result.text).toContain("import { helloJob, helloTask } from './hello_base.aurora.ts'; // include('hello_base.aurora')");
    const base = result.included[0]?.text ?? '';
    // everything it defines is exported for the files that include it; a template lacking fields is its fields
    expect(code(base)).toContain("export const helloJob = { role: 'www-data', environment: 'prod', name: 'hello', task: helloTask } satisfies Partial<JobProps>;");
    expect(code(result.text)).toContain("Job({ ...helloJob, cluster: 'us-east', instances: 25, task: Task({ ...helloTask, resources: big }) })");
  });

  it('compiles the including file, and the included one on its own', () => {
    const config = load(result, 'include/hello_clusters.aurora.ts');
    expect(config.jobs).toHaveLength(2);
    expect(compile(config, 'us-east/www-data/prod/hello')).toMatchObject({
      instances: 25,
      task: { processes: [{ name: 'hello', cmdline: 'echo hello from us-east' }], resources: { cpu: 1, ramMb: 512, diskMb: 2048 } },
    });
    expect(compile(config, 'us-west/www-data/prod/hello')).toMatchObject({ instances: 15, task: { resources: { cpu: 0.1, ramMb: 16 } } });
    const base = loadConfig('include/hello_base.aurora.ts', { cwd: tmp.dir, user: 'vagrant' });
    expect(compile(base, 'local/www-data/prod/hello').instances).toBe(1);
  });

  it('an include that cannot be read is reported, once', () => {
    const r = migrateAuroraConfig("include('nowhere.aurora')\njobs = []\n", 'x.aurora', { readInclude: () => undefined });
    expect(r.issues).toEqual([{ line: 1, message: "include('nowhere.aurora') is not translated: nowhere.aurora cannot be read" }]);
    const cycle = migrateAuroraConfig("include('x.aurora')\n", 'x.aurora', { readInclude: () => "include('x.aurora')\n" });
    expect(cycle.issues.map((i) => i.message)).toEqual(["include('x.aurora') includes a file that includes this one"]);
  });

  it('the jobs of an included file are the including file’s when it defines none', () => {
    const r = migrateAuroraConfig("include('base.aurora')\n", 'x.aurora', { readInclude: () => readFileSync(path.join(FIXTURES, 'include', 'hello_base.aurora'), 'utf8') });
    expect(r.text).toContain("import { jobs } from './base.aurora.ts';");
    expect(r.text).toContain('export { jobs };');
  });
});

describe('templates, order(), dropped settings and what stays by hand', () => {
  const source = readFileSync(path.join(FIXTURES, 'templates_and_drops.aurora'), 'utf8');
  const result = migrate('templates_and_drops.aurora');

  it('templates lacking fields are their fields, spread where used; order() + order() is one list', () => {
    const ts = code(result.text);
    expect(ts).toContain('const reliable = { maxFailures: 5, minDuration: 1 } satisfies Partial<ProcessProps>;');
    expect(ts).toContain("const unpack = Process({ ...reliable, name: 'unpack', cmdline: 'tar xzf app.tgz' });");
    // a Task without resources, as Aurora allows in a template: no Task(...) call that cannot type-check
    expect(ts).toContain(
      "const appTask = { name: 'app', processes: [download, unpack, warm, run], constraints: [...order(download, unpack), ...order(unpack, warm, run)] } satisfies Partial<TaskProps>;",
    );
    expect(ts).toContain('const small = Task({ ...appTask, resources: Resources({ cpu: 0.5, ram: 128 * MB, disk: 256 * MB }) });');
  });

  it('drops settings that mean nothing here with a comment, not counted as untranslated', () => {
    expect(result.remarks.map((r) => [r.line, r.message.split(':')[0]])).toEqual([
      [17, 'Task.user dropped'],
      [27, 'Service.executor_config dropped'],
      [28, 'Service.enable_hooks dropped'],
      [28, 'Service.task_links dropped'],
      [29, 'UpdateConfig.restart_threshold dropped'],
    ]);
    expect(result.text).toContain('// aurora config migrate: line 28: Service.enable_hooks dropped: client hooks do not exist in aurora-ts\n    //   enable_hooks = True\n');
    expect(result.issues.every((i) => !/executor_config|enable_hooks|task_links|restart_threshold|user/.test(i.message))).toBe(true);
  });

  it('leaves each untranslated construct as one commented block with its line, and no empty call', () => {
    expect(result.issues.map((i) => i.line)).toEqual([3, 21, 31, 31, 32]);
    // two settings of one line that did not translate: the line is shown once, under both reasons
    const line31 = "    //     tier = settings['tier'], priority = settings['priority'],";
    expect(result.text.split('\n').filter((l) => l === line31)).toHaveLength(1);
    expect(result.text).toContain(
      "    // aurora config migrate: line 31 not translated: settings['tier'] is not translated\n    // aurora config migrate: line 31 not translated: settings['priority'] is not translated\n" + line31,
    );
    // a .bind() of which nothing translated is not left as .bind({})
    expect(result.text).not.toMatch(/\.bind\(\{\s*(\/\/[^\n]*\n\s*)*\}\)/);
    expect(result.text).toContain("  // aurora config migrate: line 32 not translated: 'json' comes from line 3, which was not translated\n  //   ).bind(owner = json.dumps('www-data')),");
    const lines = source.split('\n');
    const commented = result.text.split('\n').map((l) => l.replace(/^\s*\/\/\s*/, ''));
    for (const issue of result.issues) expect(commented).toContain((lines[issue.line - 1] as string).trim());
  });

  it('what did translate type-checks and compiles', () => {
    const spec = compile(load(result, 'templates_and_drops.aurora.ts'), 'devcluster/www-data/staging2/app');
    expect(spec).toMatchObject({
      tier: null,
      updateConfig: { strategy: { kind: 'queue', groupSize: 2 } },
      healthCheck: { initialIntervalSecs: 20 },
      task: {
        constraints: [{ order: ['download', 'unpack'] }, { order: ['unpack', 'warm', 'run'] }],
        resources: { cpu: 0.5, ramMb: 128, diskMb: 256 },
      },
    });
    expect(spec.task.processes.map((p) => [p.name, p.maxFailures, p.minDurationSecs, p.daemon])).toEqual([
      ['download', 5, 1, false],
      ['unpack', 5, 1, false],
      ['warm', 5, 1, false],
      ['run', 1, 5, true],
    ]);
  });

  it('a list of which nothing translates is one untranslated statement, not an empty list', () => {
    const r = migrateAuroraConfig("import json\nvolumes = [json.loads('a'), json.loads('b')]\n", 'x.aurora');
    expect(r.issues.map((i) => i.line)).toEqual([1, 2]);
    expect(r.text).toContain("// aurora config migrate: line 2 not translated: 'json' comes from line 1, which was not translated\n// volumes = [json.loads('a'), json.loads('b')]");
    expect(r.text).not.toContain('const volumes');
  });

  it('a file that defines no jobs exports an empty jobs list, which the loader accepts', () => {
    const r = migrateAuroraConfig("p = Process(name = 'p', cmdline = 'true')\n", 'templates.aurora');
    expect(r.text).toContain('export const jobs = [];');
    tmp.write('nojobs.aurora.ts', r.text);
    expect(loadConfig('nojobs.aurora.ts', { cwd: tmp.dir }).jobs).toEqual([]);
  });
});
