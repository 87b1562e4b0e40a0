/** What `aurora task run|scp|ssh` do; loaded when one of them runs. */
import { spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { formatJobKey, type JobKey } from '../../dsl/key.js';
import { substituteTaskCommand, unboundProblem } from '../../executor/core/task-command.js';
import { ACTIVE_ON_AGENT_STATES, type TaskState } from '../../scheduler/api/constants.js';
import type { ReadTaskFileResponse, RunTaskCommandResponse } from '../../scheduler/api/task-commands-api.js';
import type { SchedulerClient } from '../api/index.js';
import { ApiCallError, ChildExitError, CliError, CommandFailureError, CopyFailureError, InvalidParameterError } from '../errors.js';
import type { ExitCode } from '../exit-codes.js';
import { parseInstanceKeyForCluster } from './compile-spec.js';
import type { CommandContext } from './context.js';
import { formatInstances } from './instances.js';
import {
  baseName,
  formatRunOutput,
  parseScpOperand,
  parseTunnel,
  runNote,
  runSucceeded,
  ScpOperandError,
  sshArguments,
  targetShown,
  type RunOutcome,
  type ScpOperand,
} from './task-remote-format.js';

/** The largest file scp copies (the scheduler's MAX_TASK_FILE_BYTES, without loading zod). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** States whose task runs on an agent now, so a command can reach it. */
const REACHABLE: ReadonlySet<TaskState> = new Set([...ACTIVE_ON_AGENT_STATES].filter((s) => s !== 'PARTITIONED'));

/** An ApiCallError's words without the trailing `(CODE)`. */
function words(err: ApiCallError): string {
  return err.message.replace(/ \([A-Z_]+\)$/, '');
}

export interface RunArgs {
  readonly instancekey: string;
  readonly cmd: readonly string[];
  readonly threads: number;
  readonly timeout: number;
  readonly sshUser?: string | undefined;
  readonly sshOptions?: string | undefined;
  readonly json: boolean;
}

/**
 * `aurora task run KEY[/INSTANCES] CMD`: the command in each instance's sandbox (every instance
 * whose task runs now, or the ones named), `--threads` at a time, through the scheduler. Prints
 * Aurora's `host:  line` for each line of each instance's output, in instance order; what went
 * wrong on an instance goes to stderr. Exit 0 when the command exited 0 everywhere it was asked
 * to run, COMMAND_FAILURE (4) otherwise. Aurora's client exited 0 whatever the command did.
 */
export async function runTaskCommand(ctx: CommandContext, a: RunArgs): Promise<void> {
  const { job: key, instances: asked } = await parseInstanceKeyForCluster(ctx, a.instancekey);
  const command = a.cmd.join(' ');
  if (command.trim() === '') throw new InvalidParameterError('give a command to run, e.g. aurora task run KEY "ls -l"');
  if (!Number.isInteger(a.threads) || a.threads < 1) throw new InvalidParameterError(`--threads must be a positive whole number, not ${a.threads}`);
  if (!(a.timeout > 0 && a.timeout <= 600)) throw new InvalidParameterError(`--timeout must be between 1 and 600 seconds, not ${a.timeout}`);
  if (a.sshUser !== undefined && a.sshUser !== key.role) {
    throw new InvalidParameterError(
      `--ssh-user ${a.sshUser}: aurora task run runs the command as the task's user (${key.role}) through the scheduler; to log in as ${a.sshUser}, use aurora task ssh -l ${a.sshUser}`,
    );
  }
  if (a.sshOptions !== undefined) ctx.err('--ssh-options is not used: aurora task run goes through the scheduler, not ssh');
  const client = ctx.client(key.cluster);
  const job = await client.getJob(key);
  const current = new Map(job.tasks.map((t) => [t.instance, t]));
  const live = job.tasks.filter((t) => REACHABLE.has(t.state)).map((t) => t.instance);
  const targets = asked ? [...asked] : live;
  if (targets.length === 0) {
    const states = [...new Set(job.tasks.map((t) => t.state))].join(', ');
    throw new CommandFailureError(`no task of ${formatJobKey(key)} runs now${states ? ` (its instances are ${states})` : ''}; nothing to run the command in`);
  }

  const outcomes = new Map<number, RunOutcome>();
  const notRun = (instance: number, error: string): RunOutcome => ({ instance, host: current.get(instance)?.host ?? null, taskId: null, exitCode: null, output: '', truncated: false, timedOut: false, error });
  const runOne = async (instance: number): Promise<RunOutcome> => {
    const task = current.get(instance);
    if (!task) return notRun(instance, `${formatJobKey(key)} has no instance ${instance}`);
    if (!REACHABLE.has(task.state)) return notRun(instance, `its task is ${task.state}`);
    try {
      const res: RunTaskCommandResponse = await client.runTaskCommand(key, instance, { command, timeoutMs: a.timeout * 1000 });
      return { ...res, error: null };
    } catch (err) {
      if (err instanceof ApiCallError) return notRun(instance, words(err));
      throw err;
    }
  };

  // Printed in instance order as soon as every lower instance is done.
  const onTerminal = ctx.stdout.isTTY === true;
  let printed = 0;
  const flush = () => {
    while (printed < targets.length && outcomes.has(targets[printed] as number)) {
      const o = outcomes.get(targets[printed++] as number)!;
      if (!a.json) {
        ctx.outLines(o.host !== null ? formatRunOutput(o.host, o.output, onTerminal) : []);
        const note = runNote(o);
        if (note) ctx.err(note);
      }
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const instance = targets[next++] as number;
      outcomes.set(instance, await runOne(instance));
      flush();
    }
  };
  await Promise.all(Array.from({ length: Math.min(a.threads, targets.length) }, worker));
  const all = targets.map((i) => outcomes.get(i)!);
  if (a.json) ctx.json(all);
  const failed = all.filter((o) => !runSucceeded(o));
  if (failed.length > 0) {
    throw new CommandFailureError(`the command did not succeed on ${failed.length} of ${all.length} instance(s) of ${formatJobKey(key)}: ${formatInstances(failed.map((o) => o.instance))}`);
  }
}

export interface ScpArgs {
  /** Sources, then the destination last. */
  readonly paths: readonly string[];
  readonly scpOptions?: string | undefined;
}

/** An operand with its job key checked, when it is a task's. */
type TaskOperand = Extract<ScpOperand, { kind: 'task' }> & { readonly job: JobKey };
type Operand = Extract<ScpOperand, { kind: 'local' }> | TaskOperand;

/**
 * `aurora task scp SRC... DST`: files to, from or between task sandboxes, through the scheduler
 * (as the task's user; at most 16 MiB a file). A sandbox path is relative to the sandbox (or
 * absolute inside it); one that leaves it ('..', a symlink out, an absolute path elsewhere) is
 * refused, as is a missing or too large file: exit 1, as scp's.
 */
export async function copyTaskFiles(ctx: CommandContext, a: ScpArgs): Promise<void> {
  if (a.paths.length < 2) throw new InvalidParameterError('give a source and a destination: aurora task scp SRC... DST, one of them KEY/INSTANCE:path');
  if (a.scpOptions !== undefined) ctx.err('--scp-options is not used: aurora task scp copies through the scheduler, not scp');
  const operands: Operand[] = [];
  for (const text of a.paths) {
    let operand: ScpOperand;
    try {
      operand = parseScpOperand(text);
    } catch (err) {
      if (err instanceof ScpOperandError) throw new InvalidParameterError(err.message);
      throw err;
    }
    if (operand.kind === 'local') {
      operands.push(operand);
      continue;
    }
    const { job } = await parseInstanceKeyForCluster(ctx, operand.key);
    operands.push({ ...operand, job });
  }
  const dest = operands[operands.length - 1]!;
  const sources = operands.slice(0, -1);
  if (dest.kind === 'local' && sources.every((s) => s.kind === 'local')) {
    throw new InvalidParameterError('neither side is a task: name one as CLUSTER/ROLE/ENV/NAME/INSTANCE:path');
  }
  for (const source of sources) {
    const { name, data, mode } = await readSource(ctx, source);
    await writeDest(ctx, dest, name, data, mode);
  }
}

/** The refusal of a task path, as scp says it (Aurora's e2e test looks for "PATH: Permission denied"). */
function copyRefusal(operand: TaskOperand, shown: string, err: ApiCallError): CliError {
  const where = `${operand.text.slice(0, operand.text.length - operand.path.length)}${shown}`;
  switch (err.code) {
    case 'INVALID_PATH':
      return new CopyFailureError(`${where}: Permission denied: ${words(err)}`);
    case 'PATH_NOT_FOUND':
      return new CopyFailureError(`${where}: No such file or directory: ${words(err)}`);
    case 'FILE_TOO_LARGE':
    case 'BODY_TOO_LARGE':
      return new CopyFailureError(`${where}: ${words(err)}`);
    default:
      return err;
  }
}

async function readSource(ctx: CommandContext, source: Operand): Promise<{ name: string; data: Buffer; mode: number }> {
  if (source.kind === 'local') {
    const file = path.resolve(ctx.cwd, source.path);
    let info;
    try {
      info = await stat(file);
    } catch (err) {
      throw new CopyFailureError(`${source.path}: No such file or directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (info.isDirectory()) throw new CopyFailureError(`${source.path}: is a directory; aurora task scp copies one file at a time`);
    if (info.size > MAX_FILE_BYTES) throw new CopyFailureError(`${source.path}: ${info.size} bytes; aurora task scp copies files of at most ${MAX_FILE_BYTES} bytes`);
    return { name: path.basename(file), data: await readFile(file), mode: info.mode & 0o777 };
  }
  let file: ReadTaskFileResponse;
  try {
    file = await ctx.client(source.job.cluster).readTaskFile(source.job, source.instance, source.path);
  } catch (err) {
    if (err instanceof ApiCallError) throw copyRefusal(source, source.path, err);
    throw err;
  }
  return { name: file.path.slice(file.path.lastIndexOf('/') + 1), data: Buffer.from(file.data, 'base64'), mode: file.mode & 0o777 };
}

async function writeDest(ctx: CommandContext, dest: Operand, name: string, data: Buffer, mode: number): Promise<void> {
  if (dest.kind === 'local') {
    let target = path.resolve(ctx.cwd, dest.path);
    const isDir = await stat(target).then((s) => s.isDirectory(), () => false);
    if (isDir || baseName(dest.path) === '') target = path.join(target, name);
    try {
      await writeFile(target, data, { mode });
    } catch (err) {
      throw new CopyFailureError(`${dest.path}: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim());
    }
    return;
  }
  try {
    await ctx.client(dest.job.cluster).writeTaskFile(dest.job, dest.instance, { path: dest.path, name, data: data.toString('base64'), mode });
  } catch (err) {
    if (err instanceof ApiCallError) throw copyRefusal(dest, targetShown(dest.path, name), err);
    throw err;
  }
}

export interface SshArgs {
  readonly instancekey: string;
  readonly command?: string | undefined;
  readonly sshUser?: string | undefined;
  readonly sshOptions?: string | undefined;
  readonly tunnels: readonly string[];
  readonly pidFile?: string | undefined;
}

/**
 * `aurora task ssh KEY[/N]`: ssh to the host of the instance's task, into its sandbox, as the
 * task's user (or `--ssh-user`), running `--command` or bash: Aurora's `ssh -t [options] [-L
 * port:host:port] user@host 'cd SANDBOX;COMMAND'`. $AURORA_SSH names another ssh program. Ends
 * with ssh's exit status.
 */
export async function sshToTask(ctx: CommandContext, a: SshArgs): Promise<void> {
  const { job: key, instances } = await parseInstanceKeyForCluster(ctx, a.instancekey);
  if (instances !== undefined && instances.length !== 1) throw new InvalidParameterError(`aurora task ssh takes one instance, not ${formatInstances(instances)}`);
  const client = ctx.client(key.cluster);
  const instance = instances?.[0] ?? (await firstRunning(client, key));
  const where = await client.taskSandbox(key, instance);
  const { command, unbound } = substituteTaskCommand(a.command ?? 'bash', { taskId: where.taskId, instance: where.instance, hostname: where.host, ports: where.ports });
  const problem = unboundProblem(unbound, where.ports);
  if (problem) throw new InvalidParameterError(problem);
  const tunnels = a.tunnels.map((text) => {
    const t = parseTunnel(text);
    if (!t) throw new InvalidParameterError(`Could not parse tunnel: ${text}.  Must be of form PORT:NAME`);
    const remotePort = where.ports[t.name];
    if (remotePort === undefined) throw new InvalidParameterError(`Task ${where.taskId} has no port named ${t.name}`);
    return { localPort: t.localPort, remotePort };
  });
  if (where.sandbox === null) ctx.err(`the agent on ${where.host} does not say where its sandboxes are (an older agent): ssh will not cd into the sandbox`);
  const args = sshArguments({
    user: a.sshUser ?? where.user,
    host: where.host,
    sandbox: where.sandbox,
    command,
    sshOptions: a.sshOptions?.split(/\s+/).filter(Boolean) ?? [],
    tunnels,
  });
  const status = await runSsh(ctx, ctx.env['AURORA_SSH'] || 'ssh', args, a.pidFile);
  if (status !== 0) throw new ChildExitError(status as ExitCode, `ssh exited with status ${status}`);
}

/** The lowest instance whose task runs now (Aurora picks one when none is named). */
async function firstRunning(client: SchedulerClient, key: JobKey): Promise<number> {
  const job = await client.getJob(key);
  const running = job.tasks.filter((t) => REACHABLE.has(t.state)).sort((x, y) => x.instance - y.instance)[0];
  if (!running) throw new CommandFailureError(`no task of ${formatJobKey(key)} runs now; nothing to ssh into`);
  return running.instance;
}

/** Runs ssh on the terminal (or, under a test's streams, with its output copied to them); resolves to its exit status. */
function runSsh(ctx: CommandContext, program: string, args: readonly string[], pidFile: string | undefined): Promise<number> {
  const onProcessStreams = ctx.stdout === process.stdout && ctx.stderr === process.stderr;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: onProcessStreams ? 'inherit' : ['ignore', 'pipe', 'pipe'], env: { ...ctx.env } });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => ctx.stdout.write(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => ctx.stderr.write(chunk));
    child.once('error', (err) => reject(new CommandFailureError(`could not run ${program}: ${err.message}${program === 'ssh' ? ' (is an ssh client installed? $AURORA_SSH names another one)' : ''}`)));
    child.once('spawn', () => {
      if (pidFile && child.pid !== undefined) writeFile(pidFile, String(child.pid)).catch((err: unknown) => ctx.err(`could not write --pid-file ${pidFile}: ${(err as Error).message}`));
    });
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
