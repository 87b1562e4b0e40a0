import { describe, expect, it } from 'vitest';
import { containerName, dockerContainerOf, dockerExecCmdline, dockerRunArgs, noDockerReason, shellQuote } from './docker.js';

// No Docker engine runs on the build machine: these test the argument building only. The runner
// test covers the no-engine path (the task fails at once with the reason).

describe('docker', () => {
  const container = {
    docker: {
      image: 'python:3.12',
      parameters: [{ name: 'memory', value: '128m' }],
      portMappings: { http: 8080, admin: 9090 },
      volumes: [{ containerPath: '/data', hostPath: '/srv/data', mode: 'RO' as const }],
    },
  };

  it('builds the docker run arguments: sandbox mounted, named ports mapped, parameters passed', () => {
    const args = dockerRunArgs({ taskId: 't-1', container, sandbox: '/var/sb/t-1', ports: { http: 31001 }, env: { MESOS_INSTANCE: '0' } });
    expect(args.slice(0, 6)).toEqual(['run', '-d', '--name', 'aurora-t-1', '--label', 'aurora.task-id=t-1']);
    expect(args).toContain('/var/sb/t-1:/mnt/mesos/sandbox:rw');
    expect(args).toContain('31001:8080');
    expect(args.join(' ')).not.toContain(':9090'); // admin was not assigned
    expect(args).toContain('/srv/data:/data:ro');
    expect(args).toContain('MESOS_INSTANCE=0');
    expect(args).toContain('--memory=128m');
    expect(args[args.indexOf('--entrypoint') + 2]).toBe('python:3.12');
  });

  it('runs a process with docker exec, quoted for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(dockerExecCmdline('t-1', "echo 'hi' $HOME", { A: 'b c' })).toBe(
      `exec docker exec -i -w /mnt/mesos/sandbox -e 'A=b c' ${containerName('t-1')} bash -c 'echo '\\''hi'\\'' $HOME'`,
    );
  });

  it("runs a Mesos container's Docker image as a Docker container on the host's network; refuses appc and image-less ones", () => {
    const volumes = [{ containerPath: 'etc/x', hostPath: '/etc/x', mode: 'RO' as const }];
    expect(dockerContainerOf(container)).toEqual({ ok: true, container });
    expect(dockerContainerOf({ mesos: { image: { kind: 'docker', name: 'http_example_netcat', tag: 'latest' }, volumes } })).toEqual({
      ok: true,
      container: { docker: { image: 'http_example_netcat:latest', parameters: [{ name: 'network', value: 'host' }], portMappings: {}, volumes } },
    });
    const appc = dockerContainerOf({ mesos: { image: { kind: 'appc', name: 'app', imageId: 'sha512-abc' }, volumes } });
    expect(appc).toEqual({
      ok: false,
      reason:
        'This agent has no Mesos containerizer; the task needs appc image app (sha512-abc). It runs Docker images only (Docker({ image }) or Mesos({ image: DockerImage(...) })), on agents with a Docker engine',
    });
    const none = dockerContainerOf({ mesos: { image: null, volumes } });
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toMatch(/^This agent has no Mesos containerizer; the task needs a Mesos container without an image/);
  });

  it('says why a task cannot run without an engine', () => {
    expect(noDockerReason('python:3.12', 'no /var/run/docker.sock')).toBe(
      'This agent has no Docker engine (no /var/run/docker.sock); the task needs image python:3.12',
    );
  });
});
