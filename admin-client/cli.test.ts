import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../scheduler/api/agent-protocol.js';
import type { ScheduledTask, TaskState } from '../scheduler/api/task.js';
import { startFakeScheduler, type FakeScheduler } from '../client/testing/fake-scheduler.js';
import { closedPort, runCli } from '../client/testing/run-cli.js';
import { tempDir } from '../client/testing/temp-dir.js';
import { createAdminCli, formatAgents, parsePruneStates } from './cli.js';

// Runs against the client's stand-in scheduler (client/testing/fake-scheduler.ts) on a free
// loopback port, because the real scheduler is written in parallel.

const AGENTS: AgentInfo[] = [
  {
    agentId: 'agent-2',
    host: 'host2',
    observerUrl: 'http://host2:1338',
    attributes: { rack: 'r2' },
    resources: { cpu: 2, ramMb: 2048, diskMb: 10240, gpu: 0 },
    portRange: { begin: 31000, end: 32000 },
    status: 'LOST',
    lastSeenAt: Date.UTC(2023, 11, 31, 23, 0),
  },
  {
    agentId: 'agent-1',
    host: 'host1',
    observerUrl: 'http://host1:1338',
    attributes: { rack: 'r1' },
    resources: { cpu: 4, ramMb: 8192, diskMb: 20480, gpu: 1 },
    portRange: { begin: 31000, end: 32000 },
    status: 'ACTIVE',
    lastSeenAt: Date.UTC(2024, 0, 1, 0, 0, 55),
  },
];

describe('aurora-admin', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fake: FakeScheduler | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await fake?.close();
    tmp.remove();
  });
  const admin = (...argv: string[]) => runCli(createAdminCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir });
  async function scheduler(): Promise<FakeScheduler> {
    fake = await startFakeScheduler({ agents: AGENTS });
    tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: fake.url }]));
    return fake;
  }

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
    const r = await runCli(createAdminCli, ['get_scheduler', 'nowhere'], { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('Known clusters: devcluster');
  });

  it('host_status prints a table of agents', async () => {
    await scheduler();
    const r = await admin('host_status', 'local');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'HOST   AGENT ID  STATUS  CPU  RAM       DISK       GPU  LAST SEEN',
      'host1  agent-1   ACTIVE  4    8192 MiB  20480 MiB  1    2024-01-01T00:00:55.000Z (5s ago)',
      'host2  agent-2   LOST    2    2048 MiB  10240 MiB  0    2023-12-31T23:00:00.000Z (61m ago)',
      '',
    ]);
  });

  it('host_status --json prints the agents', async () => {
    await scheduler();
    const r = await admin('host_status', 'local', '--json');
    expect(JSON.parse(r.stdout)).toEqual(AGENTS);
  });

  describe('prune_tasks', () => {
    /** An ended task of a removed job, in the scheduler's history. */
    const ended = (taskId: string, role: string, name: string, state: TaskState, at: number): ScheduledTask => ({
      taskId,
      jobKey: { cluster: 'devcluster', role, environment: 'prod', name },
      instance: 0,
      state,
      specHash: 'h',
      agentId: null,
      host: null,
      observerUrl: null,
      ports: {},
      health: 'UNKNOWN',
      failureCount: 0,
      pendingReason: null,
      events: [{ state, at, message: null }],
    });
    async function withHistory(): Promise<FakeScheduler> {
      const s = await scheduler();
      s.history.push(
        ended('a', 'www-data', 'hello', 'FAILED', 1),
        ended('b', 'www-data', 'hello', 'KILLED', 2),
        ended('c', 'www-data', 'web', 'FAILED', 3),
        ended('d', 'batch', 'hello', 'FAILED', 4),
      );
      return s;
    }

    it('prunes the ended tasks the flags select and says so', async () => {
      const s = await withHistory();
      const r = await admin('prune_tasks', 'local', '--states=FAILED', '--role', 'www-data', '--env', 'prod', '--job', 'hello');
      expect(r).toMatchObject({ code: 0, stdout: 'Tasks pruned.\n', stderr: '' });
      expect(s.requests.find((q) => q.url === '/api/v1/tasks/prune')?.body).toEqual({ states: ['FAILED'], role: 'www-data', environment: 'prod', name: 'hello' });
      expect(s.history.map((t) => t.taskId)).toEqual(['b', 'c', 'd']);
    });

    it('prunes every ended task without flags, oldest first up to --limit, and prints the answer with --json', async () => {
      const s = await withHistory();
      const r = await admin('prune_tasks', 'local', '--limit', '3', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ pruned: 3, taskIds: ['a', 'b', 'c'] });
      expect(s.history.map((t) => t.taskId)).toEqual(['d']);
    });

    it('refuses a state that is not an ended one, naming the ended states, before asking the scheduler (exit 6)', async () => {
      const s = await withHistory();
      const r = await admin('prune_tasks', 'local', '--states', 'FAILED,RUNNING');
      expect(r.code).toBe(6);
      expect(r.stderr).toBe('Error: only ended tasks can be pruned, and RUNNING is not an ended state; the ended states are FINISHED, FAILED, KILLED, LOST\n');
      expect(s.requests.filter((q) => q.url.includes('prune'))).toHaveLength(0);
      const typo = await admin('prune_tasks', 'local', '--states', 'FIALED');
      expect(typo).toMatchObject({ code: 6, stderr: "Error: 'FIALED' is not a task state; prune_tasks takes ended states: FINISHED, FAILED, KILLED, LOST\n" });
      expect((await admin('prune_tasks', 'local', '--limit', '0')).code).toBe(6);
    });

    it("passes on the scheduler's refusal: its message and exit 10, or exit 8 when not allowed", async () => {
      fake = await startFakeScheduler({ failWith: { status: 403, code: 'PERMISSION_DENIED', message: 'alice may not prune tasks' } });
      tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: fake.url }]));
      expect(await admin('prune_tasks', 'local')).toMatchObject({ code: 8, stderr: 'Error: alice may not prune tasks (PERMISSION_DENIED)\n' });
      await fake.close();
      fake = await startFakeScheduler({ failWith: { status: 503, code: 'STORAGE_UNAVAILABLE', message: 'the store could not commit' } });
      tmp.write('clusters.json', JSON.stringify([{ name: 'local', scheduler_uri: fake.url }]));
      expect(await admin('prune_tasks', 'local')).toMatchObject({ code: 10, stderr: 'Error: the store could not commit (STORAGE_UNAVAILABLE)\n' });
    });

    it('takes each ended state once', () => {
      expect(parsePruneStates('KILLED, LOST,KILLED')).toEqual(['KILLED', 'LOST']);
    });
  });

  it('formats an empty agent list', () => {
    expect(formatAgents([], 0)).toEqual(['No agents registered']);
  });

  it('exits 5 with help on an unknown command', async () => {
    const r = await admin('set_quota', 'local');
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('aurora-admin host_status <cluster>');
  });
});
