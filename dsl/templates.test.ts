import { describe, expect, it } from 'vitest';
import { compileJob, formatPath } from './compile.js';
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

  it('lets inner binds win over outer ones, and over --bind', () => {
    const inner = Process({ name: 'inner', cmdline: 'echo {{v}}' }).bind({ v: 'process' });
    const outer = Process({ name: 'outer', cmdline: 'echo {{v}}' });
    const s = spec(job(Task({ processes: [inner, outer], resources }).bind({ v: 'task' })).bind({ v: 'job' }), { v: 'cli' });
    expect(s.task.processes.map((p) => p.cmdline)).toEqual(['echo process', 'echo task']);
    expect(spec(job(Task({ processes: [outer], resources })), { v: 'cli' }).task.processes[0]?.cmdline).toBe('echo cli');
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
