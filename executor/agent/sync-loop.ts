import type { JobSpec } from '../../dsl/jobspec.js';
import type { AgentRegistration, AgentTaskReport, TaskAssignment, TaskLaunch } from '../../scheduler/api/agent-protocol.js';
import type { AgentCommand } from '../../scheduler/api/task-commands-api.js';
import { loadAgentId, saveAgentId } from './agent-id.js';
import { SchedulerError, type AgentIdentity, type SchedulerClient } from './scheduler-client.js';
import { SpecCache } from './spec-cache.js';

/**
 * The agent channel's loop: register, then sync level-triggered for as long as the agent runs.
 * Each sync carries every task; the answer says what to launch and kill. The sync is a long poll;
 * when something changes here while it is held, it is cut short so the scheduler hears at once.
 * The scheduler being away never touches the tasks: the loop just keeps trying.
 */

/** What the loop needs of the task manager. */
export interface TaskHost {
  reports(): AgentTaskReport[];
  /** `specHash` is the hash the launch named the spec by. */
  launch(assignment: TaskAssignment, specHash?: string): void;
  /** The scheduler recorded these ended tasks: stop reporting them. */
  acknowledge(taskIds: readonly string[]): void;
  kill(taskId: string, reason?: string): void;
  onChange(listener: () => void): () => void;
  /** Specs the host has already (its tasks' checkpoints hold them), by hash, the newest last. */
  knownSpecs?(): Iterable<readonly [string, JobSpec]>;
}

export interface SyncLoopOptions {
  readonly client: SchedulerClient;
  readonly tasks: TaskHost;
  /** Where the agent id is kept. */
  readonly dataDir: string;
  readonly registration: Omit<AgentRegistration, 'agentId'>;
  /** How long a sync may be held. @default 20000 */
  readonly waitMs?: number;
  /** First retry delay after a failure, doubled up to `maxBackoffMs`. @default 500 */
  readonly initialBackoffMs?: number;
  /** @default 5000 */
  readonly maxBackoffMs?: number;
  readonly log: (line: string) => void;
  /** Commands a sync answer relays from users (aurora task run, scp). @default none taken */
  readonly onCommands?: (commands: readonly AgentCommand[]) => void;
}

type Connection = 'connecting' | 'connected' | 'unreachable';

/**
 * A held sync is cut for a local change at most this often: the first change goes out at once,
 * later ones within the interval together. A hundred launches make hundreds of state changes in
 * a few hundred milliseconds; a sync for each would keep the agent's one thread busy with syncs.
 */
export const MIN_CUT_INTERVAL_MS = 30;

export class SyncLoop {
  private stopped = false;
  private running: Promise<void> | null = null;
  private inFlight: AbortController | null = null;
  /** Set by a local change; the next sync goes out at once. */
  private dirty = false;
  private wakeUp: (() => void) | null = null;
  private registeredAs: string | null = null;
  /** The token of this registration, carried by every call, and the sequence number of the last sync. */
  private token = '';
  private seq = 0;
  private connection: Connection = 'connecting';
  private lastProblem = '';
  private unsubscribe: (() => void) | null = null;
  private syncs = 0;
  /** The longest hold the scheduler said it allows. */
  private longPollMs: number | null = null;
  private lastCut = 0;
  private cutTimer: NodeJS.Timeout | null = null;

  private readonly specs: SpecCache;
  /** Spec hashes whose fetch failed, so an outage is logged once and not per launch. */
  private readonly specProblems = new Set<string>();

  constructor(private readonly options: SyncLoopOptions) {
    this.specs = new SpecCache((hash) => options.client.getSpec(hash, { agentId: this.registeredAs ?? '', token: this.token }));
    // A restarted agent has the specs of the tasks it found: no fetch for another of their instances.
    for (const [hash, spec] of options.tasks.knownSpecs?.() ?? []) this.specs.remember(hash, spec);
  }

  /** How many specs the agent holds without fetching (tests). */
  get cachedSpecs(): number {
    return this.specs.size;
  }

  /** The id the scheduler knows this agent by, once registered. */
  get agentId(): string | null {
    return this.registeredAs;
  }

  /** The agent's id and token with the scheduler now, once registered: what its other calls carry. */
  get identity(): AgentIdentity | null {
    return this.registeredAs === null ? null : { agentId: this.registeredAs, token: this.token };
  }

  /** How many syncs the scheduler has answered. */
  get completedSyncs(): number {
    return this.syncs;
  }

  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.unsubscribe = this.options.tasks.onChange(() => this.changed());
    this.running = this.loop();
  }

  /** Stops syncing (a held sync is cut); tasks are not touched. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.cutTimer) clearTimeout(this.cutTimer);
    this.cutTimer = null;
    this.unsubscribe?.();
    this.inFlight?.abort();
    this.wakeUp?.();
    await this.running;
    this.running = null;
  }

  /** One immediate sync with no wait, for a last word before exiting. Errors are swallowed. */
  async flush(timeoutMs: number): Promise<void> {
    if (!this.registeredAs) return;
    try {
      await this.options.client.sync(
        { agentId: this.registeredAs, token: this.token, seq: ++this.seq, tasks: this.options.tasks.reports(), waitMs: 0 },
        AbortSignal.timeout(timeoutMs),
      );
    } catch {
      // The scheduler will hear from the next agent, or mark this one lost.
    }
  }

  /**
   * Launches with their specs. A spec that cannot be fetched now leaves its launches out: the
   * scheduler repeats a launch until the agent reports the task.
   */
  private async resolve(launches: readonly TaskLaunch[]): Promise<{ assignment: TaskAssignment; specHash: string }[]> {
    const hashes = [...new Set(launches.map((l) => l.specHash))];
    const specs = new Map(
      await Promise.all(
        hashes.map(async (hash) => {
          try {
            const spec = await this.specs.get(hash);
            this.specProblems.delete(hash);
            return [hash, spec] as const;
          } catch (err) {
            if (!this.specProblems.has(hash)) this.options.log(`cannot fetch job spec ${hash}: ${(err as Error).message}; its tasks are launched once it can`);
            this.specProblems.add(hash);
            return [hash, undefined] as const;
          }
        }),
      ),
    );
    const out: { assignment: TaskAssignment; specHash: string }[] = [];
    for (const { specHash, ...launch } of launches) {
      const job = specs.get(specHash);
      if (job) out.push({ assignment: { ...launch, job }, specHash });
    }
    return out;
  }

  private changed(): void {
    this.dirty = true;
    if (this.cutTimer) return;
    const wait = this.lastCut + MIN_CUT_INTERVAL_MS - Date.now();
    if (wait <= 0) return this.cut();
    this.cutTimer = setTimeout(() => {
      this.cutTimer = null;
      this.cut();
    }, wait);
  }

  /** Ends the held sync (or the pause) so the next one carries the changes. */
  private cut(): void {
    this.lastCut = Date.now();
    this.inFlight?.abort();
    this.wakeUp?.();
  }

  /** Sleeps `ms`, or less if a change or stop comes first. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private setConnection(next: Connection, problem = '', registered = false): void {
    const url = this.options.client.url;
    if (registered) this.options.log(`registered with scheduler at ${url} as agent ${this.registeredAs}`);
    if (next === 'unreachable' && (this.connection !== 'unreachable' || problem !== this.lastProblem)) {
      this.options.log(`scheduler at ${url}: ${problem}; retrying`);
    }
    if (next === 'connected' && this.connection !== 'connected' && !registered) {
      this.options.log(`connected to scheduler at ${url} as agent ${this.registeredAs}`);
    }
    this.connection = next;
    this.lastProblem = next === 'unreachable' ? problem : '';
  }

  private async register(): Promise<void> {
    const { dataDir, registration, client } = this.options;
    const previous = await loadAgentId(dataDir);
    const full = { ...registration, ...(previous ? { agentId: previous } : {}) };
    let answer;
    try {
      answer = await client.register(full);
    } catch (err) {
      // A scheduler older than this agent refuses the fields of aurora task run|scp|ssh: register
      // without them, and take no task commands (it sends none).
      const { sandboxRoot, taskCommands, ...older } = full;
      if (!(err instanceof SchedulerError && err.code === 'INVALID_REQUEST') || (sandboxRoot === undefined && taskCommands === undefined)) throw err;
      answer = await client.register(older);
      this.options.log('the scheduler is older than this agent: registered without aurora task run|scp|ssh support (upgrade the scheduler for them)');
    }
    if (answer.agentId !== previous) await saveAgentId(dataDir, answer.agentId);
    this.registeredAs = answer.agentId;
    this.token = answer.token;
    this.seq = 0;
    this.longPollMs = answer.longPollMs;
    this.setConnection('connected', '', true);
  }

  private async loop(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 5000;
    let backoff = initial;
    let unknownStreak = 0;
    while (!this.stopped) {
      const controller = new AbortController();
      try {
        if (!this.registeredAs) await this.register();
        this.dirty = false;
        this.inFlight = controller;
        const waitMs = Math.min(this.options.waitMs ?? 20_000, this.longPollMs ?? Number.POSITIVE_INFINITY);
        const startedAt = Date.now();
        let answer;
        try {
          answer = await this.options.client.sync(
            { agentId: this.registeredAs as string, token: this.token, seq: ++this.seq, tasks: this.options.tasks.reports(), waitMs },
            controller.signal,
          );
        } finally {
          this.inFlight = null;
        }
        this.syncs++;
        unknownStreak = 0;
        this.setConnection('connected');
        backoff = initial;
        this.options.tasks.acknowledge(answer.ack);
        for (const id of answer.kill) this.options.tasks.kill(id, 'Killed by the scheduler');
        if (answer.commands && answer.commands.length > 0) this.options.onCommands?.(answer.commands);
        for (const { assignment, specHash } of await this.resolve(answer.launch)) this.options.tasks.launch(assignment, specHash);
        const idle = answer.launch.length === 0 && answer.kill.length === 0 && !answer.commands?.length;
        // A scheduler that answers at once with nothing to do must not be hammered.
        if (idle && !this.dirty && Date.now() - startedAt < 100) await this.pause(250);
      } catch (err) {
        if (this.stopped) break;
        if (controller.signal.aborted) continue; // a local change cut the long poll: sync again now
        if (err instanceof SchedulerError && err.agentUnknown) {
          this.options.log(`scheduler does not know agent ${this.registeredAs ?? ''}: registering again`);
          this.registeredAs = null;
          // Once is normal (the scheduler restarted); again and again means back off.
          if (unknownStreak++ > 0) await this.pause(Math.min(initial * unknownStreak, max));
          continue;
        }
        this.setConnection('unreachable', (err as Error).message);
        await this.pause(backoff);
        backoff = Math.min(backoff * 2, max);
      }
    }
  }
}
