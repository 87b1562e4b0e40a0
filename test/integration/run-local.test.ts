/**
 * `aurora task run-local` as a user runs it: the compiled CLI in its own process, so nothing but
 * the task keeps it alive (an in-process test would hide a CLI that exits before its task ends).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINS, runCli } from '../../devcluster/daemons.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'aurora-run-local-'));
  writeFileSync(
    path.join(root, 'steps.aurora.ts'),
    `import { Job, MB, Process, Resources, SequentialTask } from '@aurora/dsl';
const write = Process({ name: 'write', cmdline: 'sleep 1; echo built > artifact.txt' });
const check = Process({ name: 'check', cmdline: 'grep -q built artifact.txt && echo checked' });
const broken = Process({ name: 'broken', cmdline: 'echo oops >&2; exit 3' });
const resources = Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB });
export const jobs = [
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'steps', task: SequentialTask({ processes: [write, check], resources }) }),
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'broken', task: SequentialTask({ processes: [broken], resources }) }),
];
`,
  );
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('aurora task run-local', () => {
  it('runs the processes in order, prints their states and leaves the sandbox', async () => {
    const r = await runCli(BINS.aurora, ['task', 'run-local', 'devcluster/www-data/test/steps', path.join(root, 'steps.aurora.ts'), '--sandbox-root', path.join(root, 'run')]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout.indexOf('write[0] RUNNING')).toBeLessThan(r.stdout.indexOf('check[0] RUNNING'));
    const sandbox = /sandbox left in (\S+)/.exec(r.stdout)?.[1];
    expect(sandbox && existsSync(path.join(sandbox, 'artifact.txt'))).toBe(true);
    expect(readFileSync(path.join(sandbox!, '.logs', 'check', '0', 'stdout'), 'utf8')).toContain('checked');
  });

  it('exits 4 with the reason when the task fails', async () => {
    const r = await runCli(BINS.aurora, ['task', 'run-local', 'devcluster/www-data/test/broken', path.join(root, 'steps.aurora.ts'), '--sandbox-root', path.join(root, 'run2')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/FAILED/);
    expect(r.stderr).toMatch(/broken/);
  });
});
