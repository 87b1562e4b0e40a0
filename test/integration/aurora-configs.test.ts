/**
 * Aurora configs through the compiled `aurora`, as a user runs it: Aurora's end-to-end
 * http_example ported by hand (test/fixtures/aurora-e2e/http_example.aurora.ts) inspects to the
 * jobs Aurora gives, `--bind` wins over the config's `.bind()` at every level, templated job keys
 * are matched bound (`config list --bind`, `job inspect` with a templated role), and the user is
 * part of the compile cache's key.
 *
 * The expected values are what Aurora's own schema gives: Pystachio (wickman/pystachio) and
 * Aurora's src/main/python/apache/aurora/config/schema/base.py, loaded with python3 (two stubs for
 * twitter.common.lang.Compatibility and AURORA_EXECUTOR_NAME), http_example.aurora evaluated with
 * USER=vagrant, each job bound with the command line's bindings the way Aurora's client does
 * (`job.bind(...)`) and interpolated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, projectRoot, runCli } from '../../devcluster/daemons.js';
import type { JobSpec } from '../../dsl/jobspec.js';

const FIXTURES = path.join(projectRoot, 'test', 'fixtures', 'aurora-e2e');
const HTTP_EXAMPLE = path.join(FIXTURES, 'http_example.aurora.ts');

let root: string;
const env = (user: string): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: root,
  USER: user,
  LOGNAME: user,
  AURORA_CACHE_DIR: path.join(root, 'cache'),
  AURORA_CONFIG_ROOT: root,
});
const aurora = (args: string[], user = 'vagrant') => runCli(BINS.aurora, args, { env: env(user), cwd: root });
const inspect = async (key: string, file: string, ...binds: string[]): Promise<JobSpec> => {
  const r = await aurora(['job', 'inspect', key, file, '--json', ...binds.flatMap((b) => ['--bind', b])]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JobSpec;
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'aurora-configs-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SEQUENCE = ['setup_env', 'read_env', 'echo_ports', 'verify_command_escaping', 'stage_server', 'run_server'];
const NO_PYTHON = ['setup_env', 'read_env', 'echo_ports', 'verify_command_escaping', 'verify_file_mount', 'check_fs', 'run_server'];
const VOLUMES = [
  { containerPath: 'etc/rsyslog.d.container', hostPath: '/etc/rsyslog.d', mode: 'RO' },
  { containerPath: 'etc/w3m.container', hostPath: '/etc/X11', mode: 'RO' },
];

/** Aurora's jobs (see the header), with `--bind profile.instances=3 --bind appc_image_id=sha512-x`. */
const AURORA: Record<string, { processes: string[]; cpu: number; gpu: number; update: unknown; checker: string; tier: string | null; container: unknown }> = {
  http_example: { processes: SEQUENCE, cpu: 0.5, gpu: 0, update: { kind: 'queue', groupSize: 2 }, checker: 'http', tier: null, container: null },
  http_example_gpu: { processes: SEQUENCE, cpu: 0.5, gpu: 1, update: { kind: 'queue', groupSize: 2 }, checker: 'http', tier: null, container: null },
  http_example_revocable: { processes: SEQUENCE, cpu: 0.5, gpu: 0, update: { kind: 'queue', groupSize: 2 }, checker: 'http', tier: 'revocable', container: null },
  http_example_var_batch_update: {
    processes: SEQUENCE,
    cpu: 0.5,
    gpu: 0,
    update: { kind: 'variable', batchSizes: [1, 2], autopauseAfterBatch: false },
    checker: 'http',
    tier: null,
    container: null,
  },
  http_example_unified_docker: {
    processes: NO_PYTHON,
    cpu: 0.4,
    gpu: 0,
    update: { kind: 'queue', groupSize: 2 },
    checker: 'shell',
    tier: null,
    container: { mesos: { image: { kind: 'docker', name: 'http_example_netcat', tag: 'latest' }, volumes: VOLUMES } },
  },
  http_example_unified_appc: {
    processes: NO_PYTHON,
    cpu: 0.4,
    gpu: 0,
    update: { kind: 'queue', groupSize: 2 },
    checker: 'shell',
    tier: null,
    container: { mesos: { image: { kind: 'appc', name: 'http_example_netcat', imageId: 'sha512-x' }, volumes: VOLUMES } },
  },
};

describe("Aurora's http_example, ported", () => {
  it.each(Object.entries(AURORA))('%s inspects to the job Aurora gives with --bind profile.instances=3', async (name, want) => {
    const spec = await inspect(`devcluster/vagrant/test/${name}`, HTTP_EXAMPLE, 'profile.instances=3', 'appc_image_id=sha512-x');
    expect(spec.key).toEqual({ cluster: 'devcluster', role: 'vagrant', environment: 'test', name });
    expect(spec.instances).toBe(3);
    expect(spec.service).toBe(true);
    expect(spec.contact).toBe('vagrant@localhost');
    expect(spec.tier).toBe(want.tier);
    expect(spec.task.processes.map((p) => p.name)).toEqual(want.processes);
    expect(spec.task.constraints).toEqual([{ order: want.processes }]);
    expect(spec.task.resources).toEqual({ cpu: want.cpu, ramMb: 32, diskMb: 64, gpu: want.gpu });
    expect(spec.updateConfig.strategy).toEqual(want.update);
    expect(spec.updateConfig.watchSecs).toBe(name === 'http_example_var_batch_update' ? 45 : 0);
    expect(spec.healthCheck.checker.kind).toBe(want.checker);
    expect(spec.announce).toEqual({ primaryPort: 'http', portmap: { alias: 'http' }, zkPath: null });
    expect(spec.container).toEqual(want.container);
  });

  it('binds the profile into command lines as Aurora does', async () => {
    const spec = await inspect('devcluster/vagrant/test/http_example', HTTP_EXAMPLE, 'profile.instances=3');
    const cmd = Object.fromEntries(spec.task.processes.map((p) => [p.name, p.cmdline]));
    expect(cmd['stage_server']).toBe('cp /vagrant/src/test/sh/org/apache/aurora/e2e/http_example.py .');
    expect(cmd['setup_env']).toBe('cat <<EOF > .thermos_profile\nexport IT_WORKED=hello\nEOF');
    expect(cmd['verify_command_escaping']).toBe("\npython -c 'import sys\n\nif __name__ == \"__main__\":\n  sys.exit(0)'\n");
    expect(cmd['run_server']).toBe('python http_example.py {{thermos.ports[http]}} {{thermos.ports[health]}}');
    expect(spec.healthCheck).toMatchObject({ initialIntervalSecs: 10, intervalSecs: 1 });
    // Without --bind, the config's own profile: one instance.
    expect((await inspect('devcluster/vagrant/test/http_example', HTTP_EXAMPLE)).instances).toBe(1);
  });

  it('config check compiles every job, with the bindings the end-to-end script passes', async () => {
    const r = await aurora(['config', 'check', HTTP_EXAMPLE, '--bind', 'profile.instances=3', '--bind', 'appc_image_id=sha512-x', '--bind', 'docker.image[http_example][latest]=http_example:1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK, 9 jobs/);
  });
});

describe('templated job keys through the CLI', () => {
  it('config list binds the keys: the OS user, or --bind', async () => {
    const r = await aurora(['config', 'list', HTTP_EXAMPLE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^jobs=\[devcluster\/vagrant\/test\/http_example, devcluster\/vagrant\/test\/http_example_maintenance, /);
    const alice = await aurora(['config', 'list', HTTP_EXAMPLE, '--bind', 'profile.role=alice', '--json']);
    expect(alice.code, alice.stderr).toBe(0);
    const keys = JSON.parse(alice.stdout) as { role: string; name: string }[];
    expect(keys).toHaveLength(9);
    expect(new Set(keys.map((k) => k.role))).toEqual(new Set(['alice']));
  });

  it('job inspect finds a job by its bound role, and says which keys the file defines when it does not', async () => {
    const spec = await inspect('devcluster/alice/test/http_example', HTTP_EXAMPLE, 'profile.role=alice');
    expect([spec.key.role, spec.contact]).toEqual(['alice', 'alice@localhost']);
    const miss = await aurora(['job', 'inspect', 'devcluster/vagrant/test/http_example', HTTP_EXAMPLE, '--bind', 'profile.role=alice']);
    expect(miss.code).toBe(3);
    expect(miss.stderr).toMatch(/Job devcluster\/vagrant\/test\/http_example not found in .*; it defines: devcluster\/alice\/test\/http_example, /);
  });

  it("keys the compile cache by the user: another user's cached spec is never served", async () => {
    expect((await inspect('devcluster/vagrant/test/http_example', HTTP_EXAMPLE)).key.role).toBe('vagrant');
    // bob's currentUser() is bob: vagrant's job is not bob's, even though vagrant's spec is cached.
    const asBob = await aurora(['job', 'inspect', 'devcluster/vagrant/test/http_example', HTTP_EXAMPLE, '--json'], 'bob');
    expect(asBob.code).toBe(3);
    expect(asBob.stderr).toMatch(/it defines: devcluster\/bob\/test\/http_example/);
    const bob = await aurora(['job', 'inspect', 'devcluster/bob/test/http_example', HTTP_EXAMPLE, '--json'], 'bob');
    expect(bob.code, bob.stderr).toBe(0);
    expect((JSON.parse(bob.stdout) as JobSpec).contact).toBe('bob@localhost');
  });
});

describe('--bind precedence through the CLI', () => {
  it("wins over the config's .bind() on the Job, the Task and the Process", async () => {
    const file = path.join(root, 'levels.aurora.ts');
    writeFileSync(
      file,
      `import { Job, MB, Process, Resources, Task } from '@aurora/dsl';
const p = Process({ name: 'p', cmdline: 'echo {{v}}' }).bind({ v: 'process' });
const q = Process({ name: 'q', cmdline: 'echo {{v}}' });
const task = Task({ processes: [p, q], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) }).bind({ v: 'task' });
export default Job({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'levels', instances: '{{n}}', task }).bind({ v: 'job', n: 1 });
`,
    );
    const config = await inspect('devcluster/www-data/test/levels', file);
    expect(config.task.processes.map((p) => p.cmdline)).toEqual(['echo process', 'echo task']);
    expect(config.instances).toBe(1);
    const cli = await inspect('devcluster/www-data/test/levels', file, 'v=cli', 'n=2');
    expect(cli.task.processes.map((p) => p.cmdline)).toEqual(['echo cli', 'echo cli']);
    expect(cli.instances).toBe(2);
    const bad = await aurora(['job', 'inspect', 'devcluster/www-data/test/levels', file, '--bind', 'n=two']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/levels\.aurora\.ts:5:\d+ - error: job devcluster\/www-data\/test\/levels: instances: expected a number \(found "two"\)/);
  });
});
