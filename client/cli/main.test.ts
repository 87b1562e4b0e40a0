import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAdminCli } from '../../admin-client/cli.js';
import { runCli } from '../testing/run-cli.js';
import { tempDir } from '../testing/temp-dir.js';
import { startTestScheduler, type TestScheduler } from '../testing/test-scheduler.js';
import { createCli } from './index.js';

// The bins' shell: --version, the installed names, a reader that goes away early.

const root = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the aurora and aurora-admin bins', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(async () => {
    await sched?.close();
    sched = undefined;
    tmp.remove();
  });
  const env = () => ({ AURORA_CONFIG_ROOT: tmp.dir });

  it('--version prints the version on stderr and exits 0, as Aurora does', async () => {
    for (const create of [createCli, createAdminCli]) {
      const r = await runCli(create, ['--version'], { env: env(), cwd: tmp.dir });
      expect(r).toMatchObject({ code: 0, stdout: '', stderr: `${pkg.version}\n` });
    }
  });

  it('installs aurora_admin as an alias of aurora-admin, both built from admin-client/bin/aurora-admin.ts', () => {
    expect(pkg.bin['aurora_admin']).toBe(pkg.bin['aurora-admin']);
    // tsconfig.build.json compiles <dir>/x.ts to dist/<dir>/x.js.
    expect(pkg.bin['aurora-admin']).toBe('dist/admin-client/bin/aurora-admin.js');
    expect(readFileSync(path.join(root, 'admin-client', 'bin', 'aurora-admin.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
  });

  it('ends quietly when the reader of stdout went away (| head -1): no EPIPE trace', async () => {
    sched = await startTestScheduler();
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    // The bin itself, in a child process whose stdout pipe is closed before it writes.
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vite-node', 'vite-node.mjs'), path.join(root, 'client', 'bin', 'aurora.ts'), 'job', 'list', 'devcluster/www-data'], {
      cwd: root,
      env: { ...process.env, ...env(), HOME: tmp.dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it('--help after an unknown command is an invalid command (exit 5) naming it, as Aurora', async () => {
    for (const argv of [['job', 'frobnicate', '--help'], ['frobnicate', '--help'], ['update', 'frob', '--help']]) {
      const r = await runCli(createCli, argv, { env: env(), cwd: tmp.dir });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(new RegExp(`Error: Unknown command: ${argv[argv.length - 2]}\n$`));
    }
    const admin = await runCli(createAdminCli, ['frob', '--help'], { env: env(), cwd: tmp.dir });
    expect(admin).toMatchObject({ code: 5, stderr: expect.stringMatching(/Error: Unknown command: frob\n$/) });
  });

  it('--help on known commands prints their help and exits 0, arguments given or not', async () => {
    const job = await runCli(createCli, ['job', '--help'], { env: env(), cwd: tmp.dir });
    expect(job).toMatchObject({ code: 0, stderr: '', stdout: expect.stringContaining('aurora job create <jobkey> <config>') });
    for (const argv of [['job', 'create', '--help'], ['job', 'create', 'a/b/c/d', 'x.aurora.ts', '--help']]) {
      const r = await runCli(createCli, argv, { env: env(), cwd: tmp.dir });
      expect(r).toMatchObject({ code: 0, stderr: '', stdout: expect.stringContaining('--wait-until') });
    }
    const admin = await runCli(createAdminCli, ['host_status', '--help'], { env: env(), cwd: tmp.dir });
    expect(admin).toMatchObject({ code: 0, stdout: expect.stringContaining('host_status <cluster>') });
  });
});
