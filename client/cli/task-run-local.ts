/** The implementation of `aurora task run-local` (see task.ts); loaded only when the command runs. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatJobKey, parseJobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import type { TaskRunState } from '../../executor/core/checkpoint.js';
import { sandboxDir } from '../../executor/runner/sandbox.js';
import { TaskManager } from '../../executor/runner/task-manager.js';
import { compileConfigJob, loadConfig, parseBindings } from '../config/index.js';
import { CommandFailureError, InterruptedError, InvalidParameterError } from '../errors.js';
import type { CommandContext } from './context.js';

export interface RunLocalArgs {
  readonly jobkey: string;
  readonly config: string;
  readonly instance: number;
  readonly bind: readonly string[];
  readonly sandboxRoot?: string | undefined;
  readonly killGraceMs: number;
}

/** A port nobody listened on a moment ago. */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => res(port));
    });
  });
}

/** The lines to print for the change from `before` to `after`: task states and each run's start and end. Pure. */
export function describeChanges(before: TaskRunState | null, after: TaskRunState): string[] {
  const lines: string[] = [];
  for (const [name, runs] of Object.entries(after.processes)) {
    const old = before?.processes[name] ?? [];
    for (const run of runs) {
      const prev = old.find((r) => r.run === run.run);
      if (prev?.state === run.state) continue;
      if (run.state === 'RUNNING') lines.push(`${name}[${run.run}] RUNNING (pid ${run.pid}): ${run.cmdline}`);
      else lines.push(`${name}[${run.run}] ${run.state}${run.message ? ` (${run.message})` : ''}`);
    }
  }
  if (before?.health !== after.health && after.health !== 'UNKNOWN') {
    lines.push(`task ${after.health}${after.healthMessage ? `: ${after.healthMessage}` : ''}`);
  }
  if (before?.state !== after.state) lines.push(`task ${after.state}${after.message ? `: ${after.message}` : ''}`);
  return lines;
}

export async function runLocal(ctx: CommandContext, a: RunLocalArgs): Promise<void> {
  const key = parseJobKey(a.jobkey);
  const bindings = parseBindings(a.bind);
  const config = loadConfig(resolve(ctx.cwd, a.config), { cwd: ctx.cwd });
  const spec: JobSpec = compileConfigJob(config, key, bindings);
  if (!Number.isInteger(a.instance) || a.instance < 0 || a.instance >= spec.instances) {
    throw new InvalidParameterError(`--instance must be 0 to ${spec.instances - 1} for ${formatJobKey(key)}, not ${a.instance}`);
  }
  const ports: Record<string, number> = {};
  for (const name of spec.ports) ports[name] = await freePort();
  const dataDir = a.sandboxRoot ? resolve(ctx.cwd, a.sandboxRoot) : mkdtempSync(join(tmpdir(), 'aurora-run-local-'));
  const taskId = `${key.role}-${key.environment}-${key.name}-${a.instance}-local-${randomBytes(4).toString('hex')}`;
  const assignment: TaskAssignment = { taskId, jobKey: spec.key, instance: a.instance, ports, job: spec };
  const sandbox = sandboxDir(dataDir, taskId);

  const manager = new TaskManager({
    dataDir,
    host: hostname(),
    killGraceMs: a.killGraceMs,
    tickMs: 100,
    sampleIntervalMs: 2000,
    gc: null,
    console: (_task, process, stream, line) => (stream === 'stderr' ? ctx.err(`${process}| ${line}`) : ctx.out(`${process}| ${line}`)),
    log: (line) => {
      if (/could not|failed|survived/.test(line)) ctx.err(line);
    },
  });
  ctx.out(`Running ${formatJobKey(key)} instance ${a.instance} as task ${taskId}`);
  ctx.out(`sandbox: ${sandbox}`);
  const shownPorts = Object.entries(ports).map(([k, v]) => `${k}=${v}`);
  if (shownPorts.length > 0) ctx.out(`ports: ${shownPorts.join(', ')}`);

  let last: TaskRunState | null = null;
  const show = () => {
    const now = manager.get(taskId);
    if (!now) return;
    for (const line of describeChanges(last, now)) ctx.out(line);
    last = now;
  };
  manager.onChange(show);
  const onAbort = () => {
    ctx.err('Interrupted: killing the task');
    manager.kill(taskId, 'Interrupted (Ctrl-C)');
  };
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  manager.startMonitoring();
  // The runner's timers are unref'd and its processes detached (an agent must not be held up by
  // them); here the CLI itself has to stay alive until the task ends.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    manager.launch(assignment);
    if (ctx.signal?.aborted) onAbort();
    const end = await manager.waitFor(taskId);
    show();
    ctx.out(`sandbox left in ${sandbox}`);
    if (ctx.signal?.aborted) throw new InterruptedError(`task ${taskId} killed after Ctrl-C`);
    if (end.state !== 'FINISHED') throw new CommandFailureError(`task ${end.state}: ${end.message ?? 'no reason recorded'}`);
  } finally {
    clearInterval(keepAlive);
    ctx.signal?.removeEventListener('abort', onAbort);
    manager.close();
  }
}
