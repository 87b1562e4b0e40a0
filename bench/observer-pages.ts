#!/usr/bin/env node
/**
 * Observer page time with many finished tasks: writes a data dir of N finished tasks' checkpoints
 * (in the runner's record format, two processes each, one of which failed once) and a few running
 * tasks with logs and resource samples, serves it with the observer app on a free loopback port,
 * and times GET of the tasks page (HTML), the task list (JSON) and one task's page and JSON.
 * "cold" is the first request of a fresh observer app (every checkpoint read and replayed); "warm"
 * the median of the following ones (replays cached by checkpoint size and mtime). Both are taken
 * after one warm-up pass over every page, as in a long-running agent.
 *
 *   npm run build && npm run bench:observer -- --tasks 1000 --runs 15
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { compileJob } from '../dsl/compile.js';
import { Job, MB, Process, Resources, Task } from '../dsl/index.js';
import type { JobSpec } from '../dsl/jobspec.js';
import type { CheckpointRecord } from '../executor/core/checkpoint.js';
import { RESOURCE_SAMPLE_FILE, type ResourceSample } from '../executor/core/resource-sample.js';
import { createObserverApp } from '../executor/observer/app.js';
import { CheckpointWriter } from '../executor/runner/checkpoint-file.js';
import { checkpointPath, logPath, runLogDir, sandboxDir } from '../executor/runner/sandbox.js';

const argv = await yargs(hideBin(process.argv))
  .option('tasks', { type: 'number', default: 1000, describe: 'Finished tasks in the data dir' })
  .option('running', { type: 'number', default: 5, describe: 'Running tasks in the data dir' })
  .option('runs', { type: 'number', default: 15, describe: 'Warm requests per page' })
  .option('cold-runs', { type: 'number', default: 3, describe: 'Fresh observers per page' })
  .option('keep', { type: 'boolean', default: false, describe: 'Keep the data dir (and print where it is)' })
  .strict()
  .parseAsync();

function spec(name: string): JobSpec {
  const result = compileJob(
    Job({
      cluster: 'devcluster',
      role: 'bench',
      environment: 'prod',
      name,
      task: Task({
        processes: [
          Process({ name: 'setup', cmdline: 'echo preparing {{mesos.instance}}' }),
          Process({ name: 'work', cmdline: 'python3 -m worker --port {{thermos.ports[http]}}', maxFailures: 3 }),
        ],
        resources: Resources({ cpu: 0.25, ram: 128 * MB, disk: 256 * MB }),
      }),
    }),
  );
  if (!result.ok) throw new Error(`the bench job does not compile: ${JSON.stringify(result.issues)}`);
  return result.spec;
}

const T0 = Date.now() - 7 * 24 * 3600_000;
const root = mkdtempSync(path.join(tmpdir(), 'aurora-bench-observer-'));
const dataDir = path.join(root, 'agent');

function writeTask(i: number, running: boolean): string {
  const job = spec(`job${i % 40}`);
  const taskId = `bench-prod-${job.key.name}-${i}-${(i * 2654435761).toString(16).slice(-8)}`;
  const sandbox = sandboxDir(dataDir, taskId);
  mkdirSync(sandbox, { recursive: true });
  const at = T0 + i * 60_000;
  const w = new CheckpointWriter(checkpointPath(sandbox));
  const records: CheckpointRecord[] = [
    { type: 'ASSIGNED', at, version: 1, host: 'bench-host', assignment: { taskId, jobKey: job.key, instance: i % 7, ports: { http: 31000 + (i % 1000) }, job } },
    { type: 'TASK_STATE', at, state: 'STARTING', message: null },
    { type: 'PROCESS_STARTED', at: at + 10, process: 'setup', run: 0, pid: 1000 + i, pgid: 1000 + i, cmdline: `echo preparing ${i % 7}` },
    { type: 'TASK_STATE', at: at + 10, state: 'RUNNING', message: null },
    { type: 'PROCESS_ENDED', at: at + 50, process: 'setup', run: 0, state: 'SUCCESS', exitCode: 0, message: null },
    { type: 'PROCESS_STARTED', at: at + 60, process: 'work', run: 0, pid: 2000 + i, pgid: 2000 + i, cmdline: 'python3 -m worker --port 31000' },
    { type: 'PROCESS_ENDED', at: at + 5_000, process: 'work', run: 0, state: 'FAILED', exitCode: 1, message: 'exit status 1' },
    { type: 'PROCESS_STARTED', at: at + 6_000, process: 'work', run: 1, pid: 3000 + i, pgid: 3000 + i, cmdline: 'python3 -m worker --port 31000' },
    { type: 'HEALTH', at: at + 8_000, health: 'HEALTHY', message: null },
  ];
  if (!running) {
    records.push(
      { type: 'PROCESS_ENDED', at: at + 30_000, process: 'work', run: 1, state: 'SUCCESS', exitCode: 0, message: null },
      { type: 'FINALIZING', at: at + 30_000, outcome: { state: 'FINISHED', reason: 'every process succeeded' } },
      { type: 'TASK_STATE', at: at + 30_001, state: 'FINISHED', message: 'Task finished' },
    );
  }
  for (const r of records) w.append(r);
  for (const [process, run] of [['setup', 0], ['work', 0], ['work', 1]] as const) {
    mkdirSync(runLogDir(sandbox, process, run), { recursive: true });
    writeFileSync(logPath(sandbox, process, run, 'stdout'), `line of ${process}\n`.repeat(200));
    writeFileSync(logPath(sandbox, process, run, 'stderr'), '');
  }
  if (running) {
    const sample: ResourceSample = {
      at: Date.now(),
      cpu: 0.12,
      rssBytes: 90 * 1024 * 1024,
      diskBytes: 12 * 1024 * 1024,
      processes: { work: { cpu: 0.12, rssBytes: 90 * 1024 * 1024 } },
      enforcement: 'monitor',
    };
    writeFileSync(path.join(sandbox, RESOURCE_SAMPLE_FILE), JSON.stringify(sample));
  }
  return taskId;
}

const started = performance.now();
for (let i = 0; i < argv.tasks; i++) writeTask(i, false);
let runningId = '';
for (let i = 0; i < argv.running; i++) runningId = writeTask(argv.tasks + i, true);
console.log(`wrote ${argv.tasks} finished and ${argv.running} running tasks in ${Math.round(performance.now() - started)} ms`);

async function serve() {
  const app = createObserverApp({ dataDir, host: 'bench-host' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, base: `http://127.0.0.1:${port}` };
}

async function time(base: string, url: string): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  const res = await fetch(base + url);
  const body = await res.arrayBuffer();
  const ms = performance.now() - t;
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return { ms, bytes: body.byteLength };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const pages: [string, string][] = [
  ['tasks page (HTML, latest 100 finished)', '/'],
  ['tasks page (HTML, all finished)', '/?finished=all'],
  ['task list (JSON)', '/api/tasks'],
  ['task page (HTML)', `/task/${runningId}`],
  ['task detail (JSON)', `/api/tasks/${runningId}`],
];

try {
  // One pass over every page first, so the figures are of a warmed-up process (JIT, zod), as an agent's observer is.
  {
    const { app, base } = await serve();
    for (let i = 0; i < 3; i++) for (const [, url] of pages) await time(base, url);
    await app.close();
  }
  console.log(`\nobserver page time, ${argv.tasks} finished + ${argv.running} running tasks (node ${process.version})`);
  console.log(`${'page'.padEnd(40)} ${'cold'.padStart(10)} ${'warm median'.padStart(12)} ${'warm min'.padStart(10)} ${'warm max'.padStart(10)}  size`);
  for (const [name, url] of pages) {
    const cold: number[] = [];
    for (let i = 0; i < argv['cold-runs']; i++) {
      const { app, base } = await serve();
      cold.push((await time(base, url)).ms);
      await app.close();
    }
    const { app, base } = await serve();
    await time(base, url); // fills the cache
    const warm: number[] = [];
    let bytes = 0;
    for (let i = 0; i < argv.runs; i++) {
      const r = await time(base, url);
      warm.push(r.ms);
      bytes = r.bytes;
    }
    await app.close();
    console.log(
      `${name.padEnd(40)} ${fmt(median(cold)).padStart(10)} ${fmt(median(warm)).padStart(12)} ${fmt(Math.min(...warm)).padStart(10)} ${fmt(Math.max(...warm)).padStart(10)}  ${(bytes / 1024).toFixed(0)} KiB`,
    );
  }
} finally {
  if (argv.keep) console.log(`\ndata dir kept at ${dataDir}`);
  else rmSync(root, { recursive: true, force: true });
}
