/**
 * `{{docker.image[NAME][TAG]}}` through the CLI: pinned to its digest by the cluster's
 * clusters.json `docker_registry` when a job is submitted (`job create`, `update start`), asked
 * again every time, and left as written by the offline commands (`job inspect`, `config
 * check|list`). The registry is a stub this test starts on 127.0.0.1
 * (client/testing/registry-stub.ts): no Docker registry can be reached from where the tests run.
 * The scheduler is the real one (client/testing/test-scheduler.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import { startRegistryStub, type RegistryStub } from '../testing/registry-stub.js';
import { closedPort, runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { startTestScheduler, type TestScheduler } from '../testing/test-scheduler.js';
import { EXIT } from '../exit-codes.js';
import { createCli } from './index.js';

const KEY = 'devcluster/www-data/prod/hello';
const V1 = `sha256:${'1'.repeat(64)}`;
const V2 = `sha256:${'2'.repeat(64)}`;
const DOCKER_CONFIG = HELLO_CONFIG.replace("import { Process, Task, Service, Resources, MB } from '@aurora/dsl';", "import { Docker, Process, Task, Service, Resources, MB } from '@aurora/dsl';").replace(
  "    task: Task(",
  "    container: Docker({ image: '{{docker.image[team/app][1.0]}}' }),\n    task: Task(",
);

describe('{{docker.image[NAME][TAG]}}', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  let registry: RegistryStub | undefined;
  /** The stub's images, moved by the tests (a tag pushed again). */
  let images: Record<string, string>;

  beforeEach(async () => {
    tmp = tempDir();
    tmp.write('hello.aurora.ts', DOCKER_CONFIG);
    images = { 'team/app:1.0': V1 };
    registry = await startRegistryStub({ images });
    sched = await startTestScheduler({});
    clusters(registry.url);
  });
  afterEach(async () => {
    await sched?.close();
    await registry?.close();
    sched = undefined;
    registry = undefined;
    tmp.remove();
  });

  function clusters(dockerRegistry?: string): void {
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched?.url, ...(dockerRegistry ? { docker_registry: dockerRegistry } : {}) }]));
  }
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir, AURORA_CACHE_DIR: `${tmp.dir}/cache` }, cwd: tmp.dir });
  const posted = (s: TestScheduler, url: string) => s.requests.filter((q) => q.method === 'POST' && q.url === url).map((q) => (q.body as { spec: JobSpec }).spec);
  const manifestReads = () => (registry?.requests ?? []).filter((r) => r.url.startsWith('/v2/')).map((r) => r.url);

  it('offline commands show the template and ask no registry', async () => {
    const inspect = await aurora('job', 'inspect', KEY, 'hello.aurora.ts', '--json');
    expect(inspect.code, inspect.stderr).toBe(0);
    expect((JSON.parse(inspect.stdout) as JobSpec).container).toMatchObject({ docker: { image: '{{docker.image[team/app][1.0]}}' } });
    expect(await aurora('config', 'check', 'hello.aurora.ts')).toMatchObject({ code: 0, stdout: `hello.aurora.ts: OK, 1 job\n  ${KEY}\n` });
    expect((await aurora('config', 'list', 'hello.aurora.ts')).stdout).toBe(`jobs=[${KEY}]\n`);
    expect(registry?.requests).toEqual([]);
  });

  it('job create pins the image to its digest; update start asks again and pins the tag where it moved', async () => {
    const s = sched as TestScheduler;
    const host = (registry as RegistryStub).host;
    const created = await aurora('job', 'create', KEY, 'hello.aurora.ts');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toBe(`Resolved {{docker.image[team/app][1.0]}} to ${host}/team/app@${V1}\n`);
    expect(posted(s, '/api/v1/jobs')[0]?.container).toMatchObject({ docker: { image: `${host}/team/app@${V1}` } });

    images['team/app:1.0'] = V2; // pushed again: nothing cached, so the update pins the new digest
    const update = await aurora('update', 'start', KEY, 'hello.aurora.ts');
    expect(update.code, update.stderr).toBe(0);
    expect(posted(s, '/api/v1/jobs/www-data/prod/hello/updates')[0]?.container).toMatchObject({ docker: { image: `${host}/team/app@${V2}` } });
    expect(manifestReads()).toEqual(['/v2/team/app/manifests/1.0', '/v2/team/app/manifests/1.0']);

    // Offline still shows the template, after all that.
    const inspect = await aurora('job', 'inspect', KEY, 'hello.aurora.ts', '--json');
    expect((JSON.parse(inspect.stdout) as JobSpec).container).toMatchObject({ docker: { image: '{{docker.image[team/app][1.0]}}' } });
  });

  it('--bind docker.image[NAME][TAG]=IMAGE wins, and no registry is asked', async () => {
    const r = await aurora('job', 'create', KEY, 'hello.aurora.ts', '--bind', 'docker.image[team/app][1.0]=mine:7');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(posted(sched as TestScheduler, '/api/v1/jobs')[0]?.container).toMatchObject({ docker: { image: 'mine:7' } });
    expect(registry?.requests).toEqual([]);
  });

  it('a tag the registry does not have: exit 3 naming the image and the registry, nothing submitted', async () => {
    tmp.write('hello.aurora.ts', DOCKER_CONFIG.replace('[1.0]', '[2.0]'));
    const r = await aurora('job', 'create', KEY, 'hello.aurora.ts');
    expect(r.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(r.stderr).toBe(
      `Error: Cannot resolve {{docker.image[team/app][2.0]}}: the Docker registry ${registry?.url} (docker_registry of cluster devcluster in ${tmp.dir}/clusters.json) ` +
        'has no image team/app:2.0 (404 MANIFEST_UNKNOWN: manifest unknown); is the tag pushed, and is it a v2 registry?\n',
    );
    expect(posted(sched as TestScheduler, '/api/v1/jobs')).toEqual([]);
  });

  it('a registry that cannot be reached: exit 7, nothing submitted', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    clusters(url);
    const r = await aurora('job', 'create', KEY, 'hello.aurora.ts');
    expect(r.code).toBe(EXIT.NETWORK_ERROR);
    expect(r.stderr).toContain(`Error: Cannot resolve {{docker.image[team/app][1.0]}}: the Docker registry ${url} (docker_registry of cluster devcluster in `);
    expect(r.stderr).toMatch(/could not be reached: connection refused\n$/);
    expect(posted(sched as TestScheduler, '/api/v1/jobs')).toEqual([]);
  });

  it('a registry answering without Docker-Content-Digest: exit 3', async () => {
    await registry?.close();
    registry = await startRegistryStub({ images, noDigest: true });
    clusters(registry.url);
    const r = await aurora('job', 'create', KEY, 'hello.aurora.ts');
    expect(r.code).toBe(EXIT.INVALID_CONFIGURATION);
    expect(r.stderr).toMatch(/answered team\/app:1\.0 without a Docker-Content-Digest header, so the image cannot be pinned; is it a v2 registry\?\n$/);
  });
});
