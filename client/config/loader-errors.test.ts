import { configFailure } from '../testing/config-failure.js';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../dsl/job-key.js';
import { tempDir } from '../testing/temp-dir.js';
import { cachedSpec } from './fast-path.js';
import { compileConfigJob, compileConfigJobs, loadConfig } from './loader.js';
import { formatDiagnostics } from './diagnostics.js';

const KEY = parseJobKey('devcluster/www-data/prod/web');

describe('compile errors point at the config line that wrote the value', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('reports a schema violation at the property, with the path, the rule and the value found', () => {
    tmp.write(
      'web.aurora.ts',
      `import { Job, Process, Resources, Task, MB } from '@aurora/dsl';

const web = Process({ name: 'web', cmdline: 'serve' });
export const jobs = [
  Job({
    cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'web',
    task: Task({
      processes: [web],
      resources: Resources({
        cpu: 0,
        ram: 64 * MB,
        disk: 64 * MB,
      }),
    }),
  }),
];
`,
    );
    const config = loadConfig('web.aurora.ts', { cwd: tmp.dir });
    const err = configFailure(() => compileConfigJob(config, KEY, {}));
    expect(err.details).toEqual([
      'web.aurora.ts:10:14 - error: job devcluster/www-data/prod/web: task.resources.cpu: cpu must be more than 0 (found 0)',
      '10         cpu: 0,',
      '                ^',
    ]);
  });

  it('reports every problem of every job of a file together, each at its own line', () => {
    tmp.write(
      'many.aurora.ts',
      `import { Job, Process, Resources, Task, UpdateConfig, MB } from '@aurora/dsl';

const resources = Resources({ cpu: 1, ram: 0.5 * MB, disk: 64 * MB });
const a = Process({ name: 'a', cmdline: 'run {{missing}}' });
export const jobs = [
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'production', name: 'one',
    task: Task({ processes: [a], resources }) }),
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'two', instances: 0,
    updateConfig: UpdateConfig({ batchSize: 0 }),
    task: Task({ processes: [Process({ name: 'b', cmdline: 'true' })], resources: Resources({ cpu: 1, ram: 64 * MB, disk: 64 * MB }) }) }),
];
`,
    );
    const config = loadConfig('many.aurora.ts', { cwd: tmp.dir });
    const { specs, diagnostics } = compileConfigJobs(config, {});
    expect(specs).toEqual([]);
    const lines = diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
    expect(lines).toEqual([
      '4:41 job devcluster/www-data/production/one: task.processes[0].cmdline: {{missing}} is not bound: pass --bind missing=VALUE or define it with .bind()',
      "6:63 job devcluster/www-data/production/one: key.environment: environment must be 'prod', 'devel', 'test' or 'staging<N>' (found \"production\")",
      '3:44 job devcluster/www-data/production/one: task.resources.ramMb: Invalid input: expected int, received number (found 0.5)',
      '8:95 job devcluster/www-data/prod/two: instances: instances must be at least 1 (found 0)',
      '9:45 job devcluster/www-data/prod/two: updateConfig.batchSize: Too small: expected number to be >=1 (found 0)',
    ]);
    expect(formatDiagnostics(diagnostics.slice(3, 4), tmp.dir)).toEqual([
      'many.aurora.ts:8:95 - error: job devcluster/www-data/prod/two: instances: instances must be at least 1 (found 0)',
      "8   Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'two', instances: 0,",
      `  ${' '.repeat(94)}^`,
    ]);
  });

  it('reports update strategy and cron problems at the line that wrote them', () => {
    tmp.write(
      'jobs.aurora.ts',
      `import { Job, Process, QueueUpdateStrategy, Resources, Task, UpdateConfig, VariableBatchUpdateStrategy, MB } from '@aurora/dsl';

const task = Task({ processes: [Process({ name: 'p', cmdline: 'true' })], resources: Resources({ cpu: 1, ram: 64 * MB, disk: 64 * MB }) });
export const jobs = [
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'both', task,
    updateConfig: UpdateConfig({ updateStrategy: QueueUpdateStrategy({ batchSize: 2 }),
      batchSize: 2 }) }),
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'sizes', task,
    updateConfig: UpdateConfig({ updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [1, 0] }) }) }),
  Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'cron', task,
    cronSchedule: '0 0 2 * * *',
    cronTimezone: 'Europe/Amstredam',
    cronCollisionPolicy: 'RUN_OVERLAP' as never }),
];
`,
    );
    const { diagnostics } = compileConfigJobs(loadConfig('jobs.aurora.ts', { cwd: tmp.dir }), {});
    expect(diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '7:18 job devcluster/www-data/prod/both: updateConfig.batchSize: updateConfig sets both updateStrategy (QueueUpdateStrategy) and batchSize; ' +
        'keep one: give the size to the strategy (QueueUpdateStrategy({ batchSize: N })) and remove batchSize, or remove updateStrategy',
      '9:92 job devcluster/www-data/prod/sizes: updateConfig.strategy.batchSizes[1]: Too small: expected number to be >=1 (found 0)',
      '11:19 job devcluster/www-data/prod/cron: cronSchedule: the schedule has 6 fields, but cron jobs run at most once a minute and ' +
        `a cron schedule has 5 fields: minute hour day-of-month month day-of-week; drop the first (seconds) field: '0 2 * * *' (found "0 0 2 * * *")`,
      '13:26 job devcluster/www-data/prod/cron: cronCollisionPolicy: RUN_OVERLAP was removed from Aurora, which refuses jobs that set it; ' +
        "cronCollisionPolicy is 'KILL_EXISTING' (the default: a run kills the tasks of the previous run still active) " +
        `or 'CANCEL_NEW' (a run is skipped while the previous one is active) (found "RUN_OVERLAP")`,
      "12:19 job devcluster/www-data/prod/cron: cronTimezone: 'Europe/Amstredam' is not a known time zone; use an IANA time zone such as 'Europe/Amsterdam' or 'UTC' (found \"Europe/Amstredam\")",
    ]);
  });

  it('points into a shared template when the value was written there', () => {
    tmp.write(
      'lib/team.ts',
      `import { Process, Task, Resources, MB } from '@aurora/dsl';
export const teamTask = (name: string, cpu: number) =>
  Task({
    processes: [Process({ name, cmdline: 'run' })],
    resources: Resources({ cpu, ram: 64 * MB, disk: 64 * MB }),
  });
`,
    );
    tmp.write(
      'web.aurora.ts',
      `import { Job } from '@aurora/dsl';
import { teamTask } from './lib/team.ts';
export const jobs = [Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'web', task: teamTask('web', -1) })];
`,
    );
    const config = loadConfig('web.aurora.ts', { cwd: tmp.dir });
    const err = configFailure(() => compileConfigJob(config, KEY, {}));
    expect(err.details[0]).toBe('lib/team.ts:5:28 - error: job devcluster/www-data/prod/web: task.resources.cpu: cpu must be more than 0 (found -1)');
  });
});

describe('determinism', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it.each([
    ['Date.now()', 'Date.now()'],
    ['new Date()', 'new Date() without arguments'],
    ['Math.random()', 'Math.random()'],
  ])('refuses %s at the line that calls it', (expr, what) => {
    tmp.write('clock.aurora.ts', `import { Process } from '@aurora/dsl';\n\nexport const p = Process({ name: 'p', cmdline: 'echo ' + String(${expr}) });\n`);
    const err = configFailure(() => loadConfig('clock.aurora.ts', { cwd: tmp.dir }));
    expect(err.details[0]).toMatch(new RegExp(`^clock\\.aurora\\.ts:3:\\d+ - error: the config threw Error: ${what.replace(/[().]/g, '\\$&')} is not available in configs: they are deterministic`));
  });

  it('keeps dates that do not depend on the clock', () => {
    tmp.write(
      'date.aurora.ts',
      `import { Job, SimpleTask } from '@aurora/dsl';
const day = new Date(Date.UTC(2024, 0, 2)).toISOString().slice(0, 10);
export const jobs = [Job({ cluster: 'devcluster', role: 'r', environment: 'prod', name: 'd', task: SimpleTask('d', 'echo ' + day) })];
`,
    );
    const config = loadConfig('date.aurora.ts', { cwd: tmp.dir });
    expect(compileConfigJob(config, parseJobKey('devcluster/r/prod/d'), {}).task.processes[0]?.cmdline).toBe('echo 2024-01-02');
  });
});

describe('the type-check cache', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  const CONFIG = `import { Job, SimpleTask } from '@aurora/dsl';
import { cmd } from './common.ts';
export const jobs = [Job({ cluster: 'devcluster', role: 'r', environment: 'prod', name: 'c', task: SimpleTask('c', cmd) })];
`;

  it('does not check an unchanged program twice, and checks again when an imported file changes', () => {
    const cacheDir = path.join(tmp.dir, 'cache');
    tmp.write('common.ts', `export const cmd = 'echo one';\n`);
    tmp.write('c.aurora.ts', CONFIG);
    loadConfig('c.aurora.ts', { cwd: tmp.dir, cacheDir });
    const programs = path.join(cacheDir, 'programs');
    const [record] = readdirSync(programs);
    const file = path.join(programs, record!);
    // Plant a diagnostic in the cached result: a load that trusts the cache reports it.
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { diagnostics: unknown[]; files: { path: string }[] };
    expect(cached.files.map((f) => path.basename(f.path)).sort()).toEqual(['c.aurora.ts', 'common.ts']);
    cached.diagnostics = [{ message: 'planted' }];
    writeFileSync(file, JSON.stringify(cached));
    expect(configFailure(() => loadConfig('c.aurora.ts', { cwd: tmp.dir, cacheDir })).details).toEqual(['error: planted']);
    // Changing an imported file invalidates it.
    tmp.write('common.ts', `export const cmd = 'echo two';\n`);
    const config = loadConfig('c.aurora.ts', { cwd: tmp.dir, cacheDir });
    expect(compileConfigJob(config, parseJobKey('devcluster/r/prod/c'), {}).task.processes[0]?.cmdline).toBe('echo two');
  });

  it('memoizes compiled specs by content, key and bindings', () => {
    const cacheDir = path.join(tmp.dir, 'cache');
    tmp.write('common.ts', `export const cmd = 'echo {{v}}';\n`);
    tmp.write('c.aurora.ts', CONFIG);
    const ask = (v: string, user = 'alice') => cachedSpec('c.aurora.ts', { cwd: tmp.dir, cacheDir, jobKey: 'devcluster/r/prod/c', bindings: { v }, user });
    expect(ask('1')).toBeUndefined();
    const config = loadConfig('c.aurora.ts', { cwd: tmp.dir, cacheDir, user: 'alice' });
    const spec = compileConfigJob(config, parseJobKey('devcluster/r/prod/c'), { v: '1' });
    expect(ask('1')).toEqual(spec);
    expect(ask('2')).toBeUndefined();
    // Another user may get another job (currentUser()), so the user is part of the key.
    expect(ask('1', 'bob')).toBeUndefined();
    tmp.write('common.ts', `export const cmd = 'echo {{v}} changed';\n`);
    expect(ask('1')).toBeUndefined();
  });
});
