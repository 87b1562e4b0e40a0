#!/usr/bin/env node
/**
 * Rolling updates and cron on the real scheduler process (compiled, on SQLite in a temp dir),
 * with simulated agents in this process that speak the real agent protocol
 * (bench/simulated-agents.ts: a launched task is reported RUNNING on the next sync, a killed one
 * KILLED):
 *
 * - update-N-STRATEGY-wall: a service of N instances (default 100) updated to a new config with
 *   a queue strategy of groupSize G and/or a batch strategy of batchSize G (default 10),
 *   watchSecs 0: from the bench sending `POST .../updates` to the update's ROLLED_FORWARD event;
 * - update-N-STRATEGY-scheduler-cpu: the scheduler process's CPU time (utime + stime from
 *   /proc/PID/stat) over that update, until the bench saw it end;
 * - update-N-STRATEGY-instance-p50: one instance's INSTANCE_UPDATING to INSTANCE_UPDATED, median;
 * - update-N-STRATEGY-kill-p50: of which, a replaced task's RESTARTING to its KILLED report, median;
 * - update-N-STRATEGY-bench-cpu: this process's CPU time meanwhile (the simulated agents and
 *   the bench's polling), for scale;
 * - scheduler-idle-cpu: the scheduler's CPU with the job running and nothing happening (its
 *   1 s background tick, the agents' held syncs), to read the update's CPU against;
 * - cron-tick-to-running: a `* * * * *` cron job of one instance, from the minute boundary (the
 *   tick) to the task's RUNNING event (the scheduler's record of the agent's report), split into
 *   cron-tick-to-run (the tick to the scheduler acting on it: its background tick runs every
 *   1000 ms, so up to a second) and cron-run-to-running. Each tick waits for a real minute
 *   boundary; each uses a new cron job, so every run is a STARTED one.
 *
 *   npm run bench:updates [-- --instances 100 --group-size 10 --strategy both --runs 3 --cron-ticks 1 --json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { agentSecretFile, startScheduler, type Daemon } from '../devcluster/daemons.js';
import { compileJob } from '../dsl/compile.js';
import { BatchUpdateStrategy, Job, MB, Process, QueueUpdateStrategy, Resources, Task, UpdateConfig } from '../dsl/index.js';
import type { JobSpec } from '../dsl/jobspec.js';
import type { CronJobView } from '../scheduler/api/cron-api.js';
import type { ScheduledTask } from '../scheduler/api/task.js';
import { ACTIVE_UPDATE_STATUSES, type JobUpdate, type UpdateSummary } from '../scheduler/api/updates-api.js';
import { PATHS } from '../scheduler/api/routes.js';
import { readSecretFile } from '../scheduler/api/secret-file.js';
import { api, processCpuMs, until } from './scheduler-process.js';
import { SimulatedAgent } from './simulated-agents.js';

const argv = await yargs(hideBin(process.argv))
  .option('agents', { type: 'number', default: 10 })
  .option('instances', { type: 'number', default: 100, describe: 'instances of the updated service' })
  .option('group-size', { type: 'number', default: 10, describe: "the queue strategy's groupSize, the batch strategy's batchSize" })
  .option('strategy', { choices: ['queue', 'batch', 'both'] as const, default: 'both' as const })
  .option('runs', { type: 'number', default: 3, describe: 'updates timed per strategy (the median is shown)' })
  .option('idle-ms', { type: 'number', default: 5_000, describe: "how long the scheduler's idle CPU is read" })
  .option('cron-ticks', { type: 'number', default: 1, describe: 'cron ticks timed (each waits for a real minute boundary); 0 skips cron' })
  .option('json', { type: 'boolean', default: false, describe: 'one JSON object per figure' })
  .strict()
  .parseAsync();

interface Row {
  figure: string;
  value: number;
  unit: 's' | 'ms' | '%';
  notes: string;
}
const rows: Row[] = [];
const say = (line: string) => {
  if (!argv.json) process.stderr.write(`${line}\n`);
};

const ROLE = 'bench';
const ENV = 'prod';
const SERVICE = 'svc';
const task = (version: number) =>
  Task({ processes: [Process({ name: 'p', cmdline: `sleep 3600 # v${version}` })], resources: Resources({ cpu: 0.02, ram: 16 * MB, disk: 16 * MB }) });

function compiled(job: Parameters<typeof compileJob>[0]): JobSpec {
  const result = compileJob(job);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

type Strategy = 'queue' | 'batch';
/** The service at a version, updated by the given strategy (watchSecs 0: RUNNING is enough). */
function serviceSpec(version: number, strategy: Strategy): JobSpec {
  const size = argv['group-size'];
  return compiled(
    Job({
      cluster: 'devcluster',
      role: ROLE,
      environment: ENV,
      name: SERVICE,
      instances: argv.instances,
      service: true,
      task: task(version),
      updateConfig: UpdateConfig({
        updateStrategy: strategy === 'queue' ? QueueUpdateStrategy({ batchSize: size }) : BatchUpdateStrategy({ batchSize: size }),
        watchSecs: 0,
      }),
    }),
  );
}

function cronSpec(name: string): JobSpec {
  return compiled(Job({ cluster: 'devcluster', role: ROLE, environment: ENV, name, instances: 1, cronSchedule: '* * * * *', task: task(0) }));
}

/** How the compiled strategy reads, e.g. `queue groupSize 10`. */
function strategyText(spec: JobSpec): string {
  const s = spec.updateConfig.strategy;
  if (s.kind === 'queue') return `queue groupSize ${s.groupSize}`;
  if (s.kind === 'batch') return `batch batchSize ${s.batchSize}`;
  return `variable batchSizes ${s.batchSizes.join(',')}`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `n=3, 1.21-1.40` for the notes. */
function spread(xs: readonly number[], digits: number): string {
  if (xs.length < 2) return 'n=1';
  return `n=${xs.length}, ${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
}

const jobUrl = (name: string) => `${scheduler.url}${PATHS.job(ROLE, ENV, name)}`;

async function currentTasks(name: string): Promise<ScheduledTask[]> {
  return (await api<{ job: { tasks: ScheduledTask[] } }>('GET', jobUrl(name))).job.tasks;
}

const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-updates-'));
const scheduler: Daemon = await startScheduler({ dataDir: path.join(root, 'scheduler'), extraArgs: ['--log-format', 'text'] });
const schedulerPid = scheduler.child.pid as number;
const agents = Array.from(
  { length: argv.agents },
  (_, i) =>
    new SimulatedAgent({
      schedulerUrl: scheduler.url,
      host: `sim${String(i).padStart(3, '0')}`,
      resources: { cpu: 32, ramMb: 128 * 1024, diskMb: 512 * 1024, gpu: 0 },
      attributes: { rack: `r${i % 5}`, zone: `z${i % 3}` },
      secret: readSecretFile(agentSecretFile()).value,
    }),
);

/** One update to `version`: until it has ended, then its record. */
async function timedUpdate(version: number, strategy: Strategy): Promise<{ wall: number; schedulerCpu: number; benchCpu: number; window: number; kills: number[]; update: JobUpdate }> {
  const spec = serviceSpec(version, strategy);
  const cpuBefore = processCpuMs(schedulerPid);
  const benchBefore = process.cpuUsage();
  const sentAt = Date.now();
  const windowStart = performance.now();
  const { update: started } = await api<{ update: JobUpdate }>('POST', `${scheduler.url}${PATHS.jobUpdates(ROLE, ENV, SERVICE)}`, {
    spec,
    message: `bench v${version}`,
  });
  // The summary list is small and cheap to serve; polled every 100 ms, it costs the scheduler
  // little. The figure itself comes from the update's own ROLLED_FORWARD event.
  let ended: UpdateSummary | undefined;
  await until(
    `update ${started.id} to end`,
    async () => {
      const { updates } = await api<{ updates: UpdateSummary[] }>(
        'GET',
        `${scheduler.url}${PATHS.updates}?role=${ROLE}&environment=${ENV}&name=${SERVICE}&limit=1`,
      );
      ended = updates.find((u) => u.id === started.id && !ACTIVE_UPDATE_STATUSES.has(u.status));
      return ended !== undefined;
    },
    600_000,
    100,
  );
  const schedulerCpu = processCpuMs(schedulerPid) - cpuBefore;
  const window = (performance.now() - windowStart) / 1000;
  const bench = process.cpuUsage(benchBefore);
  const { update } = await api<{ update: JobUpdate }>('GET', `${scheduler.url}${PATHS.jobUpdate(ROLE, ENV, SERVICE, started.id)}`);
  if (update.status !== 'ROLLED_FORWARD') throw new Error(`update ${update.id} ended ${update.status}: ${JSON.stringify(update.events)}`);
  const done = update.events.find((e) => e.status === 'ROLLED_FORWARD')?.at as number;
  const tasks = await currentTasks(SERVICE);
  const onTarget = tasks.filter((t) => t.state === 'RUNNING' && t.specHash === update.toSpecHash).length;
  if (onTarget !== argv.instances) throw new Error(`after update ${update.id}: ${onTarget} of ${argv.instances} RUNNING the new config`);
  // The replaced tasks: from the update's kill (RESTARTING) to the agent's KILLED report.
  const history = (await api<{ job: { tasks: ScheduledTask[] } }>('GET', `${jobUrl(SERVICE)}?history=true`)).job.tasks;
  const kills: number[] = [];
  for (const t of history) {
    const restarting = t.events.find((e) => e.state === 'RESTARTING' && e.message?.includes(update.id));
    const killed = t.events.find((e) => e.state === 'KILLED');
    if (restarting && killed) kills.push(killed.at - restarting.at);
  }
  return { wall: (done - sentAt) / 1000, schedulerCpu: schedulerCpu / 1000, benchCpu: (bench.user + bench.system) / 1e6, window, kills, update };
}

/** Each instance's time from INSTANCE_UPDATING to INSTANCE_UPDATED (ms), by the update's own events. */
function instanceTimes(update: JobUpdate): number[] {
  const started = new Map<number, number>();
  const out: number[] = [];
  for (const e of update.instanceEvents) {
    if (e.action === 'INSTANCE_UPDATING') started.set(e.instance, e.at);
    else if (e.action === 'INSTANCE_UPDATED' && started.has(e.instance)) out.push(e.at - (started.get(e.instance) as number));
  }
  return out;
}

/** One cron tick of a new `* * * * *` job: the tick's time, when the scheduler ran it, and its task's RUNNING. */
async function timedCronTick(name: string): Promise<{ tick: number; ran: number; running: number }> {
  const { cron } = await api<{ cron: CronJobView }>('POST', `${scheduler.url}${PATHS.cronJob(ROLE, ENV, name)}`, { spec: cronSpec(name) });
  const tick = cron.nextRuns[0] as number;
  say(`cron job ${name} scheduled; waiting ${((tick - Date.now()) / 1000).toFixed(0)} s for its tick at ${new Date(tick).toISOString()}`);
  await sleep(Math.max(0, tick - Date.now()));
  let taskId: string | undefined;
  let ran = 0;
  await until(
    `the cron tick of ${name}`,
    async () => {
      const view = (await api<{ cron: CronJobView }>('GET', `${scheduler.url}${PATHS.cronJob(ROLE, ENV, name)}`)).cron;
      const run = view.lastRuns.find((r) => r.scheduledFor === tick);
      if (!run) return false;
      if (run.outcome !== 'STARTED') throw new Error(`the tick of ${name} was ${run.outcome}`);
      taskId = run.taskIds[0];
      ran = run.at;
      return true;
    },
    30_000,
    100,
  );
  let running: number | undefined;
  await until(
    `the task of ${name} to be RUNNING`,
    async () => {
      const { tasks } = await api<{ tasks: ScheduledTask[] }>('GET', `${scheduler.url}${PATHS.tasks}?taskId=${taskId}`);
      running = tasks[0]?.events.find((e) => e.state === 'RUNNING')?.at;
      return running !== undefined;
    },
    30_000,
    20,
  );
  return { tick, ran, running: running as number };
}

try {
  for (const a of agents) a.start();
  await until('the agents to register', async () => agents.every((a) => a.agentId !== null));

  const strategies: Strategy[] = argv.strategy === 'both' ? ['queue', 'batch'] : [argv.strategy];
  let version = 0;
  const created = performance.now();
  await api('POST', `${scheduler.url}${PATHS.jobs}`, { spec: serviceSpec(version, strategies[0] as Strategy) });
  await until(`${argv.instances} RUNNING`, async () => (await currentTasks(SERVICE)).filter((t) => t.state === 'RUNNING').length === argv.instances);
  say(`${argv.instances} instances RUNNING on ${argv.agents} simulated agents in ${((performance.now() - created) / 1000).toFixed(2)} s`);

  // The scheduler at rest, with the job running: what its timers and the held syncs cost.
  await sleep(1_000);
  const idleBefore = processCpuMs(schedulerPid);
  const idleStarted = performance.now();
  await sleep(argv['idle-ms']);
  const idlePercent = ((processCpuMs(schedulerPid) - idleBefore) / (performance.now() - idleStarted)) * 100;
  rows.push({
    figure: 'scheduler-idle-cpu',
    value: idlePercent,
    unit: '%',
    notes: `of one core, over ${argv['idle-ms'] / 1000} s with ${argv.instances} tasks RUNNING and ${argv.agents} agents syncing`,
  });
  say(`scheduler idle: ${idlePercent.toFixed(1)}% of a core`);

  for (const strategy of strategies) {
    const wall: number[] = [];
    const cpu: number[] = [];
    const benchCpu: number[] = [];
    const busy: number[] = [];
    const perInstance: number[] = [];
    const kills: number[] = [];
    let text = '';
    for (let run = 0; run < argv.runs; run++) {
      const t = await timedUpdate(++version, strategy);
      text = strategyText(serviceSpec(version, strategy));
      wall.push(t.wall);
      cpu.push(t.schedulerCpu);
      benchCpu.push(t.benchCpu);
      busy.push((t.schedulerCpu / t.window) * 100);
      perInstance.push(...instanceTimes(t.update));
      kills.push(...t.kills);
      say(`update ${t.update.id} (${text}, watchSecs 0): ROLLED_FORWARD after ${t.wall.toFixed(2)} s, scheduler CPU ${t.schedulerCpu.toFixed(2)} s, bench CPU ${t.benchCpu.toFixed(2)} s`);
      await sleep(500);
    }
    const name = `update-${argv.instances}-${strategy}${argv['group-size']}`;
    const what = `${argv.instances} instances, ${text}, watchSecs 0, ${argv.agents} agents`;
    rows.push({ figure: `${name}-wall`, value: median(wall), unit: 's', notes: `${what}; POST -> ROLLED_FORWARD event; median (${spread(wall, 2)})` });
    rows.push({
      figure: `${name}-scheduler-cpu`,
      value: median(cpu),
      unit: 's',
      notes: `the scheduler process's utime+stime from the POST until the bench saw the end (<= 100 ms later) (${spread(cpu, 2)}); ${median(busy).toFixed(0)}% of one core over that time`,
    });
    rows.push({
      figure: `${name}-instance-p50`,
      value: median(perInstance),
      unit: 'ms',
      notes: `one instance: INSTANCE_UPDATING -> INSTANCE_UPDATED (kill, KILLED report, new task placed, launched, RUNNING report); max ${Math.max(...perInstance).toFixed(0)} ms over ${perInstance.length}`,
    });
    rows.push({
      figure: `${name}-kill-p50`,
      value: median(kills),
      unit: 'ms',
      notes: `of which: a replaced task's RESTARTING (the update's kill) -> the agent's KILLED report; max ${Math.max(...kills).toFixed(0)} ms over ${kills.length}`,
    });
    rows.push({ figure: `${name}-bench-cpu`, value: median(benchCpu), unit: 's', notes: `this process meanwhile: the simulated agents and the polling (${spread(benchCpu, 2)})` });
  }

  if (argv['cron-ticks'] > 0) {
    const tickToRunning: number[] = [];
    const tickToRun: number[] = [];
    const runToRunning: number[] = [];
    for (let k = 0; k < argv['cron-ticks']; k++) {
      if (k > 0) await api('DELETE', `${scheduler.url}${PATHS.cronJob(ROLE, ENV, `cron${k - 1}`)}`);
      const t = await timedCronTick(`cron${k}`);
      tickToRunning.push(t.running - t.tick);
      tickToRun.push(t.ran - t.tick);
      runToRunning.push(t.running - t.ran);
      say(`cron tick ${new Date(t.tick).toISOString()}: acted on after ${t.ran - t.tick} ms, task RUNNING after ${t.running - t.tick} ms`);
    }
    rows.push({
      figure: 'cron-tick-to-running',
      value: median(tickToRunning),
      unit: 'ms',
      notes: `* * * * *, 1 instance: minute boundary -> the task's RUNNING event; median (${spread(tickToRunning, 0)})`,
    });
    rows.push({
      figure: 'cron-tick-to-run',
      value: median(tickToRun),
      unit: 'ms',
      notes: `of which: waiting for the background tick (every 1000 ms, its phase is chance) until the run is recorded (${spread(tickToRun, 0)})`,
    });
    rows.push({
      figure: 'cron-run-to-running',
      value: median(runToRunning),
      unit: 'ms',
      notes: `of which: the run's task created -> placed, sent on a held sync, reported RUNNING (${spread(runToRunning, 0)})`,
    });
  }
} finally {
  await scheduler.stop('SIGKILL');
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(root, { recursive: true, force: true });
}

if (argv.json) {
  for (const r of rows) console.log(JSON.stringify({ figure: r.figure, value: Math.round(r.value * 1000) / 1000, unit: r.unit, notes: r.notes }));
} else {
  const width = Math.max(...rows.map((r) => r.figure.length));
  const value = (r: Row) => (r.unit === 'ms' ? r.value.toFixed(0) : r.unit === '%' ? r.value.toFixed(1) : r.value.toFixed(2));
  console.log(['figure'.padEnd(width), 'value'.padStart(7), 'unit'.padEnd(4), 'notes'].join('  '));
  for (const r of rows) console.log([r.figure.padEnd(width), value(r).padStart(7), r.unit.padEnd(4), r.notes].join('  '));
}
process.exit(0);
