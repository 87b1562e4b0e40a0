/**
 * The compiled `aurora` and `aurora-admin` against a real scheduler and agent: the warm
 * `aurora job create --wait-until RUNNING` loads none of the heavy modules (the TypeScript
 * compiler, ts-morph, zod, undici, yargs), `aurora job status` shows active and ended tasks, a
 * kill is followed until the job is gone, and `aurora-admin prune_tasks` empties the history.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, projectRoot } from '../../devcluster/daemons.js';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/hello';
const CONFIG = path.join(projectRoot, 'examples', 'hello_world.aurora.ts');
const HEAVY = ['typescript', 'ts-morph', 'zod', 'undici', 'yargs', '@lezer'];

let cluster: TestCluster;

const aurora = (...args: string[]) => cluster.aurora(...args);
const admin = (...args: string[]) => cluster.admin(...args);

/**
 * Runs `aurora` with a preload that records every module it loads, CommonJS and ESM, and
 * returns the packages whose code it loaded.
 */
async function packagesLoadedBy(args: string[]): Promise<{ code: number; stdout: string; packages: Set<string> }> {
  const log = path.join(cluster.root, `loaded-${Date.now()}.log`);
  writeFileSync(log, '');
  const hooks = path.join(cluster.root, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }
`,
  );
  const preload = path.join(cluster.root, 'preload.mjs');
  writeFileSync(
    preload,
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(${JSON.stringify(log)}, 'require ' + Module._resolveFilename(request, parent, isMain) + '\\n');
  return load.call(this, request, parent, isMain);
};
register(${JSON.stringify(`file://${hooks}`)});
`,
  );
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, ['--import', preload, BINS.aurora, ...args], { env: cluster.env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    ),
  );
  const packages = new Set<string>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    // Code only: reading a package.json (the compiler's version) loads nothing.
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/.*\.[cm]?js$/.exec(line);
    if (m?.[1]) packages.add(m[1]);
  }
  if (r.code !== 0) throw new Error(`aurora ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, stdout: r.stdout, packages };
}

beforeAll(async () => {
  cluster = await startTestCluster({ tmpPrefix: 'aurora-client-', agents: [{ args: ['--kill-grace-ms', '500'] }] });
});

afterAll(async () => {
  await cluster?.aurora('job', 'kill', KEY);
  await cluster?.stop();
});

describe('the aurora client against a real scheduler', () => {
  it('creates and waits until RUNNING without loading TypeScript, ts-morph, zod, undici or yargs when the config is cached', async () => {
    const inspected = await aurora('job', 'inspect', KEY, CONFIG); // fills the config cache, as a first create would
    expect(inspected.code, inspected.stderr).toBe(0);
    const r = await packagesLoadedBy(['job', 'create', KEY, CONFIG, '--wait-until', 'RUNNING']);
    expect(r.stdout).toContain(`Job ${KEY} reached RUNNING: 1 RUNNING`);
    expect([...r.packages].filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('shows the running task under active tasks', async () => {
    const r = await aurora('job', 'status', KEY);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('Active tasks (1):');
    expect(lines.some((l) => /^ {2}instance 0: RUNNING on /.test(l))).toBe(true);
    expect(lines).toContain('Inactive tasks (0):');
  });

  it('kills the job, follows its task until it ended, and says the job was removed', async () => {
    const r = await aurora('job', 'kill', KEY);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').at(-2)).toBe(`Killed ${KEY}: 1 KILLED; the job was removed`);
    expect((await aurora('job', 'status', KEY)).code).toBe(10);
  });

  it('prunes the killed task from the history', async () => {
    const history = async () => {
      const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&name=hello&history=true`);
      return ((await res.json()) as { total: number }).total;
    };
    expect(await history()).toBe(1);
    const refused = await admin('prune_tasks', 'devcluster', '--states', 'RUNNING');
    expect(refused.code).toBe(6);
    const r = await admin('prune_tasks', 'devcluster', '--role', 'www-data', '--job', 'hello', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pruned: 1 });
    expect(await history()).toBe(0);
  });
});
