#!/usr/bin/env node
/**
 * The real scheduler process at cluster scale, with many simulated agents in this process that
 * speak the real agent protocol (bench/simulated-agents.ts):
 *
 * - tasks-running-10k: one job of 10,000 instances created, until all are RUNNING on 200 agents;
 * - status-10k-instances: `aurora job status` of that job, the whole CLI command;
 * - rss-100k: the scheduler's RSS holding 100,000 tasks (90,000 RUNNING, 10,000 that fit nowhere);
 * - restart-serving-100k: the scheduler started again on that store, until /health answers;
 * - restart-first-pass-100k: until its first placement passes have looked at the stored pending work;
 * - backup-100k, backup-100k-size, health-during-backup-max, stage-recovery-100k: a backup of that
 *   state (aurora_admin scheduler_backup_now), the slowest /health while it is written, and staging it
 *   (the median of --stagings, each unloaded after; stage-recovery-100k-cpu: the scheduler's CPU time
 *   meanwhile, which a loaded machine stretches far less than the wall time).
 *
 *   npm run bench:scheduler [-- --agents 200 --json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { agentSecretFile, BINS, freePort, runCli, startScheduler, type Daemon } from '../devcluster/daemons.js';
import { readSecretFile } from '../scheduler/api/secret-file.js';
import { compileJob } from '../dsl/compile.js';
import { Job, MB, Process, Resources, Task } from '../dsl/index.js';
import type { JobSpec } from '../dsl/jobspec.js';
import { PATHS } from '../scheduler/api/routes.js';
import { api, processCpuMs, rssMb, until } from './scheduler-process.js';
import { SimulatedAgent } from './simulated-agents.js';

const argv = await yargs(hideBin(process.argv))
  .option('agents', { type: 'number', default: 200 })
  .option('jobs', { type: 'number', default: 9, describe: 'jobs of --instances RUNNING instances each (plus one job that fits nowhere)' })
  .option('instances', { type: 'number', default: 10_000 })
  .option('node-options', { type: 'string', default: '', describe: "NODE_OPTIONS for the scheduler, e.g. '--max-old-space-size=512'" })
  .option('settle-ms', { type: 'number', default: 15_000, describe: 'idle time before memory is read' })
  .option('stagings', { type: 'number', default: 3, describe: 'times the backup is staged (and unloaded); the median is reported' })
  .option('json', { type: 'boolean', default: false })
  .strict()
  .parseAsync();

interface Row {
  figure: string;
  value: number;
  unit: 's' | 'MB';
  goal: string;
}
const rows: Row[] = [];
const say = (line: string) => {
  if (!argv.json) process.stderr.write(`${line}\n`);
};

function spec(name: string, instances: number, constraints: Record<string, string> = {}): JobSpec {
  const result = compileJob(
    Job({
      cluster: 'devcluster',
      role: 'bench',
      environment: 'prod',
      name,
      instances,
      service: true,
      constraints,
      task: Task({ processes: [Process({ name: 'p', cmdline: 'sleep 3600' })], resources: Resources({ cpu: 0.02, ram: 16 * MB, disk: 16 * MB }) }),
    }),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

async function counts(url: string): Promise<Record<string, number>> {
  const { jobs } = await api<{ jobs: { taskCounts: Record<string, number> }[] }>('GET', `${url}${PATHS.jobs}`);
  const total: Record<string, number> = {};
  for (const j of jobs) for (const [s, n] of Object.entries(j.taskCounts)) total[s] = (total[s] ?? 0) + n;
  return total;
}

const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-scale-'));
const dataDir = path.join(root, 'scheduler');
const port = await freePort();
const flags = ['--max-instances-per-job', String(argv.instances), '--log-format', 'text'];
const schedulerEnv = { ...process.env, ...(argv['node-options'] ? { NODE_OPTIONS: argv['node-options'] } : {}) };
let scheduler: Daemon = await startScheduler({ dataDir, port, extraArgs: flags, env: schedulerEnv });
const url = scheduler.url;
writeFileSync(path.join(root, 'clusters.json'), JSON.stringify([{ name: 'devcluster', scheduler_uri: url, auth_mechanism: 'UNAUTHENTICATED' }]));
const agents = Array.from(
  { length: argv.agents },
  (_, i) =>
    new SimulatedAgent({
      schedulerUrl: url,
      host: `sim${String(i).padStart(4, '0')}`,
      resources: { cpu: 32, ramMb: 128 * 1024, diskMb: 512 * 1024, gpu: 0 },
      attributes: { rack: `r${i % 20}`, zone: `z${i % 3}` },
      secret: readSecretFile(agentSecretFile()).value,
    }),
);
try {
  for (const a of agents) a.start();
  await until('the agents to register', async () => agents.every((a) => a.agentId !== null));

  // 10,000 instances of one job, to RUNNING.
  let started = performance.now();
  await api('POST', `${url}${PATHS.jobs}`, { spec: spec('job0', argv.instances) });
  await until('10,000 RUNNING', async () => (await counts(url)).RUNNING === argv.instances);
  const running10k = (performance.now() - started) / 1000;
  rows.push({ figure: 'tasks-running-10k', value: running10k, unit: 's', goal: '< 5' });
  say(`${argv.instances} instances RUNNING on ${argv.agents} agents in ${running10k.toFixed(2)} s`);

  const env = { ...process.env, AURORA_CONFIG_ROOT: root };
  const statusTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    started = performance.now();
    const r = await runCli(BINS.aurora, ['job', 'status', 'devcluster/bench/prod/job0'], { env });
    statusTimes.push((performance.now() - started) / 1000);
    if (r.code !== 0) throw new Error(`aurora job status failed: ${r.stderr}`);
  }
  const status = [...statusTimes].sort((a, b) => a - b)[1] as number;
  rows.push({ figure: 'status-10k-instances', value: status, unit: 's', goal: '< 1' });
  say(`aurora job status of a ${argv.instances}-instance job: ${status.toFixed(2)} s (median of 3)`);

  // The rest: up to 100,000 tasks, one job of which fits nowhere.
  for (let j = 1; j < argv.jobs; j++) await api('POST', `${url}${PATHS.jobs}`, { spec: spec(`job${j}`, argv.instances) });
  await api('POST', `${url}${PATHS.jobs}`, { spec: spec('nowhere', argv.instances, { pool: 'gpu' }) });
  const total = argv.jobs * argv.instances;
  await until(`${total} RUNNING`, async () => (await counts(url)).RUNNING === total);
  // The steady state: the creation burst's garbage collected (V8 shrinks an idle heap by itself).
  await sleep(argv['settle-ms']);
  const rssBefore = rssMb(scheduler.child.pid as number);
  const varsBefore = await api<{ heap_used_mb: number; storage_commits: number }>('GET', `${url}${PATHS.vars}`);
  say(`${total + argv.instances} tasks (${total} RUNNING): scheduler RSS ${rssBefore.toFixed(0)} MB, heap used ${varsBefore.heap_used_mb} MB, ${varsBefore.storage_commits} commits`);

  // Restart on the same store: SIGKILL, as a crash would. The simulated agents wait meanwhile:
  // they live in this process, and 200 of them retrying would take CPU from the scheduler that
  // agents on their own hosts would not.
  await scheduler.stop('SIGKILL');
  await Promise.all(agents.map((a) => a.stop()));
  started = performance.now();
  scheduler = await startScheduler({ dataDir, port, extraArgs: flags, env: schedulerEnv });
  await until('/health', async () => (await fetch(`${url}${PATHS.health}`).catch(() => null))?.status === 200, 60_000);
  const serving = (performance.now() - started) / 1000;
  await until('the first placement passes', async () => scheduler.log().includes('first placement passes done'), 60_000);
  const firstPass = (performance.now() - started) / 1000;
  rows.push({ figure: 'restart-serving-100k', value: serving, unit: 's', goal: '< 2' });
  rows.push({ figure: 'restart-first-pass-100k', value: firstPass, unit: 's', goal: '< 3' });
  say(`restarted with ${total + argv.instances} tasks stored: serving after ${serving.toFixed(2)} s, first placement passes after ${firstPass.toFixed(2)} s`);
  for (const line of scheduler.log().split('\n').filter((l) => /loaded|first placement/.test(l))) say(`  ${line.trim()}`);

  // The agents come back; once every task is RUNNING again, the RSS of the steady state.
  for (const a of agents) a.start();
  await until(`${total} RUNNING after the restart`, async () => (await counts(url)).RUNNING === total);
  await sleep(argv['settle-ms']);
  const rssAfter = rssMb(scheduler.child.pid as number);
  const varsAfter = await api<{ heap_used_mb: number }>('GET', `${url}${PATHS.vars}`);
  say(`  heap used ${varsAfter.heap_used_mb} MB`);
  rows.push({ figure: 'rss-100k', value: Math.max(rssBefore, rssAfter), unit: 'MB', goal: '< 400' });
  say(`scheduler RSS with ${total + argv.instances} tasks after the restart: ${rssAfter.toFixed(0)} MB`);
  say(`agents fetched ${agents.reduce((n, a) => n + a.specFetches, 0)} specs for ${total} launches`);

  // A backup of the whole state while the agents sync, and how long /health waits meanwhile
  // (the backup is written in chunks, so the scheduler keeps serving); then staging it.
  let slowestHealth = 0;
  let backingUp = true;
  const probe = (async () => {
    while (backingUp) {
      const t = performance.now();
      await fetch(`${url}${PATHS.health}`);
      slowestHealth = Math.max(slowestHealth, performance.now() - t);
      await sleep(20);
    }
  })();
  started = performance.now();
  const backup = await api<{ backup: { name: string; bytes: number } }>('POST', `${url}${PATHS.backups}`);
  const backupSecs = (performance.now() - started) / 1000;
  backingUp = false;
  await probe;
  const stagings: { secs: number; cpuSecs: number }[] = [];
  for (let i = 0; i < Math.max(1, argv.stagings); i++) {
    const cpu = processCpuMs(scheduler.child.pid as number);
    started = performance.now();
    await api('POST', `${url}${PATHS.recoveryStage}`, { backup: backup.backup.name });
    stagings.push({ secs: (performance.now() - started) / 1000, cpuSecs: (processCpuMs(scheduler.child.pid as number) - cpu) / 1000 });
    await api('POST', `${url}${PATHS.recoveryUnload}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const stageSecs = median(stagings.map((s) => s.secs));
  const stageCpuSecs = median(stagings.map((s) => s.cpuSecs));
  rows.push({ figure: 'backup-100k', value: backupSecs, unit: 's', goal: '-' });
  rows.push({ figure: 'backup-100k-size', value: backup.backup.bytes / 1024 / 1024, unit: 'MB', goal: '-' });
  rows.push({ figure: 'health-during-backup-max', value: slowestHealth / 1000, unit: 's', goal: '< 0.5' });
  rows.push({ figure: 'stage-recovery-100k', value: stageSecs, unit: 's', goal: '-' });
  rows.push({ figure: 'stage-recovery-100k-cpu', value: stageCpuSecs, unit: 's', goal: '-' });
  say(`backup of ${total + argv.instances} tasks: ${backupSecs.toFixed(2)} s, ${(backup.backup.bytes / 1024 / 1024).toFixed(1)} MB; slowest /health meanwhile ${slowestHealth.toFixed(0)} ms`);
  say(`staged in ${stagings.map((s) => `${s.secs.toFixed(2)} s (${s.cpuSecs.toFixed(2)} s CPU)`).join(', ')}`);
} finally {
  await scheduler.stop('SIGKILL');
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(root, { recursive: true, force: true });
}

if (argv.json) {
  for (const r of rows) console.log(JSON.stringify({ figure: r.figure, value: Math.round(r.value * 1000) / 1000, unit: r.unit }));
} else {
  console.log(['figure'.padEnd(26), 'value'.padStart(9), 'unit'.padEnd(5), 'goal'].join('  '));
  for (const r of rows) {
    const value = r.unit === 'MB' ? r.value.toFixed(0) : r.value.toFixed(2);
    console.log([r.figure.padEnd(26), value.padStart(9), r.unit.padEnd(5), r.goal].join('  '));
  }
}
process.exit(0);
