import type { z } from 'zod';
import type { JobDef } from './job.js';
import { JobSpecSchema, type JobSpec } from './jobspec.js';
import type { ProcessDef } from './process.js';
import { MB } from './units.js';
import { bindDeep, portsReferenced, type Bindings, type Path } from './templates.js';
import { HEALTH_CHECK_DEFAULTS, type HealthCheckConfigDef, type HealthCheckerDef } from './health-check.js';
import { LIFECYCLE_DEFAULTS, type HttpLifecycleConfigProps, type LifecycleConfigDef } from './lifecycle.js';
import { LOGGER_DEFAULTS, type LoggerDef } from './logger.js';
import type { AnnouncerDef, PartitionPolicyDef, SlaPolicyDef } from './policies.js';
import type { DockerDef } from './container.js';
import { UPDATE_CONFIG_DEFAULTS, type UpdateConfigDef } from './update-config.js';

/** One thing wrong with a job definition, located by its path inside the job. */
export interface ConfigIssue {
  readonly path: Path;
  readonly message: string;
}

export type CompileResult =
  | { readonly ok: true; readonly spec: JobSpec }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Aurora's defaults, resolved in this one place. */
export const DEFAULTS = {
  process: { maxFailures: 1, daemon: false, ephemeral: false, minDuration: 5, final: false },
  task: { maxFailures: 1, maxConcurrency: 0, finalizationWait: 30 },
  job: {
    instances: 1,
    service: false,
    cronCollisionPolicy: 'KILL_EXISTING',
    production: false,
    priority: 0,
    maxTaskFailures: 1,
    cronTimezone: 'UTC',
  },
  resources: { gpu: 0 },
  partitionPolicy: { reschedule: true, delaySecs: 0 },
} as const;

function compileLogger(l: LoggerDef | undefined) {
  return {
    destination: l?.destination ?? LOGGER_DEFAULTS.destination,
    mode: l?.mode ?? LOGGER_DEFAULTS.mode,
    logSizeBytes: l?.rotate?.logSize ?? LOGGER_DEFAULTS.logSize,
    logBackups: l?.rotate?.backups ?? LOGGER_DEFAULTS.backups,
  };
}

function compileUpdateConfig(u: UpdateConfigDef | undefined) {
  const d = UPDATE_CONFIG_DEFAULTS;
  return {
    batchSize: u?.batchSize ?? d.batchSize,
    watchSecs: u?.watchSecs ?? d.watchSecs,
    maxPerInstanceFailures: u?.maxPerInstanceFailures ?? d.maxPerInstanceFailures,
    maxTotalFailures: u?.maxTotalFailures ?? d.maxTotalFailures,
    rollbackOnFailure: u?.rollbackOnFailure ?? d.rollbackOnFailure,
    waitForBatchCompletion: u?.waitForBatchCompletion ?? d.waitForBatchCompletion,
    pulseIntervalSecs: u?.pulseIntervalSecs ?? null,
  };
}

function compileChecker(c: HealthCheckerDef | undefined) {
  const d = HEALTH_CHECK_DEFAULTS;
  switch (c?.kind) {
    case 'ShellHealthChecker':
      return { kind: 'shell' as const, command: c.shellCommand };
    case 'TcpHealthChecker':
      return { kind: 'tcp' as const, port: c.port ?? d.port };
    default:
      return {
        kind: 'http' as const,
        port: c?.port ?? d.port,
        endpoint: c?.endpoint ?? d.endpoint,
        expectedResponse: c?.expectedResponse ?? d.expectedResponse,
        expectedResponseCode: c?.expectedResponseCode ?? d.expectedResponseCode,
      };
  }
}

function compileHealthCheck(h: HealthCheckConfigDef | undefined) {
  const d = HEALTH_CHECK_DEFAULTS;
  return {
    checker: compileChecker(h?.healthChecker),
    initialIntervalSecs: h?.initialIntervalSecs ?? d.initialIntervalSecs,
    intervalSecs: h?.intervalSecs ?? d.intervalSecs,
    timeoutSecs: h?.timeoutSecs ?? d.timeoutSecs,
    maxConsecutiveFailures: h?.maxConsecutiveFailures ?? d.maxConsecutiveFailures,
    minConsecutiveSuccesses: h?.minConsecutiveSuccesses ?? d.minConsecutiveSuccesses,
  };
}

function compileLifecycle(l: LifecycleConfigDef | undefined) {
  const d = LIFECYCLE_DEFAULTS;
  // No lifecycle at all means Aurora's default (HTTP on the `health` port); `http: null` turns it off.
  const http: HttpLifecycleConfigProps | null | undefined = l === undefined ? {} : l.http;
  if (http === null || http === undefined) return { http: null };
  return {
    http: {
      port: http.port ?? d.port,
      gracefulShutdownEndpoint: http.gracefulShutdownEndpoint ?? d.gracefulShutdownEndpoint,
      shutdownEndpoint: http.shutdownEndpoint ?? d.shutdownEndpoint,
      gracefulShutdownWaitSecs: http.gracefulShutdownWaitSecs ?? d.gracefulShutdownWaitSecs,
      shutdownWaitSecs: http.shutdownWaitSecs ?? d.shutdownWaitSecs,
    },
  };
}

function compileContainer(c: DockerDef | undefined) {
  if (!c) return null;
  return {
    docker: {
      image: c.image,
      parameters: (c.parameters ?? []).map((p) => ({ name: p.name, value: p.value })),
      portMappings: { ...(c.portMappings ?? {}) },
      volumes: (c.volumes ?? []).map((v) => ({ containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode ?? 'RO' })),
    },
  };
}

function compileAnnounce(a: AnnouncerDef | undefined) {
  if (!a) return null;
  const primaryPort = a.primaryPort ?? 'http';
  return { primaryPort, portmap: { ...(a.portmap ?? { aurora: primaryPort }) }, zkPath: a.zkPath ?? null };
}

function compileSlaPolicy(p: SlaPolicyDef | undefined) {
  switch (p?.kind) {
    case undefined:
      return null;
    case 'CountSlaPolicy':
      return { kind: 'count' as const, count: p.count, durationSecs: p.durationSecs ?? 0 };
    case 'PercentageSlaPolicy':
      return { kind: 'percentage' as const, percentage: p.percentage, durationSecs: p.durationSecs ?? 0 };
    case 'CoordinatorSlaPolicy':
      return { kind: 'coordinator' as const, coordinatorUrl: p.coordinatorUrl, statusKey: p.statusKey ?? 'drain' };
  }
}

function compilePartitionPolicy(p: PartitionPolicyDef | undefined) {
  const d = DEFAULTS.partitionPolicy;
  return { reschedule: p?.reschedule ?? d.reschedule, delaySecs: p?.delaySecs ?? d.delaySecs };
}

/** Port names an announcer publishes (its values that name ports rather than fix numbers). */
function announcedPorts(a: ReturnType<typeof compileAnnounce>): string[] {
  if (!a) return [];
  const names = [a.primaryPort, ...Object.values(a.portmap).filter((v): v is string => typeof v === 'string')];
  return names.filter((n) => !n.includes('{{') && !/^\d+$/.test(n));
}

function compileProcess(p: ProcessDef) {
  const d = DEFAULTS.process;
  return {
    name: p.name,
    cmdline: p.cmdline,
    maxFailures: p.maxFailures ?? d.maxFailures,
    daemon: p.daemon ?? d.daemon,
    ephemeral: p.ephemeral ?? d.ephemeral,
    minDurationSecs: p.minDuration ?? d.minDuration,
    final: p.final ?? d.final,
    logger: compileLogger(p.logger),
  };
}

/** Resolves defaults, binds client-time templates, collects named ports and validates. Pure. */
export function compileJob(job: JobDef, extraBindings: Bindings = {}): CompileResult {
  const task = job.task;
  const taskName = task.name ?? task.processes[0]?.name ?? '';
  const name = job.name ?? taskName;
  const bindings: Bindings = {
    ...extraBindings,
    cluster: job.cluster,
    role: job.role,
    environment: job.environment,
    name,
  };
  const raw = {
    key: { cluster: job.cluster, role: job.role, environment: job.environment, name },
    instances: job.instances ?? DEFAULTS.job.instances,
    service: job.service ?? DEFAULTS.job.service,
    cronSchedule: job.cronSchedule ?? null,
    cronCollisionPolicy: job.cronCollisionPolicy ?? DEFAULTS.job.cronCollisionPolicy,
    cronTimezone: job.cronTimezone ?? DEFAULTS.job.cronTimezone,
    production: job.production ?? DEFAULTS.job.production,
    tier: job.tier ?? null,
    priority: job.priority ?? DEFAULTS.job.priority,
    maxTaskFailures: job.maxTaskFailures ?? DEFAULTS.job.maxTaskFailures,
    constraints: { ...(job.constraints ?? {}) },
    contact: job.contact ?? null,
    metadata: Object.entries(job.metadata ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value })),
    ports: [] as string[],
    task: {
      name: taskName,
      processes: task.processes.map(compileProcess),
      constraints: (task.constraints ?? []).map((c) => ({ order: [...c.order] })),
      resources: {
        cpu: task.resources.cpu,
        ramMb: task.resources.ram / MB,
        diskMb: task.resources.disk / MB,
        gpu: task.resources.gpu ?? DEFAULTS.resources.gpu,
      },
      maxFailures: task.maxFailures ?? DEFAULTS.task.maxFailures,
      maxConcurrency: task.maxConcurrency ?? DEFAULTS.task.maxConcurrency,
      finalizationWaitSecs: task.finalizationWait ?? DEFAULTS.task.finalizationWait,
    },
    updateConfig: compileUpdateConfig(job.updateConfig),
    healthCheck: compileHealthCheck(job.healthCheckConfig),
    lifecycle: compileLifecycle(job.lifecycle),
    container: compileContainer(job.container),
    announce: compileAnnounce(job.announce),
    slaPolicy: compileSlaPolicy(job.slaPolicy),
    partitionPolicy: compilePartitionPolicy(job.partitionPolicy),
  };
  const unbound: { variable: string; path: Path }[] = [];
  const bound = bindDeep(raw, bindings, [], unbound);
  // Checkers and the lifecycle do not request their port: like Aurora, they apply only when the
  // task uses that port anyway.
  bound.ports = [
    ...new Set([...bound.task.processes.flatMap((p) => portsReferenced(p.cmdline)), ...announcedPorts(bound.announce)]),
  ].sort();

  const issues: ConfigIssue[] = unbound.map((u) => ({
    path: u.path,
    message: `{{${u.variable}}} is not bound: pass --bind ${u.variable}=VALUE or define it with .bind()`,
  }));
  const parsed = JobSpecSchema.safeParse(bound);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, spec: parsed.data };
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
}

/** `task.processes[0].cmdline` */
export function formatPath(path: Path): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
