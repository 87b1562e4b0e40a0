import type { ContainerSpec, DockerContainerSpec } from '../../dsl/jobspec.js';

/**
 * A task in a Docker container, the pure part: the `docker run` arguments that start the task's
 * container (its sandbox mounted, its named ports mapped, the image kept alive by a small idle
 * loop) and the command line that runs one process in it with `docker exec`, so that every
 * process still goes through the agent's wrapper, logs and exit file. The I/O (is there an
 * engine, run the CLI) lives in runner/docker.ts.
 */

/** Where the sandbox appears inside the container (Mesos' convention). */
export const CONTAINER_SANDBOX = '/mnt/mesos/sandbox';

/** Docker names allow [a-zA-Z0-9_.-]; task ids already are. */
export function containerName(taskId: string): string {
  return `aurora-${taskId.replace(/[^\w.-]/g, '_')}`;
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface DockerRunInput {
  readonly taskId: string;
  readonly container: DockerContainerSpec;
  readonly sandbox: string;
  /** Ports the scheduler assigned, by name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Environment of the task's processes (the bindings). */
  readonly env: Readonly<Record<string, string>>;
}

/** `docker run -d --name aurora-<task> -v <sandbox>:/mnt/mesos/sandbox -p 31001:8080 ... image` as an argument list. */
export function dockerRunArgs(input: DockerRunInput): string[] {
  const { docker } = input.container;
  const args = ['run', '-d', '--name', containerName(input.taskId), '--label', `aurora.task-id=${input.taskId}`];
  args.push('-v', `${input.sandbox}:${CONTAINER_SANDBOX}:rw`, '-w', CONTAINER_SANDBOX);
  for (const [name, containerPort] of Object.entries(docker.portMappings).sort(([a], [b]) => a.localeCompare(b))) {
    const hostPort = input.ports[name];
    if (hostPort !== undefined) args.push('-p', `${hostPort}:${containerPort}`);
  }
  for (const v of docker.volumes) args.push('-v', `${v.hostPath}:${v.containerPath}:${v.mode === 'RO' ? 'ro' : 'rw'}`);
  for (const [k, v] of Object.entries(input.env).sort(([a], [b]) => a.localeCompare(b))) args.push('-e', `${k}=${v}`);
  for (const p of docker.parameters) args.push(`--${p.name}=${p.value}`);
  // Idle until removed; the processes come in through `docker exec`.
  args.push('--entrypoint', '/bin/sh', docker.image, '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done');
  return args;
}

/** The command line the wrapper runs on the host for one process of a containerized task. */
export function dockerExecCmdline(taskId: string, cmdline: string, env: Readonly<Record<string, string>>): string {
  const envArgs = Object.entries(env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `-e ${shellQuote(`${k}=${v}`)}`);
  return ['exec docker exec -i', `-w ${CONTAINER_SANDBOX}`, ...envArgs, containerName(taskId), 'bash -c', shellQuote(cmdline)].join(' ');
}

/**
 * How a task's container runs on this agent: a Docker container as it is; a Mesos (unified
 * containerizer) container with a Docker image as a Docker container of that image, on the host's
 * network as the unified containerizer runs it, its volumes mounted. An appc image, or a Mesos
 * container without an image, needs the Mesos containerizer, which this agent does not have: the
 * task fails with that reason. Pure.
 */
export function dockerContainerOf(container: ContainerSpec): { ok: true; container: DockerContainerSpec } | { ok: false; reason: string } {
  if ('docker' in container) return { ok: true, container };
  const { image, volumes } = container.mesos;
  if (image?.kind === 'docker') {
    const ref = `${image.name}:${image.tag}`;
    return { ok: true, container: { docker: { image: ref, parameters: [{ name: 'network', value: 'host' }], portMappings: {}, volumes } } };
  }
  const needs = image ? `appc image ${image.name} (${image.imageId})` : 'a Mesos container without an image';
  return {
    ok: false,
    reason: `This agent has no Mesos containerizer; the task needs ${needs}. It runs Docker images only (Docker({ image }) or Mesos({ image: DockerImage(...) })), on agents with a Docker engine`,
  };
}

/** The reason a task with a container fails on an agent without an engine; `why` is e.g. `no /var/run/docker.sock`. */
export function noDockerReason(image: string, why: string): string {
  return `This agent has no Docker engine (${why}); the task needs image ${image}`;
}
