import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import { MAX_COMMANDS_PER_AGENT, MAX_TASK_FILE_BYTES, type AgentCommand, type AgentCommandResult } from '../api/task-commands-api.js';

/**
 * The scheduler's half of `aurora task run|scp`: commands users asked for wait here for their
 * agent's next sync (which `wake` cuts short), then for the agent's result. Each command has a
 * deadline; a command not delivered by then is dropped (it never runs), one delivered and not
 * answered by then is forgotten (its late result is refused). Bounded: at most
 * MAX_COMMANDS_PER_AGENT commands per agent between queued and answered, and the bytes of
 * uploads held for agents at most `maxUploadBytes` in all.
 */

/** What the agent sync route needs of the relay. */
export interface AgentCommandQueue {
  /** Whether commands wait for this agent's next sync answer. */
  hasQueued(agentId: string): boolean;
  /** The commands waiting for the agent; they count as delivered from now on. */
  take(agentId: string): AgentCommand[];
  /** Commands taken for an answer that never reached the agent (it hung up): queued again, in front. */
  putBack(agentId: string, commands: readonly AgentCommand[]): void;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'commandId'> : never;
export type NewAgentCommand = WithoutId<AgentCommand>;

interface Pending {
  readonly agentId: string;
  readonly command: AgentCommand;
  readonly upload: Buffer | null;
  delivered: boolean;
  settle(result: AgentCommandResult | ApiError): void;
}

export interface TaskCommandRelayOptions {
  /** Cuts the agent's held sync short, so a queued command goes out at once. */
  readonly wake: (agentId: string) => void;
  /** @default randomUUID */
  readonly newId?: () => string;
  /** @default MAX_COMMANDS_PER_AGENT */
  readonly maxPerAgent?: number;
  /** Bytes of uploads held for agents at once, in all. @default 4 × MAX_TASK_FILE_BYTES */
  readonly maxUploadBytes?: number;
}

export class TaskCommandRelay implements AgentCommandQueue {
  private readonly queued = new Map<string, AgentCommand[]>();
  private readonly pending = new Map<string, Pending>();
  private readonly perAgent = new Map<string, number>();
  private uploadBytes = 0;
  private closed = false;

  constructor(private readonly options: TaskCommandRelayOptions) {}

  /** Commands between queued and answered, in all (for /vars.json and tests). */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Queues `command` for the agent and resolves with its result, or rejects with an ApiError:
   * AGENT_UNAVAILABLE when the agent has too many commands already (or the scheduler stops),
   * AGENT_TIMEOUT when no result came within `waitMs`. `signal` (the user hung up) drops it.
   */
  send(agentId: string, command: NewAgentCommand, opts: { readonly waitMs: number; readonly upload?: Buffer; readonly signal?: AbortSignal; readonly host?: string }): Promise<AgentCommandResult> {
    const where = opts.host ? `the agent on ${opts.host}` : `agent ${agentId}`;
    if (this.closed) return Promise.reject(new ApiError('AGENT_UNAVAILABLE', 'the scheduler is shutting down; try again'));
    const max = this.options.maxPerAgent ?? MAX_COMMANDS_PER_AGENT;
    const count = this.perAgent.get(agentId) ?? 0;
    if (count >= max) {
      return Promise.reject(new ApiError('AGENT_UNAVAILABLE', `${where} has ${count} commands queued or running already (at most ${max}); try again once they are done`));
    }
    const uploadSize = opts.upload?.length ?? 0;
    const maxUpload = this.options.maxUploadBytes ?? 4 * MAX_TASK_FILE_BYTES;
    if (uploadSize > 0 && this.uploadBytes + uploadSize > maxUpload) {
      return Promise.reject(new ApiError('AGENT_UNAVAILABLE', `the scheduler holds ${this.uploadBytes} bytes of files for agents already (at most ${maxUpload}); try again shortly`));
    }
    const commandId = (this.options.newId ?? randomUUID)();
    const full = { ...command, commandId } as AgentCommand;
    return new Promise<AgentCommandResult>((resolve, reject) => {
      const done = (result: AgentCommandResult | ApiError) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.forget(commandId);
        if (result instanceof ApiError) reject(result);
        else resolve(result);
      };
      const timer = setTimeout(() => {
        const entry = this.pending.get(commandId);
        const seconds = Math.round(opts.waitMs / 100) / 10;
        done(
          new ApiError(
            'AGENT_TIMEOUT',
            entry?.delivered
              ? `${where} took the command but gave no result within ${seconds} s (it may still be running there)`
              : `${where} did not take the command within ${seconds} s (it is not syncing); the command was not run`,
          ),
        );
      }, opts.waitMs);
      const onAbort = () => done(new ApiError('AGENT_TIMEOUT', 'the request was cancelled'));
      opts.signal?.addEventListener('abort', onAbort);
      this.pending.set(commandId, { agentId, command: full, upload: opts.upload ?? null, delivered: false, settle: done });
      this.perAgent.set(agentId, count + 1);
      this.uploadBytes += uploadSize;
      const queue = this.queued.get(agentId) ?? [];
      queue.push(full);
      this.queued.set(agentId, queue);
      if (opts.signal?.aborted) onAbort();
      else this.options.wake(agentId);
    });
  }

  hasQueued(agentId: string): boolean {
    return (this.queued.get(agentId)?.length ?? 0) > 0;
  }

  take(agentId: string): AgentCommand[] {
    const queue = this.queued.get(agentId) ?? [];
    this.queued.delete(agentId);
    for (const c of queue) {
      const entry = this.pending.get(c.commandId);
      if (entry) entry.delivered = true;
    }
    return queue;
  }

  putBack(agentId: string, commands: readonly AgentCommand[]): void {
    const again = commands.filter((c) => this.pending.has(c.commandId));
    if (again.length === 0) return;
    for (const c of again) this.pending.get(c.commandId)!.delivered = false;
    this.queued.set(agentId, [...again, ...(this.queued.get(agentId) ?? [])]);
  }

  /** The bytes of a write command, for the agent it is queued for; COMMAND_NOT_FOUND otherwise. */
  upload(agentId: string, commandId: string): Buffer {
    const entry = this.pending.get(commandId);
    if (!entry || entry.agentId !== agentId || !entry.upload) throw notFound(commandId);
    return entry.upload;
  }

  /** The agent's result of a command of its own; COMMAND_NOT_FOUND for one nobody waits for now. */
  complete(agentId: string, commandId: string, result: AgentCommandResult): void {
    const entry = this.pending.get(commandId);
    if (!entry || entry.agentId !== agentId) throw notFound(commandId);
    entry.settle(result);
  }

  /** Every waiting request is answered AGENT_UNAVAILABLE; later ones are refused. */
  close(): void {
    this.closed = true;
    for (const entry of [...this.pending.values()]) entry.settle(new ApiError('AGENT_UNAVAILABLE', 'the scheduler is shutting down; try again'));
  }

  private forget(commandId: string): void {
    const entry = this.pending.get(commandId);
    if (!entry) return;
    this.pending.delete(commandId);
    this.uploadBytes -= entry.upload?.length ?? 0;
    const left = (this.perAgent.get(entry.agentId) ?? 1) - 1;
    if (left > 0) this.perAgent.set(entry.agentId, left);
    else this.perAgent.delete(entry.agentId);
    const queue = this.queued.get(entry.agentId);
    if (queue) {
      const rest = queue.filter((c) => c.commandId !== commandId);
      if (rest.length > 0) this.queued.set(entry.agentId, rest);
      else this.queued.delete(entry.agentId);
    }
  }
}

function notFound(commandId: string): ApiError {
  return new ApiError('COMMAND_NOT_FOUND', `no command ${commandId} waits for this agent (it timed out, or is another agent's)`);
}
