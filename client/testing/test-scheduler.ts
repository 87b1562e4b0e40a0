/**
 * The real scheduler for the client's tests: `createSchedulerApp` on SQLite in a temp dir,
 * listening on a free loopback port, with a fixed clock (so times in the CLI's output are
 * known), predictable task ids and no background timers. Tests that need tasks to run or end
 * play an agent in-process (`agent()`), which reports at once what it is told to launch or kill.
 * Nothing here waits on wall-clock time: job reads and agent syncs are held by the scheduler
 * until something changes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_ID_HEADER,
  AGENT_SECRET_HEADER,
  AGENT_TOKEN_HEADER,
  type AgentRegisterResponse,
  type AgentRegistration,
  type AgentSyncResponse,
  type AgentTaskReport,
  type ExecutorTaskState,
} from '../../scheduler/api/agent-protocol.js';
import { MAX_JOB_WAIT_MS } from '../../scheduler/api/constants.js';
import type { AgentCommand, AgentCommandResult } from '../../scheduler/api/task-commands-api.js';
import type { JobDetail } from '../../scheduler/api/jobs-api.js';
import { API_PREFIX, PATHS } from '../../scheduler/api/routes.js';
import { createSchedulerApp, type SchedulerAppOptions } from '../../scheduler/server/app.js';
import { SqliteStorage } from '../../scheduler/storage/sqlite-storage.js';
import { testClock, type TestClock } from './test-clock.js';

/** The time the test scheduler's clock shows (the CLI's test clock starts a minute later). */
export const SCHEDULER_T0 = Date.UTC(2024, 0, 1);
export const TEST_AGENT_SECRET = 'client-test-agent-secret';
/** Marks the test's own reads, which are neither recorded nor compressed. */
const OWN_READ = 'x-client-test-own-read';

export interface TestSchedulerOptions extends Partial<Omit<SchedulerAppOptions, 'storage' | 'clock' | 'tls'>> {
  /** Serve https with this certificate (TLS_FIXTURES has one), through the app's router. */
  readonly https?: { readonly cert: string; readonly key: string };
  /**
   * Each reading of the scheduler's clock moves it on by this much, so no two changes share a
   * time: an update's lastModifiedAt, which a held update read compares, then changes with every
   * change, as it does on a real clock. @default 0 (fixed until moved)
   */
  readonly clockStepMs?: number;
}

/**
 * A test CA (`ca`, PEM) and a certificate it signed for 127.0.0.1 and localhost (`cert`, `key`),
 * valid until 2126. The CA's own key was thrown away once it signed.
 */
export const TLS_FIXTURES = {
  ca: readFileSync(fileURLToPath(new URL('./tls/ca.pem', import.meta.url)), 'utf8'),
  cert: readFileSync(fileURLToPath(new URL('./tls/scheduler.pem', import.meta.url)), 'utf8'),
  key: readFileSync(fileURLToPath(new URL('./tls/scheduler-key.pem', import.meta.url)), 'utf8'),
} as const;

/** A request a client made (the agent channel is left out). */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  body: unknown;
}

export interface PlayedAgentOptions {
  /** @default 'host1' */
  readonly host?: string;
  /** @default 64 cpus, 64 GiB ram, 1 TiB disk */
  readonly resources?: Partial<AgentRegistration['resources']>;
  /** What a launched task reports, one state per sync, staying at the last. @default ['RUNNING'] */
  readonly lifecycle?: readonly ExecutorTaskState[];
  /** The message a report in a state carries. */
  readonly messages?: Partial<Record<ExecutorTaskState, string>>;
  /** false: the agent stops syncing when told to kill (a hung agent). @default true */
  readonly killsEnd?: boolean;
  /** Registers and never syncs (an agent that went away). @default false */
  readonly idle?: boolean;
  /**
   * Runs the commands the scheduler relays (aurora task run, scp): the agent registers as one
   * that takes them, with its sandboxes under /sandboxes, and answers each with this; a write
   * command's bytes come as `upload`. @default an agent that takes none
   */
  readonly commands?: (command: AgentCommand, upload: Buffer | null) => AgentCommandResult | Promise<AgentCommandResult>;
}

export interface PlayedAgent {
  readonly agentId: string;
  /** Stops syncing (a sync the scheduler holds ends when it closes). */
  stop(): void;
  /** What went wrong in its loop (a refused sync), if anything. */
  failure(): unknown;
}

export interface TestScheduler {
  readonly url: string;
  readonly app: FastifyInstance;
  /** The scheduler's clock: fixed at SCHEDULER_T0 until moved. */
  readonly clock: TestClock;
  /** Every request of a client (not the agent channel, not the test's own reads), in order. */
  readonly requests: RecordedRequest[];
  /**
   * From now on (until called with undefined) answer every job read that asks to wait at once,
   * and move `clock` forward by the wait, as if the scheduler had held it and nothing changed:
   * a test of a timeout runs without waiting.
   */
  compressWaits(clock: TestClock | undefined): void;
  /** The next request of a client (as recorded in `requests`) that `matches`, once it arrives. */
  nextRequest(matches: (r: RecordedRequest) => boolean): Promise<RecordedRequest>;
  /**
   * The job `role/environment/name` (with its history) once `done` says so, each read held by the
   * scheduler until the job changes; undefined while it does not exist.
   */
  waitForJob(jobPath: string, done: (job: JobDetail | undefined) => boolean): Promise<JobDetail | undefined>;
  /** Registers an agent and plays it until the scheduler closes (which fails if the agent's loop did). */
  agent(options?: PlayedAgentOptions): Promise<PlayedAgent>;
  close(): Promise<void>;
}

/** Starts a scheduler on 127.0.0.1 and a free port. */
export async function startTestScheduler(options: TestSchedulerOptions = {}): Promise<TestScheduler> {
  const { https: tls, clockStepMs = 0, ...appOptions } = options;
  let compressWaitsOn: TestClock | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'aurora-client-scheduler-'));
  const storage = SqliteStorage.openInDataDir(dataDir);
  let ids = 0;
  const schedulerClock = testClock(SCHEDULER_T0);
  const app = await createSchedulerApp({
    agentSecret: TEST_AGENT_SECRET,
    randomHex: () => (++ids).toString(16).padStart(8, '0'),
    backgroundTickMs: 0,
    clusterName: 'devcluster',
    ...appOptions,
    clock: clockStepMs > 0 ? { now: () => (schedulerClock.advance(clockStepMs), schedulerClock.now()) } : schedulerClock,
    storage,
  });
  const requests: RecordedRequest[] = [];
  const awaited: { matches: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  const isAgentChannel = (url: string): boolean =>
    url.startsWith(`${PATHS.agentRegister}`) || url.startsWith(PATHS.agentSync) || url.startsWith('/api/v1/specs/') || url.startsWith(`${PATHS.agents}/commands/`);
  const ownRead = (headers: Record<string, unknown>): boolean => headers[OWN_READ] !== undefined;
  app.addHook('onRequest', async (request) => {
    if (isAgentChannel(request.url) || ownRead(request.headers)) return;
    const recorded: RecordedRequest = { method: request.method, url: request.url, headers: { ...request.headers }, body: undefined };
    requests.push(recorded);
    for (const w of awaited.filter((a) => a.matches(recorded))) {
      awaited.splice(awaited.indexOf(w), 1);
      w.resolve(recorded);
    }
    const query = request.query as Record<string, unknown> | undefined;
    if (compressWaitsOn && request.method === 'GET' && query && typeof query['waitMs'] === 'string') {
      compressWaitsOn.advance(Math.min(Number(query['waitMs']), MAX_JOB_WAIT_MS));
      query['waitMs'] = '0';
    }
  });
  app.addHook('preHandler', async (request) => {
    if (isAgentChannel(request.url) || ownRead(request.headers)) return;
    const last = requests.findLast((r) => r.url === request.url && r.body === undefined);
    if (last) last.body = request.body;
  });
  let server: https.Server | undefined;
  let port: number;
  if (tls) {
    await app.ready();
    const secure = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => app.routing(req, res));
    server = secure;
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    port = (secure.address() as AddressInfo).port;
  } else {
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  }
  const protocol = tls ? 'https' : 'http';
  const agents: PlayedAgent[] = [];
  return {
    url: `${protocol}://127.0.0.1:${port}`,
    app,
    clock: schedulerClock,
    requests,
    compressWaits: (clock) => {
      compressWaitsOn = clock;
    },
    nextRequest: (matches) => new Promise((resolve) => awaited.push({ matches, resolve })),
    waitForJob: async (jobPath, done) => {
      let since: number | undefined;
      for (;;) {
        const wait = since === undefined ? '' : `&since=${since}&waitMs=${MAX_JOB_WAIT_MS}`;
        const res = await app.inject({ method: 'GET', url: `${API_PREFIX}/jobs/${jobPath}?history=true${wait}`, headers: { [OWN_READ]: '1' } });
        const job = res.statusCode === 200 ? (res.json() as { job: JobDetail }).job : undefined;
        if (done(job)) return job;
        if (job === undefined) throw new Error(`waitForJob: ${jobPath} does not exist (${res.statusCode} ${res.body})`);
        if (job.summary.version === since) throw new Error(`waitForJob: ${jobPath} did not change within ${MAX_JOB_WAIT_MS} ms`);
        since = job.summary.version;
      }
    },
    agent: async (o = {}) => {
      const agent = await playAgent(app, o);
      agents.push(agent);
      return agent;
    },
    close: async () => {
      for (const a of agents) a.stop();
      await app.close();
      if (server) {
        const closing = server;
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
      await storage.close();
      rmSync(dataDir, { recursive: true, force: true });
      const failed = agents.map((a) => a.failure()).find((f) => f !== undefined);
      if (failed !== undefined) throw failed;
    },
  };
}

/**
 * An agent in the test's process, over `app.inject`: it registers, then syncs in a loop, each
 * sync held by the scheduler until there is work. A launched task reports its `lifecycle` one
 * state per sync; a killed one reports KILLED; ended ones go once acknowledged.
 */
async function playAgent(app: FastifyInstance, o: PlayedAgentOptions): Promise<PlayedAgent> {
  const host = o.host ?? 'host1';
  const lifecycle = o.lifecycle ?? ['RUNNING'];
  const registration: AgentRegistration = {
    host,
    observerUrl: `http://${host}:1338`,
    attributes: {},
    resources: { cpu: 64, ramMb: 65536, diskMb: 1024 * 1024, gpu: 0, ...o.resources },
    portRange: { begin: 31000, end: 31999 },
    version: 'client-test',
    ...(o.commands ? { sandboxRoot: '/sandboxes', taskCommands: true } : {}),
  };
  const res = await app.inject({ method: 'POST', url: PATHS.agentRegister, headers: { [AGENT_SECRET_HEADER]: TEST_AGENT_SECRET }, payload: registration });
  if (res.statusCode !== 200) throw new Error(`the played agent could not register: ${res.statusCode} ${res.body}`);
  const { agentId, token } = res.json() as AgentRegisterResponse;
  /** Each task the agent runs: the index of the lifecycle state it reports next, or KILLED. */
  const tasks = new Map<string, { step: number; killed: boolean }>();
  let seq = 0;
  let stopped = false;
  const failures: unknown[] = [];
  if (o.idle) return { agentId, stop: () => undefined, failure: () => undefined };
  const stateOf = (t: { step: number; killed: boolean }): ExecutorTaskState => (t.killed ? 'KILLED' : (lifecycle[t.step] as ExecutorTaskState));
  const report = (taskId: string, t: { step: number; killed: boolean }): AgentTaskReport => {
    const state = stateOf(t);
    return { taskId, state, message: o.messages?.[state] ?? null, health: 'UNKNOWN', ports: {} };
  };
  const loop = async (): Promise<void> => {
    let news = false;
    while (!stopped) {
      const reports = [...tasks].map(([id, t]) => report(id, t));
      // Something new to say: ask for an answer at once; otherwise wait for work.
      const waitMs = news ? 0 : 60_000;
      const answer = await app
        .inject({ method: 'POST', url: PATHS.agentSync, payload: { agentId, token, seq: ++seq, tasks: reports, waitMs } })
        .catch(() => undefined);
      if (stopped || answer === undefined) return;
      if (answer.statusCode !== 200) throw new Error(`the played agent's sync was refused: ${answer.statusCode} ${answer.body}`);
      const work = answer.json() as AgentSyncResponse;
      news = false;
      for (const id of work.ack) tasks.delete(id);
      for (const t of tasks.values()) {
        if (!t.killed && t.step < lifecycle.length - 1) {
          t.step++;
          news = true;
        }
      }
      for (const launch of work.launch) {
        tasks.set(launch.taskId, { step: 0, killed: false });
        news = true;
      }
      for (const id of work.kill) {
        const t = tasks.get(id);
        if (o.killsEnd === false) return; // hung: never answers again
        if (t) t.killed = true;
        news = true;
      }
      for (const command of work.commands ?? []) void answerCommand(command).catch((err: unknown) => failures.push(err));
    }
  };
  const identity = { [AGENT_ID_HEADER]: agentId, [AGENT_TOKEN_HEADER]: token };
  /** Plays the agent's half of a relayed command: the bytes of a write, then the result. */
  const answerCommand = async (command: AgentCommand): Promise<void> => {
    let upload: Buffer | null = null;
    if (command.kind === 'write') {
      const res = await app.inject({ method: 'GET', url: PATHS.agentCommandUpload(command.commandId), headers: identity });
      upload = Buffer.from((res.json() as { data: string }).data, 'base64');
    }
    const result = await o.commands!(command, upload);
    const res = await app.inject({ method: 'POST', url: PATHS.agentCommandResult(command.commandId), headers: identity, payload: result });
    if (res.statusCode !== 204) throw new Error(`the played agent's command result was refused: ${res.statusCode} ${res.body}`);
  };
  // A refused sync is a bug in this helper or the scheduler: make the test that caused it fail loudly.
  loop().catch((err: unknown) => {
    if (!stopped) failures.push(err);
  });
  return {
    agentId,
    stop: () => {
      stopped = true;
    },
    failure: () => failures[0],
  };
}
