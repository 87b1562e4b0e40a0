#!/usr/bin/env node
/**
 * Time from `aurora job create` to RUNNING on a local agent: starts a real scheduler and agent on
 * free loopback ports, then creates a one-instance job N times with the real CLI and
 * `--wait-until RUNNING`. Prints the median and spread of the whole command, and of the part the
 * cluster spends (the task's PENDING event to its RUNNING event, from the scheduler's history).
 *
 *   npm run bench -- --runs 7
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hideBin } from 'yargs/helpers';
import yargs from 'yargs';
import { BINS, runCli, startAgent, startScheduler } from '../devcluster/daemons.js';

const argv = await yargs(hideBin(process.argv)).option('runs', { type: 'number', default: 5 }).strict().parseAsync();

const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-'));
const scheduler = await startScheduler({ dataDir: path.join(root, 'scheduler') });
const agent = await startAgent({ schedulerUrl: scheduler.url, dataDir: path.join(root, 'agent'), extraArgs: ['--kill-grace-ms', '500'] });
writeFileSync(path.join(root, 'clusters.json'), JSON.stringify([{ name: 'devcluster', scheduler_uri: scheduler.url, auth_mechanism: 'UNAUTHENTICATED' }]));
const env = { ...process.env, AURORA_CONFIG_ROOT: root };

const names = Array.from({ length: argv.runs }, (_, i) => `bench${i}`);
const config = path.join(root, 'bench.aurora.ts');
writeFileSync(
  config,
  `import { Job, Process, Resources, Task, MB } from '@aurora/dsl';
const sleeper = Process({ name: 'sleeper', cmdline: 'sleep 600' });
const task = Task({ processes: [sleeper], resources: Resources({ cpu: 0.01, ram: 4 * MB, disk: 4 * MB }) });
export const jobs = ${JSON.stringify(names)}.map((name) =>
  Job({ cluster: 'devcluster', role: 'bench', environment: 'test', name, task }));
`,
);

const whole: number[] = [];
const cluster: number[] = [];
try {
  for (const name of names) {
    const key = `devcluster/bench/test/${name}`;
    const started = performance.now();
    const r = await runCli(BINS.aurora, ['job', 'create', key, config, '--wait-until', 'RUNNING'], { env });
    whole.push(performance.now() - started);
    if (r.code !== 0) throw new Error(`create ${key} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    const res = await fetch(`${scheduler.url}/api/v1/tasks?role=bench&environment=test&name=${name}`);
    const { tasks } = (await res.json()) as { tasks: { events: { state: string; at: number }[] }[] };
    const events = tasks[0]?.events ?? [];
    const pending = events.find((e) => e.state === 'PENDING')?.at;
    const running = events.find((e) => e.state === 'RUNNING')?.at;
    if (pending !== undefined && running !== undefined) cluster.push(running - pending);
    await runCli(BINS.aurora, ['job', 'kill', key], { env });
  }
} finally {
  await agent.stop();
  await scheduler.stop();
  rmSync(root, { recursive: true, force: true });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
console.log(`aurora job create --wait-until RUNNING, whole command: ${fmt(whole)}`);
if (cluster.length) console.log(`PENDING -> RUNNING inside the cluster:              ${fmt(cluster)}`);
