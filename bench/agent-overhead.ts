#!/usr/bin/env node
/**
 * The agent's launch latency and per-task overhead, with the compiled scheduler and agent on free
 * loopback ports:
 *
 * - latency of N launches that reach the agent together (one job with N instances, created
 *   through the scheduler API): from the scheduler's ASSIGNED event of each task to the
 *   PROCESS_STARTED record in the task's checkpoint, split into the delivery (to the agent's
 *   ASSIGNED record: the scheduler's answer to the held sync and the spec fetch) and the agent's
 *   own part; and to the moment the task's command itself runs (it writes bash's
 *   $EPOCHREALTIME to a file, then execs `sleep`). All clocks are this host's.
 * - latency of a lone launch: one-instance jobs created one after the other on the loaded agent.
 * - memory: the agent's RSS before and after it supervises the N tasks, divided by N; the spawn
 *   helper's RSS and PSS (one per agent) and its idle spares'; and each run's /bin/sh wrapper
 *   (RSS, and PSS, which splits shared pages fairly).
 * - recovery: how long a task manager takes to start on a data dir holding R finished tasks
 *   (written directly, as an agent that ran them leaves them), and the heap it keeps for them.
 *
 *   npm run bench:agent -- --tasks 100 [--json] [--no-spawn-helper] [--spawn-spares N] [--recovery R]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startAgent, startScheduler } from '../devcluster/daemons.js';
import { canonicalJson, type JobSpec } from '../dsl/jobspec.js';
import { compileJob } from '../dsl/compile.js';
import { Job, MB, Process, Resources, Task } from '../dsl/index.js';
import { CHECKPOINT_VERSION, formatRecord, parseCheckpoint, replayCheckpoint, type CheckpointRecord, type TaskRunState } from '../executor/core/checkpoint.js';
import { TaskManager } from '../executor/runner/task-manager.js';
import { DEFAULT_EXECUTOR_ALLOWANCE } from '../scheduler/core/effective-resources.js';
import { specHash } from '../dsl/jobspec.js';

const argv = await yargs(hideBin(process.argv))
  .option('tasks', { type: 'number', default: 100, describe: 'instances of the one job whose launches reach the agent together' })
  .option('singles', { type: 'number', default: 10, describe: 'one-instance jobs created one after the other, for the latency of a lone launch' })
  .option('settle-ms', { type: 'number', default: 6000, describe: 'wait before reading memory (lets a resource sample run)' })
  .option('spawn-helper', { type: 'boolean', default: true, describe: 'the agent starts processes through its spawn helper (--no-spawn-helper: by forking itself)' })
  .option('spawn-spares', { type: 'number', describe: "the agent's --spawn-spares (processes its spawn helper forks ahead)" })
  .option('recovery', { type: 'number', default: 10_000, describe: 'finished tasks in the data dir of the recovery figure (0: none)' })
  .option('json', { type: 'boolean', default: false, describe: 'one JSON object per figure' })
  .strict()
  .parseAsync();
const N = argv.tasks;

const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-agent-'));
const sandboxes = path.join(root, 'agent', 'sandboxes');
const STARTED_FILE = '.command-started';
const scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
const agent = await startAgent({
  schedulerUrl: scheduler.url,
  dataDir: path.join(root, 'agent'),
  extraArgs: [
    '--kill-grace-ms', '500',
    '--cpu', String(Math.max(2, N * 0.1 + 1)),
    // Each task holds its 4 MiB and the scheduler's default executor allowance.
    '--ram-mb', String(N * (8 + DEFAULT_EXECUTOR_ALLOWANCE.ramMb) + 1024),
    ...(argv['spawn-helper'] ? [] : ['--no-spawn-helper']),
    ...(argv['spawn-spares'] !== undefined ? ['--spawn-spares', String(argv['spawn-spares'])] : []),
  ],
});
const agentPid = agent.child.pid!;

function status(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
function pss(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
/**
 * The agent's spawn helper (its child whose command line the helper set to `aurora-spawn-helper`)
 * and the helper's spares: its children that are no run's wrapper (yet).
 */
function helperPids(wrappers: ReadonlySet<number>): { helper: number | null; spares: number[] } {
  const procs = readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return [{ pid: Number(entry), ppid, cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8') }];
    } catch {
      return [];
    }
  });
  const helper = procs.find((p) => p.ppid === agentPid && p.cmdline.startsWith('aurora-spawn-helper'))?.pid ?? null;
  return { helper, spares: procs.filter((p) => helper !== null && p.ppid === helper && !wrappers.has(p.pid)).map((p) => p.pid) };
}

/** The nearest-rank percentile p (0-100] of values. */
function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}
const MiB = 1024 * 1024;

function checkpoints(): TaskRunState[] {
  if (!existsSync(sandboxes)) return [];
  return readdirSync(sandboxes).flatMap((id) => {
    try {
      return [replayCheckpoint(parseCheckpoint(readFileSync(path.join(sandboxes, id, '.checkpoint.jsonl'), 'utf8')))];
    } catch {
      return [];
    }
  });
}
/** When the task's command itself began, from the file it wrote ($EPOCHREALTIME, seconds). */
function commandStartedAt(taskId: string): number | undefined {
  try {
    const seconds = Number(readFileSync(path.join(sandboxes, taskId, STARTED_FILE), 'utf8').trim());
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const task = Task({
  processes: [Process({ name: 'sleeper', cmdline: `printf '%s\\n' "$EPOCHREALTIME" > ${STARTED_FILE}; exec sleep 3600` })],
  // A tenth of a core: the command's own start (bash) fits in one CFS period of its cgroup, so the
  // time to the command measures the launch, not the task's cpu limit.
  resources: Resources({ cpu: 0.1, ram: 4 * MB, disk: 4 * MB }),
});
async function createJob(name: string, instances: number): Promise<void> {
  const compiled = compileJob(Job({ cluster: 'devcluster', role: 'bench', environment: 'test', name, instances, task }));
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const spec: JobSpec = compiled.spec;
  const res = await fetch(`${scheduler.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: canonicalJson({ spec }) });
  if (res.status >= 300) throw new Error(`create failed: ${res.status} ${await res.text()}`);
}
type TaskEvents = { taskId: string; events: { state: string; at: number }[] };
async function assignedAt(name: string): Promise<Map<string, number>> {
  const r = await fetch(`${scheduler.url}/api/v1/tasks?role=bench&environment=test&name=${name}`);
  const { tasks } = (await r.json()) as { tasks: TaskEvents[] };
  const out = new Map<string, number>();
  for (const t of tasks) {
    const at = t.events.find((e) => e.state === 'ASSIGNED')?.at;
    if (at !== undefined) out.set(t.taskId, at);
  }
  return out;
}

interface Row {
  readonly figure: string;
  readonly value: number;
  readonly unit: 'ms' | 'MB' | 'tasks' | 'procs';
  readonly what: string;
}
const rows: Row[] = [];

/** Starts a task manager on a data dir of `count` finished tasks; its time and the heap it keeps. */
async function recovery(count: number): Promise<{ ms: number; heapBytes: number }> {
  const dataDir = path.join(root, 'recovery');
  const compiled = compileJob(Job({ cluster: 'devcluster', role: 'bench', environment: 'test', name: 'done', instances: count, task }));
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const job = compiled.spec;
  const hash = specHash(job);
  const at = Date.now() - 60_000;
  for (let i = 0; i < count; i++) {
    const taskId = `bench-test-done-${i}-${i.toString(16).padStart(8, '0')}`;
    const records: CheckpointRecord[] = [
      { type: 'ASSIGNED', at, version: CHECKPOINT_VERSION, host: 'bench', assignment: { taskId, jobKey: job.key, instance: i, ports: {}, job }, specHash: hash },
      { type: 'TASK_STATE', at, state: 'STARTING', message: null },
      { type: 'PROCESS_STARTED', at, process: 'sleeper', run: 0, pid: 100_000 + i, pgid: 100_000 + i, cmdline: 'true', startTicks: 1 },
      { type: 'TASK_STATE', at, state: 'RUNNING', message: null },
      { type: 'PROCESS_ENDED', at: at + 1, process: 'sleeper', run: 0, state: 'SUCCESS', exitCode: 0, message: 'exit status 0' },
      { type: 'FINALIZING', at: at + 1, outcome: { state: 'FINISHED', reason: 'Task finished successfully' } },
      { type: 'TASK_STATE', at: at + 1, state: 'FINISHED', message: 'Task finished successfully' },
    ];
    const sandbox = path.join(dataDir, 'sandboxes', taskId);
    mkdirSync(path.join(sandbox, '.logs', 'sleeper', '0'), { recursive: true });
    writeFileSync(path.join(sandbox, '.checkpoint.jsonl'), records.map(formatRecord).join(''));
    writeFileSync(path.join(sandbox, '.logs', 'sleeper', '0', 'exit'), '0\n');
  }
  // A full collection before each heap reading, so the figure is what the manager keeps.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const manager = new TaskManager({ dataDir, host: 'bench', killGraceMs: 500, gc: null, spawnHelper: false });
  const started = performance.now();
  await manager.recover();
  const ms = performance.now() - started;
  collect();
  const heapBytes = process.memoryUsage().heapUsed - heapBefore;
  if (manager.reports().length === 0) throw new Error('the recovered tasks are not reported');
  manager.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { ms, heapBytes };
}
const ms = (figure: string, value: number, what: string) => rows.push({ figure, value: Math.round(value), unit: 'ms', what });
const mb = (figure: string, bytes: number, what: string) => rows.push({ figure, value: Math.round((bytes / MiB) * 100) / 100, unit: 'MB', what });

try {
  await sleep(argv['settle-ms']);
  const before = status(agentPid, 'VmRSS');

  await createJob('sleepers', N);
  const deadline = Date.now() + 180_000;
  let states = checkpoints();
  const allStarted = () =>
    states.length === N && states.every((s) => s.processes.sleeper?.[0] !== undefined && commandStartedAt(s.taskId) !== undefined);
  while (!allStarted()) {
    if (Date.now() > deadline) throw new Error(`only ${states.length} of ${N} tasks started; agent log:\n${agent.log().slice(-2000)}`);
    await sleep(200);
    states = checkpoints();
  }
  const assigned = await assignedAt('sleepers');
  const launch: number[] = [];
  const deliver: number[] = [];
  const own: number[] = [];
  const command: number[] = [];
  for (const s of states) {
    const at = assigned.get(s.taskId);
    const started = s.processes.sleeper?.[0]?.startedAt;
    const ran = commandStartedAt(s.taskId);
    if (at === undefined || started === undefined) continue;
    launch.push(started - at);
    deliver.push(s.startedAt - at);
    own.push(started - s.startedAt);
    if (ran !== undefined) command.push(ran - at);
  }

  await sleep(argv['settle-ms']);
  const after = status(agentPid, 'VmRSS');
  const wrappers = states.map((s) => s.processes.sleeper![0]!.pid);
  const wrapperRss = percentile(wrappers.map((p) => status(p, 'VmRSS')), 50);
  const wrapperPss = percentile(wrappers.map(pss).filter((x): x is number => x !== null), 50);
  const { helper, spares } = helperPids(new Set(wrappers));

  // A lone launch: one-instance jobs, one after the other, on the agent that already runs N tasks.
  const single: number[] = [];
  for (let i = 0; i < argv.singles; i++) {
    const name = `single${i}`;
    await createJob(name, 1);
    let state: TaskRunState | undefined;
    while (!(state = checkpoints().find((s) => s.assignment.job.key.name === name && s.processes.sleeper?.[0]))) await sleep(20);
    const at = [...(await assignedAt(name)).values()][0];
    if (at !== undefined) single.push(state.processes.sleeper![0]!.startedAt - at);
  }

  const perTask = (after - before) / N;
  rows.push({ figure: 'tasks', value: N, unit: 'tasks', what: `tasks launched together (spawn helper ${argv['spawn-helper'] ? 'on' : 'off'})` });
  ms(`launch-${N}-first`, percentile(launch, 0), `ASSIGNED -> PROCESS_STARTED, ${N} at once: the first`);
  ms(`launch-${N}-p50`, percentile(launch, 50), `ASSIGNED -> PROCESS_STARTED, ${N} at once: median`);
  ms(`launch-${N}-p90`, percentile(launch, 90), `ASSIGNED -> PROCESS_STARTED, ${N} at once: 90th percentile`);
  ms(`launch-${N}-last`, percentile(launch, 100), `ASSIGNED -> PROCESS_STARTED, ${N} at once: the last`);
  ms(`deliver-${N}-p50`, percentile(deliver, 50), `  of which ASSIGNED -> the agent has the task (sync answer, spec): median`);
  ms(`deliver-${N}-last`, percentile(deliver, 100), `  of which ASSIGNED -> the agent has the task: the last`);
  ms(`agent-${N}-p50`, percentile(own, 50), `  of which the agent has the task -> PROCESS_STARTED: median`);
  ms(`agent-${N}-last`, percentile(own, 100), `  of which the agent has the task -> PROCESS_STARTED: the last`);
  ms(`command-${N}-p50`, percentile(command, 50), `ASSIGNED -> the task's command runs, ${N} at once: median`);
  ms(`command-${N}-last`, percentile(command, 100), `ASSIGNED -> the task's command runs, ${N} at once: the last`);
  if (single.length > 0) {
    ms('launch-1-p50', percentile(single, 50), `ASSIGNED -> PROCESS_STARTED, one at a time (n=${single.length}): median`);
    ms('launch-1-min', percentile(single, 0), 'ASSIGNED -> PROCESS_STARTED, one at a time: the fastest');
    ms('launch-1-max', percentile(single, 100), 'ASSIGNED -> PROCESS_STARTED, one at a time: the slowest');
  }
  mb('agent-rss-idle', before, 'agent RSS, idle');
  mb(`agent-rss-${N}`, after, `agent RSS with ${N} tasks`);
  mb('agent-rss-per-task', perTask, 'agent RSS growth per task');
  mb('spawn-helper-rss', helper ? status(helper, 'VmRSS') : 0, 'spawn helper RSS (one per agent)');
  mb('spawn-helper-pss', helper ? (pss(helper) ?? 0) : 0, 'spawn helper PSS');
  rows.push({ figure: 'spawn-spares', value: spares.length, unit: 'procs', what: 'spare processes the helper holds, idle' });
  mb('spawn-spares-pss', spares.reduce((sum, p) => sum + (pss(p) ?? 0), 0), 'spares PSS, all together');
  mb('spawn-spares-pte', spares.reduce((sum, p) => sum + status(p, 'VmPTE'), 0), 'spares page tables, all together');
  mb('wrapper-rss', wrapperRss, 'per-run /bin/sh wrapper RSS (median)');
  mb('wrapper-pss', wrapperPss, 'per-run /bin/sh wrapper PSS (median)');
  mb('per-task-rss', perTask + wrapperRss, 'total per task, agent growth + wrapper, RSS');
  mb('per-task-pss', perTask + wrapperPss, 'total per task, agent growth + wrapper, PSS');
  if (argv.recovery > 0) {
    const r = await recovery(argv.recovery);
    ms(`recover-${argv.recovery}-finished`, r.ms, `agent start on a data dir of ${argv.recovery} finished tasks`);
    mb(`recover-${argv.recovery}-heap`, r.heapBytes, '  heap it keeps for them');
  }

  if (argv.json) {
    for (const { figure, value, unit } of rows) console.log(JSON.stringify({ figure, value, unit }));
  } else {
    const fw = Math.max(...rows.map((r) => r.figure.length));
    const ww = Math.max(...rows.map((r) => r.what.length));
    console.log(`${'figure'.padEnd(fw)}  ${'value'.padStart(8)}  unit   ${'what'.padEnd(ww)}`);
    for (const r of rows) console.log(`${r.figure.padEnd(fw)}  ${String(r.value).padStart(8)}  ${r.unit.padEnd(5)}  ${r.what}`);
  }
} finally {
  await agent.stop();
  // Kill what is left of the tasks: the agent leaves them running on SIGTERM by design.
  for (const s of checkpoints()) for (const runs of Object.values(s.processes)) for (const run of runs) {
    try {
      process.kill(-run.pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await scheduler.stop();
  rmSync(root, { recursive: true, force: true });
}
