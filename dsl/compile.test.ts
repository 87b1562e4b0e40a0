import { describe, expect, it } from 'vitest';
import { compileJob, formatPath } from './compile.js';
import { portAliases } from './port-aliases.js';
import {
  Announcer,
  BatchUpdateStrategy,
  GB,
  Job,
  MB,
  Process,
  QueueUpdateStrategy,
  Resources,
  SequentialTask,
  Service,
  Task,
  UpdateConfig,
  VariableBatchUpdateStrategy,
  type JobProps,
} from './index.js';
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
      strategy: { kind: 'queue', groupSize: 1 },
      watchSecs: 45,
      maxPerInstanceFailures: 0,
      maxTotalFailures: 0,
      rollbackOnFailure: true,
      pulseIntervalSecs: null,
      slaAware: false,
    });
    expect(result.spec.healthCheck).toMatchObject({ initialIntervalSecs: 15, intervalSecs: 10, checker: { kind: 'http', port: 'health' } });
    expect(result.spec.lifecycle.http).toMatchObject({ port: 'health', gracefulShutdownEndpoint: '/quitquitquit' });
    // The default checker and lifecycle do not request the health port; only the cmdline's ports count.
    expect(result.spec.ports).toEqual([]);
    expect(result.spec.task.finalizationWaitSecs).toBe(30);
    expect(result.spec.cronCollisionPolicy).toBe('KILL_EXISTING');
    expect(result.spec.cronSchedule).toBeNull();
    // Unset is the cluster's zone, told apart from a chosen 'UTC'.
    expect(result.spec.cronTimezone).toBeNull();
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

  it("gives an announcer's portmap alias its target's port, not a port of its own", () => {
    const job = Job({
      cluster: 'c',
      role: 'r',
      environment: 'devel',
      announce: Announcer({ portmap: { alias: 'http' } }),
      task: Task({
        processes: [Process({ name: 'web', cmdline: 'serve --port {{thermos.ports[http]}} --also {{thermos.ports[alias]}}' })],
        resources,
      }),
    });
    const result = compileJob(job);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.ports).toEqual(['http']);
    expect(portAliases(result.spec.announce)).toEqual([['alias', 'http']]);
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

  it("makes a job production from tier 'preferred' alone, as Aurora does, and keeps an explicit value", () => {
    const task = Task({ processes: [Process({ name: 'p', cmdline: 'true' })], resources });
    const production = (props: Partial<JobProps>): boolean => {
      const result = compileJob(Service({ cluster: 'c', role: 'r', environment: 'prod', name: 'j', task, ...props }));
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return result.spec.production;
    };
    expect(production({ tier: 'preferred' })).toBe(true);
    expect(production({ tier: 'preemptible' })).toBe(false);
    expect(production({ tier: 'revocable' })).toBe(false);
    expect(production({})).toBe(false);
    expect(production({ production: true })).toBe(true);
    // kept as written, so the scheduler refuses the contradiction with its fix (tiers.ts)
    expect(production({ tier: 'preferred', production: false })).toBe(false);
  });

  it('orders SequentialTask processes one after another', () => {
    const a = Process({ name: 'a', cmdline: 'true' });
    const b = Process({ name: 'b', cmdline: 'true' });
    const result = compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', task: SequentialTask({ processes: [a, b], resources }) }));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.spec.task.constraints).toEqual([{ order: ['a', 'b'] }]);
  });
});

const task = Task({ processes: [Process({ name: 'p', cmdline: 'true' })], resources });

/** The compiled spec of a job with `props`, or its issues as `path: message`. */
function compiled(props: Partial<JobProps>) {
  const result = compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', task, ...props }));
  return result.ok ? { spec: result.spec } : { issues: result.issues.map((i) => `${formatPath(i.path)}: ${i.message}`), raw: result.issues };
}

describe('update strategies', () => {
  it('resolves the batchSize shorthand: a queue, or a batch with waitForBatchCompletion', () => {
    expect(compiled({ updateConfig: UpdateConfig({ batchSize: 3 }) }).spec?.updateConfig.strategy).toEqual({ kind: 'queue', groupSize: 3 });
    expect(compiled({ updateConfig: UpdateConfig({ batchSize: 3, waitForBatchCompletion: true }) }).spec?.updateConfig.strategy).toEqual({
      kind: 'batch',
      batchSize: 3,
      autopauseAfterBatch: false,
    });
    expect(compiled({ updateConfig: UpdateConfig({ waitForBatchCompletion: true }) }).spec?.updateConfig.strategy).toEqual({
      kind: 'batch',
      batchSize: 1,
      autopauseAfterBatch: false,
    });
  });

  it("compiles Aurora 0.22's strategies with their defaults, and slaAware", () => {
    const strategyOf = (u: ReturnType<typeof UpdateConfig>) => compiled({ updateConfig: u }).spec?.updateConfig;
    expect(strategyOf(UpdateConfig({ updateStrategy: QueueUpdateStrategy() }))?.strategy).toEqual({ kind: 'queue', groupSize: 1 });
    expect(strategyOf(UpdateConfig({ updateStrategy: QueueUpdateStrategy({ batchSize: 4 }) }))?.strategy).toEqual({ kind: 'queue', groupSize: 4 });
    expect(strategyOf(UpdateConfig({ updateStrategy: BatchUpdateStrategy({ batchSize: 2, autopauseAfterBatch: true }) }))?.strategy).toEqual({
      kind: 'batch',
      batchSize: 2,
      autopauseAfterBatch: true,
    });
    const variable = strategyOf(UpdateConfig({ updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [1, 2, 3] }), slaAware: true }));
    expect(variable?.strategy).toEqual({ kind: 'variable', batchSizes: [1, 2, 3], autopauseAfterBatch: false });
    expect(variable?.slaAware).toBe(true);
  });

  it('refuses an updateStrategy with the shorthand, at the shorthand, saying which to keep', () => {
    const both = UpdateConfig({ updateStrategy: QueueUpdateStrategy({ batchSize: 2 }), batchSize: 2, waitForBatchCompletion: false });
    const r = compiled({ updateConfig: both });
    expect(r.issues).toEqual([
      'updateConfig.batchSize: updateConfig sets both updateStrategy (QueueUpdateStrategy) and batchSize; keep one: ' +
        'give the size to the strategy (QueueUpdateStrategy({ batchSize: N })) and remove batchSize, or remove updateStrategy',
      'updateConfig.waitForBatchCompletion: updateConfig sets both updateStrategy (QueueUpdateStrategy) and waitForBatchCompletion; keep one: ' +
        'remove waitForBatchCompletion (BatchUpdateStrategy waits for whole batches, QueueUpdateStrategy does not), or remove updateStrategy',
    ]);
    expect(r.raw?.map((i) => [i.origin?.node, i.origin?.field])).toEqual([
      [expect.objectContaining({ kind: 'UpdateConfig' }), 'batchSize'],
      [expect.objectContaining({ kind: 'UpdateConfig' }), 'waitForBatchCompletion'],
    ]);
  });

  it('reports a bad size where it was written: the shorthand at batchSize, a strategy at its field', () => {
    expect(compiled({ updateConfig: UpdateConfig({ batchSize: 0 }) }).issues).toEqual(['updateConfig.batchSize: Too small: expected number to be >=1']);
    const queue = compiled({ updateConfig: UpdateConfig({ updateStrategy: QueueUpdateStrategy({ batchSize: 0 }) }) });
    expect(queue.issues).toEqual(['updateConfig.strategy.groupSize: Too small: expected number to be >=1']);
    expect(queue.raw?.[0]?.origin).toMatchObject({ node: { kind: 'QueueUpdateStrategy' }, field: 'batchSize' });
    const empty = compiled({ updateConfig: UpdateConfig({ updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [] }) }) });
    expect(empty.issues).toEqual(['updateConfig.strategy.batchSizes: a VariableBatchUpdateStrategy needs at least one batch size']);
    const zero = compiled({ updateConfig: UpdateConfig({ updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [1, 0] }) }) });
    expect(zero.issues).toEqual(['updateConfig.strategy.batchSizes[1]: Too small: expected number to be >=1']);
    expect(zero.raw?.[0]?.origin).toMatchObject({ node: { kind: 'VariableBatchUpdateStrategy' }, field: 'batchSizes' });
  });
});

describe('cron', () => {
  it('keeps a schedule, a policy and a zone as written', () => {
    const r = compiled({ cronSchedule: '30 2 * * MON-FRI', cronCollisionPolicy: 'CANCEL_NEW', cronTimezone: 'Europe/Amsterdam' });
    expect(r.spec).toMatchObject({ cronSchedule: '30 2 * * MON-FRI', cronCollisionPolicy: 'CANCEL_NEW', cronTimezone: 'Europe/Amsterdam' });
    expect(compiled({ cronSchedule: '0 * * * *', cronTimezone: 'UTC' }).spec?.cronTimezone).toBe('UTC');
  });

  it.each([
    [
      '0 30 2 * * *',
      "the schedule has 6 fields, but cron jobs run at most once a minute and a cron schedule has 5 fields: minute hour day-of-month month day-of-week; drop the first (seconds) field: '30 2 * * *'",
    ],
    [
      '0 30 2 * * * 2030',
      "the schedule has 7 fields, but cron jobs run at most once a minute and a cron schedule has 5 fields: minute hour day-of-month month day-of-week; drop the seconds and year fields: '30 2 * * *'",
    ],
    ['* * * *', 'the schedule has 4 fields; a cron schedule has 5 fields: minute hour day-of-month month day-of-week'],
    ['', 'the schedule is empty; a cron schedule has 5 fields: minute hour day-of-month month day-of-week'],
    ['@daily', "nicknames are not supported; write the 5 fields ('0 0 * * *' for @daily)"],
    ['60 * * * *', "the minute field '60' is out of range: minutes are 0-59"],
    ['0 24 * * *', "the hour field '24' is out of range: hours are 0-23"],
    ['0 0 32 * *', "the day-of-month field '32' is out of range: days of the month are 1-31 (or L, the last)"],
    ['0 0 0 * *', "the day-of-month field '0' is out of range: days of the month are 1-31 (or L, the last)"],
    ['0 0 1 13 *', "the month field '13' is out of range: months are 1-12 or JAN-DEC"],
    ['0 0 * * 8', "the day-of-week field '8' is out of range: days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"],
    ['*/0 * * * *', "the minute field '*/0' is not valid (illegal stepping: 0): minutes are 0-59"],
    ['x * * * *', "the minute field 'x' has the unknown name 'X': minutes are 0-59"],
    ['0 0 * * 1.5', "the day-of-week field '1.5' is not valid (contains illegal characters): days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT"],
    ['0 0 31 2 *', 'the schedule never runs: no date has that day of the month in those months (as 30 February)'],
  ])('refuses %j, saying what is wrong', (schedule, message) => {
    expect(compiled({ cronSchedule: schedule }).issues).toEqual([`cronSchedule: ${message}`]);
  });

  it('refuses a zone Intl does not know, or a UTC offset', () => {
    expect(compiled({ cronSchedule: '0 * * * *', cronTimezone: 'Mars/Olympus' }).issues).toEqual([
      "cronTimezone: 'Mars/Olympus' is not a known time zone; use an IANA time zone such as 'Europe/Amsterdam' or 'UTC'",
    ]);
    expect(compiled({ cronSchedule: '0 * * * *', cronTimezone: '+01:00' }).issues).toEqual([
      "cronTimezone: '+01:00' is a UTC offset, which does not follow daylight saving time; use an IANA time zone such as 'Europe/Amsterdam' or 'UTC'",
    ]);
  });

  it('refuses RUN_OVERLAP, which Aurora removed, naming the two policies', () => {
    const r = compiled({ cronSchedule: '0 * * * *', cronCollisionPolicy: 'RUN_OVERLAP' as never });
    expect(r.issues).toEqual([
      'cronCollisionPolicy: RUN_OVERLAP was removed from Aurora, which refuses jobs that set it; ' +
        "cronCollisionPolicy is 'KILL_EXISTING' (the default: a run kills the tasks of the previous run still active) " +
        "or 'CANCEL_NEW' (a run is skipped while the previous one is active)",
    ]);
    expect(compiled({ cronCollisionPolicy: 'kill' as never }).issues?.[0]).toMatch(/^cronCollisionPolicy: cronCollisionPolicy is 'KILL_EXISTING'/);
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
