import { unboundProblem, substituteTaskCommand } from '../core/task-command.js';
import type { AgentCommand, AgentCommandResult } from '../../scheduler/api/task-commands-api.js';
import type { CommandTarget } from '../runner/task-manager.js';
import { runInSandbox } from './sandbox-command.js';
import { readSandboxFile, TransferError, writeSandboxFile } from './sandbox-transfer.js';

/**
 * The agent's half of `aurora task run|scp`: commands come with sync answers (the scheduler
 * relays them from users it authenticated and authorized), run here a few at a time, and each
 * result is posted back to the scheduler. A command never throws out of here: whatever goes
 * wrong is its result. The agent takes no command from anyone but the scheduler.
 */

export interface TaskCommandsOptions {
  /** The live task a command names, or undefined. */
  readonly target: (taskId: string) => CommandTarget | undefined;
  /** The bytes of a write command, from the scheduler. */
  readonly upload: (commandId: string) => Promise<Buffer>;
  /** Posts a result to the scheduler. */
  readonly report: (commandId: string, result: AgentCommandResult) => Promise<void>;
  readonly log: (line: string) => void;
  /** Commands run at once; the rest wait. @default 4 */
  readonly maxRunning?: number;
  /** Commands that may wait; more are refused at once. @default 64 */
  readonly maxWaiting?: number;
}

export class TaskCommands {
  private running = 0;
  private readonly waiting: AgentCommand[] = [];
  /** Ids waiting or running, so a command delivered twice runs once. */
  private readonly known = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private reportFailures = 0;
  /** Aborted when the agent stops: running commands are killed, waiting ones dropped. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: TaskCommandsOptions) {}

  /** Takes the commands of a sync answer. */
  handle(commands: readonly AgentCommand[]): void {
    if (this.stopping.signal.aborted) return;
    for (const command of commands) {
      if (this.known.has(command.commandId)) continue;
      if (this.waiting.length >= (this.options.maxWaiting ?? 64)) {
        void this.send(command.commandId, { kind: 'error', code: 'FAILED', message: 'the agent has too many commands waiting; try again shortly' });
        continue;
      }
      this.known.add(command.commandId);
      this.waiting.push(command);
    }
    this.pump();
  }

  /** The agent stops: running commands are killed (their users get AGENT_TIMEOUT), no more start. */
  close(): void {
    this.waiting.length = 0;
    this.stopping.abort();
  }

  /** Resolves once no command waits or runs (tests). */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < (this.options.maxRunning ?? 4) && this.waiting.length > 0) {
      const command = this.waiting.shift()!;
      this.running++;
      void this.execute(command)
        .then((result) => this.send(command.commandId, result))
        .finally(() => {
          this.running--;
          this.known.delete(command.commandId);
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
  }

  private async send(commandId: string, result: AgentCommandResult): Promise<void> {
    try {
      await this.options.report(commandId, result);
      this.reportFailures = 0;
    } catch (err) {
      // The user gets a timeout instead; say so once per run of failures, not per command.
      if (this.reportFailures++ === 0) this.options.log(`could not post the result of command ${commandId} to the scheduler: ${(err as Error).message}`);
    }
  }

  /** Runs one command; never rejects. */
  async execute(command: AgentCommand): Promise<AgentCommandResult> {
    const target = this.options.target(command.taskId);
    if (!target) return { kind: 'error', code: 'TASK_NOT_FOUND', message: `task ${command.taskId} does not run on this agent now` };
    try {
      switch (command.kind) {
        case 'run':
          return await this.run(command, target);
        case 'read': {
          const file = await readSandboxFile(target.sandbox, command.path, command.maxBytes);
          return { kind: 'read', path: file.path, size: file.size, mode: file.mode, data: file.data.toString('base64') };
        }
        case 'write': {
          const data = await this.options.upload(command.commandId);
          if (data.length !== command.size) return { kind: 'error', code: 'FAILED', message: `the file came with ${data.length} bytes instead of ${command.size}` };
          const path = await writeSandboxFile(target.sandbox, { path: command.path, name: command.name, data, mode: command.mode, owner: target.runAs });
          return { kind: 'write', path, size: data.length };
        }
      }
    } catch (err) {
      if (err instanceof TransferError) return { kind: 'error', code: err.code, message: err.message };
      return { kind: 'error', code: 'FAILED', message: (err as Error).message.slice(0, 2000) };
    }
  }

  private async run(command: Extract<AgentCommand, { kind: 'run' }>, target: CommandTarget): Promise<AgentCommandResult> {
    const { command: bound, unbound } = substituteTaskCommand(command.command, target.binding);
    const problem = unboundProblem(unbound, target.binding.ports);
    if (problem) return { kind: 'error', code: 'UNBOUND_TEMPLATE', message: problem };
    const user = target.runAs ? ` as ${target.runAs.name}` : '';
    this.options.log(`task ${command.taskId}: running a command for a user${user} (aurora task run)`);
    const result = await runInSandbox({
      sandbox: target.sandbox,
      command: bound,
      env: target.env,
      runAs: target.runAs,
      timeoutMs: command.timeoutMs,
      maxOutputBytes: command.maxOutputBytes,
      signal: this.stopping.signal,
    });
    return { kind: 'run', ...result };
  }
}
