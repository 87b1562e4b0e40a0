import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sink, tempDir } from '../testing/temp-dir.js';
import { CommandContext } from './context.js';
import { parseFast } from './fast-argv.js';
import { createCli } from './index.js';
import { jobCommandTable } from './job.js';

// The fast parser must never read a command line differently from yargs: every command line
// below runs both ways, and the implementations (mocked) must receive the same arguments, with
// the same output and exit code.

const calls = vi.hoisted(() => [] as unknown[][]);
vi.mock('./job-actions.js', () => ({
  createJob: async (_ctx: unknown, a: unknown) => void calls.push(['create', a]),
  jobStatus: async (_ctx: unknown, key: unknown, json: unknown) => void calls.push(['status', key, json]),
  listJobs: async (_ctx: unknown, pattern: unknown, json: unknown) => void calls.push(['list', pattern, json]),
  killJob: async (_ctx: unknown, a: unknown) => void calls.push(['kill', a]),
}));
vi.mock('./job-restart.js', () => ({
  restartJob: async (_ctx: unknown, a: unknown) => void calls.push(['restart', a]),
}));
vi.mock('./job-inspect.js', () => ({
  inspectJob: async (_ctx: unknown, a: unknown) => void calls.push(['inspect', a]),
  diffJob: async (_ctx: unknown, a: unknown) => void calls.push(['diff', a]),
}));

const KEY = 'devcluster/www-data/prod/hello';
const FILE = 'hello.aurora.ts';

/** Option spellings, plain and not, for `job create` (and the same ideas for the others). */
const CREATE_OPTIONS: string[][] = [
  [],
  ['--json'],
  ['--wait-until', 'RUNNING'],
  ['--wait-until=FINISHED'],
  ['--wait-until', 'SOON'],
  ['--wait-until'],
  ['--wait-timeout', '5'],
  ['--wait-timeout=2.5'],
  ['--wait-timeout', '1e3'],
  ['--wait-timeout', '-1'],
  ['--wait-timeout', '007'],
  ['--bind', 'a=1'],
  ['--bind=a=1', '--bind', 'b=c=d'],
  ['--bind', 'a=1', '--json'],
  ['--bind', 'a=1', 'b=2'],
  ['--bind=a=1', 'b=2'],
  ['--bind', ''],
  ['--json', 'true'],
  ['--json', 'false'],
  ['--json=false'],
  ['--no-json'],
  ['--json', '--json'],
  ['--waitUntil', 'RUNNING'],
  ['--wait-until', 'RUNNING', '--wait-until', 'FINISHED'],
  ['--wait_until', 'RUNNING'],
  ['-h'],
  ['--help'],
  ['--', '--json'],
  ['--unknown'],
  ['--wait-until', 'RUNNING', '--wait-timeout', '30', '--json', '--bind', 'v=1'],
];

function commandLines(): string[][] {
  const out: string[][] = [];
  for (const opts of CREATE_OPTIONS) {
    out.push(['job', 'create', KEY, FILE, ...opts]);
    out.push(['job', 'create', ...opts, KEY, FILE]);
    out.push(['job', 'create', KEY, ...opts, FILE]);
  }
  for (const verb of ['status', 'list']) {
    for (const opts of [[], ['--json'], ['--json=true'], ['--no-json'], ['--json', 'false'], ['--json', 'extra']]) {
      out.push(['job', verb, KEY, ...opts], ['job', verb, ...opts, KEY]);
    }
  }
  for (const opts of [[], ['--no-wait'], ['--no-wait', 'false'], ['--no-wait', '--wait'], ['--no-message'], ['--wait'], ['--message', 'done'], ['--message=a b'], ['--message', '-x'], ['--wait-timeout', '9', '--json']]) {
    out.push(['job', 'kill', KEY, ...opts], ['job', 'kill', `${KEY}/0-2`, ...opts], ['job', 'kill', ...opts, KEY]);
  }
  for (const opts of [
    [],
    ['--batch-size', '2'],
    ['--batch-size=3', '--watch-secs', '0'],
    ['--max-total-failures', '-1'],
    ['--max-per-instance-failures', '1', '--max-total-failures', '2'],
    ['--rollback-on-failure'],
    ['--no-rollback-on-failure'],
    ['--rollback-on-failure', 'true'],
    ['--message', 'new certs'],
    ['--watch-secs', '1e2'],
    ['--batch-size', '2', '--batch-size', '3'],
  ]) {
    out.push(['job', 'restart', KEY, ...opts], ['job', 'restart', `${KEY}/0,2`, ...opts], ['job', 'restart', ...opts, KEY]);
  }
  for (const verb of ['inspect', 'diff']) {
    for (const opts of [[], ['--json'], ['--bind', 'a=1'], ['--bind', 'a=1', 'extra']]) out.push(['job', verb, KEY, FILE, ...opts]);
  }
  // Positionals that look like something else, and missing or extra ones.
  out.push(['job', 'create', '123', 'true'], ['job', 'create', KEY], ['job', 'create', KEY, FILE, 'extra'], ['job', 'status'], ['job', 'create', '', FILE]);
  out.push(['job'], ['job', 'frobnicate', KEY], ['job', 'status', KEY, '--json', '--help']);
  return out;
}

describe('the fast command-line parser', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
    calls.length = 0;
  });
  afterEach(() => tmp.remove());

  async function run(argv: string[], fastPath: boolean) {
    calls.length = 0;
    const stdout = sink();
    const stderr = sink();
    const code = await createCli({ argv, stdout, stderr, env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, fastPath }).run();
    return { code, stdout: stdout.text(), stderr: stderr.text(), calls: structuredClone(calls) };
  }

  it('reads every command line as yargs does', async () => {
    const table = jobCommandTable(new CommandContext({ argv: [], stdout: sink(), stderr: sink() }));
    let fast = 0;
    for (const argv of commandLines()) {
      const viaYargs = await run(argv, false);
      const viaFast = await run(argv, true);
      expect(viaFast, argv.join(' ')).toEqual(viaYargs);
      if (parseFast(argv, table)) fast++;
    }
    expect(fast).toBeGreaterThan(40);
  });

  it('takes the plain forms, and leaves anything else to yargs', () => {
    const table = jobCommandTable(new CommandContext({ argv: [], stdout: sink(), stderr: sink() }));
    const plain = [
      ['job', 'create', KEY, FILE, '--wait-until', 'RUNNING'],
      ['job', 'create', KEY, FILE, '--bind', 'a=1', '--json'],
      ['job', 'status', KEY],
      ['job', 'kill', `${KEY}/0-2`, '--message', 'done', '--no-wait'],
      ['job', 'list', 'devcluster/www-data', '--json'],
      ['job', 'restart', `${KEY}/0-2`, '--batch-size', '2', '--rollback-on-failure', '--message', 'new certs'],
    ];
    for (const argv of plain) expect(parseFast(argv, table), argv.join(' ')).toBeDefined();
    expect(parseFast(['job', 'create', KEY, FILE, '--wait-until', 'RUNNING'], table)?.args).toMatchObject({
      jobkey: KEY,
      config: FILE,
      'wait-until': 'RUNNING',
      waitUntil: 'RUNNING',
      waitTimeout: 600,
      bind: [],
      json: false,
    });
    for (const argv of [['job', 'create', KEY, FILE, '--help'], ['job', 'kill', KEY, '--no-wait', 'true'], ['job', 'create', KEY, FILE, '--no-bind'], ['job', 'create', KEY, FILE, '--bind', 'a=1', 'b=2'], ['config', 'check', FILE]]) {
      expect(parseFast(argv, table), argv.join(' ')).toBeUndefined();
    }
  });
});
