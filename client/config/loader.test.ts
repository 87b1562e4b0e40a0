import { configFailure } from '../testing/config-failure.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../dsl/job-key.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { compileConfigJob, loadConfig } from './loader.js';

const HELLO = parseJobKey('devcluster/www-data/prod/hello');

describe('loadConfig', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('compiles a good config into the expected JobSpec', () => {
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
    const config = loadConfig('hello.aurora.ts', { cwd: tmp.dir });
    expect(config.displayName).toBe('hello.aurora.ts');
    const spec = compileConfigJob(config, HELLO, {});
    expect(spec).toEqual({
      key: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
      instances: 1,
      service: true,
      cronSchedule: null,
      cronCollisionPolicy: 'KILL_EXISTING',
      cronTimezone: null,
      production: false,
      tier: null,
      priority: 0,
      maxTaskFailures: 1,
      constraints: {},
      contact: null,
      metadata: [],
      ports: [],
      task: {
        name: 'hello',
        processes: [
          {
            name: 'hello',
            cmdline: 'while true; do echo hello world; sleep 5; done',
            maxFailures: 1,
            daemon: false,
            ephemeral: false,
            minDurationSecs: 5,
            final: false,
            logger: { destination: 'file', mode: 'standard', logSizeBytes: 100 * 1024 * 1024, logBackups: 5 },
          },
        ],
        constraints: [],
        resources: { cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 },
        maxFailures: 1,
        maxConcurrency: 0,
        finalizationWaitSecs: 30,
      },
      updateConfig: {
        strategy: { kind: 'queue', groupSize: 1 },
        watchSecs: 45,
        maxPerInstanceFailures: 0,
        maxTotalFailures: 0,
        rollbackOnFailure: true,
        pulseIntervalSecs: null,
        slaAware: false,
      },
      healthCheck: {
        checker: { kind: 'http', port: 'health', endpoint: '/health', expectedResponse: 'ok', expectedResponseCode: 0 },
        initialIntervalSecs: 15,
        intervalSecs: 10,
        timeoutSecs: 1,
        maxConsecutiveFailures: 0,
        minConsecutiveSuccesses: 1,
      },
      lifecycle: {
        http: {
          port: 'health',
          gracefulShutdownEndpoint: '/quitquitquit',
          shutdownEndpoint: '/abortabortabort',
          gracefulShutdownWaitSecs: 5,
          shutdownWaitSecs: 5,
        },
      },
      container: null,
      announce: null,
      slaPolicy: null,
      partitionPolicy: { reschedule: true, delaySecs: 0 },
    });
  });

  it('takes every exported Job when there is no jobs array', () => {
    tmp.write(
      'two.aurora.ts',
      `import { Job, Process, Task, Resources, MB } from '@aurora/dsl';
const task = Task({ processes: [Process({ name: 'p', cmdline: 'true' })], resources: Resources({ cpu: 1, ram: MB, disk: MB }) });
export const a = Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task });
export const b = Job({ cluster: 'c', role: 'r', environment: 'test', name: 'b', task });
export const notAJob = 42;
`,
    );
    const config = loadConfig('two.aurora.ts', { cwd: tmp.dir });
    expect(config.jobs.map((j) => j.name)).toEqual(['a', 'b']);
  });

  it('reports every type error as file:line:col with the source line and a caret', () => {
    tmp.write(
      'bad.aurora.ts',
      `import { Process } from '@aurora/dsl';
export const p = Process({ name: 'hello', cmdline: 42 });
export const n: number = 'two';
`,
    );
    const err = configFailure(() => loadConfig('bad.aurora.ts', { cwd: tmp.dir }));
    expect(err.exitCode).toBe(3);
    expect(err.details).toEqual([
      "bad.aurora.ts:2:43 - error TS2322: Type 'number' is not assignable to type 'string'.",
      "2 export const p = Process({ name: 'hello', cmdline: 42 });",
      '                                            ^~~~~~~',
      '',
      "bad.aurora.ts:3:14 - error TS2322: Type 'string' is not assignable to type 'number'.",
      "3 export const n: number = 'two';",
      '               ^',
    ]);
    expect(err.message).toBe('bad.aurora.ts has 2 errors; fix them and try again');
  });

  it('gives configs no Node: process and console do not exist', () => {
    tmp.write('node.aurora.ts', `export const x = process.env['HOME'];\n`);
    const err = configFailure(() => loadConfig('node.aurora.ts', { cwd: tmp.dir }));
    expect(err.details[0]).toMatch(/^node\.aurora\.ts:1:18 - error TS\d+: Cannot find name 'process'/);
  });

  it('refuses imports of Node modules and npm packages, at the import', () => {
    tmp.write(
      'io.aurora.ts',
      `import { readFileSync } from 'fs';
import { z } from 'zod';
export const x = [readFileSync, z];
`,
    );
    const err = configFailure(() => loadConfig('io.aurora.ts', { cwd: tmp.dir }));
    const text = err.details.join('\n');
    expect(text).toContain("io.aurora.ts:1:30 - error: cannot import 'fs': configs are deterministic, no network and no I/O");
    expect(text).toContain("io.aurora.ts:2:19 - error: cannot import 'zod'");
  });

  it('reports a throwing config at its own line, not the client stack', () => {
    tmp.write(
      'throws.aurora.ts',
      `import { Process } from '@aurora/dsl';

function port(): number {
  throw new Error('no port configured');
}
export const p = Process({ name: 'p', cmdline: 'echo ' + port() });
`,
    );
    const err = configFailure(() => loadConfig('throws.aurora.ts', { cwd: tmp.dir }));
    expect(err.exitCode).toBe(3);
    expect(err.details).toEqual([
      'throws.aurora.ts:4:9 - error: the config threw Error: no port configured',
      "4   throw new Error('no port configured');",
      '          ^',
    ]);
    expect(err.message).toBe('throws.aurora.ts failed while it was evaluated');
  });

  it('refuses a require() at run time too', () => {
    tmp.write(
      'req.aurora.ts',
      `declare const require: (m: string) => unknown;
const name = ['node', 'fs'].join(':');
export const fs = require(name);
`,
    );
    const err = configFailure(() => loadConfig('req.aurora.ts', { cwd: tmp.dir }));
    expect(err.details[0]).toBe(
      "req.aurora.ts:3:19 - error: cannot import 'node:fs': configs are deterministic, no network and no I/O; they may import only '@aurora/dsl' and relative .ts files such as './common.ts'",
    );
  });

  it('lists the jobs a file defines when the key is not one of them', () => {
    tmp.write('hello.aurora.ts', HELLO_CONFIG);
    const config = loadConfig('hello.aurora.ts', { cwd: tmp.dir });
    const err = configFailure(() => compileConfigJob(config, parseJobKey('devcluster/www-data/prod/hellox'), {}));
    expect(err.message).toBe(
      'Job devcluster/www-data/prod/hellox not found in hello.aurora.ts; it defines: devcluster/www-data/prod/hello',
    );
  });

  it('loads a relative import of a shared template, type-checked with the config', () => {
    tmp.write(
      'lib/common.ts',
      `import { Process, Task, Resources, MB } from '@aurora/dsl';
export const base = (name: string) =>
  Task({ processes: [Process({ name, cmdline: 'echo {{role}} {{version}}' })], resources: Resources({ cpu: 0.5, ram: 64 * MB, disk: 64 * MB }) });
`,
    );
    tmp.write(
      'web.aurora.ts',
      `import { Job } from '@aurora/dsl';
import { base } from './lib/common.ts';
export const jobs = [Job({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'web', instances: 2, task: base('web') })];
`,
    );
    const config = loadConfig('web.aurora.ts', { cwd: tmp.dir });
    expect(config.files).toHaveLength(2);
    const spec = compileConfigJob(config, parseJobKey('devcluster/www-data/prod/web'), { version: '1.2' });
    expect(spec.instances).toBe(2);
    expect(spec.task.processes[0]?.cmdline).toBe('echo www-data 1.2');
    expect(spec.task.resources).toEqual({ cpu: 0.5, ramMb: 64, diskMb: 64, gpu: 0 });
  });

  it('reports a type error in an imported file at that file', () => {
    tmp.write('common.ts', `export const ram: number = 'lots';\n`);
    tmp.write('uses.aurora.ts', `import { ram } from './common.ts';\nexport const x = ram;\n`);
    const err = configFailure(() => loadConfig('uses.aurora.ts', { cwd: tmp.dir }));
    expect(err.details[0]).toBe("common.ts:1:14 - error TS2322: Type 'string' is not assignable to type 'number'.");
  });

  it('prints each compile issue with the file, the job and the path', () => {
    tmp.write('hello.aurora.ts', HELLO_CONFIG.replace("'while true; do echo hello world; sleep 5; done'", "'echo {{version}}'"));
    const config = loadConfig('hello.aurora.ts', { cwd: tmp.dir });
    const err = configFailure(() => compileConfigJob(config, HELLO, {}));
    expect(err.details).toEqual([
      'hello.aurora.ts:2:49 - error: job devcluster/www-data/prod/hello: task.processes[0].cmdline: {{version}} is not bound: pass --bind version=VALUE or define it with .bind()',
      "2 const hello = Process({ name: 'hello', cmdline: 'echo {{version}}' });",
      '                                                  ^~~~~~~~~~~~~~~~~~',
    ]);
    expect(compileConfigJob(config, HELLO, { version: '7' }).task.processes[0]?.cmdline).toBe('echo 7');
  });

  it('says when the file does not exist', () => {
    const err = configFailure(() => loadConfig('examples/x.aurora.ts', { cwd: tmp.dir }));
    expect(err.message).toBe('Config file examples/x.aurora.ts does not exist');
  });

  it('says when a file defines no jobs', () => {
    tmp.write('empty.aurora.ts', `export const x = 1;\n`);
    expect(configFailure(() => loadConfig('empty.aurora.ts', { cwd: tmp.dir })).message).toMatch(/^empty\.aurora\.ts: it defines no jobs/);
  });
});
