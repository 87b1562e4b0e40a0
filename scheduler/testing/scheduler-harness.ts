import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import {
  AGENT_ID_HEADER,
  AGENT_SECRET_HEADER,
  AGENT_TOKEN_HEADER,
  type AgentRegisterResponse,
  type AgentRegistration,
  type AgentSyncRequest,
  type AgentSyncResponse,
  type AgentTaskReport,
} from '../api/agent-protocol.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask, TaskState } from '../api/task.js';
import { createSchedulerApp, type SchedulerAppOptions } from '../server/app.js';
import type { Clock } from '../service/clock.js';
import { SqliteStorage, type SqliteStorageOptions } from '../storage/sqlite-storage.js';

/**
 * A scheduler for tests: a real SQLite file in a temp dir, a fake clock, deterministic ids and
 * no background timers (call `tick()`), driven through `app.inject()` without a socket.
 */

export class FakeClock implements Clock {
  constructor(private t = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** The agent secret of every test scheduler (the tests always set one, as the devcluster does). */
export const TEST_AGENT_SECRET = 'test-agent-secret';

/** Ids 00000001, 00000002, ... so task ids are predictable. */
export function counterHex(): () => string {
  let n = 0;
  return () => (++n).toString(16).padStart(8, '0');
}

/** A small valid spec; pass what the test is about. */
export function jobSpec(overrides: Partial<Omit<JobSpec, 'key' | 'task'>> & { name?: string; resources?: Partial<JobSpec['task']['resources']> } = {}): JobSpec {
  const { name = 'hello', resources, ...rest } = overrides;
  const sample = sampleJobSpec();
  return {
    ...sample,
    key: { ...sample.key, name },
    ...rest,
    task: { ...sample.task, resources: { ...sample.task.resources, ...resources } },
  };
}

/** A task of `spec` as the scheduler stores it, in `state` since time 1; pass what the test is about. */
export function scheduledTask(spec: JobSpec, taskId: string, instance: number, state: TaskState, overrides: Partial<ScheduledTask> = {}): ScheduledTask {
  return {
    taskId,
    jobKey: spec.key,
    instance,
    state,
    specHash: specHash(spec),
    agentId: null,
    host: null,
    observerUrl: null,
    ports: {},
    health: 'UNKNOWN',
    failureCount: 0,
    pendingReason: null,
    throttle: null,
    events: [{ state, at: 1, message: null }],
    ...overrides,
  };
}

export function agentRegistration(host: string, overrides: Partial<AgentRegistration> = {}): AgentRegistration {
  return {
    host,
    observerUrl: `http://${host}:11338`,
    attributes: {},
    resources: { cpu: 4, ramMb: 4096, diskMb: 16384, gpu: 0 },
    portRange: { begin: 31000, end: 31009 },
    version: 'test',
    ...overrides,
  };
}

export function report(taskId: string, state: AgentTaskReport['state'], message: string | null = null): AgentTaskReport {
  return { taskId, state, message, health: 'UNKNOWN', ports: {} };
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly clock: FakeClock;
  readonly storage: SqliteStorage;
  readonly dataDir: string;
  createJob(spec: JobSpec): Promise<{ status: number; body: any }>;
  register(host: string, overrides?: Partial<AgentRegistration>): Promise<AgentRegisterResponse>;
  /** A sync that answers at once (waitMs 0), with the agent's token. */
  sync(agentId: string, tasks?: AgentTaskReport[]): Promise<AgentSyncResponse>;
  /** The body of the agent's next sync: its token and the next sequence number. */
  syncBody(agentId: string, tasks: AgentTaskReport[], waitMs: number): AgentSyncRequest;
  /** Headers with the agent's id and token, for its reads of specs. */
  agentHeaders(agentId: string): Record<string, string>;
  /** A POST as the CLI sends it (with the client header, so body-less ones pass the CSRF check), once the scheduler is settled, and settled after. */
  post<T = any>(url: string, payload?: object): Promise<{ status: number; body: T }>;
  /** A GET of a JSON answer. */
  get<T = any>(url: string): Promise<{ status: number; body: T }>;
  /** GET /tasks with the query (`?role=...`); with history unless the query says `history=`. */
  tasks(query?: string): Promise<ScheduledTask[]>;
  /** Waits until the scheduling loop and every commit are done. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<Omit<SchedulerAppOptions, 'clock'>> {
  /** Reuse a data dir (a restart); it is not removed on close. @default a new temp dir */
  readonly dataDir?: string;
  /** @default a FakeClock at 2025-01-01 */
  readonly clock?: FakeClock;
  /** @default none */
  readonly storageOptions?: SqliteStorageOptions;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { dataDir: reused, clock = new FakeClock(), storageOptions = {}, ...appOptions } = options;
  const dataDir = reused ?? mkdtempSync(join(tmpdir(), 'aurora-scheduler-test-'));
  const storage = SqliteStorage.openInDataDir(dataDir, storageOptions);
  const app = await createSchedulerApp({
    agentSecret: TEST_AGENT_SECRET,
    randomHex: counterHex(),
    backgroundTickMs: 0,
    longPollMs: 5_000,
    ...appOptions,
    clock,
    storage,
  });
  await app.ready();
  // Every helper waits for the scheduling loop and the commits it set off, so tests see the
  // state a settled scheduler would have (a real one gets there within milliseconds).
  // Each registered agent's token, and the sequence number of its last sync.
  const tokens = new Map<string, { token: string; seq: number }>();
  const syncBody = (agentId: string, tasks: AgentTaskReport[], waitMs: number) => {
    const agent = tokens.get(agentId) ?? { token: '', seq: 0 };
    agent.seq++;
    tokens.set(agentId, agent);
    return { agentId, token: agent.token, seq: agent.seq, tasks, waitMs };
  };
  const json = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    await app.scheduler.idle();
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
    await app.scheduler.idle();
    return { status: res.statusCode, body: res.json() };
  };
  return {
    app,
    clock,
    storage,
    dataDir,
    createJob: (spec) => json('POST', PATHS.jobs, { spec }),
    post: (url, payload) => json('POST', url, payload, { 'x-aurora-client': 'test' }),
    get: async (url) => {
      const res = await app.inject({ method: 'GET', url });
      return { status: res.statusCode, body: res.json() };
    },
    register: async (host, overrides) => {
      const res = await app.inject({
        method: 'POST',
        url: PATHS.agentRegister,
        headers: { [AGENT_SECRET_HEADER]: TEST_AGENT_SECRET },
        payload: agentRegistration(host, overrides),
      });
      await app.scheduler.idle();
      const body = res.json() as AgentRegisterResponse;
      if (res.statusCode === 200) tokens.set(body.agentId, { token: body.token, seq: 0 });
      return body;
    },
    sync: async (agentId, tasks = []) => (await json('POST', PATHS.agentSync, syncBody(agentId, tasks, 0))).body,
    syncBody,
    agentHeaders: (agentId) => ({ [AGENT_ID_HEADER]: agentId, [AGENT_TOKEN_HEADER]: tokens.get(agentId)?.token ?? '' }),
    tasks: async (query = '') => {
      const withHistory = query.includes('history=') ? query : `${query}${query.includes('?') ? '&' : '?'}history=true`;
      return (await json('GET', `${PATHS.tasks}${withHistory}`)).body.tasks;
    },
    settle: () => app.scheduler.idle(),
    close: async () => {
      await app.close();
      await storage.close();
      if (!reused) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
