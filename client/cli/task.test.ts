import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../exit-codes.js';
import { startRegistryStub, type RegistryStub } from '../testing/registry-stub.js';
import { closedPort } from '../testing/run-cli.js';
import { sink, tempDir } from '../testing/temp-dir.js';
import { runCommandLine } from './runner.js';
import { taskCommands } from './task.js';

// The real executor runner with real processes, in a temp dir; nothing here asserts on durations.

const CONFIG = `import { Job, Process, Resources, SequentialTask, MB } from '@aurora/dsl';
const resources = Resources({ cpu: 0.1, ram: 64 * MB, disk: 64 * MB });
export const jobs = [
  Job({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'ok', instances: 2,
    task: SequentialTask({
      processes: [
        Process({ name: 'first', cmdline: 'echo instance {{mesos.instance}} port {{thermos.ports[http]}} > first.txt' }),
        Process({ name: 'second', cmdline: 'echo {{greeting}} >> first.txt' }),
      ],
      resources,
    }),
  }),
  Job({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'bad',
    task: SequentialTask({ processes: [Process({ name: 'boom', cmdline: 'exit 3' })], resources }),
  }),
  Job({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'forever',
    task: SequentialTask({ processes: [Process({ name: 'sleeper', cmdline: 'echo $$ > pid; exec sleep 1000' })], resources }),
  }),
];
`;

describe('aurora task run-local', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('aurora-run-local-test-');
    tmp.write('local.aurora.ts', CONFIG);
  });
  afterEach(() => tmp.remove());

  async function run(argv: string[], signal?: AbortSignal) {
    const stdout = sink();
    const stderr = sink();
    const code = await runCommandLine(
      'aurora',
      { argv, stdout, stderr, cwd: tmp.dir, env: { AURORA_CONFIG_ROOT: tmp.dir }, ...(signal ? { signal } : {}) },
      (y, ctx) => taskCommands(y, ctx),
    );
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }

  const sandboxOf = (stdout: string) => /^sandbox: (.+)$/m.exec(stdout)?.[1] as string;

  it('runs the task, prints each state change, leaves the sandbox and exits 0', async () => {
    const r = await run(['task', 'run-local', 'devcluster/www-data/prod/ok', 'local.aurora.ts', '--instance', '1', '--bind', 'greeting=hi', '--sandbox-root', 'sb']);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    const lines = r.stdout.split('\n');
    const order = ['first[0] RUNNING', 'first[0] SUCCESS', 'second[0] RUNNING', 'second[0] SUCCESS', 'task FINISHED'];
    const at = order.map((o) => lines.findIndex((l) => l.startsWith(o)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    const sandbox = sandboxOf(r.stdout);
    expect(sandbox.startsWith(`${tmp.dir}/sb/`)).toBe(true);
    expect(r.stdout).toContain(`sandbox left in ${sandbox}`);
    const port = /^ports: http=(\d+)$/m.exec(r.stdout)?.[1];
    expect(readFileSync(`${sandbox}/first.txt`, 'utf8')).toBe(`instance 1 port ${port}\nhi\n`);
  });

  it('exits 4 with the reason when the task fails', async () => {
    const r = await run(['task', 'run-local', 'devcluster/www-data/prod/bad', 'local.aurora.ts']);
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    expect(r.stdout).toContain('boom[0] FAILED (exit status 3)');
    expect(r.stderr).toContain('task FAILED: Process boom failed 1 time(s) (exit status 3)');
    expect(existsSync(sandboxOf(r.stdout))).toBe(true);
  });

  it('refuses an instance the job does not have', async () => {
    const r = await run(['task', 'run-local', 'devcluster/www-data/prod/bad', 'local.aurora.ts', '--instance', '3']);
    expect(r.code).toBe(EXIT.INVALID_PARAMETER);
    expect(r.stderr).toContain('--instance must be 0 to 0 for devcluster/www-data/prod/bad, not 3');
  });

  it('kills the task cleanly on Ctrl-C and exits 130', async () => {
    const controller = new AbortController();
    const stdout = sink();
    const running = runCommandLine(
      'aurora',
      { argv: ['task', 'run-local', 'devcluster/www-data/prod/forever', 'local.aurora.ts', '--kill-grace-ms', '300'], stdout, stderr: sink(), cwd: tmp.dir, env: {}, signal: controller.signal },
      (y, ctx) => taskCommands(y, ctx),
    );
    await vi.waitFor(() => expect(stdout.text()).toContain('sleeper[0] RUNNING'), { timeout: 20_000 });
    const sandbox = sandboxOf(stdout.text());
    await vi.waitFor(() => expect(existsSync(`${sandbox}/pid`)).toBe(true));
    const pid = Number(readFileSync(`${sandbox}/pid`, 'utf8'));
    controller.abort();
    expect(await running).toBe(EXIT.INTERRUPTED);
    expect(stdout.text()).toContain('task KILLED: Interrupted (Ctrl-C)');
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

/**
 * `{{docker.image[NAME][TAG]}}` in `task run-local`: pinned through the cluster's registry as
 * `job create` pins it (a stub registry on 127.0.0.1, see client/testing/registry-stub.ts). The
 * command runs tasks without a Docker engine, so the task fails at once with the image it needs:
 * the image it would have run.
 */
describe('aurora task run-local with {{docker.image[NAME][TAG]}}', () => {
  const DIGEST = `sha256:${'1'.repeat(64)}`;
  const DOCKER_CONFIG = `import { Docker, Job, Process, Resources, SequentialTask, MB } from '@aurora/dsl';
export const jobs = [
  Job({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'app',
    container: Docker({ image: '{{docker.image[team/app][1.0]}}' }),
    task: SequentialTask({ processes: [Process({ name: 'app', cmdline: 'true' })], resources: Resources({ cpu: 0.1, ram: 64 * MB, disk: 64 * MB }) }),
  }),
];
`;
  let tmp: ReturnType<typeof tempDir>;
  let registry: RegistryStub;
  beforeEach(async () => {
    tmp = tempDir('aurora-run-local-docker-');
    tmp.write('app.aurora.ts', DOCKER_CONFIG);
    registry = await startRegistryStub({ images: { 'team/app:1.0': DIGEST } });
    clusters(registry.url);
  });
  afterEach(async () => {
    await registry.close();
    tmp.remove();
  });

  function clusters(dockerRegistry: string): void {
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: 'http://127.0.0.1:1', docker_registry: dockerRegistry }]));
  }
  async function run(...extra: string[]) {
    const stdout = sink();
    const stderr = sink();
    const argv = ['task', 'run-local', 'devcluster/www-data/prod/app', 'app.aurora.ts', '--sandbox-root', 'sb', ...extra];
    const code = await runCommandLine('aurora', { argv, stdout, stderr, cwd: tmp.dir, env: { AURORA_CONFIG_ROOT: tmp.dir } }, (y, ctx) => taskCommands(y, ctx));
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  }
  const manifestReads = () => registry.requests.filter((r) => r.url.startsWith('/v2/')).map((r) => r.url);

  it('pins the image through the registry of the cluster, as job create does, and runs that', async () => {
    const r = await run();
    const pinned = `${registry.host}/team/app@${DIGEST}`;
    expect(r.stderr).toContain(`Resolved {{docker.image[team/app][1.0]}} to ${pinned}\n`);
    expect(manifestReads()).toEqual(['/v2/team/app/manifests/1.0']);
    // No Docker engine here: the task fails, naming the image it was given.
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    expect(r.stderr).toContain(`the task needs image ${pinned}`);
  });

  it('--bind docker.image[NAME][TAG]=IMAGE wins, and no registry is asked', async () => {
    const r = await run('--bind', 'docker.image[team/app][1.0]=mine:7');
    expect(r.code).toBe(EXIT.COMMAND_FAILURE);
    expect(r.stderr).toContain('the task needs image mine:7');
    expect(registry.requests).toEqual([]);
  });

  it('a registry that cannot be reached: exit 7 with the words of job create, and nothing runs', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    clusters(url);
    const r = await run();
    expect(r.code).toBe(EXIT.NETWORK_ERROR);
    expect(r.stderr).toContain(`Error: Cannot resolve {{docker.image[team/app][1.0]}}: the Docker registry ${url} (docker_registry of cluster devcluster in `);
    expect(r.stderr).toMatch(/could not be reached: connection refused\n$/);
    expect(r.stdout).toBe('');
  });
});
