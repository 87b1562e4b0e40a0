import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AgentResources } from '../../scheduler/api/agent-protocol.js';
import { createObserverApp } from '../observer/app.js';
import { detectCgroups } from '../runner/cgroups.js';
import { DEFAULT_DOCKER_SOCKET, detectDocker } from '../runner/docker.js';
import { sandboxesDir } from '../runner/sandbox.js';
import { DEFAULT_GC, TaskManager } from '../runner/task-manager.js';
import { SchedulerClient } from './scheduler-client.js';
import { SyncLoop } from './sync-loop.js';
import { TaskCommands } from './task-commands.js';
import { agentVersion } from './version.js';

/**
 * The agent daemon put together: the task manager (re-attached to what the data dir holds), the
 * observer web server, and the sync loop with the scheduler. The CLI is a thin shell over this.
 */

export interface AgentOptions {
  readonly schedulerUrl: string;
  /** The cluster's agent secret, presented when registering. @default none */
  readonly agentSecret?: string;
  /** PEM certificates to trust for an https scheduler. @default the system's */
  readonly ca?: string;
  readonly dataDir: string;
  /** The name this host advertises; bound as `{{mesos.hostname}}`. */
  readonly host: string;
  readonly observerHost: string;
  /** 0 picks a free port. */
  readonly observerPort: number;
  readonly resources: AgentResources;
  readonly portRange: { readonly begin: number; readonly end: number };
  readonly attributes: Readonly<Record<string, string>>;
  readonly killGraceMs: number;
  /** @default 20000 */
  readonly syncWaitMs?: number;
  /** @default 600000 */
  readonly retentionMs?: number;
  /** @default 250 */
  readonly tickMs?: number;
  /** @default 500 */
  readonly initialBackoffMs?: number;
  /** Run tasks as their role's Unix user when root and the user exists. @default true */
  readonly runAsRole?: boolean;
  /** `auto` uses cgroups when the host allows, `monitor` never does. @default 'auto' */
  readonly enforcement?: 'auto' | 'monitor';
  /** @default 5000 */
  readonly sampleIntervalMs?: number;
  /** Sandbox garbage collection. @default DEFAULT_GC */
  readonly gc?: { readonly maxAgeMs: number; readonly maxTotalBytes: number; readonly intervalMs: number };
  /** @default /var/run/docker.sock */
  readonly dockerSocket?: string;
  /** Start processes through the spawn helper rather than by forking the agent. @default true */
  readonly spawnHelper?: boolean;
  /** Processes the spawn helper keeps made ahead for bursts of launches. @default DEFAULT_SPARES (4) */
  readonly spawnSpares?: number;
  readonly log: (line: string) => void;
}

export interface RunningAgent {
  /** Base URL of the observer, as advertised to the scheduler. */
  readonly observerUrl: string;
  readonly manager: TaskManager;
  readonly loop: SyncLoop;
  readonly observer: FastifyInstance;
  /** Stops the agent; with `killTasks`, kills every task first and tells the scheduler. */
  close(options?: { killTasks?: boolean }): Promise<void>;
}

/** The observer port is taken (or the address cannot be bound). */
export class ObserverListenError extends Error {
  override readonly name = 'ObserverListenError';
}

/** `http://host:port` a browser elsewhere can use: a wildcard bind advertises the host name. */
export function advertisedObserverUrl(bindHost: string, host: string, port: number): string {
  const name = bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '' ? host : bindHost;
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  await mkdir(options.dataDir, { recursive: true });
  const cgroups = options.enforcement === 'monitor' ? null : detectCgroups();
  // Said once the observer listens, so a start that fails prints only why.
  const startup = [
    cgroups
      ? `resource limits: cgroup ${cgroups.version} (memory under ${cgroups.memoryBase}${cgroups.cpuBase ? `, cpu under ${cgroups.cpuBase}` : ''})`
      : `resource limits: the monitor (${options.enforcement === 'monitor' ? '--enforcement monitor' : 'no usable cgroups on this host'})`,
  ];
  const docker = await detectDocker(options.dockerSocket ?? DEFAULT_DOCKER_SOCKET);
  startup.push(docker.available ? 'Docker engine: available' : `Docker engine: none (${docker.why})`);
  const manager = new TaskManager({
    dataDir: options.dataDir,
    host: options.host,
    killGraceMs: options.killGraceMs,
    ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
    ...(options.tickMs !== undefined ? { tickMs: options.tickMs } : {}),
    ...(options.sampleIntervalMs !== undefined ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
    runAsRole: options.runAsRole ?? true,
    cgroups,
    docker,
    gc: options.gc ?? DEFAULT_GC,
    ...(options.spawnHelper !== undefined ? { spawnHelper: options.spawnHelper } : {}),
    ...(options.spawnSpares !== undefined ? { spawnSpares: options.spawnSpares } : {}),
    console: (taskId, process, stream, line) => options.log(`[${taskId} ${process} ${stream}] ${line}`),
    log: options.log,
  });
  await manager.recover();
  manager.startMonitoring();

  const observer = createObserverApp({ dataDir: options.dataDir, host: options.host, schedulerUrl: options.schedulerUrl, log: options.log });
  try {
    await observer.listen({ host: options.observerHost, port: options.observerPort });
  } catch (err) {
    manager.close();
    const e = err as NodeJS.ErrnoException;
    const where = `${options.observerHost}:${options.observerPort}`;
    if (e.code === 'EADDRINUSE') {
      throw new ObserverListenError(`observer port ${where} is in use; pass --observer-port with a free port (0 picks one)`);
    }
    throw new ObserverListenError(`observer cannot listen on ${where}: ${e.message}`);
  }
  for (const line of startup) options.log(line);
  const { port } = observer.server.address() as AddressInfo;
  const observerUrl = advertisedObserverUrl(options.observerHost, options.host, port);

  const client = new SchedulerClient({
    url: options.schedulerUrl,
    ...(options.agentSecret ? { agentSecret: options.agentSecret } : {}),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  // aurora task run|scp: commands the scheduler relays, run in the tasks' sandboxes as their users.
  const identity = () => {
    const who = loop.identity;
    if (!who) throw new Error('the agent is not registered with the scheduler now');
    return who;
  };
  const commands = new TaskCommands({
    target: (taskId) => manager.commandTarget(taskId),
    upload: (commandId) => client.getCommandUpload(commandId, identity()),
    report: (commandId, result) => client.postCommandResult(commandId, result, identity()),
    log: options.log,
  });
  const loop = new SyncLoop({
    client,
    tasks: manager,
    dataDir: options.dataDir,
    registration: {
      host: options.host,
      observerUrl,
      attributes: { ...options.attributes },
      resources: options.resources,
      portRange: { begin: options.portRange.begin, end: options.portRange.end },
      version: agentVersion(),
      sandboxRoot: resolve(sandboxesDir(options.dataDir)),
      taskCommands: true,
    },
    onCommands: (relayed) => commands.handle(relayed),
    ...(options.syncWaitMs !== undefined ? { waitMs: options.syncWaitMs } : {}),
    ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
    log: options.log,
  });
  loop.start();

  let closing: Promise<void> | null = null;
  const close = (how: { killTasks?: boolean } = {}) => {
    closing ??= (async () => {
      if (how.killTasks) {
        // Keep syncing while the tasks die, so the scheduler sees KILLING and then KILLED.
        await manager.killAll('The agent is shutting down');
        await loop.stop();
        await loop.flush(2000);
      } else {
        await loop.stop();
      }
      // Commands users ran in tasks die with the agent (their timeouts would not outlive it).
      commands.close();
      manager.close();
      await observer.close();
      await client.close();
    })();
    return closing;
  };
  return { observerUrl, manager, loop, observer, close };
}
