import { describe, expect, it } from 'vitest';
import { compileJob, formatPath } from './compile.js';
import { Default, Float, GB, Integer, Job, MB, Process, Required, Resources, Service, Struct, Task } from './index.js';
import { missingFields } from './struct.js';

const resources = Resources({ cpu: 1, ram: 64 * MB, disk: 1 * GB });

describe('Struct', () => {
  const Profile = Struct({
    role: Default(String, 'www-data'),
    cmd: Default(String, 'cp /vagrant/app.py .'),
    gpu: Default(Integer, 0),
    instances: Default(Integer, 1),
    share: Default(Float, 0.5),
    verbose: Default(Boolean, false),
    note: String,
  });

  it('makes frozen plain values with the defaults filled in, and the given fields over them', () => {
    expect(Profile()).toEqual({ role: 'www-data', cmd: 'cp /vagrant/app.py .', gpu: 0, instances: 1, share: 0.5, verbose: false });
    expect(Profile({ cmd: 'cp /tmp/app.py .', note: 'n' })).toMatchObject({ cmd: 'cp /tmp/app.py .', note: 'n', instances: 1 });
    expect(Object.isFrozen(Profile())).toBe(true);
    expect(JSON.parse(JSON.stringify(Profile({ gpu: 1 })))).toEqual({ role: 'www-data', cmd: 'cp /vagrant/app.py .', gpu: 1, instances: 1, share: 0.5, verbose: false });
  });

  it('binds like any object: {{profile.x}} anywhere in the job, templated numbers included', () => {
    const job = Service({
      cluster: 'devcluster',
      role: '{{profile.role}}',
      environment: 'test',
      name: 'app',
      instances: '{{profile.instances}}',
      contact: '{{profile.role}}@localhost',
      task: Task({ processes: [Process({ name: 'stage', cmdline: '{{profile.cmd}}' })], resources: Resources({ cpu: 0.5, ram: 32 * MB, disk: 64 * MB, gpu: '{{profile.gpu}}' }) }),
    });
    const r = compileJob(job.bind({ profile: Profile({ gpu: 1 }) }));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.spec.key.role).toBe('www-data');
    expect(r.spec.contact).toBe('www-data@localhost');
    expect(r.spec.instances).toBe(1);
    expect(r.spec.task.resources.gpu).toBe(1);
    expect(r.spec.task.processes[0]?.cmdline).toBe('cp /vagrant/app.py .');
    // --bind beats the bound profile's field (Aurora's end-to-end `--bind profile.instances=3`).
    const three = compileJob(job.bind({ profile: Profile() }), { 'profile.instances': '3' });
    expect(three.ok && three.spec.instances).toBe(3);
  });

  it("binds a field's template that names a sibling field within the value, as Pystachio does, and leaves the rest to the job", () => {
    const Python = Struct({ version: Default(String, '2.7'), base: Default(String, 'Python-{{version}}'), url: Default(String, '{{mirror}}/{{self.base}}.tgz') });
    expect(Python()).toMatchObject({ base: 'Python-2.7', url: '{{mirror}}/Python-2.7.tgz' });
    expect(Python({ version: '3.12' }).base).toBe('Python-3.12');
    const job = Job({ cluster: 'c', role: 'r', environment: 'test', name: 'j', task: Task({ processes: [Process({ name: 'fetch', cmdline: 'curl {{python.url}}' })], resources }) });
    const r = compileJob(job.bind({ python: Python({ version: '3.12' }) }), { mirror: 'http://m' });
    expect(r.ok && r.spec.task.processes[0]?.cmdline).toBe('curl http://m/Python-3.12.tgz');
  });

  it('nests: a Struct field of a Struct type', () => {
    const Outer = Struct({ inner: Default(Profile, Profile({ cmd: 'inner' })), name: Required(String) });
    const v = Outer({ name: 'x' });
    expect(v.inner.cmd).toBe('inner');
    const job = Job({ cluster: 'c', role: 'r', environment: 'test', task: Task({ processes: [Process({ name: 'p', cmdline: '{{o.inner.cmd}} {{o.name}}' })], resources }) });
    const r = compileJob(job.bind({ o: v }));
    expect(r.ok && r.spec.task.processes[0]?.cmdline).toBe('inner x');
  });

  it('says so when a Required field was left out (past the type check) and a template needs it', () => {
    const Needs = Struct({ role: Required(String), n: Default(Integer, 1) });
    const value = (Needs as unknown as (p: object) => ReturnType<typeof Needs>)({});
    expect(missingFields(value)).toEqual(['role']);
    const job = Job({ cluster: 'c', role: '{{profile.role}}', environment: 'test', name: 'j', task: Task({ processes: [Process({ name: 'p', cmdline: 'x' })], resources }) });
    const r = compileJob(job.bind({ profile: value }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.map((i) => formatPath(i.path))).toContain('key.role');
      expect(r.issues.find((i) => formatPath(i.path) === 'key.role')?.message).toMatch(
        /\{\{profile\.role\}\} is not bound: role is Required in the Struct bound as profile, and it was not given; give it where the Struct value is made, or pass --bind profile\.role=VALUE/,
      );
    }
    // --bind fills it, as in Aurora.
    const ok = compileJob(job.bind({ profile: value }), { 'profile.role': 'alice' });
    expect(ok.ok && ok.spec.key.role).toBe('alice');
  });
});
