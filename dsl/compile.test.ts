import { describe, expect, it } from 'vitest';
import { compileJob, formatPath } from './compile.js';
import { Job, MB, GB, Process, Resources, SequentialTask, Service, Task } from './index.js';
import { canonicalJson, specHash } from './jobspec.js';

const resources = Resources({ cpu: 0.5, ram: 128 * MB, disk: 1 * GB });

describe('compileJob', () => {
  it('resolves Aurora defaults and binds client-time templates', () => {
    const job = Service({
      cluster: 'devcluster',
      role: 'www-data',
      environment: 'prod',
      name: 'hello',
      task: Task({
        processes: [Process({ name: 'hello', cmdline: 'echo {{role}}/{{environment}}/{{name}} on {{cluster}}' })],
        resources,
      }),
    });
    const result = compileJob(job);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.service).toBe(true);
    expect(result.spec.instances).toBe(1);
    expect(result.spec.task.name).toBe('hello');
    expect(result.spec.task.resources).toEqual({ cpu: 0.5, ramMb: 128, diskMb: 1024, gpu: 0 });
    expect(result.spec.task.processes[0]).toEqual({
      name: 'hello',
      cmdline: 'echo www-data/prod/hello on devcluster',
      maxFailures: 1,
      daemon: false,
      ephemeral: false,
      minDurationSecs: 5,
      final: false,
      logger: { destination: 'file', mode: 'standard', logSizeBytes: 100 * MB, logBackups: 5 },
    });
    expect(result.spec.updateConfig).toEqual({
      batchSize: 1,
      watchSecs: 45,
      maxPerInstanceFailures: 0,
      maxTotalFailures: 0,
      rollbackOnFailure: true,
      waitForBatchCompletion: false,
      pulseIntervalSecs: null,
    });
    expect(result.spec.healthCheck).toMatchObject({ initialIntervalSecs: 15, intervalSecs: 10, checker: { kind: 'http', port: 'health' } });
    expect(result.spec.lifecycle.http).toMatchObject({ port: 'health', gracefulShutdownEndpoint: '/quitquitquit' });
    // The default checker and lifecycle do not request the health port; only the cmdline's ports count.
    expect(result.spec.ports).toEqual([]);
    expect(result.spec.task.finalizationWaitSecs).toBe(30);
    expect(result.spec.cronCollisionPolicy).toBe('KILL_EXISTING');
  });

  it('leaves executor-time templates and collects named ports', () => {
    const job = Job({
      cluster: 'c',
      role: 'r',
      environment: 'devel',
      task: Task({
        processes: [
          Process({ name: 'web', cmdline: 'serve --port {{thermos.ports[http]}} --admin {{thermos.ports[admin]}} --shard {{mesos.instance}}' }),
        ],
        resources,
      }),
    });
    const result = compileJob(job);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.key.name).toBe('web');
    expect(result.spec.ports).toEqual(['admin', 'http']);
    expect(result.spec.task.processes[0]?.cmdline).toContain('{{thermos.ports[http]}}');
    expect(result.spec.task.processes[0]?.cmdline).toContain('{{mesos.instance}}');
  });

  it('binds --bind values and reports unbound variables with their path', () => {
    const job = Job({
      cluster: 'c',
      role: 'r',
      environment: 'prod',
      task: Task({ processes: [Process({ name: 'p', cmdline: 'run {{version}} {{missing}}' })], resources }),
    });
    const result = compileJob(job, { version: '1.2' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.message).toMatch(/\{\{missing\}\} is not bound/);
    expect(formatPath(result.issues[0]!.path)).toBe('task.processes[0].cmdline');
  });

  it('reports every schema violation with its path at once', () => {
    const job = Job({
      cluster: 'c',
      role: 'r',
      environment: 'production',
      instances: 0,
      task: Task({
        processes: [Process({ name: 'a', cmdline: 'x' }), Process({ name: 'a', cmdline: 'y' })],
        resources: Resources({ cpu: 0, ram: 128 * MB, disk: 1 * GB }),
      }),
    });
    const result = compileJob(job);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.issues.map((i) => [formatPath(i.path), i.message]));
    expect(byPath['key.environment']).toMatch(/environment must be/);
    expect(byPath['instances']).toMatch(/at least 1/);
    expect(byPath['task.resources.cpu']).toMatch(/more than 0/);
    expect(byPath['task.processes[1].name']).toMatch(/used twice/);
  });

  it('orders SequentialTask processes one after another', () => {
    const a = Process({ name: 'a', cmdline: 'true' });
    const b = Process({ name: 'b', cmdline: 'true' });
    const result = compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', task: SequentialTask({ processes: [a, b], resources }) }));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.task.constraints).toEqual([{ order: ['a', 'b'] }]);
  });
});

describe('canonical JSON', () => {
  it('is independent of key order, so the hash identifies a config version', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ y: 1, x: 2 }] } })).toBe('{"a":{"c":[{"x":2,"y":1}],"d":2},"b":1}');
    const make = (cmd: string) => {
      const r = compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', task: Task({ processes: [Process({ name: 'p', cmdline: cmd })], resources }) }));
      if (!r.ok) throw new Error('bad');
      return r.spec;
    };
    expect(specHash(make('a'))).toBe(specHash(make('a')));
    expect(specHash(make('a'))).not.toBe(specHash(make('b')));
  });
});
