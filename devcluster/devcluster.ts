#!/usr/bin/env node
/**
 * `npm run devcluster`: a local cluster on the embedded default (a scheduler on a SQLite file and
 * one agent, on Aurora's ports 8081 and 1338). `npm run demo` also creates the hello_world job.
 * Ctrl-C stops the agent (which kills its tasks) and then the scheduler.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { hideBin } from 'yargs/helpers';
import yargs from 'yargs';
import { DEFAULT_OBSERVER_PORT, DEFAULT_SCHEDULER_PORT } from '../scheduler/api/routes.js';
import { BINS, projectRoot, runCli, startAgent, startScheduler, type Daemon } from './daemons.js';

const argv = await yargs(hideBin(process.argv))
  .scriptName('devcluster')
  .option('data-dir', { type: 'string', default: path.join(projectRoot, '.devcluster'), describe: 'where the scheduler and agent keep state' })
  .option('scheduler-port', { type: 'number', default: DEFAULT_SCHEDULER_PORT })
  .option('observer-port', { type: 'number', default: DEFAULT_OBSERVER_PORT })
  .option('fresh', { type: 'boolean', default: false, describe: 'start from an empty data dir' })
  .option('demo', { type: 'boolean', default: false, describe: 'also create the hello_world job' })
  .option('security-ini', { type: 'string', describe: "users and roles (Shiro's security.ini): the scheduler then takes HTTP basic auth (the client reads ~/.netrc)" })
  .strict()
  .parseAsync();

if (argv.fresh) rmSync(argv.dataDir, { recursive: true, force: true });

const daemons: Daemon[] = [];
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // The agent first, so it kills its tasks while the scheduler still listens.
    for (const d of [...daemons].reverse()) await d.stop();
  }
  process.exit(code);
}

/** A daemon that dies on its own takes the cluster down with it, loudly. */
function watch(name: string, d: Daemon): Daemon {
  daemons.push(d);
  d.child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`devcluster: ${name} stopped (${signal ?? `exit code ${code}`}); stopping the cluster`);
    void stop(1);
  });
  return d;
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// A terminal or pipe that goes away (`npm run demo | tee`, a closed ssh) must not leave the
// daemons, which run in their own process groups, behind.
process.stdout.on('error', () => void stop(0));
process.on('exit', () => {
  for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
});

try {
  const scheduler = watch(
    'aurora-scheduler',
    await startScheduler({
      dataDir: path.join(argv.dataDir, 'scheduler'),
      port: argv.schedulerPort,
      echo: true,
      ownProcessGroup: true,
      ...(argv.securityIni ? { extraArgs: ['--security-ini', path.resolve(argv.securityIni)] } : {}),
    }),
  );
  const agent = watch(
    'aurora-agent',
    await startAgent({
      schedulerUrl: scheduler.url,
      dataDir: path.join(argv.dataDir, 'agent'),
      observerPort: argv.observerPort,
      extraArgs: ['--kill-tasks-on-exit'],
      echo: true,
      ownProcessGroup: true,
    }),
  );
  const schedulerUrl = scheduler.url;
  const observerUrl = agent.url;
  console.log('');
  console.log(`devcluster is up (data in ${argv.dataDir})`);
  console.log(`  scheduler: ${schedulerUrl}/scheduler`);
  console.log(`  observer:  ${observerUrl}/`);
  console.log('  Ctrl-C stops it.');
  if (argv.securityIni) {
    // The built-in devcluster is UNAUTHENTICATED: the client sends credentials only to BASIC clusters.
    const host = new URL(schedulerUrl).hostname;
    console.log(`  It takes the users of ${argv.securityIni}. For the client, put in ~/.aurora/clusters.json`);
    console.log(`    [{ "name": "devcluster", "scheduler_uri": "${schedulerUrl}", "auth_mechanism": "BASIC" }]`);
    console.log(`  and in ~/.netrc (chmod 600): machine ${host} login USER password PASSWORD`);
  }
  if (argv.demo) await runDemo(schedulerUrl);
} catch (err) {
  console.error(`devcluster: ${(err as Error).message}`);
  await stop(1);
}

/** Creates hello_world with the real client, as a newcomer would type it. */
async function runDemo(schedulerUrl: string): Promise<void> {
  const key = 'devcluster/www-data/prod/hello';
  const exists = (await runCli(BINS.aurora, ['job', 'status', key])).code === 0;
  if (exists) {
    console.log(`\nThe hello job is there from an earlier run (npm run demo -- --fresh starts over).`);
  } else {
    console.log(`\n$ aurora job create ${key} examples/hello_world.aurora.ts --wait-until RUNNING`);
    const code = await runClient(['job', 'create', key, path.join(projectRoot, 'examples', 'hello_world.aurora.ts'), '--wait-until', 'RUNNING']);
    if (code !== 0) throw new Error(`aurora job create failed with exit code ${code}`);
  }
  console.log(`\n$ aurora job status ${key}`);
  await runClient(['job', 'status', key]);
  console.log(`\nThe job page: ${schedulerUrl}/scheduler/www-data/prod/hello (each task links to its observer page).`);
  console.log(`Try: npx aurora job kill ${key}`);
}

function runClient(args: string[]): Promise<number> {
  const child = spawn(process.execPath, [BINS.aurora, ...args], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
}
