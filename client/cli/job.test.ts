import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { startFakeScheduler, testClock, type FakeScheduler, type FakeSchedulerOptions, type TestClock } from '../testing/fake-scheduler.js';
import { closedPort, runCli } from '../testing/run-cli.js';
import { createCli } from './index.js';

// These tests run the CLI against a stand-in scheduler (client/testing/fake-scheduler.ts) on a
// free loopback port, because the real scheduler is written in parallel; see its header.

describe('aurora job', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeScheduler | undefined;
  let clock: TestClock;

  beforeEach(() => {
    tmp = tempDir();
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
    clock = testClock();
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
    tmp.remove();
  });

  async function scheduler(options: FakeSchedulerOptions = {}): Promise<FakeScheduler> {
    fake = await startFakeScheduler({ clock, ...options });
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: fake.url }]));
    return fake;
  }
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock });
  /** The job reads the CLI made, as `path?query`. */
  const jobReads = (s: FakeScheduler) => s.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/api/v1/jobs/')).map((q) => q.url);

  describe('create', () => {
    it('submits the compiled spec and prints the key and the job page', async () => {
      const s = await scheduler();
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        `Job created: devcluster/www-data/prod/hello\nJob page: ${s.url}/scheduler/www-data/prod/hello\n`,
      );
      const post = s.requests.find((q) => q.method === 'POST');
      expect(post?.url).toBe('/api/v1/jobs');
      expect((post?.body as { spec: { key: unknown; service: boolean } }).spec).toMatchObject({
        key: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
        service: true,
      });
    });

    it('binds --bind values', async () => {
      const s = await scheduler();
      tmp.write('v.aurora.ts', HELLO_CONFIG.replace("'while true; do echo hello world; sleep 5; done'", "'echo {{version}} {{color}}'"));
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'v.aurora.ts', '--bind', 'version=1.2', '--bind', 'color=a=b');
      expect(r.code).toBe(0);
      const spec = (s.requests.find((q) => q.method === 'POST')?.body as { spec: { task: { processes: { cmdline: string }[] } } }).spec;
      expect(spec.task.processes[0]?.cmdline).toBe('echo 1.2 a=b');
    });

    it('waits until RUNNING, printing progress when it changes', async () => {
      await scheduler({ lifecycle: ['PENDING', 'ASSIGNED', 'STARTING', 'RUNNING'] });
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'RUNNING');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').slice(2)).toEqual([
        'hello: 1 PENDING',
        'hello: 1 ASSIGNED',
        'hello: 1 STARTING',
        'hello: 1 RUNNING',
        'Job devcluster/www-data/prod/hello reached RUNNING: 1 RUNNING',
        '',
      ]);
    });

    it('lets the scheduler answer each wait when the job changes: no timer, no read before the first wait', async () => {
      const s = await scheduler({ lifecycle: ['PENDING', 'ASSIGNED', 'STARTING', 'RUNNING'] });
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'RUNNING');
      expect(r.code).toBe(0);
      expect(r.slept).toBe(0);
      // Each read names the version the previous answer had; the first, the create answer's.
      const sinces = jobReads(s).map((u) => new URL(u, s.url).searchParams.get('since'));
      expect(sinces).toHaveLength(3);
      expect(sinces.every((v) => v !== null)).toBe(true);
      expect(new Set(sinces).size).toBe(3);
      expect(jobReads(s).every((u) => new URL(u, s.url).searchParams.get('waitMs') === '30000')).toBe(true);
    });

    it('fails with exit 4 and the reason when tasks end FAILED instead', async () => {
      await scheduler({ lifecycle: ['PENDING', 'RUNNING', 'FAILED'], messages: { FAILED: 'Process hello exited with status 1' } });
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'FINISHED');
      expect(r.code).toBe(4);
      expect(r.stdout).toContain('hello: 1 FAILED\n');
      expect(r.stderr).toBe(
        '  instance 0: FAILED: Process hello exited with status 1\n' +
          'Error: devcluster/www-data/prod/hello did not reach FINISHED: 1 FAILED\n',
      );
    });

    it('gives up with exit 9 after --wait-timeout, saying why tasks are pending', async () => {
      const s = await scheduler({ lifecycle: ['PENDING'] });
      const started = clock.now();
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'RUNNING', '--wait-timeout', '5');
      expect(r.code).toBe(9);
      // One read, held by the scheduler for the whole timeout.
      expect(clock.now() - started).toBe(5000);
      expect(r.slept).toBe(0);
      expect(jobReads(s)).toEqual([`/api/v1/jobs/www-data/prod/hello?since=${s.jobs.get('devcluster/www-data/prod/hello')?.summary.version}&waitMs=5000`]);
      expect(r.stdout.match(/hello: 1 PENDING/g)).toHaveLength(1);
      expect(r.stderr).toBe(
        '  instance 0: PENDING: Insufficient resources: ram\n' +
          'Error: devcluster/www-data/prod/hello did not reach RUNNING within 5 s; now: 1 PENDING\n',
      );
    });

    it('prints JSON with --json', async () => {
      await scheduler();
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { job: { key: { name: string } }; taskIds: string[]; jobPage: string };
      expect(out.job.key.name).toBe('hello');
      expect(out.taskIds).toHaveLength(1);
    });

    it("passes on the scheduler's error code and message (exit 10)", async () => {
      await scheduler();
      expect((await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      expect(r.code).toBe(10);
      expect(r.stderr).toBe(
        'Error: Job devcluster/www-data/prod/hello already exists; use aurora update start to change it (JOB_EXISTS)\n',
      );
    });

    it('lists the keys a file defines when the key is not among them (exit 3)', async () => {
      await scheduler();
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hellox', 'hello.aurora.ts');
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        'Error: Job devcluster/www-data/prod/hellox not found in hello.aurora.ts; it defines: devcluster/www-data/prod/hello\n',
      );
    });

    it('reports type errors with exit 3', async () => {
      await scheduler();
      tmp.write('bad.aurora.ts', HELLO_CONFIG.replace('cpu: 0.1', "cpu: '0.1'"));
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'bad.aurora.ts');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^bad\.aurora\.ts:9:61 - error TS2322: Type 'string' is not assignable to type 'number'\.\n9 /);
      expect(r.stderr).toMatch(/Error: bad\.aurora\.ts has 1 error; fix it and try again\n$/);
    });

    it('says a missing config does not exist (exit 3)', async () => {
      await scheduler();
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'examples/x.aurora.ts');
      expect(r).toMatchObject({ code: 3, stderr: 'Error: Config file examples/x.aurora.ts does not exist\n' });
    });

    it('refuses a cron job: those are for aurora cron schedule', async () => {
      await scheduler();
      tmp.write('cron.aurora.ts', HELLO_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    cronSchedule: '* * * * *',\n    task").replace('Service', 'Job').replace('Service(', 'Job('));
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'cron.aurora.ts');
      expect(r.code).toBe(4);
      expect(r.stderr).toContain('aurora cron schedule');
    });
  });

  it('rejects a malformed job key with its rule (exit 6)', async () => {
    const r = await aurora('job', 'create', 'devcluster/www-data/hello', 'hello.aurora.ts');
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(
      "Error: 'devcluster/www-data/hello' is not a job key: expected cluster/role/environment/name, for example devcluster/www-data/prod/hello\n",
    );
    const bad = await aurora('job', 'status', 'devcluster/www-data/production/hello');
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain("environment must be 'prod', 'devel', 'test' or 'staging<N>'");
  });

  it('rejects an unknown cluster, naming the known ones (exit 6)', async () => {
    const r = await aurora('job', 'status', 'nowhere/www-data/prod/hello');
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(
      `Error: Unknown cluster 'nowhere'. Known clusters: devcluster (built in, and from ${tmp.dir}/clusters.json)\n`,
    );
  });

  it('prints help and exits 5 on an unknown command', async () => {
    const r = await aurora('job', 'frobnicate');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('aurora job create <jobkey> <config>');
    expect(r.stderr).toMatch(/Error: Unknown argument: frobnicate\n$/);
    expect((await aurora()).code).toBe(5);
    expect((await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts', '--wait-until', 'SOON')).code).toBe(5);
  });

  it('prints help on --help with exit 0', async () => {
    const r = await aurora('job', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('aurora job kill <instancekey>');
  });

  it('says the scheduler is not reachable with exit 7', async () => {
    const port = await closedPort();
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: `http://127.0.0.1:${port}` }]));
    const r = await aurora('job', 'status', 'devcluster/www-data/prod/hello');
    expect(r.code).toBe(7);
    expect(r.stderr).toBe(
      `Error: Could not reach the scheduler of cluster devcluster at http://127.0.0.1:${port}: connection refused. Is it running? (npm run devcluster starts a local one)\n`,
    );
  });

  it('maps 401 to exit 30 and 403 to exit 8', async () => {
    await scheduler({ failWith: { status: 401, code: 'UNAUTHENTICATED', message: 'Log in: put credentials in ~/.netrc' } });
    const r = await aurora('job', 'list', 'devcluster/www-data');
    expect(r.code).toBe(30);
    expect(r.stderr).toMatch(/^Error: The scheduler of cluster devcluster wants credentials, and none were sent: .*\. The scheduler said: Log in: put credentials in ~\/\.netrc \(UNAUTHENTICATED\)\n$/);
    await fake?.close();
    await scheduler({ failWith: { status: 403, code: 'PERMISSION_DENIED', message: 'alice may not kill www-data jobs' } });
    expect((await aurora('job', 'kill', 'devcluster/www-data/prod/hello')).code).toBe(8);
  });

  describe('status', () => {
    it("prints the job, its active tasks with host, ports, last event and observer link, then its ended ones", async () => {
      const s = await scheduler({ messages: { RUNNING: 'Task is running' } });
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      // An earlier run of instance 0 that failed: history, which only a read with history=true shows.
      const job = s.jobs.get('devcluster/www-data/prod/hello')!;
      const current = job.tasks[0]!;
      job.tasks.unshift({
        ...current,
        taskId: 'www-data-prod-hello-0-old1',
        state: 'FAILED',
        host: 'host2',
        events: [
          { state: 'PENDING', at: Date.UTC(2023, 11, 31), message: null },
          { state: 'FAILED', at: Date.UTC(2023, 11, 31, 0, 0, 9), message: 'Process hello exited with status 1' },
        ],
      });
      const r = await aurora('job', 'status', 'devcluster/www-data/prod/hello');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual([
        'Job devcluster/www-data/prod/hello: service, 1 instance, 1 RUNNING',
        `  created 2024-01-01T00:00:00.000Z, config ${job.summary.specHash}`,
        '  resources per instance: cpu 0.1, ram 16 MiB, disk 16 MiB',
        `  page: ${s.url}/scheduler/www-data/prod/hello`,
        'Active tasks (1):',
        '  instance 0: RUNNING on host1',
        '    task id: www-data-prod-hello-0-a1b2',
        '    ports: http=31000',
        '    last event: RUNNING at 2024-01-01T00:00:02.000Z: Task is running',
        '    observer: http://host1:1338/task/www-data-prod-hello-0-a1b2',
        'Inactive tasks (1):',
        '  instance 0: FAILED on host2',
        '    task id: www-data-prod-hello-0-old1',
        '    last event: FAILED at 2023-12-31T00:00:09.000Z: Process hello exited with status 1',
        '',
      ]);
      expect(jobReads(s)).toEqual(['/api/v1/jobs/www-data/prod/hello?history=true']);
    });

    it('shows every instance of a 10,000-instance job', async () => {
      await scheduler();
      tmp.write('big.aurora.ts', HELLO_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    instances: 10000,\n    task"));
      expect((await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'big.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'status', 'devcluster/www-data/prod/hello');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe('Job devcluster/www-data/prod/hello: service, 10000 instances, 10000 RUNNING');
      expect(lines).toContain('Active tasks (10000):');
      expect(lines.filter((l) => /^  instance \d+: RUNNING on host1$/.test(l))).toHaveLength(10000);
      expect(lines).toContain('  instance 9999: RUNNING on host1');
      expect(lines.at(-2)).toBe('Inactive tasks (0):');
    });

    it('prints the job with every task, ended ones too, as JSON with --json', async () => {
      const s = await scheduler();
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      const job0 = s.jobs.get('devcluster/www-data/prod/hello')!;
      job0.tasks.unshift({ ...job0.tasks[0]!, taskId: 'old', state: 'FAILED', events: [{ state: 'FAILED', at: 1, message: null }] });
      const r = await aurora('job', 'status', 'devcluster/www-data/prod/hello', '--json');
      const job = JSON.parse(r.stdout) as { summary: { key: { name: string } }; tasks: { taskId: string; state: string }[] };
      expect(job.summary.key.name).toBe('hello');
      expect(job.tasks.map((t) => t.state)).toEqual(['RUNNING', 'FAILED']);
    });

    it('passes on JOB_NOT_FOUND (exit 10)', async () => {
      await scheduler();
      const r = await aurora('job', 'status', 'devcluster/www-data/prod/nope');
      expect(r).toMatchObject({ code: 10, stderr: 'Error: No job devcluster/www-data/prod/nope (JOB_NOT_FOUND)\n' });
    });
  });

  it('lists jobs with a summary each', async () => {
    await scheduler();
    await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
    const r = await aurora('job', 'list', 'devcluster/www-data');
    expect(r).toMatchObject({ code: 0, stdout: 'devcluster/www-data/prod/hello  service  1 instance  1 PENDING\n' });
    expect((await aurora('job', 'list', 'devcluster/nobody/prod')).stdout).toBe('No jobs found for devcluster/nobody/prod\n');
    expect(JSON.parse((await aurora('job', 'list', 'devcluster/www-data', '--json')).stdout)).toHaveLength(1);
  });

  describe('kill', () => {
    it('kills the job and waits until its tasks are terminal', async () => {
      const s = await scheduler();
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello', '--message', 'done for today');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        'Killing 1 task of devcluster/www-data/prod/hello\n' +
          'hello: 1 KILLED\n' +
          'Killed devcluster/www-data/prod/hello: 1 KILLED; the job was removed\n',
      );
      expect(s.requests.find((q) => q.url.endsWith('/kill'))?.body).toEqual({ message: 'done for today' });
    });

    it('follows running tasks through KILLING by their ids once the job is gone, and says it was removed', async () => {
      const s = await scheduler({ messages: { KILLED: 'Killed by anonymous' } });
      tmp.write('three.aurora.ts', HELLO_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    instances: 3,\n    task"));
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'three.aurora.ts');
      await aurora('job', 'status', 'devcluster/www-data/prod/hello'); // now RUNNING
      s.requests.length = 0;
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello', '--json');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('Killing 3 tasks of devcluster/www-data/prod/hello\nhello: 3 KILLED\n');
      const out = JSON.parse(r.stdout) as { killed: string[]; jobRemoved: boolean; tasks: { taskId: string; state: string }[] };
      expect(out.jobRemoved).toBe(false); // the scheduler removes it once its tasks ended
      expect(out.tasks.map((t) => t.state)).toEqual(['KILLED', 'KILLED', 'KILLED']);
      const list = s.requests.find((q) => q.url.startsWith('/api/v1/tasks?'));
      const params = new URL(list!.url, s.url).searchParams;
      expect(params.get('taskId')?.split(',').sort()).toEqual([...out.killed].sort());
      expect(params.get('history')).toBe('true');
      const human = await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'three.aurora.ts');
      expect(human.code).toBe(0);
      await aurora('job', 'status', 'devcluster/www-data/prod/hello');
      const k = await aurora('job', 'kill', 'devcluster/www-data/prod/hello');
      expect(k.stdout.split('\n').at(-2)).toBe('Killed devcluster/www-data/prod/hello: 3 KILLED; the job was removed');
    });

    it('pages through the killed tasks when the scheduler answers short pages', async () => {
      await scheduler({ maxPage: 2 });
      tmp.write('three.aurora.ts', HELLO_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    instances: 3,\n    task"));
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'three.aurora.ts');
      await aurora('job', 'status', 'devcluster/www-data/prod/hello');
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').at(-2)).toBe('Killed devcluster/www-data/prod/hello: 3 KILLED; the job was removed');
    });

    it('gives up with exit 9 when killed tasks do not end in time, each read held by the scheduler', async () => {
      const s = await scheduler({ killsEnd: false });
      await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'hello.aurora.ts');
      await aurora('job', 'status', 'devcluster/www-data/prod/hello');
      const started = clock.now();
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello', '--wait-timeout', '45');
      expect(r.code).toBe(9);
      expect(r.stdout).toBe('Killing 1 task of devcluster/www-data/prod/hello\nhello: 1 KILLING\n');
      expect(r.stderr).toMatch(/^  instance 0: KILLING: Killed by anonymous\nError: 1 task\(s\) of devcluster\/www-data\/prod\/hello did not end within 45 s\n$/);
      expect(r.slept).toBe(0);
      expect(clock.now() - started).toBe(45000);
      // One read at once, then reads held for at most the scheduler's longest wait.
      const waits = jobReads(s).filter((u) => u.includes('since=')).map((u) => new URL(u, s.url).searchParams.get('waitMs'));
      expect(waits).toEqual(['30000', '15000']);
    });

    it('kills some instances, and skips waiting with --no-wait', async () => {
      const s = await scheduler();
      tmp.write('three.aurora.ts', HELLO_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    instances: 3,\n    task"));
      expect((await aurora('job', 'create', 'devcluster/www-data/prod/hello', 'three.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello/0,2', '--no-wait');
      expect(r).toMatchObject({
        code: 0,
        stdout: 'Killing 2 tasks of devcluster/www-data/prod/hello instances 0,2\nKill requested for devcluster/www-data/prod/hello instances 0,2\n',
      });
      expect(s.requests.find((q) => q.url.endsWith('/kill'))?.body).toEqual({ instances: [0, 2] });
      expect(s.requests.filter((q) => q.url.startsWith('/api/v1/tasks'))).toHaveLength(0);
    });

    it('rejects a malformed instance list (exit 6)', async () => {
      const r = await aurora('job', 'kill', 'devcluster/www-data/prod/hello/2-1');
      expect(r).toMatchObject({ code: 6, stderr: "Error: instance range '2-1' ends before it starts\n" });
    });
  });
});
