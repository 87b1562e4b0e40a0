import { describe, expect, it } from 'vitest';
import { compileJob, formatPath, resolveJobKey } from './compile.js';
import { Constraint, Docker, GB, Job, MB, Process, Resources, ShellHealthChecker, HealthCheckConfig, Task, mesos, thermos } from './index.js';
import { callSiteOf } from './node.js';
import { lookupBinding, mergeBindings } from './templates.js';

const resources = Resources({ cpu: 1, ram: 64 * MB, disk: 1 * GB });
const job = (task: ReturnType<typeof Task>, extra: Partial<Parameters<typeof Job>[0]> = {}) =>
  Job({ cluster: 'c', role: 'r', environment: 'prod', name: 'j', task, ...extra });

function spec(j: ReturnType<typeof Job>, bindings = {}) {
  const r = compileJob(j, bindings);
  if (!r.ok) throw new Error(r.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n'));
  return r.spec;
}

describe('typed executor-time helpers', () => {
  it('are the template strings the executor binds', () => {
    expect(thermos.ports['http']).toBe('{{thermos.ports[http]}}');
    expect(`${thermos.ports.admin}`).toBe('{{thermos.ports[admin]}}');
    expect(thermos.taskId).toBe('{{thermos.task_id}}');
    expect(mesos.instance).toBe('{{mesos.instance}}');
    expect(mesos.hostname).toBe('{{mesos.hostname}}');
  });

  it('request every named port used anywhere in the job', () => {
    const s = spec(
      job(Task({ processes: [Process({ name: 'p', cmdline: `serve ${thermos.ports.http}` })], resources }), {
        healthCheckConfig: HealthCheckConfig({ healthChecker: ShellHealthChecker({ shellCommand: `curl localhost:${thermos.ports.admin}` }) }),
        container: Docker({ image: 'x', portMappings: { grpc: 9000 } }),
      }),
    );
    expect(s.ports).toEqual(['admin', 'grpc', 'http']);
    expect(s.task.processes[0]?.cmdline).toBe('serve {{thermos.ports[http]}}');
  });

  it('reject an executor-time variable the executor does not know', () => {
    const r = compileJob(job(Task({ processes: [Process({ name: 'p', cmdline: 'x {{mesos.instnce}}' })], resources })));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.message).toMatch(/\{\{mesos\.instnce\}\} is not an executor-time variable/);
  });
});

describe('.bind()', () => {
  it('binds any DSL object, returns a new object and keeps the original', () => {
    const p = Process({ name: 'p', cmdline: 'run {{v}}' });
    const bound = p.bind({ v: '1' });
    expect(bound).not.toBe(p);
    expect(p.bindings).toBeUndefined();
    expect(bound.bindings).toEqual({ v: '1' });
    expect(Object.isFrozen(bound)).toBe(true);
    expect(callSiteOf(bound)).toBe(callSiteOf(p));
    expect(spec(job(Task({ processes: [bound], resources }))).task.processes[0]?.cmdline).toBe('run 1');
  });

  it('lets inner binds win over outer ones', () => {
    const inner = Process({ name: 'inner', cmdline: 'echo {{v}}' }).bind({ v: 'process' });
    const outer = Process({ name: 'outer', cmdline: 'echo {{v}}' });
    const s = spec(job(Task({ processes: [inner, outer], resources }).bind({ v: 'task' })).bind({ v: 'job' }));
    expect(s.task.processes.map((p) => p.cmdline)).toEqual(['echo process', 'echo task']);
    // A later .bind() on the same object wins.
    expect(spec(job(Task({ processes: [outer.bind({ v: '1' }).bind({ v: '2' })], resources }))).task.processes[0]?.cmdline).toBe('echo 2');
  });

  it('lets --bind win over every .bind() in the config, at every level (as Aurora)', () => {
    const inner = Process({ name: 'inner', cmdline: 'echo {{v}}' }).bind({ v: 'process' });
    const outer = Process({ name: 'outer', cmdline: 'echo {{v}}' });
    const s = spec(job(Task({ processes: [inner, outer], resources }).bind({ v: 'task' })).bind({ v: 'job' }), { v: 'cli' });
    expect(s.task.processes.map((p) => p.cmdline)).toEqual(['echo cli', 'echo cli']);
    // A nested --bind beats the field of a bound object, and leaves its other fields.
    const p = Process({ name: 'p', cmdline: 'run {{profile.a}} {{profile.b}}' });
    const j = job(Task({ processes: [p], resources })).bind({ profile: { a: 'config-a', b: 'config-b' } });
    expect(spec(j, { 'profile.a': 'cli-a' }).task.processes[0]?.cmdline).toBe('run cli-a config-b');
    // {{role}} and the other key variables give way to .bind() and --bind, which name them on purpose.
    expect(spec(job(Task({ processes: [Process({ name: 'p', cmdline: 'as {{role}}' })], resources })), { role: 'cli' }).task.processes[0]?.cmdline).toBe('as cli');
    expect(spec(job(Task({ processes: [Process({ name: 'p', cmdline: 'as {{role}}' })], resources }))).task.processes[0]?.cmdline).toBe('as r');
  });

  it('resolves nested references against bound objects, merging them field by field', () => {
    const p = Process({ name: 'p', cmdline: 'get {{profile.repo}}/{{profile.version}} as {{role}}' });
    const j = job(Task({ processes: [p], resources })).bind({ profile: { repo: 'https://r' } }).bind({ profile: { version: '2' } });
    expect(spec(j).task.processes[0]?.cmdline).toBe('get https://r/2 as r');
    // --bind profile.version=3 fills a nested reference no .bind() binds.
    const k = job(Task({ processes: [p], resources })).bind({ profile: { repo: 'x' } });
    expect(spec(k, { 'profile.version': '3' }).task.processes[0]?.cmdline).toBe('get x/3 as r');
    expect(lookupBinding({ a: { b: { c: 1 } } }, 'a.b.c')).toBe(1);
    expect(mergeBindings({ a: { x: 1 }, b: 1 }, { a: { y: 2 } })).toEqual({ a: { x: 1, y: 2 }, b: 1 });
  });

  it('names an unbound variable and where it is used', () => {
    const r = compileJob(job(Task({ processes: [Process({ name: 'p', cmdline: 'x' })], resources }), { contact: '{{owner}}@example.com' }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [formatPath(i.path), i.message])).toEqual([
      ['contact', '{{owner}} is not bound: pass --bind owner=VALUE or define it with .bind()'],
    ]);
    expect(r.issues[0]?.origin?.field).toBe('contact');
  });

  it('says when a reference names an object rather than a value', () => {
    const r = compileJob(job(Task({ processes: [Process({ name: 'p', cmdline: 'x {{profile}}' })], resources })).bind({ profile: { v: '1' } }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.message).toMatch(/\{\{profile\}\} is bound to an object.*\{\{profile\.v\}\}/);
  });
});

describe('constraints', () => {
  const withConstraints = (constraints: Record<string, string>) =>
    compileJob(job(Task({ processes: [Process({ name: 'p', cmdline: 'x' })], resources }), { constraints }));

  it("accepts Aurora's value forms", () => {
    const r = withConstraints({
      rack: 'r1',
      zone: Constraint.anyOf('a', 'b'),
      host: Constraint.limit(1),
      os: Constraint.not('windows'),
      dedicated: Constraint.dedicated('r', 'db'),
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.spec.constraints).toEqual({ rack: 'r1', zone: 'a,b', host: 'limit:1', os: '!windows', dedicated: 'r/db' });
    expect(withConstraints({ dedicated: '*/shared' }).ok).toBe(true);
  });

  it('rejects malformed values with the rule', () => {
    const r = withConstraints({ host: 'limit:0', rack: '', dedicated: 'other/db' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [formatPath(i.path), i.message]));
    expect(byPath['constraints.host']).toMatch(/'limit:N' with N a whole number of at least 1/);
    expect(byPath['constraints.rack']).toMatch(/a constraint is a value/);
    expect(byPath['constraints.dedicated']).toMatch(/names role 'other', but the job's role is 'r'/);
  });
});

describe('environments', () => {
  it('accepts an environment the cluster allows only when told so', () => {
    const j = Job({ cluster: 'c', role: 'r', environment: 'qa', task: Task({ processes: [Process({ name: 'p', cmdline: 'x' })], resources }) });
    expect(compileJob(j).ok).toBe(false);
    expect(compileJob(j, {}, { extraEnvironments: ['qa'] }).ok).toBe(true);
  });
});

describe('templated numbers', () => {
  const p = Process({ name: 'p', cmdline: 'x' });

  it('binds a {{template}} in any number field and reads it as the number', () => {
    const j = Job({
      cluster: 'c', role: 'r', environment: 'prod', name: 'j',
      instances: '{{profile.instances}}',
      priority: '{{prio}}',
      task: Task({
        processes: [Process({ name: 'p', cmdline: 'x', minDuration: '{{wait}}' })],
        resources: Resources({ cpu: '{{profile.cpu}}', ram: '{{profile.ram}}', disk: 1 * GB, gpu: '{{profile.gpu}}' }),
      }),
      healthCheckConfig: HealthCheckConfig({ intervalSecs: '{{wait}}' }),
      container: Docker({ image: 'x', portMappings: { http: '{{port}}' } }),
    }).bind({ profile: { instances: 3, cpu: '0.5', ram: String(64 * MB), gpu: 1 }, prio: '-1', wait: '2.5', port: 8080 });
    const s = spec(j);
    expect(s.instances).toBe(3);
    expect(s.priority).toBe(-1);
    expect(s.task.resources).toEqual({ cpu: 0.5, ramMb: 64, diskMb: 1024, gpu: 1 });
    expect(s.task.processes[0]?.minDurationSecs).toBe(2.5);
    expect(s.healthCheck.intervalSecs).toBe(2.5);
    expect(s.container).toMatchObject({ docker: { portMappings: { http: 8080 } } });
  });

  it('says where a template bound to something that is not a number is, with the DSL field that wrote it', () => {
    const r = compileJob(
      Job({ cluster: 'c', role: 'r', environment: 'prod', name: 'j', instances: '{{n}}', task: Task({ processes: [p], resources: Resources({ cpu: '{{cpu}}', ram: MB, disk: MB }) }) }).bind({ n: 'three', cpu: '1.5x' }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [formatPath(i.path), i.message, i.found, i.origin?.field])).toEqual([
      ['instances', 'expected a number', 'three', 'instances'],
      ['task.resources.cpu', 'expected a number', '1.5x', 'cpu'],
    ]);
  });

  it('reports an unbound template in a number field once, by its variable', () => {
    const r = compileJob(Job({ cluster: 'c', role: 'r', environment: 'prod', name: 'j', instances: '{{profile.instances}}', task: Task({ processes: [p], resources }) }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [formatPath(i.path), i.message])).toEqual([
      ['instances', '{{profile.instances}} is not bound: pass --bind profile.instances=VALUE or define it with .bind()'],
    ]);
  });

  it('binds templates inside bound values, and stops a value that refers to itself', () => {
    const j = job(Task({ processes: [Process({ name: 'p', cmdline: 'get {{profile.url}}' })], resources })).bind({ profile: { url: 'https://{{host}}/{{role}}' }, host: 'h' });
    expect(spec(j).task.processes[0]?.cmdline).toBe('get https://h/r');
    const loop = compileJob(job(Task({ processes: [Process({ name: 'p', cmdline: 'x {{a}}' })], resources })).bind({ a: '{{b}}', b: '{{a}}' }));
    expect(loop.ok).toBe(false);
    if (!loop.ok) expect(loop.issues[0]?.message).toMatch(/refers back to itself/);
  });
});

describe('templated job keys', () => {
  const task = Task({ processes: [Process({ name: 'p', cmdline: 'run as {{role}} in {{cluster}}' })], resources });
  const templated = Job({ cluster: '{{where}}', role: '{{profile.role}}', environment: 'test', name: '{{profile.name}}', task }).bind({
    where: 'devcluster',
    profile: { role: 'www-data', name: 'web' },
  });

  it('are bound before the key is used, and {{role}} is the bound role', () => {
    expect(resolveJobKey(templated)).toEqual({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'web' });
    const s = spec(templated);
    expect(s.key).toEqual({ cluster: 'devcluster', role: 'www-data', environment: 'test', name: 'web' });
    expect(s.task.processes[0]?.cmdline).toBe('run as www-data in devcluster');
  });

  it('take --bind over the config, and stay templates where nothing binds them', () => {
    expect(resolveJobKey(templated, { 'profile.role': 'alice' }).role).toBe('alice');
    expect(spec(templated, { 'profile.role': 'alice' }).task.processes[0]?.cmdline).toBe('run as alice in devcluster');
    const unbound = Job({ cluster: 'c', role: '{{who}}', environment: 'test', task });
    expect(resolveJobKey(unbound)).toMatchObject({ role: '{{who}}', name: 'p' });
    const r = compileJob(unbound);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => formatPath(i.path))).toContain('key.role');
  });

  it('default the name to the task or first process name, bound in their own scope', () => {
    const named = Job({ cluster: 'c', role: 'r', environment: 'test', task: Task({ name: '{{n}}', processes: [Process({ name: 'p', cmdline: 'x' })], resources }).bind({ n: 'from-task' }) });
    expect(resolveJobKey(named).name).toBe('from-task');
    expect(spec(named).key.name).toBe('from-task');
  });
});
