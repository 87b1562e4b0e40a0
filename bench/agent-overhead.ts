#!/usr/bin/env node
/**
 * The agent's per-task overhead and its launch latency, with the compiled scheduler and agent
 * on free loopback ports:
 *
 * - memory: the agent's RSS before and after it supervises N one-process sleep tasks (one job
 *   with N instances, created through the scheduler API), divided by N; and the total per task
 *   including the per-run /bin/sh wrapper (its RSS, and its PSS, which splits shared pages fairly);
 * - latency: from the scheduler's ASSIGNED event of each task to the PROCESS_STARTED record in
 *   the task's checkpoint (both clocks are this host's).
 *
 *   npm run bench:agent -- --tasks 100
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startAgent, startScheduler } from '../devcluster/daemons.js';
import { canonicalJson, type JobSpec } from '../dsl/jobspec.js';
import { compileJob } from '../dsl/compile.js';
import { Job, MB, Process, Resources, Task } from '../dsl/index.js';
import { parseCheckpoint, replayCheckpoint, type TaskRunState } from '../executor/core/checkpoint.js';

const argv = await yargs(hideBin(process.argv))
  .option('tasks', { type: 'number', default: 100 })
  .option('singles', { type: 'number', default: 10, describe: 'one-instance jobs created one after the other, for the latency of a lone launch' })
  .option('settle-ms', { type: 'number', default: 6000, describe: 'wait before reading memory (lets a resource sample run)' })
  .strict()
  .parseAsync();
const N = argv.tasks;

const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-agent-'));
const scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
const agent = await startAgent({
  schedulerUrl: scheduler.url,
  dataDir: path.join(root, 'agent'),
  extraArgs: ['--kill-grace-ms', '500', '--cpu', String(Math.max(2, N * 0.01 + 1)), '--ram-mb', String(N * 8 + 1024)],
});
const agentPid = agent.child.pid!;

function status(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}
function pss(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]! ) / 2;
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MB`;

function checkpoints(): TaskRunState[] {
  const dir = path.join(root, 'agent', 'sandboxes');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((id) => {
    try {
      return [replayCheckpoint(parseCheckpoint(readFileSync(path.join(dir, id, '.checkpoint.jsonl'), 'utf8')))];
    } catch {
      return [];
    }
  });
}

try {
  await sleep(argv['settle-ms']);
  const before = status(agentPid, 'VmRSS');

  const compiled = compileJob(
    Job({
      cluster: 'devcluster',
      role: 'bench',
      environment: 'test',
      name: 'sleepers',
      instances: N,
      task: Task({ processes: [Process({ name: 'sleeper', cmdline: 'sleep 3600' })], resources: Resources({ cpu: 0.01, ram: 4 * MB, disk: 4 * MB }) }),
    }),
  );
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const spec: JobSpec = compiled.spec;
  const res = await fetch(`${scheduler.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: canonicalJson({ spec }) });
  if (res.status >= 300) throw new Error(`create failed: ${res.status} ${await res.text()}`);

  const deadline = Date.now() + 120_000;
  let states = checkpoints();
  while (states.filter((s) => s.processes.sleeper?.[0]?.state === 'RUNNING').length < N) {
    if (Date.now() > deadline) throw new Error(`only ${states.length} of ${N} tasks started; agent log:\n${agent.log().slice(-2000)}`);
    await sleep(200);
    states = checkpoints();
  }
  await sleep(argv['settle-ms']);
  const after = status(agentPid, 'VmRSS');
  const wrappers = states.map((s) => s.processes.sleeper![0]!.pid);
  const wrapperRss = median(wrappers.map((p) => status(p, 'VmRSS')));
  const wrapperPss = wrappers.map(pss).filter((x): x is number => x !== null);

  const r = await fetch(`${scheduler.url}/api/v1/tasks?role=bench&environment=test&name=sleepers`);
  const { tasks } = (await r.json()) as { tasks: { taskId: string; events: { state: string; at: number }[] }[] };
  const latency: number[] = [];
  for (const s of states) {
    const assigned = tasks.find((t) => t.taskId === s.taskId)?.events.find((e) => e.state === 'ASSIGNED')?.at;
    const started = s.processes.sleeper?.[0]?.startedAt;
    if (assigned !== undefined && started !== undefined) latency.push(started - assigned);
  }

  // A lone launch: one-instance jobs, one after the other, on the agent that already runs N tasks.
  const single: number[] = [];
  for (let i = 0; i < argv.singles; i++) {
    const name = `single${i}`;
    const one = compileJob(
      Job({
        cluster: 'devcluster', role: 'bench', environment: 'test', name,
        task: Task({ processes: [Process({ name: 'sleeper', cmdline: 'sleep 3600' })], resources: Resources({ cpu: 0.01, ram: 4 * MB, disk: 4 * MB }) }),
      }),
    );
    if (!one.ok) throw new Error(JSON.stringify(one.issues));
    await fetch(`${scheduler.url}/api/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: canonicalJson({ spec: one.spec }) });
    let state: TaskRunState | undefined;
    while (!(state = checkpoints().find((s) => s.assignment.job.key.name === name && s.processes.sleeper?.[0]))) await sleep(20);
    const t = (await (await fetch(`${scheduler.url}/api/v1/tasks?role=bench&environment=test&name=${name}`)).json()) as typeof tasks extends infer T ? { tasks: T } : never;
    const assigned = t.tasks[0]?.events.find((e) => e.state === 'ASSIGNED')?.at;
    if (assigned !== undefined) single.push(state.processes.sleeper![0]!.startedAt - assigned);
  }

  const perTask = (after - before) / N;
  console.log(`tasks supervised:                         ${N}`);
  console.log(`agent RSS:                                ${mb(before)} idle -> ${mb(after)} with ${N} tasks`);
  console.log(`agent RSS growth per task:                ${mb(perTask)}`);
  console.log(`per-run /bin/sh wrapper:                  RSS ${mb(wrapperRss)} (median)${wrapperPss.length ? `, PSS ${mb(median(wrapperPss))}` : ''}`);
  console.log(`total per-task overhead (agent + wrapper): RSS ${mb(perTask + wrapperRss)}${wrapperPss.length ? `, PSS ${mb(perTask + median(wrapperPss))}` : ''}`);
  console.log(
    `ASSIGNED -> PROCESS_STARTED, ${N} at once:   median ${median(latency).toFixed(0)} ms (min ${Math.min(...latency)}, max ${Math.max(...latency)}, n=${latency.length})`,
  );
  if (single.length > 0) {
    console.log(
      `ASSIGNED -> PROCESS_STARTED, one at a time: median ${median(single).toFixed(0)} ms (min ${Math.min(...single)}, max ${Math.max(...single)}, n=${single.length})`,
    );
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
