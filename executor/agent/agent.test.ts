import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AgentRegistrationSchema,
  AgentSyncRequestSchema,
  MAX_ENDED_REPORTS_PER_SYNC,
  type AgentRegistration,
  type AgentSyncResponse,
  type AgentTaskReport,
  type TaskAssignment,
} from '../../scheduler/api/agent-protocol.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { specHash } from '../../dsl/jobspec.js';
import { CHECKPOINT_VERSION, formatRecord, type CheckpointRecord } from '../core/checkpoint.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { startAgent, type RunningAgent } from './agent.js';
import { agentIdPath } from './agent-id.js';

/**
 * A stand-in for the scheduler's side of the agent channel, implementing just register and sync
 * with the contract's schemas (scheduler/api/agent-protocol.ts). It exists because the real
 * scheduler is being written at the same time; the suites under test/ run the agent against the
 * real one. Like the real one it is level-triggered: a launch is repeated until the agent reports
 * the task, a kill until the agent reports it KILLING or over; a sync with nothing to do is held.
 */
class StandInScheduler {
  readonly registrations: AgentRegistration[] = [];
  readonly reports = new Map<string, AgentTaskReport>();
  private readonly known = new Set<string>();
  private readonly launches = new Map<string, TaskAssignment>();
  /** Spec fetches by hash, to show each spec is fetched once. */
  readonly specFetches = new Map<string, number>();
  /** Ended tasks acknowledged to the agent. */
  private readonly acked = new Set<string>();
  /** Every sync's reported task ids, in order. */
  readonly syncReports: string[][] = [];
  /** Every sync's body size in bytes and ended reports, in order. */
  readonly syncSizes: { bytes: number; ended: number }[] = [];
  /** Ended tasks acknowledged so far. */
  get acknowledged(): ReadonlySet<string> {
    return this.acked;
  }
  private readonly kills = new Set<string>();
  private readonly held = new Set<() => void>();
  private app: FastifyInstance | null = null;
  private nextId = 1;
  port = 0;
  /** Acts as a scheduler older than aurora task run|scp|ssh: their registration fields are refused as unknown. */
  older = false;

  async start(port = 0): Promise<void> {
    const app = Fastify();
    app.post(PATHS.agentRegister, async (req, reply) => {
      const schema = this.older ? AgentRegistrationSchema.omit({ sandboxRoot: true, taskCommands: true }).strict() : AgentRegistrationSchema;
      const parsed = schema.safeParse(req.body);
      if (!parsed.success) return reply.code(400).send({ error: { code: 'INVALID_REQUEST', message: parsed.error.issues[0]?.message ?? 'invalid' } });
      const reg = parsed.data;
      this.registrations.push(reg);
      const agentId = reg.agentId ?? `agent-${this.nextId++}`;
      this.known.add(agentId);
      return { agentId, longPollMs: 30_000, token: `token-of-${agentId}` };
    });
    app.post(PATHS.agentSync, async (req, reply) => {
      const body = AgentSyncRequestSchema.parse(req.body);
      if (!this.known.has(body.agentId)) {
        return reply.code(404).send({ error: { code: 'AGENT_UNKNOWN', message: `no agent ${body.agentId}` } });
      }
      for (const t of body.tasks) this.reports.set(t.taskId, t);
      this.syncReports.push(body.tasks.map((t) => t.taskId));
      const ack = body.tasks.filter((t) => ['FINISHED', 'FAILED', 'KILLED'].includes(t.state)).map((t) => t.taskId);
      this.syncSizes.push({ bytes: Number(req.headers['content-length']), ended: ack.length });
      for (const id of ack) this.acked.add(id);
      if (ack.length + this.work().launch.length + this.work().kill.length === 0 && body.waitMs > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.held.delete(done);
            resolve();
          };
          const timer = setTimeout(done, body.waitMs);
          this.held.add(done);
        });
      }
      return { ...this.work(), ack };
    });
    app.get(`${PATHS.spec('')}:hash`, async (req, reply) => {
      const { hash } = req.params as { hash: string };
      this.specFetches.set(hash, (this.specFetches.get(hash) ?? 0) + 1);
      const found = [...this.launches.values()].find((a) => specHash(a.job) === hash);
      if (!found) return reply.code(404).send({ error: { code: 'SPEC_NOT_FOUND', message: `no spec ${hash}` } });
      return { spec: found.job };
    });
    app.addHook('preClose', async () => this.release());
    await app.listen({ host: '127.0.0.1', port });
    this.app = app;
    this.port = (app.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private work(): Omit<AgentSyncResponse, 'ack'> {
    const launch = [...this.launches.values()]
      .filter((a) => !this.reports.has(a.taskId))
      .map(({ job, ...rest }) => ({ ...rest, specHash: specHash(job) }));
    const kill = [...this.kills].filter((id) => {
      const state = this.reports.get(id)?.state;
      return state === undefined || state === 'STARTING' || state === 'RUNNING';
    });
    return { launch, kill };
  }

  private release(): void {
    for (const done of [...this.held]) done();
  }

  launch(a: TaskAssignment): void {
    this.launches.set(a.taskId, a);
    this.release();
  }

  /** A spec the scheduler can serve without launching anything (what the agent's old tasks ran). */
  knowSpec(a: TaskAssignment): void {
    this.launches.set(a.taskId, a);
    // As if reported already: it is not launched.
    this.reports.set(a.taskId, { taskId: a.taskId, state: 'FINISHED', message: null, health: 'UNKNOWN', ports: {} });
  }

  kill(taskId: string): void {
    this.kills.add(taskId);
    this.release();
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }
}

let dataDir: string;
let scheduler: StandInScheduler;
const agents: RunningAgent[] = [];
const logs: string[] = [];

async function agentFor(url: string, extra: { retentionMs?: number } = {}): Promise<RunningAgent> {
  const agent = await startAgent({
    schedulerUrl: url,
    dataDir,
    host: 'agent-host-1',
    observerHost: '127.0.0.1',
    observerPort: 0,
    resources: { cpu: 2, ramMb: 1024, diskMb: 2048, gpu: 0 },
    portRange: { begin: 31000, end: 31100 },
    attributes: { rack: 'r1', zone: 'z1' },
    killGraceMs: 300,
    // Held far longer than any wait below: a quick report proves the long poll is cut on change.
    syncWaitMs: 60_000,
    initialBackoffMs: 50,
    tickMs: 50,
    ...extra,
    log: (line) => logs.push(line),
  });
  agents.push(agent);
  return agent;
}

function report(taskId: string): AgentTaskReport | undefined {
  return scheduler.reports.get(taskId);
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-agent-'));
  scheduler = new StandInScheduler();
  logs.length = 0;
});

afterEach(async () => {
  for (const a of agents.splice(0)) await a.close({ killTasks: true });
  await scheduler.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('agent channel', () => {
  it('registers, runs what the scheduler launches and reports it finishing', async () => {
    await scheduler.start();
    const agent = await agentFor(scheduler.url);
    await vi.waitFor(() => expect(scheduler.registrations).toHaveLength(1), { timeout: 10_000 });
    expect(scheduler.registrations[0]).toEqual({
      host: 'agent-host-1',
      observerUrl: agent.observerUrl,
      attributes: { rack: 'r1', zone: 'z1' },
      resources: { cpu: 2, ramMb: 1024, diskMb: 2048, gpu: 0 },
      portRange: { begin: 31000, end: 31100 },
      version: expect.any(String),
      // Where its sandboxes are (for aurora task ssh), and that it runs relayed task commands.
      sandboxRoot: join(dataDir, 'sandboxes'),
      taskCommands: true,
    });
    await vi.waitFor(() => expect(agent.loop.agentId).toBe('agent-1'), { timeout: 10_000 });
    expect((await readFile(agentIdPath(dataDir), 'utf8')).trim()).toBe('agent-1');

    const task = taskSpec([processSpec('hello', 'echo hello from {{mesos.hostname}} on {{thermos.ports[http]}}')]);
    scheduler.launch(assignment(task, { taskId: 'task-hello', ports: { http: 31007 } }));
    await vi.waitFor(() => expect(report('task-hello')?.state).toBe('FINISHED'), { timeout: 10_000 });
    expect(report('task-hello')).toEqual({
      taskId: 'task-hello',
      state: 'FINISHED',
      message: 'Task finished successfully',
      health: 'UNKNOWN',
      ports: { http: 31007 },
    });
    // The observer the agent advertises shows the task.
    const page = await agent.observer.inject({ url: '/task/task-hello' });
    expect(page.body).toContain('hello from agent-host-1 on 31007');
  });

  it('registers with a scheduler older than aurora task run|scp|ssh without their fields', async () => {
    scheduler.older = true;
    await scheduler.start();
    const agent = await agentFor(scheduler.url);
    await vi.waitFor(() => expect(agent.loop.agentId).toBe('agent-1'), { timeout: 10_000 });
    expect(scheduler.registrations).toHaveLength(1);
    expect(scheduler.registrations[0]).not.toHaveProperty('taskCommands');
    expect(logs).toContain('the scheduler is older than this agent: registered without aurora task run|scp|ssh support (upgrade the scheduler for them)');
  });

  it('fetches a spec once for many instances, and stops reporting ended tasks once acknowledged', async () => {
    await scheduler.start();
    await agentFor(scheduler.url);
    const task = taskSpec([processSpec('quick', 'true')]);
    const ids = ['quick-0', 'quick-1', 'quick-2'];
    for (const [i, taskId] of ids.entries()) scheduler.launch(assignment(task, { taskId, instance: i }));
    await vi.waitFor(() => expect(ids.map((id) => report(id)?.state)).toEqual(['FINISHED', 'FINISHED', 'FINISHED']), { timeout: 10_000 });
    expect([...scheduler.specFetches.values()]).toEqual([1]);
    // Acknowledged by the scheduler: the agent's syncs no longer carry them.
    await vi.waitFor(() => expect((scheduler.syncReports.at(-1) ?? ids).filter((id) => ids.includes(id))).toEqual([]), { timeout: 10_000 });
  });

  it('kills a task when the scheduler says so', async () => {
    await scheduler.start();
    await agentFor(scheduler.url);
    scheduler.launch(assignment(taskSpec([processSpec('forever', 'sleep 1000')]), { taskId: 'task-forever' }));
    await vi.waitFor(() => expect(report('task-forever')?.state).toBe('RUNNING'), { timeout: 10_000 });
    scheduler.kill('task-forever');
    await vi.waitFor(() => expect(report('task-forever')?.state).toBe('KILLED'), { timeout: 10_000 });
    expect(report('task-forever')?.message).toBe('Killed by the scheduler');
  });

  it('keeps tasks running through a scheduler restart and an agent restart, and comes back as itself', async () => {
    await scheduler.start();
    const first = await agentFor(scheduler.url);
    scheduler.launch(assignment(taskSpec([processSpec('forever', 'sleep 1000')]), { taskId: 'task-long' }));
    await vi.waitFor(() => expect(report('task-long')?.state).toBe('RUNNING'), { timeout: 10_000 });
    const agentId = first.loop.agentId;
    const pgid = first.manager.get('task-long')?.processes.forever?.[0]?.pgid as number;

    // The scheduler goes away; the task does not notice.
    const port = scheduler.port;
    await scheduler.stop();
    await vi.waitFor(() => expect(logs.some((l) => l.includes('retrying'))).toBe(true), { timeout: 10_000 });
    expect(() => process.kill(-pgid, 0)).not.toThrow();

    // A new scheduler on the same address does not know the agent: it registers again, same id.
    scheduler = new StandInScheduler();
    await scheduler.start(port);
    await vi.waitFor(() => expect(report('task-long')?.state).toBe('RUNNING'), { timeout: 15_000 });
    expect(scheduler.registrations[0]?.agentId).toBe(agentId);
    // A line per distinct problem of the outage (refused, then perhaps a reset under load), not one per attempt.
    const retrying = logs.filter((l) => l.includes('retrying'));
    expect(retrying.length).toBeGreaterThanOrEqual(1);
    expect(retrying.length).toBeLessThanOrEqual(2);
    expect(new Set(retrying).size).toBe(retrying.length);
    expect(logs).toContain(`registered with scheduler at http://127.0.0.1:${port} as agent ${agentId}`);

    // The agent itself restarts, leaving the task running; the next one re-attaches to it.
    await first.close();
    agents.splice(agents.indexOf(first), 1);
    expect(() => process.kill(-pgid, 0)).not.toThrow();
    scheduler.reports.clear();
    const second = await agentFor(scheduler.url);
    await vi.waitFor(() => expect(report('task-long')?.state).toBe('RUNNING'), { timeout: 10_000 });
    expect(second.loop.agentId).toBe(agentId);

    scheduler.kill('task-long');
    await vi.waitFor(() => expect(report('task-long')?.state).toBe('KILLED'), { timeout: 10_000 });
    await vi.waitFor(() => expect(() => process.kill(-pgid, 0)).toThrow(), { timeout: 15_000 });
  });
});

describe('an agent with 10,000 finished tasks', () => {
  it('recovers them, reports them in bounded syncs until the scheduler acknowledges them, and not after a restart', async () => {
    const N = 10_000;
    const task = taskSpec([processSpec('done', 'true')]);
    const sample = assignment(task, { taskId: 'sample' });
    const hash = specHash(sample.job);
    // Sandboxes written directly, as an agent that ran them would have left them.
    const ended = Date.now() - 1000;
    const sandboxes = join(dataDir, 'sandboxes');
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const taskId = `www-data-prod-hello-${i}-0000${i}`;
      ids.push(taskId);
      const records: CheckpointRecord[] = [
        { type: 'ASSIGNED', at: ended - 100, version: CHECKPOINT_VERSION, host: 'agent-host-1', assignment: { ...sample, taskId, instance: i }, specHash: hash },
        { type: 'TASK_STATE', at: ended - 90, state: 'STARTING', message: null },
        { type: 'PROCESS_STARTED', at: ended - 80, process: 'done', run: 0, pid: 1_000_000 + i, pgid: 1_000_000 + i, cmdline: 'true' },
        { type: 'TASK_STATE', at: ended - 80, state: 'RUNNING', message: null },
        { type: 'PROCESS_ENDED', at: ended, process: 'done', run: 0, state: 'SUCCESS', exitCode: 0, message: 'exit status 0' },
        { type: 'TASK_STATE', at: ended + (i % 7), state: 'FINISHED', message: 'Task finished successfully' },
      ];
      mkdirSync(join(sandboxes, taskId), { recursive: true });
      writeFileSync(join(sandboxes, taskId, '.checkpoint.jsonl'), records.map(formatRecord).join(''));
    }
    await scheduler.start();
    scheduler.knowSpec(sample);
    const first = await agentFor(scheduler.url);
    await vi.waitFor(() => expect(scheduler.acknowledged.size).toBe(N), { timeout: 60_000, interval: 100 });
    // Then syncs carry no ended task at all.
    await vi.waitFor(() => expect(scheduler.syncSizes.at(-1)?.ended).toBe(0), { timeout: 10_000 });
    expect(logs).toContain(`found ${N} ended task(s), ${N} not yet acknowledged by the scheduler`);
    expect(scheduler.syncSizes.length).toBeGreaterThanOrEqual(N / MAX_ENDED_REPORTS_PER_SYNC);
    for (const sync of scheduler.syncSizes) {
      expect(sync.ended).toBeLessThanOrEqual(MAX_ENDED_REPORTS_PER_SYNC);
      expect(sync.bytes).toBeLessThan(256 * 1024);
    }
    expect(new Set(scheduler.syncReports.flat()).size).toBe(N);
    expect(report(ids[1234] as string)).toEqual({ taskId: ids[1234], state: 'FINISHED', message: 'Task finished successfully', health: 'UNKNOWN', ports: {} });
    // Its spec came with the checkpoints: another instance of the job needs no fetch.
    expect(first.loop.cachedSpecs).toBe(1);

    // A restarted agent knows they were acknowledged, and has their spec.
    await first.close();
    agents.splice(agents.indexOf(first), 1);
    const syncsBefore = scheduler.syncSizes.length;
    const second = await agentFor(scheduler.url);
    await vi.waitFor(() => expect(scheduler.syncSizes.length).toBeGreaterThan(syncsBefore), { timeout: 10_000 });
    expect(scheduler.syncSizes.slice(syncsBefore).every((s) => s.ended === 0)).toBe(true);
    expect(logs).toContain(`found ${N} ended task(s), 0 not yet acknowledged by the scheduler`);
    scheduler.launch(assignment(task, { taskId: 'one-more', instance: N }));
    await vi.waitFor(() => expect(report('one-more')?.state).toBe('FINISHED'), { timeout: 10_000 });
    expect(scheduler.specFetches.get(hash)).toBeUndefined();
    expect(second.loop.cachedSpecs).toBe(1);
  }, 120_000);
});
