/** The implementation of `aurora task run-local` (see task.ts); loaded only when the command runs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatJobKey, parseJobKey } from '../../dsl/job-key.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { runTaskLocally, type TaskRunState } from '../../executor/run-local.js';
import { compileConfigJob, loadConfig, parseBindings } from '../config/index.js';
import { CommandFailureError, InterruptedError, InvalidParameterError } from '../errors.js';
import { withPinnedImages } from './compile-spec.js';
import type { CommandContext } from './context.js';

export interface RunLocalArgs {
  readonly jobkey: string;
  readonly config: string;
  readonly instance: number;
  readonly bind: readonly string[];
  readonly sandboxRoot?: string | undefined;
  readonly killGraceMs: number;
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
  const compiled: JobSpec = compileConfigJob(config, key, bindings);
  if (!Number.isInteger(a.instance) || a.instance < 0 || a.instance >= compiled.instances) {
    throw new InvalidParameterError(`--instance must be 0 to ${compiled.instances - 1} for ${formatJobKey(key)}, not ${a.instance}`);
  }
  // As job create: {{docker.image[NAME][TAG]}} (unless --bind gave it) pinned through the
  // cluster's Docker registry, else the task would run an image named {{docker.image...}}.
  const spec = await withPinnedImages(ctx, key.cluster, compiled);
  const dataDir = a.sandboxRoot ? resolve(ctx.cwd, a.sandboxRoot) : mkdtempSync(join(tmpdir(), 'aurora-run-local-'));

  let last: TaskRunState | null = null;
  const show = (now: TaskRunState) => {
    for (const line of describeChanges(last, now)) ctx.out(line);
    last = now;
  };
  const onAbort = () => ctx.err('Interrupted: killing the task');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) onAbort();
  try {
    const end = await runTaskLocally(spec, {
      instance: a.instance,
      dataDir,
      killGraceMs: a.killGraceMs,
      onStart: (task) => {
        ctx.out(`Running ${formatJobKey(key)} instance ${a.instance} as task ${task.taskId}`);
        ctx.out(`sandbox: ${task.sandbox}`);
        const shownPorts = Object.entries(task.ports).map(([k, v]) => `${k}=${v}`);
        if (shownPorts.length > 0) ctx.out(`ports: ${shownPorts.join(', ')}`);
      },
      onChange: show,
      onOutput: (process, stream, line) => (stream === 'stderr' ? ctx.err(`${process}| ${line}`) : ctx.out(`${process}| ${line}`)),
      onLog: (line) => {
        if (/could not|failed|survived/.test(line)) ctx.err(line);
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      interruptReason: 'Interrupted (Ctrl-C)',
    });
    show(end.state);
    ctx.out(`sandbox left in ${end.sandbox}`);
    if (ctx.signal?.aborted) throw new InterruptedError(`task ${end.taskId} killed after Ctrl-C`);
    if (end.state.state !== 'FINISHED') throw new CommandFailureError(`task ${end.state.state}: ${end.state.message ?? 'no reason recorded'}`);
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
