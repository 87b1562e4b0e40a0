#!/usr/bin/env node
/**
 * Time from `aurora job create` to RUNNING on a local agent: starts a real scheduler and agent on
 * free loopback ports, then runs the real CLI `aurora job create KEY FILE --wait-until RUNNING`
 * for a one-process job, once per run, each with a new job key. Prints p50 and p99 (nearest
 * rank; with fewer than 100 runs p99 is the slowest run) with min, max and n, of the whole
 * command (and, on Linux, its CPU time, which load beside the bench disturbs less) and of the
 * part the cluster spends (the task's PENDING event to its RUNNING event).
 *
 * The config cache (client/config/cache.ts) is warm, as for anyone who created or inspected the
 * job before: the bench compiles every key once beforehand. `--new-keys N` also times N creates
 * of keys the cache has not compiled yet (the config's type-check is cached, its spec is not).
 * The jobs keep running until the end and are killed together, so no kill runs beside a create.
 *
 *   npm run bench -- --runs 40 [--new-keys 5] [--json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hideBin } from 'yargs/helpers';
import yargs from 'yargs';
import { SchedulerClient } from '../client/api/index.js';
import { compileConfigJob, loadConfig } from '../client/config/loader.js';
import { parseJobKey } from '../dsl/key.js';
import { BINS } from '../devcluster/daemons.js';
import { startTestCluster } from '../devcluster/test-cluster.js';

const argv = await yargs(hideBin(process.argv))
  .option('runs', { type: 'number', default: 40, describe: 'timed creates with a warm config cache' })
  .option('new-keys', { type: 'number', default: 0, describe: 'timed creates of keys the cache has not compiled' })
  .option('warmup', { type: 'number', default: 2, describe: 'untimed creates first' })
  .option('json', { type: 'boolean', default: false, describe: 'one JSON object per figure' })
  .strict()
  .parseAsync();

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** The nearest-rank percentile p (0-100] of sorted values. Pure. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, n: s.length };
}

const cluster = await startTestCluster({ tmpPrefix: 'aurora-bench-', agents: [{ args: ['--kill-grace-ms', '500'] }] });
const root = cluster.root;
// The CLIs' config cache (startTestCluster's default), which the bench warms itself.
const cacheDir = path.join(root, 'cache');
const client = new SchedulerClient({ cluster: 'devcluster', baseUrl: cluster.scheduler.url });

const warmNames = Array.from({ length: argv.warmup + argv.runs }, (_, i) => `bench${i}`);
const newNames = Array.from({ length: argv['new-keys'] }, (_, i) => `fresh${i}`);
const config = path.join(root, 'bench.aurora.ts');
writeFileSync(
  config,
  `import { Job, Process, Resources, Task, MB } from '@aurora/dsl';
const sleeper = Process({ name: 'sleeper', cmdline: 'sleep 600' });
const task = Task({ processes: [sleeper], resources: Resources({ cpu: 0.01, ram: 4 * MB, disk: 4 * MB }) });
export const jobs = ${JSON.stringify([...warmNames, ...newNames])}.map((name) =>
  Job({ cluster: 'devcluster', role: 'bench', environment: 'test', name, task }));
`,
);
const keyOf = (name: string) => `devcluster/bench/test/${name}`;

// What `aurora job inspect` of each key would leave in the cache: the checked program and the specs.
const loaded = loadConfig(config, { cwd: root, cacheDir });
for (const name of warmNames) compileConfigJob(loaded, parseJobKey(keyOf(name)), {});

/**
 * CPU time (user + system, ms) of this process's children that ended, from /proc (Linux; 10 ms
 * ticks): a command's own CPU time, which other load on the machine changes far less than its
 * wall time. Undefined elsewhere.
 */
function childCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[13]) + Number(fields[14]); // cutime, cstime
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** One timed create; the cluster's part from the task's own events. */
async function create(name: string): Promise<{ whole: number; cpu: number | undefined; cluster: number | undefined }> {
  const cpuBefore = childCpuMs();
  const started = performance.now();
  const r = await cluster.run(BINS.aurora, ['job', 'create', keyOf(name), config, '--wait-until', 'RUNNING'], { cwd: root });
  const whole = performance.now() - started;
  const cpuAfter = childCpuMs();
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  if (r.code !== 0) throw new Error(`create ${keyOf(name)} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  const [task] = (await client.getJob(parseJobKey(keyOf(name)))).tasks;
  const at = (state: string) => task?.events.find((e) => e.state === state)?.at;
  const pending = at('PENDING');
  const running = at('RUNNING');
  return { whole, cpu, cluster: pending !== undefined && running !== undefined ? running - pending : undefined };
}

const whole: number[] = [];
const cpu: number[] = [];
const inCluster: number[] = [];
const fresh: number[] = [];
try {
  for (const [i, name] of warmNames.entries()) {
    const t = await create(name);
    if (i < argv.warmup) continue;
    whole.push(t.whole);
    if (t.cpu !== undefined) cpu.push(t.cpu);
    if (t.cluster !== undefined) inCluster.push(t.cluster);
  }
  for (const name of newNames) fresh.push((await create(name)).whole);
} finally {
  // Processes outlive their agent by design: kill every job, and wait, before stopping it.
  const jobs = await client.listJobs({ role: 'bench' }).catch(() => []);
  await Promise.all(jobs.map((j) => client.killJob(j.key).catch(() => undefined)));
  for (let i = 0; i < 200 && (await client.listJobs({ role: 'bench' }).catch(() => [])).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  await cluster.stop();
}

const rows: { label: string; figure: string; s: Stats }[] = [
  { label: 'aurora job create --wait-until RUNNING, whole command (warm cache)', figure: 'create-wait-running', s: stats(whole) },
  { label: 'PENDING -> RUNNING inside the cluster', figure: 'pending-to-running', s: stats(inCluster) },
];
if (cpu.length > 0) rows.splice(1, 0, { label: "the command's CPU time (user + system)", figure: 'create-wait-running-cpu', s: stats(cpu) });
if (fresh.length > 0) rows.push({ label: 'the same for a key the cache has not compiled', figure: 'create-wait-running-new-key', s: stats(fresh) });

if (argv.json) {
  for (const { figure, s } of rows) {
    for (const k of ['p50', 'p99', 'min', 'max'] as const) console.log(JSON.stringify({ figure: `${figure}-${k}`, value: Math.round(s[k]), unit: 'ms' }));
    console.log(JSON.stringify({ figure: `${figure}-n`, value: s.n, unit: 'runs' }));
  }
} else {
  const width = Math.max(...rows.map((r) => r.label.length));
  const cell = (v: number | string) => String(typeof v === 'number' ? Math.round(v) : v).padStart(6);
  console.log(`${'figure (ms)'.padEnd(width)}  ${['p50', 'p99', 'min', 'max', 'n'].map(cell).join('')}`);
  for (const { label, s } of rows) console.log(`${label.padEnd(width)}  ${[s.p50, s.p99, s.min, s.max, s.n].map(cell).join('')}`);
}
