import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { compileConfigJob, loadConfig, type LoadedConfig } from '../config/index.js';
import { InvalidConfigurationError } from '../errors.js';
import { tempDir } from '../testing/temp-dir.js';
import { dslCapabilities, migrateAuroraConfig, type MigrationResult } from './index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const MARK = 'aurora config migrate: line';

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function migrate(name: string): MigrationResult {
  const result = migrateAuroraConfig(fixture(name), name);
  expect(result.syntaxErrors).toEqual([]);
  return result;
}

const tmp = tempDir('aurora-migrate-');
afterAll(() => tmp.remove());

/** Writes the generated config and loads it with the real loader: type-check, evaluate. */
function load(result: MigrationResult, name: string): LoadedConfig {
  tmp.write(name, result.text);
  return loadConfig(name, { cwd: tmp.dir });
}

function compile(config: LoadedConfig, key: string, bindings: Record<string, string> = {}): JobSpec {
  return compileConfigJob(config, parseJobKey(key), bindings);
}

/** Every reported issue is a marked comment at its line, followed by the original lines commented out. */
function expectCommented(result: MigrationResult, source: string): void {
  const lines = source.split('\n');
  for (const issue of result.issues) {
    expect(result.text).toContain(`// ${MARK} ${issue.line} not translated: ${issue.message}`);
    const original = (lines[issue.line - 1] as string).trim();
    expect(result.text).toMatch(new RegExp(`^\\s*// \\s*${original.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  }
  const marks = result.text.split('\n').filter((l) => new RegExp(`^\\s*// ${MARK} \\d+ `).test(l));
  expect(marks).toHaveLength(result.issues.length);
}

/** The text with line breaks and indentation as single spaces, and no trailing commas. */
function squash(text: string): string {
  return text.replace(/,(\s*[}\]])/g, '$1').replace(/\s+/g, ' ').replace(/([{[(]) /g, '$1 ');
}

function importLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('import '));
}

describe('migrateAuroraConfig on configs written like Aurora’s documentation', () => {
  it('hello world of the tutorial: same cmdlines and resources, the md5 of the script a fileDigest()', () => {
    const result = migrate('hello_world.aurora');
    expect(result.issues).toEqual([]);
    // the import is not needed and the script's absolute path is read next to the config: said, not untranslated
    expect(result.remarks.map((r) => [r.line, r.kind])).toEqual([
      [5, 'dropped'],
      [6, 'rewritten'],
    ]);
    expect(result.text).toContain("// aurora config migrate: line 5: `import hashlib` is not needed");
    expect(result.text).toContain("const pkgPath = '/vagrant/hello_world.py';");
    expect(result.text).toContain("const pkgChecksum = fileDigest('md5', './hello_world.py');");
    expect(result.text).toContain('cmdline: `cp ${pkgPath} . && echo ${pkgChecksum} && chmod +x hello_world.py`');
    expect(importLines(result.text)).toEqual([
      "import { MB, Process, Resources, SequentialTask, Service, fileDigest } from '@aurora/dsl';",
    ]);
    // Python comments come along
    expect(result.text).toContain('// copy the script into the sandbox');

    tmp.write('hello_world.py', 'print("hello world")\n');
    const config = load(result, 'hello_world.aurora.ts');
    const spec = compile(config, 'devcluster/www-data/devel/hello_world');
    expect(spec).toMatchObject({
      key: { cluster: 'devcluster', role: 'www-data', environment: 'devel', name: 'hello_world' },
      instances: 1,
      service: true,
      task: {
        name: 'fetch_package',
        processes: [
          { name: 'fetch_package', cmdline: 'cp /vagrant/hello_world.py . && echo 72214db4e1e543018d1bafe86ea3b444 && chmod +x hello_world.py' },
          { name: 'hello_world', cmdline: 'python -u hello_world.py' },
        ],
        constraints: [{ order: ['fetch_package', 'hello_world'] }],
        resources: { cpu: 1, ramMb: 1, diskMb: 8, gpu: 0 },
      },
    });
  });

  it('a service with health check, update config, constraints, announcer and lifecycle', () => {
    const result = migrate('web_service.aurora');
    expect(result.issues).toEqual([]);
    expect(result.text).toContain("cmdline: 'python3 -m http.server ' + PORT + ' --bind 0.0.0.0'");
    expect(result.text).toContain('maxPerInstanceFailures: 1');
    expect(result.text).toContain('healthChecker: HttpHealthChecker({');
    expect(importLines(result.text)).toHaveLength(1);

    const spec = compile(load(result, 'web_service.aurora.ts'), 'devcluster/www-data/prod/web');
    expect(spec).toMatchObject({
      instances: 3,
      service: true,
      production: true,
      tier: 'preferred',
      contact: 'web-team@example.com',
      constraints: { host: 'limit:1', rack: '!r9' },
      ports: ['http'],
      task: {
        name: 'web',
        processes: [
          { name: 'web', cmdline: 'python3 -m http.server {{thermos.ports[http]}} --bind 0.0.0.0', daemon: true, maxFailures: 0, minDurationSecs: 15 },
        ],
        resources: { cpu: 0.5, ramMb: 128, diskMb: 256 },
      },
      updateConfig: {
        strategy: { kind: 'queue', groupSize: 2 },
        watchSecs: 30,
        maxPerInstanceFailures: 1,
        maxTotalFailures: 1,
        rollbackOnFailure: true,
        slaAware: false,
      },
      healthCheck: {
        checker: { kind: 'http', endpoint: '/healthz', expectedResponse: 'ok', expectedResponseCode: 200 },
        initialIntervalSecs: 20,
        intervalSecs: 5,
        timeoutSecs: 2,
        maxConsecutiveFailures: 3,
      },
      announce: { primaryPort: 'http', portmap: { aurora: 'http' } },
      lifecycle: { http: { gracefulShutdownWaitSecs: 10 } },
    });
  });

  it('a cron job with a collision policy, join and format', () => {
    const result = migrate('cron_job.aurora');
    expect(result.issues).toEqual([]);
    expect(result.text).toContain("['pg_dump', '--format=custom', '--file=backup-{{mesos.instance}}.dump', 'app'].join(' ')");
    const spec = compile(load(result, 'cron_job.aurora.ts'), 'devcluster/dba/prod/nightly_backup');
    expect(spec).toMatchObject({
      service: false,
      cronSchedule: '30 2 * * *',
      cronCollisionPolicy: 'CANCEL_NEW',
      // Aurora reads every schedule in the scheduler's -cron_timezone; so does a job that sets no zone.
      cronTimezone: null,
      maxTaskFailures: 3,
      task: {
        processes: [
          { name: 'backup', cmdline: 'pg_dump --format=custom --file=backup-{{mesos.instance}}.dump app' },
          { name: 'upload', cmdline: 'upload-backup --bucket nightly backup-{{mesos.instance}}.dump', maxFailures: 3 },
        ],
        constraints: [{ order: ['backup', 'upload'] }],
        resources: { cpu: 1, ramMb: 512, diskMb: 4096 },
      },
    });
  });

  it('a multi-process task with order(), a final process, a logger and a docstring', () => {
    const result = migrate('pipeline.aurora');
    expect(result.issues).toEqual([]);
    expect(result.text).toContain('// A batch pipeline: setup and staging run first');
    expect(result.text).toContain('constraints: [...order(setup, work), ...order(stage, work)]');
    expect(result.text).toContain('disk: 2 * GB + 512 * MB');
    const spec = compile(load(result, 'pipeline.aurora.ts'), 'devcluster/batch/test/pipeline');
    expect(spec.instances).toBe(2);
    expect(spec.task).toMatchObject({
      name: 'pipeline',
      constraints: [{ order: ['setup', 'work'] }, { order: ['stage', 'work'] }],
      resources: { cpu: 2, ramMb: 1024, diskMb: 2560 },
      maxFailures: 1,
      maxConcurrency: 2,
      finalizationWaitSecs: 45,
    });
    const byName = Object.fromEntries(spec.task.processes.map((p) => [p.name, p]));
    expect(byName['stage']?.cmdline).toBe('cat <<EOF > .thermos_profile\nexport MODE=batch\nEOF');
    expect(byName['work']).toMatchObject({
      maxFailures: 3,
      logger: { destination: 'both', mode: 'rotate', logSizeBytes: 10 * 1024 * 1024, logBackups: 3 },
    });
    expect(byName['monitor']?.ephemeral).toBe(true);
    expect(byName['cleanup']?.final).toBe(true);
  });

  it('templates: copies with new fields, SequentialTask templates, .bind()', () => {
    const result = migrate('templates.aurora');
    const config = load(result, 'templates.aurora.ts');
    expect(result.text).toContain('satisfies Partial<TaskProps>');
    expect(result.text).toContain('SequentialTask({');
    expect(result.text).toContain('...jobTemplate');
    const prod = compile(config, 'cluster1/myteam/prod/application');
    const staging = compile(config, 'cluster1/myteam/staging1/application');
    if (dslCapabilities().bind) {
      expect(result.issues).toEqual([]);
      expect(squash(result.text)).toContain(".bind({ java_binary: '/usr/bin/java', heap: '1792m', version: 'live' })");
    }
    expect(prod).toMatchObject({
      instances: 20,
      service: true,
      contact: 'myteam@example.com',
      task: {
        processes: [
          { name: 'fetch', cmdline: 'curl -O https://packages.example.com/live/application-live.jar' },
          { name: 'application', cmdline: '/usr/bin/java -server -Xmx1792m -jar application-live.jar' },
        ],
        constraints: [{ order: ['fetch', 'application'] }],
        resources: { cpu: 4, ramMb: 2560, diskMb: 10240 },
      },
    });
    expect(staging).toMatchObject({
      instances: 2,
      service: false,
      task: {
        processes: [{ name: 'fetch' }, { name: 'application', cmdline: '/usr/bin/java -server -Xmx512m -jar application-latest.jar' }],
        resources: { cpu: 1, ramMb: 2048, diskMb: 1024 },
      },
    });
  });

  it('reports every construct outside the subset with its line, and leaves it as a comment', () => {
    const source = fixture('outside_subset.aurora');
    const result = migrate('outside_subset.aurora');
    const byLine = new Map(result.issues.map((i) => [i.line, i.message]));
    expect([...byLine.keys()]).toEqual([5, 8, 10, 12, 18, 22, 26, 30]);
    expect(byLine.get(5)).toMatch(/functions are not translated/);
    expect(byLine.get(8)).toMatch(/list comprehensions/);
    expect(byLine.get(10)).toMatch(/Packer/);
    expect(byLine.get(12)).toMatch(/format field \{0:>4\}/);
    expect(byLine.get(18)).toMatch(/Process has no field 'colour'/);
    expect(byLine.get(22)).toMatch(/'workers' comes from line 8/);
    expect(byLine.get(26)).toMatch(/print/);
    expect(byLine.get(30)).toMatch(/RUN_OVERLAP/);
    // what means nothing here (the imports os.getenv and hashlib need, enable_hooks) is dropped with a comment
    expect(result.remarks.map((r) => [r.line, r.kind])).toEqual([
      [2, 'dropped'],
      [3, 'dropped'],
      [29, 'dropped'],
    ]);
    expectCommented(result, source);
    expect(result.text).toContain('// def make_worker(n):');
    expect(result.text).toContain("//   return Process(name = 'worker%d' % n, cmdline = './work --shard %d' % n)");
    expect(result.text).toContain("cmdline: './app --owner ' + currentUser(),");

    // what did translate still type-checks and compiles
    tmp.write('outside_subset.aurora.ts', result.text);
    const config = loadConfig('outside_subset.aurora.ts', { cwd: tmp.dir, user: 'alice' });
    const spec = compile(config, 'devcluster/www-data/devel/main');
    expect(spec.task.processes).toMatchObject([{ name: 'main', cmdline: './app --owner alice', maxFailures: 2 }]);
    expect(spec.cronCollisionPolicy).toBe('KILL_EXISTING');
  });

  it('a job key field it cannot compute is reported, and the loader then names the missing field', () => {
    const source = [
      'import os',
      'hello_world_job = Job(',
      "  task = SimpleTask(name = 'hello_world', command = 'echo hello world'),",
      "  role = os.getenv('TEAM'),",
      "  cluster = 'devcluster')",
      'jobs = [hello_world_job]',
    ].join('\n');
    const result = migrateAuroraConfig(source, 'simple.aurora');
    expect(result.issues.map((i) => i.line)).toEqual([4]);
    expect(result.issues[0]?.message).toMatch(/os.getenv\('TEAM'\) reads the environment.*--bind/);
    expect(result.text).toContain("//   role = os.getenv('TEAM'),");
    // without its role, the job is a template (its fields), which Job(...) then says lacks the role
    expect(result.text).toContain('export const jobs = [Job(helloWorldJob)];');
    tmp.write('simple.aurora.ts', result.text);
    let error: unknown;
    try {
      loadConfig('simple.aurora.ts', { cwd: tmp.dir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    expect((error as InvalidConfigurationError).details.join('\n')).toMatch(/role/);
  });

  it('refuses a file that is not Python, naming the line', () => {
    const unclosed = migrateAuroraConfig("hello = Process(\n  name = 'hello',\n  cmdline = 'echo hi'\n\njobs = [\n", 'bad.aurora');
    expect(unclosed.text).toBe('');
    // Python 3 reads `'echo hi' jobs` as a missing comma before it finds the bracket never closed
    expect(unclosed.syntaxErrors).toEqual([{ line: 3, column: 13, message: 'invalid syntax. Perhaps you forgot a comma?', sourceLine: "  cmdline = 'echo hi'" }]);

    const comma = migrateAuroraConfig("x = 1\np = Process(name = 'a' cmdline = 'b')\njobs = []\n", 'comma.aurora');
    expect(comma.syntaxErrors.map((e) => e.line)).toEqual([2]);

    // Python 2's print statement parses; it is reported like any statement outside the subset
    const py2 = migrateAuroraConfig("x = 1\nprint 'configuring'\n", 'py2.aurora');
    expect(py2.syntaxErrors).toEqual([]);
    expect(py2.issues).toEqual([{ line: 2, message: 'print is not translated: configs have no output' }]);
  });
});

describe('migrateAuroraConfig pieces', () => {
  const body = (source: string, options: Parameters<typeof migrateAuroraConfig>[2] = {}): string =>
    migrateAuroraConfig(source, 'x.aurora', options).text.split('\n').filter((l) => !l.startsWith('//') && !l.startsWith('import ')).join('\n').trim();

  it('Python literals', () => {
    const text = body(
      [
        'a = True',
        'b = None',
        'c = [1, 2.5, -3, 0x1F, 017]',
        "d = {'x': 'y', 'needs-quotes': 2}",
        'e = """line one\nline two"""',
        "f = 'it\\'s a \\\"quote\\\"\\t'",
        "g = r'\\d+' \"x\"",
        "h = (1, 'two')",
        'i = 7 // 2 + 2 ** 3',
        "j = 'x' if a else 'y'",
      ].join('\n'),
    );
    expect(text).toContain('const a = true;');
    expect(text).toContain('const b = null;');
    expect(text).toContain('const c = [1, 2.5, -3, 0x1F, 0o17];');
    expect(text).toContain("const d = { x: 'y', 'needs-quotes': 2 };");
    expect(text).toContain('const e = `line one\nline two`;');
    expect(text).toContain("const f = 'it\\'s a \"quote\"\\t';");
    expect(text).toContain("const g = '\\\\d+x';");
    expect(text).toContain("const h = [1, 'two'];");
    expect(text).toContain('const i = Math.floor(7 / 2) + 2 ** 3;');
    expect(text).toContain("const j = a ? 'x' : 'y';");
  });

  it('string building: concatenation, join, % and format', () => {
    const text = body(
      [
        "name = 'app'",
        "a = 'run ' + name",
        "b = ' '.join(['java', '-jar', name + '.jar'])",
        "c = '%s-%d %%' % (name, 3)",
        "d = '%(n)s!' % {'n': name}",
        "e = '{}/{name} {{literal}}'.format('x', name = name)",
      ].join('\n'),
    );
    expect(text).toContain("const a = 'run ' + name;");
    expect(text).toContain("const b = ['java', '-jar', name + '.jar'].join(' ');");
    expect(text).toContain('const c = `${name}-3 %`;');
    expect(text).toContain('const d = `${name}!`;');
    expect(text).toContain('const e = `x/${name} {literal}`;');
  });

  it('Constraint(order=...), metadata, Docker and legacy health check fields', () => {
    const source = [
      "p = Process(name = 'a', cmdline = 'true')",
      "q = Process(name = 'b', cmdline = 'true')",
      'task = Task(processes = [p, q], constraints = [Constraint(order = [p.name(), "b"])],',
      '  resources = Resources(cpu = 0.25, ram = 64*MB, disk = 64*MB, gpu = 0))',
      'jobs = [Job(',
      "  cluster = 'devcluster', role = 'www-data', environment = 'test', task = task,",
      "  metadata = [Metadata(key = 'team', value = 'web')],",
      "  container = Container(docker = Docker(image = 'python:3.12', parameters = [Parameter(name = 'env', value = 'A=1')])),",
      "  health_check_config = HealthCheckConfig(endpoint = '/ping', expected_response = 'pong'),",
      '  sla_policy = CountSlaPolicy(count = 1, duration_secs = 60),',
      '  partition_policy = PartitionPolicy(reschedule = True, delay_secs = 30),',
      ')]',
    ].join('\n');
    const result = migrateAuroraConfig(source, 'misc.aurora');
    expect(result.issues).toEqual([]);
    expect(result.text).toContain("constraints: order(p.name, 'b')");
    expect(result.text).toContain("metadata: { team: 'web' }");
    expect(result.text).toContain("healthChecker: HttpHealthChecker({ endpoint: '/ping', expectedResponse: 'pong' })");
    const spec = compile(load(result, 'misc.aurora.ts'), 'devcluster/www-data/test/a');
    expect(spec).toMatchObject({
      metadata: [{ key: 'team', value: 'web' }],
      container: { docker: { image: 'python:3.12', parameters: [{ name: 'env', value: 'A=1' }] } },
      healthCheck: { checker: { kind: 'http', endpoint: '/ping', expectedResponse: 'pong' } },
      slaPolicy: { kind: 'count', count: 1, durationSecs: 60 },
      partitionPolicy: { reschedule: true, delaySecs: 30 },
      task: { constraints: [{ order: ['a', 'b'] }], resources: { cpu: 0.25, ramMb: 64, diskMb: 64 } },
    });
  });

  it("Aurora 0.22's update strategies and sla_aware", () => {
    const source = [
      "task = SimpleTask('web', 'serve')",
      "queue = Service(cluster = 'devcluster', role = 'www-data', environment = 'prod', name = 'queue', task = task,",
      '  update_config = UpdateConfig(update_strategy = QueueUpdateStrategy(batch_size = 2), sla_aware = True))',
      "batch = Service(cluster = 'devcluster', role = 'www-data', environment = 'prod', name = 'batch', task = task,",
      '  update_config = UpdateConfig(batch_size = 1, wait_for_batch_completion = False, watch_secs = 30,',
      '    update_strategy = BatchUpdateStrategy(batch_size = 3, autopause_after_batch = True)))',
      "variable = Service(cluster = 'devcluster', role = 'www-data', environment = 'prod', name = 'variable', task = task,",
      '  update_config = UpdateConfig(update_strategy = VariableBatchUpdateStrategy(batch_sizes = [1, 2, 3])))',
      'jobs = [queue, batch, variable]',
    ].join('\n');
    const result = migrateAuroraConfig(source, 'strategies.aurora');
    expect(result.issues).toEqual([]);
    expect(squash(result.text)).toContain('updateConfig: UpdateConfig({ updateStrategy: QueueUpdateStrategy({ batchSize: 2 }), slaAware: true })');
    // Aurora's defaults beside a strategy (it cannot tell them from unset) are left out; the DSL refuses any.
    expect(squash(result.text)).toContain(
      'updateConfig: UpdateConfig({ watchSecs: 30, updateStrategy: BatchUpdateStrategy({ batchSize: 3, autopauseAfterBatch: true }) })',
    );
    const config = load(result, 'strategies.aurora.ts');
    expect(compile(config, 'devcluster/www-data/prod/queue').updateConfig).toMatchObject({ strategy: { kind: 'queue', groupSize: 2 }, slaAware: true });
    expect(compile(config, 'devcluster/www-data/prod/batch').updateConfig).toMatchObject({
      strategy: { kind: 'batch', batchSize: 3, autopauseAfterBatch: true },
      watchSecs: 30,
      slaAware: false,
    });
    expect(compile(config, 'devcluster/www-data/prod/variable').updateConfig.strategy).toEqual({
      kind: 'variable',
      batchSizes: [1, 2, 3],
      autopauseAfterBatch: false,
    });
  });

  it('SimpleTask, Tasks.concat and .bind(): used when the DSL has them, else expanded or reported', () => {
    const source = [
      "setup = SimpleTask(name = 'setup', command = 'echo setup')",
      "run = SimpleTask('run', 'echo {{greeting}}')",
      'both = Tasks.concat(setup, run)',
      "jobs = [Job(cluster = 'devcluster', role = 'www-data', task = both).bind(greeting = 'hi')]",
    ].join('\n');
    const full = dslCapabilities();
    const withAll = migrateAuroraConfig(source, 'simple.aurora', { dsl: { ...full, simpleTask: true, tasks: true, bind: true } });
    expect(withAll.issues).toEqual([]);
    expect(withAll.text).toContain("const setup = SimpleTask('setup', 'echo setup');");
    expect(withAll.text).toContain('const both = Tasks.concat(setup, run);');
    expect(squash(withAll.text)).toContain(".bind({ greeting: 'hi' })");
    if (full.simpleTask && full.tasks && full.bind) {
      const spec = compile(load(withAll, 'simple_all.aurora.ts'), 'devcluster/www-data/devel/setup');
      expect(spec.task).toMatchObject({
        processes: [{ name: 'setup', cmdline: 'echo setup' }, { name: 'run', cmdline: 'echo hi' }],
        constraints: [{ order: ['setup', 'run'] }],
        resources: { cpu: 1, ramMb: 1024, diskMb: 1024 },
      });
    }

    const without = migrateAuroraConfig(source, 'simple.aurora', { dsl: { ...full, simpleTask: false, tasks: false, bind: false } });
    expect(without.text).toContain('const setup = Task({');
    expect(without.text).toContain('resources: Resources({ cpu: 1, ram: 1 * GB, disk: 1 * GB })');
    expect(without.issues.map((i) => i.line)).toEqual([3, 4, 4]);
    expect(without.issues[0]?.message).toMatch(/Tasks.concat/);
    expect(without.issues[1]?.message).toMatch(/'both' comes from line 3/);
    expect(without.issues[2]?.message).toMatch(/--bind greeting=hi\)/);
  });

  it('names: camelCase, reserved words and DSL names avoided, exported jobs without a jobs list', () => {
    const text = body(
      [
        "default = 'x'",
        'MB = 1024 * 1024',
        "hello_world_task = SimpleTask('hello', 'echo hi')",
        "job = Job(cluster = 'devcluster', role = 'www-data', environment = 'prod', task = hello_world_task)",
      ].join('\n'),
    );
    expect(text).toContain("const default_ = 'x';");
    expect(text).toContain('const MB_ = 1024 * 1024;');
    expect(text).toContain('const helloWorldTask = ');
    expect(text).toContain('export const job = Job({');
  });
});
