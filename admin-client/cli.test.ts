import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../scheduler/api/agent-protocol.js';
import { CLIENT_HEADER } from '../scheduler/api/agent-protocol.js';
import type { GetQuotaResponse } from '../scheduler/api/quota-api.js';
import type { ScheduledTask } from '../scheduler/api/task.js';
import { createCli } from '../client/cli/index.js';
import { startFaultyScheduler, type FaultyScheduler } from '../client/testing/faulty-scheduler.js';
import { closedPort, runCli } from '../client/testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../client/testing/temp-dir.js';
import { testClock } from '../client/testing/test-clock.js';
import { startTestScheduler, type TestScheduler } from '../client/testing/test-scheduler.js';
import { createAdminCli, formatAgents, parsePruneStates } from './cli.js';

// aurora-admin against the real scheduler (client/testing/test-scheduler.ts) on a free loopback
// port, with agents played in-process where tasks must run or end.

const BATCH_CONFIG = HELLO_CONFIG.replace(/Service/g, 'Job');

describe('aurora-admin', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  let faulty: FaultyScheduler | undefined;
  // Two minutes after the scheduler's clock starts.
  const clock = testClock(Date.UTC(2024, 0, 1, 0, 2));
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await sched?.close();
    await faulty?.close();
    sched = undefined;
    faulty = undefined;
    tmp.remove();
  });
  const env = () => ({ AURORA_CONFIG_ROOT: tmp.dir });
  const admin = (...argv: string[]) => runCli(createAdminCli, argv, { env: env(), cwd: tmp.dir, clock });
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: env(), cwd: tmp.dir, clock });
  async function scheduler(): Promise<TestScheduler> {
    sched = await startTestScheduler({ clusterName: 'local' });
    tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: sched.url }]));
    return sched;
  }
  const get = async <T>(s: TestScheduler, url: string): Promise<T> => (await s.app.inject({ method: 'GET', url })).json() as T;

  it('get_scheduler prints the URL and that /health answers', async () => {
    const s = await scheduler();
    const r = await admin('get_scheduler', 'local');
    expect(r).toMatchObject({ code: 0, stdout: `local: ${s.url}\nhealth: OK\n`, stderr: '' });
  });

  it('get_scheduler says when the scheduler does not answer (exit 7)', async () => {
    const port = await closedPort();
    tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: `http://127.0.0.1:${port}` }]));
    const r = await admin('get_scheduler', 'local');
    expect(r.code).toBe(7);
    expect(r.stdout).toBe(`local: http://127.0.0.1:${port}\nhealth: not answering\n`);
  });

  it('rejects an unknown cluster, naming devcluster among the known ones', async () => {
    const r = await admin('get_scheduler', 'nowhere');
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('Known clusters: devcluster');
  });

  describe('host_status', () => {
    /** host2 registered, then went away for a minute (LOST); host1 registered after. */
    async function twoAgents(): Promise<{ s: TestScheduler; lost: string; active: string }> {
      const s = await scheduler();
      const lost = await s.agent({ host: 'host2', idle: true, resources: { cpu: 2, ramMb: 2048, diskMb: 10240 } });
      s.clock.advance(60_000);
      await s.app.background.tick();
      s.clock.advance(5_000);
      const active = await s.agent({ host: 'host1', resources: { cpu: 4, ramMb: 8192, diskMb: 20480, gpu: 1 } });
      return { s, lost: lost.agentId, active: active.agentId };
    }

    it('prints a table of agents', async () => {
      expect(await twoAgents()).toMatchObject({ lost: 'host2-00000001', active: 'host1-00000002' });
      const r = await admin('host_status', 'local');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')).toEqual([
        'HOST   AGENT ID        STATUS  CPU  RAM       DISK       GPU  LAST SEEN',
        'host1  host1-00000002  ACTIVE  4    8192 MiB  20480 MiB  1    2024-01-01T00:01:05.000Z (55s ago)',
        'host2  host2-00000001  LOST    2    2048 MiB  10240 MiB  0    2024-01-01T00:00:00.000Z (2m ago)',
        '',
      ]);
    });

    it('prints the agents the scheduler lists with --json', async () => {
      const { s } = await twoAgents();
      const r = await admin('host_status', 'local', '--json');
      expect(JSON.parse(r.stdout)).toEqual((await get<{ agents: AgentInfo[] }>(s, '/api/v1/agents')).agents);
    });
  });

  describe('prune_tasks', () => {
    /** Ended tasks in the history: hello FAILED twice over (two jobs of that name), web FINISHED. */
    async function withHistory(): Promise<TestScheduler> {
      const s = await scheduler();
      await s.agent({ lifecycle: ['RUNNING', 'FAILED'] });
      tmp.write('hello.aurora.ts', BATCH_CONFIG.replace(/devcluster/g, 'local'));
      tmp.write('web.aurora.ts', BATCH_CONFIG.replace(/devcluster/g, 'local').replace("    name: 'hello',", "    name: 'web',"));
      tmp.write('batch.aurora.ts', BATCH_CONFIG.replace(/devcluster/g, 'local').replace(/www-data/g, 'batch'));
      for (const [key, file] of [
        ['local/www-data/prod/hello', 'hello.aurora.ts'],
        ['local/www-data/prod/web', 'web.aurora.ts'],
        ['local/batch/prod/hello', 'batch.aurora.ts'],
      ] as const) {
        const r = await aurora('job', 'create', key, file, '--wait-until', 'FINISHED');
        expect(r.code, r.stderr).toBe(4); // they failed
      }
      return s;
    }
    const history = async (s: TestScheduler) =>
      (await get<{ tasks: ScheduledTask[] }>(s, '/api/v1/tasks?history=true')).tasks.map((t) => `${t.jobKey.role}/${t.jobKey.name}`).sort();

    it('prunes the ended tasks the flags select and says so', async () => {
      const s = await withHistory();
      const r = await admin('prune_tasks', 'local', '--states=FAILED', '--role', 'www-data', '--env', 'prod', '--job', 'hello');
      expect(r).toMatchObject({ code: 0, stdout: 'Tasks pruned.\n', stderr: '' });
      const post = s.requests.find((q) => q.url === '/api/v1/tasks/prune');
      expect(post?.body).toEqual({ states: ['FAILED'], role: 'www-data', environment: 'prod', name: 'hello' });
      expect(post?.headers[CLIENT_HEADER]).toBeTruthy();
      expect(await history(s)).toEqual(['batch/hello', 'www-data/web']);
    });

    it('prunes up to --limit ended tasks without other flags, and prints the answer with --json', async () => {
      const s = await withHistory();
      const r = await admin('prune_tasks', 'local', '--limit', '2', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ pruned: 2 });
      expect(await history(s)).toHaveLength(1);
    });

    it('refuses a state that is not an ended one, naming the ended states, before asking the scheduler (exit 6)', async () => {
      const s = await scheduler();
      const r = await admin('prune_tasks', 'local', '--states', 'FAILED,RUNNING');
      expect(r.code).toBe(6);
      expect(r.stderr).toBe('Error: only ended tasks can be pruned, and RUNNING is not an ended state; the ended states are FINISHED, FAILED, KILLED, LOST\n');
      const typo = await admin('prune_tasks', 'local', '--states', 'FIALED');
      expect(typo).toMatchObject({ code: 6, stderr: "Error: 'FIALED' is not a task state; prune_tasks takes ended states: FINISHED, FAILED, KILLED, LOST\n" });
      expect((await admin('prune_tasks', 'local', '--limit', '0')).code).toBe(6);
      expect(s.requests).toEqual([]);
    });

    it("passes on the scheduler's error with its code (exit 10)", async () => {
      faulty = await startFaultyScheduler({ kind: 'answer', status: 503, body: { error: { code: 'STORAGE_UNAVAILABLE', message: 'the store could not commit' } } });
      tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: faulty.url }]));
      expect(await admin('prune_tasks', 'local')).toMatchObject({ code: 10, stderr: 'Error: the store could not commit (STORAGE_UNAVAILABLE)\n' });
    });

    it('takes each ended state once', () => {
      expect(parsePruneStates('KILLED, LOST,KILLED')).toEqual(['KILLED', 'LOST']);
    });
  });

  describe('query', () => {
    const KEY = 'local/www-data/prod/hello';
    /** hello with 2 instances RUNNING on host1; the tasks, by instance. */
    async function running(): Promise<{ s: TestScheduler; tasks: ScheduledTask[] }> {
      const s = await scheduler();
      await s.agent({});
      tmp.write('hello.aurora.ts', HELLO_CONFIG.replace(/devcluster/g, 'local').replace("name: 'hello',\n    task", "name: 'hello',\n    instances: 2,\n    task"));
      const r = await aurora('job', 'create', KEY, 'hello.aurora.ts', '--wait-until', 'RUNNING');
      expect(r.code, r.stderr).toBe(0);
      const tasks = (await get<{ tasks: ScheduledTask[] }>(s, '/api/v1/tasks')).tasks.sort((a, b) => a.instance - b.instance);
      return { s, tasks };
    }

    it("prints a line per RUNNING task in Aurora's default format", async () => {
      await running();
      const r = await admin('query', 'local', 'www-data', 'hello');
      expect(r).toMatchObject({ code: 0, stderr: '', stdout: 'www-data/hello/0 RUNNING\nwww-data/hello/1 RUNNING\n' });
    });

    it("prints exactly the task ids with -l '%taskId%', and one instance's with --shards", async () => {
      const { tasks } = await running();
      const ids = await admin('query', '-l', '%taskId%', 'local', 'www-data', 'hello');
      expect(ids).toMatchObject({ code: 0, stderr: '', stdout: tasks.map((t) => `${t.taskId}\n`).join('') });
      const one = await admin('query', '--listformat', '%taskId%', '--shards=1', '--states=RUNNING', 'local', 'www-data', 'hello');
      expect(one.stdout).toBe(`${tasks[1]?.taskId}\n`);
      const both = await admin('query', '-l', '%shard%', '--shards=1,0', 'local', 'www-data', 'hello');
      expect(both.stdout).toBe('0\n1\n');
    });

    it('fills every placeholder', async () => {
      const { tasks } = await running();
      const r = await admin('query', '-l', '%host% %shard% %role% %name% %status% %environment% %taskId% %slaveHost% %instanceId% %jobName%', '--shards=0', 'local', 'www-data', 'hello');
      expect(r.stdout).toBe(`host1 0 www-data hello RUNNING prod ${tasks[0]?.taskId} host1 0 hello\n`);
    });

    it('lists the states --states names; ended ones need --force and come from the history', async () => {
      await running();
      expect(await admin('query', '--states=PENDING,ASSIGNED', 'local', 'www-data', 'hello')).toMatchObject({ code: 0, stdout: '' });
      expect((await aurora('job', 'kill', `${KEY}/1`)).code).toBe(0);
      const refused = await admin('query', '--states=KILLED', 'local', 'www-data', 'hello');
      expect(refused).toMatchObject({ code: 6, stderr: 'Error: --force is required for expensive queries (states outside the active ones: KILLED)\n' });
      const killed = await admin('query', '--force', '--states=KILLED,RUNNING', 'local', 'www-data', 'hello');
      expect(killed.stdout).toBe('www-data/hello/0 RUNNING\nwww-data/hello/1 KILLED\n');
      expect((await admin('query', 'local', 'www-data')).code).toBe(6);
    });

    it('refuses an unknown placeholder, naming the known ones, and an unknown state, before asking the scheduler (exit 6)', async () => {
      const s = await scheduler();
      const r = await admin('query', '-l', '%taskId% %hostname%', 'local', 'www-data', 'hello');
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/^Error: unknown placeholder %hostname% in --listformat; known: %taskId%, %host%, .*%shard%.*%status%/);
      expect(r.stderr).toContain('%environment%');
      const state = await admin('query', '--states=RUNING', 'local', 'www-data', 'hello');
      expect(state).toMatchObject({ code: 6 });
      expect(state.stderr).toContain("unknown state 'RUNING'; valid states are PENDING, ");
      expect((await admin('query', '--shards=a', 'local', 'www-data', 'hello')).code).toBe(6);
      expect(s.requests).toEqual([]);
    });
  });

  describe('quotas', () => {
    it("set_quota sets a role's quota from Aurora's arguments, and get_quota and aurora quota get show it with the use", async () => {
      const s = await scheduler();
      await s.agent();
      const set = await admin('set_quota', 'local', 'www-data', '2.5', '4096MB', '2gb');
      expect(set).toMatchObject({
        code: 0,
        stderr: '',
        stdout: 'Setting quota for www-data to CPU: 2.5 core(s), RAM: 4096 MB, Disk: 2048 MB\nResponse from scheduler: OK\n',
      });
      expect(s.requests.find((q) => q.method === 'POST')?.headers[CLIENT_HEADER]).toBeTruthy();
      // A production job holds quota; one that is not counts as non-production use.
      tmp.write('prod.aurora.ts', HELLO_CONFIG.replace(/devcluster/g, 'local').replace("name: 'hello',\n    task", "name: 'hello',\n    production: true,\n    instances: 2,\n    task"));
      tmp.write('devel.aurora.ts', HELLO_CONFIG.replace(/devcluster/g, 'local').replace(/prod/g, 'devel'));
      expect((await aurora('job', 'create', 'local/www-data/prod/hello', 'prod.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      expect((await aurora('job', 'create', 'local/www-data/devel/hello', 'devel.aurora.ts', '--wait-until', 'RUNNING')).code).toBe(0);
      const shown = [
        'Allocated:',
        '  CPU: 2.5 core(s)',
        '  RAM: 4096 MB',
        '  Disk: 2048 MB',
        'Production shared pool resources consumed:',
        '  CPU: 0.2 core(s)',
        '  RAM: 32 MB',
        '  Disk: 32 MB',
        'Non-production shared pool resources consumed:',
        '  CPU: 0.1 core(s)',
        '  RAM: 16 MB',
        '  Disk: 16 MB',
        '',
      ].join('\n');
      expect(await admin('get_quota', 'local', 'www-data')).toMatchObject({ code: 0, stdout: shown });
      expect(await aurora('quota', 'get', 'local/www-data')).toMatchObject({ code: 0, stdout: shown });
      const json = JSON.parse((await aurora('quota', 'get', 'local/www-data', '--json')).stdout) as GetQuotaResponse;
      expect(json).toEqual({
        role: 'www-data',
        quota: { cpu: 2.5, ramMb: 4096, diskMb: 2048, gpu: 0 },
        prodUse: { cpu: 0.2, ramMb: 32, diskMb: 32, gpu: 0 },
        nonProdUse: { cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 },
      });
    });

    it('increase_quota grows the quota in one step and prints the new one', async () => {
      await scheduler();
      expect((await admin('set_quota', 'local', 'www-data', '1', '1GB', '1GB')).code).toBe(0);
      const r = await admin('increase_quota', 'local', 'www-data', '0.5', '512m', '0', '--gpu', '1');
      expect(r).toMatchObject({
        code: 0,
        stdout:
          'Increasing quota for www-data by CPU: 0.5 core(s), RAM: 512 MB, Disk: 0 MB, GPU: 1 GPU(s)\n' +
          'Response from scheduler: OK\n' +
          'New quota for www-data: CPU: 1.5 core(s), RAM: 1536 MB, Disk: 1024 MB, GPU: 1 GPU(s)\n',
      });
      const json = await admin('increase_quota', 'local', 'www-data', '1', '0', '0', '--json');
      expect(JSON.parse(json.stdout)).toMatchObject({ quota: { cpu: 2.5, ramMb: 1536, diskMb: 1024, gpu: 1 } });
      expect(json.stderr).toBe('Increasing quota for www-data by CPU: 1 core(s), RAM: 0 MB, Disk: 0 MB\nResponse from scheduler: OK\n');
    });

    it('refuses sizes and cpus it cannot read before asking the scheduler (exit 6)', async () => {
      const s = await scheduler();
      const bare = await admin('set_quota', 'local', 'www-data', '1', '4096', '1GB');
      expect(bare.code).toBe(6);
      expect(bare.stderr).toMatch(/^Error: RAM "4096" is less than 1 MiB \(a number without a unit is bytes, as in Aurora\): write 4096m for MiB\n$/);
      expect((await admin('set_quota', 'local', 'www-data', '1', '4XB', '1GB')).stderr).toMatch(/^Error: RAM "4XB" has the unknown unit/);
      expect((await admin('set_quota', 'local', 'www-data', 'lots', '1GB', '1GB')).stderr).toBe(
        "Error: CPU 'lots' is not a number of cpus (0 or more, such as 4 or 0.5)\n",
      );
      expect((await admin('increase_quota', 'local', 'www-data', '-1', '1GB', '1GB')).code).toBe(6);
      expect((await aurora('quota', 'get', 'local')).stderr).toBe("Error: 'local' is not a cluster/role, for example devcluster/www-data\n");
      expect(s.requests).toEqual([]);
    });

    it("refuses a production job beyond the role's quota with the scheduler's numbers (exit 10)", async () => {
      await scheduler();
      expect((await admin('set_quota', 'local', 'www-data', '0.1', '16MB', '16MB')).code).toBe(0);
      tmp.write('prod.aurora.ts', HELLO_CONFIG.replace(/devcluster/g, 'local').replace("name: 'hello',\n    task", "name: 'hello',\n    production: true,\n    instances: 2,\n    task"));
      const r = await aurora('job', 'create', 'local/www-data/prod/hello', 'prod.aurora.ts');
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/^Error: .*cpu.*\(INSUFFICIENT_QUOTA\)\n$/);
      expect(r.stderr).toContain('aurora quota get local/www-data');
    });
  });

  it('formats an empty agent list', () => {
    expect(formatAgents([], 0)).toEqual(['No agents registered']);
  });

  it('exits 5 with help on an unknown command', async () => {
    const r = await admin('set_quotas', 'local');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('aurora-admin set_quota <cluster> <role> <cpu>');
  });
});
