import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_HEADER } from '../../scheduler/api/agent-protocol.js';
import { startFaultyScheduler, type Fault, type FaultyScheduler } from '../testing/faulty-scheduler.js';
import { closedPort, runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { testClock, type TestClock } from '../testing/test-clock.js';
import { startTestScheduler, type PlayedAgentOptions, type TestScheduler, type TestSchedulerOptions } from '../testing/test-scheduler.js';
import { createCli } from './index.js';

// The CLI against the real scheduler (client/testing/test-scheduler.ts) on a free loopback port,
// with an agent played in-process where tasks must run or end; faults come from a scheduler
// that misbehaves on purpose (client/testing/faulty-scheduler.ts).

const KEY = 'devcluster/www-data/prod/hello';
/** The hello world as a plain job: a failed run stays failed (a service's would be replaced). */
const BATCH_CONFIG = HELLO_CONFIG.replace(/Service/g, 'Job');
const withInstances = (n: number, config = HELLO_CONFIG): string => config.replace("name: 'hello',\n    task", `name: 'hello',\n    instances: ${n},\n    task`);

describe('aurora job', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  let faulty: FaultyScheduler | undefined;
  let clock: TestClock;

  beforeEach(() => {
    tmp = tempDir();
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
    clock = testClock();
  });
  afterEach(async () => {
    await sched?.close();
    await faulty?.close();
    sched = undefined;
    faulty = undefined;
    tmp.remove();
  });

  async function scheduler(options: TestSchedulerOptions & { agent?: PlayedAgentOptions | false } = {}): Promise<TestScheduler> {
    const { agent = {}, ...appOptions } = options;
    sched = await startTestScheduler(appOptions);
    if (agent !== false) await sched.agent(agent);
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    return sched;
  }
  async function misbehaving(fault: Fault): Promise<FaultyScheduler> {
    faulty = await startFaultyScheduler(fault);
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: faulty.url }]));
    return faulty;
  }
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock });
  /** `aurora job list` as a person sees it: on a terminal, with each job's summary. */
  const listOnTerminal = async (pattern: string) =>
    (await runCli(createCli, ['job', 'list', pattern], { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock, tty: { columns: 120 } })).stdout;
  /** The job reads the CLI made, as `path?query`. */
  const jobReads = (s: TestScheduler) => s.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/api/v1/jobs/')).map((q) => q.url);
  const param = (url: string, name: string) => new URL(url, 'http://x').searchParams.get(name);

  describe('create', () => {
    it('submits the compiled spec with the client header and prints the key and the job page', async () => {
      const s = await scheduler({ agent: false });
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts');
      expect(r).toMatchObject({ code: 0, stderr: '', stdout: `Job created: ${KEY}\nJob page: ${s.url}/scheduler/www-data/prod/hello\n` });
      const post = s.requests.find((q) => q.method === 'POST');
      expect(post?.url).toBe('/api/v1/jobs');
      expect(post?.headers[CLIENT_HEADER]).toBeTruthy();
      expect((post?.body as { spec: { key: unknown; service: boolean } }).spec).toMatchObject({
        key: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
        service: true,
      });
      expect(await listOnTerminal('devcluster/www-data')).toBe(`${KEY}  service  1 instance  1 PENDING\n`);
    });

    it('binds --bind values', async () => {
      const s = await scheduler({ agent: false });
      tmp.write('v.aurora.ts', HELLO_CONFIG.replace("'while true; do echo hello world; sleep 5; done'", "'echo {{version}} {{color}}'"));
      const r = await aurora('job', 'create', KEY, 'v.aurora.ts', '--bind', 'version=1.2', '--bind', 'color=a=b');
      expect(r.code).toBe(0);
      const job = await s.waitForJob('www-data/prod/hello', () => true);
      expect(job?.spec.task.processes[0]?.cmdline).toBe('echo 1.2 a=b');
    });

    it('waits until RUNNING, printing progress when it changes, each read held by the scheduler until the job changed', async () => {
      const s = await scheduler();
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // Placed on the agent in the commit that created it; RUNNING once the agent said so.
      expect(r.stdout.split('\n').slice(2)).toEqual(['hello: 1 ASSIGNED', 'hello: 1 RUNNING', `Job ${KEY} reached RUNNING: 1 RUNNING`, '']);
      expect(r.slept).toBe(0);
      const reads = jobReads(s);
      expect(reads.length).toBeGreaterThan(0);
      // Each read names the version the previous answer had (the first, the create answer's) and waits.
      expect(reads.every((u) => param(u, 'since') !== null && param(u, 'waitMs') === '30000')).toBe(true);
      expect(new Set(reads.map((u) => param(u, 'since'))).size).toBe(reads.length);
    });

    it('fails with exit 4 and the reason when tasks end FAILED instead', async () => {
      await scheduler({ agent: { lifecycle: ['RUNNING', 'FAILED'], messages: { FAILED: 'Process hello exited with status 1' } } });
      tmp.write('batch.aurora.ts', BATCH_CONFIG);
      const r = await aurora('job', 'create', KEY, 'batch.aurora.ts', '--wait-until', 'FINISHED');
      expect(r.code).toBe(4);
      expect(r.stdout).toContain('hello: 1 FAILED\n');
      expect(r.stderr).toBe(`  instance 0: FAILED: Process hello exited with status 1\nError: ${KEY} did not reach FINISHED: 1 FAILED\n`);
    });

    it('reaches FINISHED when the tasks finish', async () => {
      await scheduler({ agent: { lifecycle: ['RUNNING', 'FINISHED'] } });
      tmp.write('batch.aurora.ts', withInstances(2, BATCH_CONFIG));
      const r = await aurora('job', 'create', KEY, 'batch.aurora.ts', '--wait-until', 'FINISHED');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.split('\n').at(-2)).toBe(`Job ${KEY} reached FINISHED: 2 FINISHED`);
    });

    it('gives up with exit 9 after --wait-timeout, saying why tasks are pending', async () => {
      const s = await scheduler({ agent: false });
      s.compressWaits(clock);
      const started = clock.now();
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING', '--wait-timeout', '5');
      expect(r.code).toBe(9);
      // One read, held (here: compressed) for the whole timeout.
      expect(clock.now() - started).toBe(5000);
      expect(r.slept).toBe(0);
      expect(jobReads(s)).toHaveLength(1);
      expect(param(jobReads(s)[0]!, 'waitMs')).toBe('5000');
      expect(r.stdout.match(/hello: 1 PENDING/g)).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^  instance 0: PENDING: .+\\nError: ${KEY} did not reach RUNNING within 5 s; now: 1 PENDING\\n$`));
    });

    it('prints JSON with --json', async () => {
      await scheduler({ agent: false });
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts', '--json');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { job: { key: { name: string } }; taskIds: string[]; jobPage: string };
      expect(out.job.key.name).toBe('hello');
      expect(out.taskIds).toHaveLength(1);
    });

    it("passes on the scheduler's error code and message (exit 10): an existing job is changed with aurora update start", async () => {
      await scheduler({ agent: false });
      expect((await aurora('job', 'create', KEY, 'hello.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts');
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(new RegExp(`^Error: .*${KEY}.*aurora update start.* \\(JOB_EXISTS\\)\\n$`));
    });

    it('lists the keys a file defines when the key is not among them (exit 3)', async () => {
      await scheduler({ agent: false });
      const r = await aurora('job', 'create', 'devcluster/www-data/prod/hellox', 'hello.aurora.ts');
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`Error: Job devcluster/www-data/prod/hellox not found in hello.aurora.ts; it defines: ${KEY}\n`);
    });

    it('reports type errors with exit 3', async () => {
      await scheduler({ agent: false });
      tmp.write('bad.aurora.ts', HELLO_CONFIG.replace('cpu: 0.1', "cpu: '0.1'"));
      const r = await aurora('job', 'create', KEY, 'bad.aurora.ts');
      expect(r.code).toBe(3);
      // A number field takes a number or a '{{template}}', not any string.
      expect(r.stderr).toMatch(/^bad\.aurora\.ts:9:61 - error TS2322: Type '"0\.1"' is not assignable to type 'NumberOrTemplate'\.\n9 /);
      expect(r.stderr).toMatch(/Error: bad\.aurora\.ts has 1 error; fix it and try again\n$/);
    });

    it('says a missing config does not exist (exit 3)', async () => {
      await scheduler({ agent: false });
      const r = await aurora('job', 'create', KEY, 'examples/x.aurora.ts');
      expect(r).toMatchObject({ code: 3, stderr: 'Error: Config file examples/x.aurora.ts does not exist\n' });
    });

    it('refuses a cron job: those are for aurora cron schedule', async () => {
      const s = await scheduler({ agent: false });
      tmp.write('cron.aurora.ts', BATCH_CONFIG.replace("name: 'hello',\n    task", "name: 'hello',\n    cronSchedule: '* * * * *',\n    task"));
      const r = await aurora('job', 'create', KEY, 'cron.aurora.ts');
      expect(r.code).toBe(4);
      expect(r.stderr).toBe(`Error: Cron jobs may only be scheduled with "aurora cron schedule" command (${KEY} has cronSchedule '* * * * *')\n`);
      expect(s.requests.filter((q) => q.method === 'POST')).toEqual([]);
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
    expect(r.stderr).toBe(`Error: Unknown cluster 'nowhere'. Known clusters: devcluster (built in, and from ${tmp.dir}/clusters.json)\n`);
  });

  it('prints help and exits 5 on an unknown command', async () => {
    const r = await aurora('job', 'frobnicate');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('aurora job create <jobkey> <config>');
    expect(r.stderr).toMatch(/Error: Unknown argument: frobnicate\n$/);
    expect((await aurora()).code).toBe(5);
    expect((await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'SOON')).code).toBe(5);
  });

  it('prints help on --help with exit 0', async () => {
    const r = await aurora('job', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('aurora job kill <instancekey>');
  });

  describe('when the scheduler cannot be reached or misbehaves', () => {
    it('says the scheduler is not reachable with exit 7', async () => {
      const port = await closedPort();
      tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: `http://127.0.0.1:${port}` }]));
      const r = await aurora('job', 'status', KEY);
      expect(r.code).toBe(7);
      expect(r.stderr).toBe(
        `Error: Could not reach the scheduler of cluster devcluster at http://127.0.0.1:${port}: connection refused. Is it running? (npm run devcluster starts a local one)\n`,
      );
    });

    it('says so with exit 7 when the scheduler hangs up', async () => {
      const f = await misbehaving({ kind: 'hang-up' });
      const r = await aurora('job', 'kill', KEY);
      expect(r).toMatchObject({ code: 7, stderr: `Error: Could not reach the scheduler of cluster devcluster at ${f.url}: connection reset. Is it running? (npm run devcluster starts a local one)\n` });
    });

    it("passes on a 500 and refuses an answer it cannot read, with exit 10", async () => {
      await misbehaving({ kind: 'answer', status: 500, body: { error: { code: 'INTERNAL', message: 'internal error: boom' } } });
      expect(await aurora('job', 'list', 'devcluster/www-data')).toMatchObject({ code: 10, stderr: 'Error: internal error: boom (INTERNAL)\n' });
      await faulty?.close();
      await misbehaving({ kind: 'answer', status: 200, body: '<html>a proxy login page</html>' });
      const r = await aurora('job', 'list', 'devcluster/www-data');
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/^Error: the scheduler answered GET \/api\/v1\/jobs with a body this client does not understand \(.*\); are client and scheduler the same version\?\n$/);
    });
  });

  describe('status', () => {
    it('prints the job, its active tasks with host, last event and observer link, then its ended ones', async () => {
      const s = await scheduler({ agent: { lifecycle: ['RUNNING', 'FAILED'], messages: { RUNNING: 'Task is running', FAILED: 'Process hello exited with status 1' } } });
      await aurora('job', 'create', KEY, 'hello.aurora.ts');
      // The service's first run failed at once: its replacement is held back (flapping).
      const job = await s.waitForJob('www-data/prod/hello', (j) => j?.tasks.some((t) => t.state === 'THROTTLED') ?? false);
      const r = await aurora('job', 'status', KEY);
      expect(r.code).toBe(0);
      const [replacement, failed] = [job?.tasks.find((t) => t.state === 'THROTTLED'), job?.tasks.find((t) => t.state === 'FAILED')];
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 5)).toEqual([
        `Job ${KEY}: service, 1 instance, 1 THROTTLED`,
        `  created 2024-01-01T00:00:00.000Z, config ${job?.summary.specHash}`,
        '  resources per instance: cpu 0.1, ram 16 MiB, disk 16 MiB',
        `  page: ${s.url}/scheduler/www-data/prod/hello`,
        'Active tasks (1):',
      ]);
      expect(lines).toContain(`    task id: ${replacement?.taskId}`);
      const inactive = lines.slice(lines.indexOf('Inactive tasks (1):'));
      expect(inactive).toEqual([
        'Inactive tasks (1):',
        '  instance 0: FAILED on host1',
        `    task id: ${failed?.taskId}`,
        '    last event: FAILED at 2024-01-01T00:00:00.000Z: Process hello exited with status 1',
        `    observer: http://host1:1338/task/${failed?.taskId}`,
        '',
      ]);
      expect(jobReads(s)).toEqual(['/api/v1/jobs/www-data/prod/hello?history=true']);
    });

    it('shows every instance of a 10,000-instance job', async () => {
      await scheduler({ agent: false, maxInstancesPerJob: 10000 });
      tmp.write('big.aurora.ts', withInstances(10000));
      expect((await aurora('job', 'create', KEY, 'big.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'status', KEY);
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`Job ${KEY}: service, 10000 instances, 10000 PENDING`);
      expect(lines).toContain('Active tasks (10000):');
      expect(lines.filter((l) => /^ {2}instance \d+: PENDING/.test(l))).toHaveLength(10000);
      expect(lines.some((l) => l.startsWith('  instance 9999: PENDING'))).toBe(true);
      expect(lines.at(-2)).toBe('Inactive tasks (0):');
    });

    it('prints the job with every task, ended ones too, as JSON with --json', async () => {
      const s = await scheduler({ agent: { lifecycle: ['RUNNING', 'FAILED'] } });
      await aurora('job', 'create', KEY, 'hello.aurora.ts');
      await s.waitForJob('www-data/prod/hello', (j) => j?.tasks.some((t) => t.state === 'FAILED') ?? false);
      const r = await aurora('job', 'status', KEY, '--json');
      const job = JSON.parse(r.stdout) as { summary: { key: { name: string } }; tasks: { taskId: string; state: string }[] };
      expect(job.summary.key.name).toBe('hello');
      expect(job.tasks.map((t) => t.state)).toEqual(['THROTTLED', 'FAILED']);
    });

    it("prints Aurora's JSON with --write-json: [{job, active, inactive}], .[0].active[N].status the state", async () => {
      const s = await scheduler({ agent: { messages: { RUNNING: 'Task is running' } } });
      tmp.write('two.aurora.ts', withInstances(2));
      expect((await aurora('job', 'create', KEY, 'two.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const r = await aurora('job', 'status', KEY, '--write-json');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const out = JSON.parse(r.stdout) as {
        job: string;
        active: { status: string; assignedTask: { taskId: string; slaveHost: string; instanceId: number; assignedPorts: object; task: Record<string, unknown> }; taskEvents: { status: string; message: string | null; scheduler: string; timestamp: number }[]; failureCount: number }[];
        inactive: unknown[];
      }[];
      expect(out).toHaveLength(1);
      const [status] = out;
      expect(status?.job).toBe(KEY);
      expect(status?.inactive).toEqual([]);
      expect(status?.active.map((t) => [t.assignedTask.instanceId, t.status, t.assignedTask.slaveHost])).toEqual([
        [0, 'RUNNING', 'host1'],
        [1, 'RUNNING', 'host1'],
      ]);
      const job = await s.waitForJob('www-data/prod/hello', () => true);
      const t0 = status?.active[0];
      expect(t0?.assignedTask.taskId).toBe(job?.tasks.find((t) => t.instance === 0)?.taskId);
      expect(t0?.assignedTask.task).toMatchObject({
        job: { role: 'www-data', environment: 'prod', name: 'hello' },
        isService: true,
        production: false,
        tier: job?.spec.tier,
        priority: job?.spec.priority,
        maxTaskFailures: job?.spec.maxTaskFailures,
        numCpus: 0.1,
        ramMb: 16,
        diskMb: 16,
      });
      expect(t0?.failureCount).toBe(0);
      expect(t0?.taskEvents.map((e) => e.status).at(-1)).toBe('RUNNING');
      expect(t0?.taskEvents.at(-1)).toMatchObject({ message: 'Task is running', scheduler: '127.0.0.1' });
      const times = t0?.taskEvents.map((e) => e.timestamp) ?? [];
      expect(times).toEqual([...times].sort((a, b) => a - b));
    });

    it('lists ended tasks as inactive with --write-json', async () => {
      const s = await scheduler({ agent: { lifecycle: ['RUNNING', 'FAILED'] } });
      await aurora('job', 'create', KEY, 'hello.aurora.ts');
      await s.waitForJob('www-data/prod/hello', (j) => j?.tasks.some((t) => t.state === 'THROTTLED') ?? false);
      const out = JSON.parse((await aurora('job', 'status', KEY, '--write-json')).stdout) as { active: { status: string }[]; inactive: { status: string }[] }[];
      expect(out.map((j) => [j.active.map((t) => t.status), j.inactive.map((t) => t.status)])).toEqual([[['THROTTLED'], ['FAILED']]]);
    });

    it('passes on JOB_NOT_FOUND (exit 10)', async () => {
      await scheduler({ agent: false });
      const r = await aurora('job', 'status', 'devcluster/www-data/prod/nope');
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/^Error: .*devcluster\/www-data\/prod\/nope.* \(JOB_NOT_FOUND\)\n$/);
    });
  });

  it("lists jobs as Aurora's, a key a line (with a summary each on a terminal), and nothing on stdout when there is none", async () => {
    await scheduler({ agent: false });
    await aurora('job', 'create', KEY, 'hello.aurora.ts');
    // Piped, as a script reads it: `for job in $(aurora job list devcluster/www-data)`.
    expect(await aurora('job', 'list', 'devcluster/www-data')).toMatchObject({ code: 0, stdout: `${KEY}\n`, stderr: '' });
    expect(await listOnTerminal('devcluster/www-data')).toBe(`${KEY}  service  1 instance  1 PENDING\n`);
    expect(await aurora('job', 'list', 'devcluster/nobody/prod')).toMatchObject({ code: 0, stdout: '', stderr: 'No jobs found for devcluster/nobody/prod\n' });
    expect(JSON.parse((await aurora('job', 'list', 'devcluster/www-data', '--json')).stdout)).toHaveLength(1);
  });

  describe('restart', () => {
    // The scheduler's clock moves whenever it is read, so each change of the restart has its own lastModifiedAt.
    const restarting = () => scheduler({ clockStepMs: 1 });
    const restartPost = (s: TestScheduler) => s.requests.find((q) => q.method === 'POST' && q.url === '/api/v1/jobs/www-data/prod/hello/restart');

    it('restarts every instance in batches and waits until the restart ends (exit 0)', async () => {
      const s = await restarting();
      tmp.write('two.aurora.ts', withInstances(2));
      expect((await aurora('job', 'create', KEY, 'two.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const before = await s.waitForJob('www-data/prod/hello', () => true);
      const r = await aurora('job', 'restart', KEY, '--watch-secs', '0');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`Restart of ${KEY} has started, 1 instance at a time. View its progress at ${s.url}/scheduler/www-data/prod/hello`);
      expect(lines[1]).toMatch(/^Update ID: \S+$/);
      expect(lines[2]).toBe('ROLLING_FORWARD: 0/2 instances restarted');
      expect(lines.slice(-3)).toEqual(['ROLLED_FORWARD: 2/2 instances restarted', `Job ${KEY} restarted successfully`, '']);
      expect(restartPost(s)?.body).toEqual({
        settings: {
          strategy: { kind: 'batch', batchSize: 1, autopauseAfterBatch: false },
          watchSecs: 0,
          maxPerInstanceFailures: 0,
          maxTotalFailures: 0,
          rollbackOnFailure: false,
          pulseIntervalSecs: null,
          slaAware: false,
        },
      });
      expect(restartPost(s)?.headers[CLIENT_HEADER]).toBeTruthy();
      const after = await s.waitForJob('www-data/prod/hello', () => true);
      const current = (j: typeof after) => j?.tasks.filter((t) => t.state === 'RUNNING').map((t) => t.taskId).sort();
      expect(current(after)).toHaveLength(2);
      expect(current(after)?.some((id) => current(before)?.includes(id))).toBe(false);
    });

    it("sends the instances and flags it is given, with Aurora's defaults for the rest; Ctrl-C leaves the restart going (exit 130)", async () => {
      const s = await restarting();
      tmp.write('three.aurora.ts', withInstances(3));
      expect((await aurora('job', 'create', KEY, 'three.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const ctrlC = new AbortController();
      const held = s.nextRequest((q) => q.method === 'GET' && q.url.includes('/updates/') && q.url.includes('waitMs='));
      const running = runCli(createCli, ['job', 'restart', `${KEY}/0,2`, '--batch-size', '2', '--max-total-failures', '1', '--rollback-on-failure', '--message', 'new certs'], {
        env: { AURORA_CONFIG_ROOT: tmp.dir },
        cwd: tmp.dir,
        clock,
        signal: ctrlC.signal,
      });
      await held;
      ctrlC.abort();
      const r = await running;
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`^Error: interrupted; restart \\S+ goes on \\(aurora update info\\|pause\\|abort ${KEY}\\)\\n$`));
      expect(restartPost(s)?.body).toEqual({
        instances: [0, 2],
        settings: {
          strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false },
          watchSecs: 45,
          maxPerInstanceFailures: 0,
          maxTotalFailures: 1,
          rollbackOnFailure: true,
          pulseIntervalSecs: null,
          slaAware: false,
        },
        message: 'new certs',
      });
      expect((await aurora('update', 'info', KEY)).stdout).toMatch(/\nCurrent status: ROLLING_FORWARD\nRestart by anonymous: new certs\n/);
    });

    it('refuses counts out of range (exit 6) and passes on JOB_NOT_FOUND (exit 10)', async () => {
      const s = await restarting();
      expect(await aurora('job', 'restart', KEY, '--batch-size', '0')).toMatchObject({
        code: 6,
        stderr: 'Error: --batch-size must be a whole number of at least 1, but you specified 0\n',
      });
      expect((await aurora('job', 'restart', KEY, '--max-total-failures', '-1')).stderr).toBe('Error: --max-total-failures must be a whole number of at least 0, but you specified -1\n');
      expect((await aurora('job', 'restart', KEY, '--watch-secs', '1.5')).code).toBe(6);
      expect(s.requests).toEqual([]);
      const r = await aurora('job', 'restart', KEY);
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/\(JOB_NOT_FOUND\)\n$/);
    });
  });

  describe('kill', () => {
    it('kills the job and waits until its tasks ended, sending the message and the client header', async () => {
      const s = await scheduler();
      expect((await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const r = await aurora('job', 'kill', KEY, '--message', 'done for today');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(`Killing 1 task of ${KEY}`);
      expect(lines.slice(-3)).toEqual(['hello: 1 KILLED', `Killed ${KEY}: 1 KILLED; the job was removed`, '']);
      const kill = s.requests.find((q) => q.url.endsWith('/kill'));
      expect(kill?.body).toEqual({ message: 'done for today' });
      expect(kill?.headers[CLIENT_HEADER]).toBeTruthy();
      const status = await aurora('job', 'status', KEY);
      expect(status.code).toBe(10);
    });

    it("ignores instances the job does not have, saying so on stderr (Aurora's kill); --strict refuses them with exit 6", async () => {
      const s = await scheduler();
      tmp.write('three.aurora.ts', withInstances(3));
      expect((await aurora('job', 'create', KEY, 'three.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      s.requests.length = 0;
      const strict = await aurora('job', 'kill', `${KEY}/1,5-6`, '--strict');
      expect(strict.code).toBe(6);
      expect(strict.stderr).toContain('instances 5-6 do not exist');
      expect(s.requests.filter((q) => q.method === 'POST')).toEqual([]);
      const r = await aurora('job', 'kill', `${KEY}/1,5-6`);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`${KEY} has 3 instances (0-2); instances 5-6 do not exist: ignored\n`);
      expect(r.stdout.split('\n')[0]).toBe(`Killing 1 task of ${KEY} instances 1`);
      expect(s.requests.filter((q) => q.method === 'POST').map((q) => q.body)).toEqual([{ instances: [1] }]);
      s.requests.length = 0;
      const none = await aurora('job', 'kill', `${KEY}/5`);
      expect(none).toMatchObject({ code: 0, stdout: `No instances of ${KEY} to kill\n`, stderr: `${KEY} has 3 instances (0-2); instance 5 does not exist: ignored\n` });
      expect(s.requests.filter((q) => q.method === 'POST')).toEqual([]);
      // A whole-job kill is one request, with no read of the job first.
      s.requests.length = 0;
      expect((await aurora('job', 'kill', KEY, '--no-wait')).code).toBe(0);
      expect(s.requests.map((q) => q.method)).toEqual(['POST']);
    });

    it('killall kills the instances in batches, each waited until it ended, then removes the job; --no-batching in one request', async () => {
      const s = await scheduler();
      tmp.write('three.aurora.ts', withInstances(3));
      expect((await aurora('job', 'create', KEY, 'three.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      s.requests.length = 0;
      const r = await aurora('job', 'killall', KEY, '--batch-size', '2', '--message', 'bye');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const kills = s.requests.filter((q) => q.method === 'POST').map((q) => q.body);
      expect(kills).toEqual([{ instances: [0, 1], message: 'bye' }, { instances: [2], message: 'bye' }, { message: 'bye' }]);
      const lines = r.stdout.split('\n');
      expect(lines).toContain(`Killed ${KEY} instances 0-1: 2 KILLED`);
      expect(lines).toContain(`Killed ${KEY} instances 2: 1 KILLED`);
      // Each batch had ended before the next was killed.
      const firstKill = lines.indexOf(`Killed ${KEY} instances 0-1: 2 KILLED`);
      expect(lines.indexOf(`Killing 1 task of ${KEY} instances 2`)).toBeGreaterThan(firstKill);
      expect((await aurora('job', 'status', KEY)).code).toBe(10);

      expect((await aurora('job', 'create', KEY, 'three.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      s.requests.length = 0;
      const all = await aurora('job', 'killall', KEY, '--no-batching');
      expect(all.code).toBe(0);
      expect(s.requests.filter((q) => q.method === 'POST').map((q) => q.body)).toEqual([{}]);
      expect(all.stdout).toContain(`Killed ${KEY}: 3 KILLED; the job was removed`);
    });

    it('killall of a job whose batches removed it (one instance, all killed) exits 0, as Aurora\'s', async () => {
      await scheduler();
      expect((await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const r = await aurora('job', 'killall', KEY);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toContain(`Killed ${KEY} instances 0: 1 KILLED; the job was removed`);
      expect((await aurora('job', 'status', KEY)).code).toBe(10);
      // A job that never existed is still an error.
      expect((await aurora('job', 'killall', 'devcluster/www-data/prod/nothing')).code).toBe(10);
    });

    it('follows the killed tasks by their ids once the job is gone, and prints them with --json', async () => {
      const s = await scheduler();
      tmp.write('three.aurora.ts', withInstances(3));
      expect((await aurora('job', 'create', KEY, 'three.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      s.requests.length = 0;
      const r = await aurora('job', 'kill', KEY, '--json');
      expect(r.code).toBe(0);
      expect(r.stderr.split('\n').at(0)).toBe(`Killing 3 tasks of ${KEY}`);
      expect(r.stderr.split('\n').at(-2)).toBe('hello: 3 KILLED');
      const out = JSON.parse(r.stdout) as { killed: string[]; tasks: { taskId: string; state: string }[] };
      expect(out.tasks.map((t) => t.state)).toEqual(['KILLED', 'KILLED', 'KILLED']);
      // The job went with its last task: the tasks were read by id from the history.
      const list = s.requests.find((q) => q.url.startsWith('/api/v1/tasks?'));
      expect(param(list!.url, 'taskId')?.split(',').sort()).toEqual([...out.killed].sort());
      expect(param(list!.url, 'history')).toBe('true');
    });

    it('gives up with exit 9 when killed tasks do not end in time, each read held by the scheduler', async () => {
      const s = await scheduler({ agent: { killsEnd: false } });
      expect((await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      s.compressWaits(clock);
      s.requests.length = 0;
      const started = clock.now();
      const r = await aurora('job', 'kill', KEY, '--wait-timeout', '45');
      expect(r.code).toBe(9);
      expect(r.stdout).toBe(`Killing 1 task of ${KEY}\nhello: 1 KILLING\n`);
      expect(r.stderr).toMatch(new RegExp(`^  instance 0: KILLING.*\\nError: 1 task\\(s\\) of devcluster/www-data/prod/hello did not end within 45 s\\n$`));
      expect(r.slept).toBe(0);
      expect(clock.now() - started).toBe(45000);
      // One read at once, then reads held for at most the scheduler's longest wait.
      expect(jobReads(s).map((u) => param(u, 'waitMs'))).toEqual([null, '30000', '15000']);
    });

    it('kills some instances, and skips waiting with --no-wait', async () => {
      const s = await scheduler({ agent: false });
      tmp.write('three.aurora.ts', withInstances(3));
      expect((await aurora('job', 'create', KEY, 'three.aurora.ts')).code).toBe(0);
      const r = await aurora('job', 'kill', `${KEY}/0,2`, '--no-wait');
      expect(r).toMatchObject({
        code: 0,
        stdout: `Killing 2 tasks of ${KEY} instances 0,2\nKill requested for ${KEY} instances 0,2\n`,
      });
      expect(s.requests.find((q) => q.url.endsWith('/kill'))?.body).toEqual({ instances: [0, 2] });
      expect(s.requests.filter((q) => q.url.startsWith('/api/v1/tasks'))).toHaveLength(0);
      expect(await listOnTerminal('devcluster/www-data')).toBe(`${KEY}  service  3 instances  1 PENDING, 2 KILLED\n`);
    });

    it('rejects a malformed instance list (exit 6)', async () => {
      const r = await aurora('job', 'kill', `${KEY}/2-1`);
      expect(r).toMatchObject({ code: 6, stderr: "Error: instance range '2-1' ends before it starts\n" });
    });
  });
});
