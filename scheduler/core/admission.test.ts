import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { admissionProblems, unresolvedTemplateProblems } from './admission.js';

/** The sample spec in a Docker container of `image`, its one process running `cmdline`. */
function inDocker(image: string, cmdline = 'echo hello'): JobSpec {
  const spec = sampleJobSpec();
  return {
    ...spec,
    container: { docker: { image, parameters: [], portMappings: {}, volumes: [] } },
    task: { ...spec.task, processes: spec.task.processes.map((p) => ({ ...p, cmdline })) },
  };
}

const RESOLVE_HINT =
  "which the aurora client resolves to an image digest through the cluster's Docker registry when it submits the job; " +
  'submit it with the aurora CLI (aurora job create, aurora update start, aurora cron schedule), or name the image yourself: --bind docker.image[team/app][1.0]=IMAGE';

describe('templates the client binds, left in a submitted spec', () => {
  it('a pinned image, a plain one, executor-time templates in command lines and Go templates pass', () => {
    expect(unresolvedTemplateProblems(inDocker(`registry.example.com/team/app@sha256:${'1'.repeat(64)}`))).toEqual([]);
    expect(unresolvedTemplateProblems(inDocker('busybox:1.36', "serve --port {{thermos.ports[http]}} && docker inspect -f '{{.Id}}' x"))).toEqual([]);
    expect(unresolvedTemplateProblems(sampleJobSpec())).toEqual([]);
  });

  it('{{docker.image[NAME][TAG]}} in the image: where it is, and how to resolve it', () => {
    expect(unresolvedTemplateProblems(inDocker('{{docker.image[team/app][1.0]}}'))).toEqual([
      { path: 'container.docker.image', message: `container.docker.image holds {{docker.image[team/app][1.0]}}, ${RESOLVE_HINT}` },
    ]);
  });

  it('{{docker.image[NAME][TAG]}} anywhere else is refused too, once per field', () => {
    const spec = inDocker('busybox', 'echo {{docker.image[team/app][1.0]}} {{ docker.image[team/app][1.0] }}');
    expect(unresolvedTemplateProblems(spec)).toEqual([
      { path: 'task.processes[0].cmdline', message: `task.processes[0].cmdline holds {{docker.image[team/app][1.0]}}, ${RESOLVE_HINT}` },
    ]);
  });

  it('any other template in an image: a client-time one names its --bind, an executor-time one says the agent does not bind it', () => {
    expect(unresolvedTemplateProblems(inDocker('team/app:{{version}}'))).toEqual([
      {
        path: 'container.docker.image',
        message:
          'container.docker.image holds {{version}}, a template the aurora client binds when it compiles the config, and nothing binds it later; ' +
          'submit the job with the aurora CLI and bind it (--bind version=VALUE), or send the image name itself',
      },
    ]);
    expect(unresolvedTemplateProblems(inDocker('team/app:{{mesos.instance}}'))).toEqual([
      {
        path: 'container.docker.image',
        message: 'container.docker.image holds {{mesos.instance}}; the agent binds {{thermos.*}} and {{mesos.*}} in command lines, never in an image: name the image itself',
      },
    ]);
    const mesos: JobSpec = { ...sampleJobSpec(), container: { mesos: { image: { kind: 'docker', name: 'team/app', tag: '{{tag}}' }, volumes: [] } } };
    expect(unresolvedTemplateProblems(mesos).map((p) => p.path)).toEqual(['container.mesos.image.tag']);
  });

  it('a template shown in a message is cut short', () => {
    const long = `{{docker.image[${'a'.repeat(500)}][1.0]}}`;
    const [problem] = unresolvedTemplateProblems(inDocker(long));
    expect(problem?.message.length).toBeLessThan(1000);
    expect(problem?.message).toContain(`holds {{docker.image[${'a'.repeat(185)}...,`);
  });

  it('is part of what the scheduler admits', () => {
    expect(admissionProblems(inDocker('{{docker.image[team/app][1.0]}}'), { maxInstancesPerJob: 10 }).map((p) => p.path)).toEqual(['container.docker.image']);
  });
});
