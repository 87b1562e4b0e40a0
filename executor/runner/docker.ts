import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { containerName, dockerRunArgs, noDockerReason, type DockerRunInput } from '../core/docker.js';

/**
 * Docker, the I/O: whether this agent has an engine (a socket answering `GET /_ping`), starting a
 * task's container with the `docker` CLI and removing it. No engine runs on the machine this was
 * built on, so only the no-engine path is tested here; the arguments are tested in core/docker.ts.
 */

const run = promisify(execFile);

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface DockerEngine {
  readonly available: boolean;
  /** Why not, e.g. `no /var/run/docker.sock`. */
  readonly why: string;
}

export async function detectDocker(socket = DEFAULT_DOCKER_SOCKET, timeoutMs = 1000): Promise<DockerEngine> {
  if (!existsSync(socket)) return { available: false, why: `no ${socket}` };
  const dispatcher = new Agent({ connect: { socketPath: socket } });
  try {
    const res = await request('http://docker/_ping', { dispatcher, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.body.text();
    return res.statusCode === 200 && body.trim() === 'OK'
      ? { available: true, why: '' }
      : { available: false, why: `${socket} answered ${res.statusCode} to GET /_ping` };
  } catch (err) {
    return { available: false, why: `${socket} does not answer: ${(err as Error).message}` };
  } finally {
    await dispatcher.close();
  }
}

/** The reason a containerized task cannot run here, or null when it can. */
export function dockerProblem(engine: DockerEngine, image: string): string | null {
  return engine.available ? null : noDockerReason(image, engine.why);
}

export async function startContainer(input: DockerRunInput): Promise<void> {
  await run('docker', dockerRunArgs(input), { timeout: 10 * 60_000 });
}

export async function removeContainer(taskId: string): Promise<void> {
  try {
    await run('docker', ['rm', '-f', containerName(taskId)], { timeout: 60_000 });
  } catch {
    // already gone
  }
}
