import { describe, expect, it } from 'vitest';
import { compileJob, formatPath } from './compile.js';
import { AppcImage, Docker, DockerImage, GB, Job, MB, Mesos, Mode, Process, Resources, Task, Volume, type ContainerDef } from './index.js';
import { ContainerSpecSchema } from './jobspec.js';

const task = Task({ processes: [Process({ name: 'p', cmdline: 'x' })], resources: Resources({ cpu: 1, ram: 64 * MB, disk: 1 * GB }) });
const compile = (container: ContainerDef) => compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', name: 'j', task, container }));

describe('containers', () => {
  const volumes = [
    Volume({ containerPath: 'etc/rsyslog.d.container', hostPath: '/etc/rsyslog.d', mode: Mode.RO }),
    Volume({ containerPath: 'data', hostPath: '/srv/data', mode: 'RW' }),
    Volume({ containerPath: 'plain', hostPath: '/srv/plain' }),
  ];

  it("compiles Aurora's unified containerizer: Mesos with a DockerImage or an AppcImage, and its volumes", () => {
    const docker = compile(Mesos({ image: DockerImage({ name: 'http_example_netcat', tag: 'latest' }), volumes }));
    if (!docker.ok) throw new Error(JSON.stringify(docker.issues));
    expect(docker.spec.container).toEqual({
      mesos: {
        image: { kind: 'docker', name: 'http_example_netcat', tag: 'latest' },
        volumes: [
          { containerPath: 'etc/rsyslog.d.container', hostPath: '/etc/rsyslog.d', mode: 'RO' },
          { containerPath: 'data', hostPath: '/srv/data', mode: 'RW' },
          { containerPath: 'plain', hostPath: '/srv/plain', mode: 'RO' },
        ],
      },
    });
    const appc = compileJob(
      Job({ cluster: 'c', role: 'r', environment: 'test', name: 'j', task, container: Mesos({ image: AppcImage({ name: 'app', imageId: '{{appc_image_id}}' }) }) }),
      { appc_image_id: 'sha512-abc' },
    );
    expect(appc.ok && appc.spec.container).toEqual({ mesos: { image: { kind: 'appc', name: 'app', imageId: 'sha512-abc' }, volumes: [] } });
    const bare = compile(Mesos());
    expect(bare.ok && bare.spec.container).toEqual({ mesos: { image: null, volumes: [] } });
    expect(compile(Mesos({ image: DockerImage({ name: 'x' }) })).ok && compile(Mesos({ image: DockerImage({ name: 'x' }) }))).toMatchObject({
      spec: { container: { mesos: { image: { tag: 'latest' } } } },
    });
  });

  it('keeps Docker as it was, volumes made with Volume() too', () => {
    const r = compile(Docker({ image: 'python:3.12', volumes }));
    expect(r.ok && r.spec.container).toMatchObject({ docker: { image: 'python:3.12', volumes: [{ mode: 'RO' }, { mode: 'RW' }, { mode: 'RO' }] } });
  });

  it('reports a problem inside a container at its path, not as an invalid union', () => {
    const r = compile(Mesos({ image: DockerImage({ name: '' }), volumes: [Volume({ containerPath: 'x', hostPath: '/x', mode: 'rw' as never })] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => formatPath(i.path))).toEqual(['container.mesos.image.name', 'container.mesos.volumes[0].mode']);
    expect(r.issues[0]?.message).toBe('a DockerImage needs a name');
    const d = compile(Docker({ image: 'x', portMappings: { http: '{{port}}' } }));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.issues.map((i) => [formatPath(i.path), i.message])).toEqual([['container.docker.portMappings.http', '{{port}} is not bound: pass --bind port=VALUE or define it with .bind()']]);
    expect(ContainerSpecSchema.safeParse({ docker: { image: 'x', parameters: [], portMappings: {}, volumes: [] } }).success).toBe(true);
  });
});
