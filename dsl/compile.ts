import type { z } from 'zod';
import type { JobDef } from './job.js';
import { jobSpecSchemaFor, type JobSpec, type UpdateStrategySpec } from './jobspec.js';
import { keepCallSite } from './node.js';
import type { ProcessDef } from './process.js';
import { MB } from './units.js';
import { portAliases } from './port-aliases.js';
import {
  bindDeep,
  bindString,
  mergeBindings,
  portsReferencedDeep,
  type BindingValues,
  type Bindings,
  type Path,
  type UnboundVariable,
} from './templates.js';
import { HEALTH_CHECK_DEFAULTS, type HealthCheckConfigDef, type HealthCheckerDef } from './health-check.js';
import { LIFECYCLE_DEFAULTS, type HttpLifecycleConfigProps, type LifecycleConfigDef } from './lifecycle.js';
import { LOGGER_DEFAULTS, type LoggerDef } from './logger.js';
import type { AnnouncerDef, PartitionPolicyDef, SlaPolicyDef } from './policies.js';
import type { DockerDef } from './container.js';
import { UPDATE_CONFIG_DEFAULTS, type UpdateConfigDef, type UpdateStrategyDef } from './update-config.js';

/** One thing wrong with a job definition, located by its path inside the job. */
export interface ConfigIssue {
  readonly path: Path;
  /** What was expected (zod's message, or the rule broken). */
  readonly message: string;
  /** The value found at the path, when the issue is about a value. */
  readonly found?: unknown;
  /** The DSL object that wrote the value, for locating it in the config. */
  readonly origin?: IssueOrigin;
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

/** The strategy an update runs with: the one given, else the batchSize/waitForBatchCompletion shorthand's. */
function compileUpdateStrategy(u: UpdateConfigDef | undefined): UpdateStrategySpec {
  const d = UPDATE_CONFIG_DEFAULTS;
  const s: UpdateStrategyDef | undefined = u?.updateStrategy;
  switch (s?.kind) {
    case 'QueueUpdateStrategy':
      return { kind: 'queue', groupSize: s.batchSize ?? d.batchSize };
    case 'BatchUpdateStrategy':
      return { kind: 'batch', batchSize: s.batchSize ?? d.batchSize, autopauseAfterBatch: s.autopauseAfterBatch ?? d.autopauseAfterBatch };
    case 'VariableBatchUpdateStrategy':
      return { kind: 'variable', batchSizes: [...(s.batchSizes ?? [])], autopauseAfterBatch: s.autopauseAfterBatch ?? d.autopauseAfterBatch };
    default: {
      const size = u?.batchSize ?? d.batchSize;
      return (u?.waitForBatchCompletion ?? d.waitForBatchCompletion)
        ? { kind: 'batch', batchSize: size, autopauseAfterBatch: false }
        : { kind: 'queue', groupSize: size };
    }
  }
}

function compileUpdateConfig(u: UpdateConfigDef | undefined) {
  const d = UPDATE_CONFIG_DEFAULTS;
  return {
    strategy: compileUpdateStrategy(u),
    watchSecs: u?.watchSecs ?? d.watchSecs,
    maxPerInstanceFailures: u?.maxPerInstanceFailures ?? d.maxPerInstanceFailures,
    maxTotalFailures: u?.maxTotalFailures ?? d.maxTotalFailures,
    rollbackOnFailure: u?.rollbackOnFailure ?? d.rollbackOnFailure,
    pulseIntervalSecs: u?.pulseIntervalSecs ?? null,
    slaAware: u?.slaAware ?? d.slaAware,
  };
}

const STRATEGY_SIZE: Readonly<Record<UpdateStrategyDef['kind'], string>> = {
  QueueUpdateStrategy: 'QueueUpdateStrategy({ batchSize: N })',
  BatchUpdateStrategy: 'BatchUpdateStrategy({ batchSize: N })',
  VariableBatchUpdateStrategy: 'VariableBatchUpdateStrategy({ batchSizes: [...] })',
};

/**
 * An updateStrategy with the batchSize/waitForBatchCompletion shorthand is ambiguous (Aurora
 * refuses it too): which one to keep, at the shorthand's field. Pure.
 */
function updateConfigIssues(u: UpdateConfigDef | undefined): ConfigIssue[] {
  const s = u?.updateStrategy;
  if (!u || !s) return [];
  const issues: ConfigIssue[] = [];
  if (u.batchSize !== undefined) {
    issues.push({
      path: ['updateConfig', 'batchSize'],
      message:
        `updateConfig sets both updateStrategy (${s.kind}) and batchSize; keep one: ` +
        `give the size to the strategy (${STRATEGY_SIZE[s.kind]}) and remove batchSize, or remove updateStrategy`,
    });
  }
  if (u.waitForBatchCompletion !== undefined) {
    issues.push({
      path: ['updateConfig', 'waitForBatchCompletion'],
      message:
        `updateConfig sets both updateStrategy (${s.kind}) and waitForBatchCompletion; keep one: ` +
        'remove waitForBatchCompletion (BatchUpdateStrategy waits for whole batches, QueueUpdateStrategy does not), or remove updateStrategy',
    });
  }
  return issues;
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

export interface CompileOptions {
  /** Environments the job's cluster allows besides Aurora's (clusters.json `allowed_environments`). @default [] */
  readonly extraEnvironments?: readonly string[];
}

/**
 * Where a spec value came from: the DSL object that wrote it and the name of its field there
 * (`minDuration` for `minDurationSecs`). The client maps the object's call site to a config line.
 */
export interface IssueOrigin {
  readonly node: object;
  readonly field?: string;
}

interface OriginRecord {
  readonly path: Path;
  readonly node: object;
  /** Spec field name to DSL field name, where they differ. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** The DSL object (and its field) that wrote the value at `path` of the spec. Pure. */
export function originOf(path: Path, origins: readonly OriginRecord[]): IssueOrigin | undefined {
  let fallback: IssueOrigin | undefined;
  for (let k = path.length; k >= 0; k--) {
    const prefix = path.slice(0, k);
    const here = origins.filter((o) => o.path.length === k && o.path.every((p, i) => p === prefix[i])).reverse();
    for (const o of here) {
      const specField = path[k];
      if (typeof specField === 'string') {
        const field = o.fields?.[specField] ?? specField;
        if (Object.prototype.hasOwnProperty.call(o.node, field)) return { node: o.node, field };
      }
      fallback ??= { node: o.node };
    }
  }
  return fallback;
}

/**
 * Applies `.bind()` bindings scoped to the objects that carry them (inner binds win), returning
 * plain copies that keep each DSL object's call site. Variables no scope binds are left for the
 * job-level pass (`{{cluster}}`..., `--bind`). Pure.
 */
function applyScopedBindings<T>(value: T, scope: BindingValues, problems: Map<string, string>): T {
  if (typeof value === 'string') {
    if (Object.keys(scope).length === 0) return value;
    const found: UnboundVariable[] = [];
    const out = bindString(value, scope, [], found, { reportUnbound: false });
    for (const f of found) if (f.problem) problems.set(f.variable, f.problem);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => applyScopedBindings(v, scope, problems)) as T;
  if (value !== null && typeof value === 'object') {
    const own = (value as { bindings?: BindingValues }).bindings;
    const inner = own ? mergeBindings(scope, own) : scope;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'bindings') out[k] = applyScopedBindings(v, inner, problems);
    return keepCallSite(out, value) as T;
  }
  return value;
}

/** Aurora's constraint value forms; every problem with the attribute's path. Pure. */
function constraintIssues(constraints: Readonly<Record<string, string>>, role: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const VALUE = /^[^\s,!]+$/;
  for (const [attribute, raw] of Object.entries(constraints)) {
    const path = ['constraints', attribute];
    const value = String(raw);
    if (attribute === 'dedicated') {
      const m = /^([\w\-.]+|\*)\/[\w\-.*]+$/.exec(value);
      if (!m) issues.push({ path, message: `the dedicated constraint must be 'role/group' (or '*/group'); found '${value}'` });
      else if (m[1] !== '*' && m[1] !== role) {
        issues.push({ path, message: `the dedicated constraint names role '${m[1]}', but the job's role is '${role}'; use '${role}/...' or '*/...'` });
      }
      continue;
    }
    if (value.startsWith('limit:')) {
      const n = value.slice('limit:'.length);
      if (!/^[1-9]\d*$/.test(n)) issues.push({ path, message: `a limit constraint is 'limit:N' with N a whole number of at least 1; found '${value}'` });
      continue;
    }
    const values = (value.startsWith('!') ? value.slice(1) : value).split(',');
    if (values.some((v) => !VALUE.test(v))) {
      issues.push({ path, message: `a constraint is a value ('r1'), values ('r1,r2'), negated values ('!r1') or 'limit:N'; found '${value}'` });
    }
  }
  return issues;
}

/** Resolves defaults, binds client-time templates, collects named ports and validates. Pure. */
export function compileJob(jobDef: JobDef, extraBindings: Bindings = {}, options: CompileOptions = {}): CompileResult {
  const scopedProblems = new Map<string, string>();
  const job = applyScopedBindings(jobDef, {}, scopedProblems);
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
  const origins: OriginRecord[] = [];
  const at = (path: Path, node: object | undefined, fields?: Record<string, string>): void => {
    if (node) origins.push({ path, node, ...(fields ? { fields } : {}) });
  };
  at([], job, { healthCheck: 'healthCheckConfig' });
  at(['key'], job);
  at(['task'], task, { finalizationWaitSecs: 'finalizationWait' });
  task.processes.forEach((p, i) => {
    at(['task', 'processes', i], p, { minDurationSecs: 'minDuration' });
    at(['task', 'processes', i, 'logger'], p.logger, { logSizeBytes: 'rotate', logBackups: 'rotate' });
    at(['task', 'processes', i, 'logger'], p.logger?.rotate, { logSizeBytes: 'logSize', logBackups: 'backups' });
  });
  (task.constraints ?? []).forEach((c, i) => at(['task', 'constraints', i], c));
  at(['task', 'resources'], task.resources, { ramMb: 'ram', diskMb: 'disk' });
  at(['updateConfig'], job.updateConfig);
  at(['updateConfig', 'strategy'], job.updateConfig?.updateStrategy, { groupSize: 'batchSize' });
  at(['healthCheck'], job.healthCheckConfig, { checker: 'healthChecker' });
  at(['healthCheck', 'checker'], job.healthCheckConfig?.healthChecker, { command: 'shellCommand' });
  at(['lifecycle'], job.lifecycle);
  at(['lifecycle', 'http'], job.lifecycle?.http ?? undefined);
  at(['container'], job.container, { docker: 'image' });
  at(['container', 'docker'], job.container);
  at(['announce'], job.announce);
  at(['slaPolicy'], job.slaPolicy);
  at(['partitionPolicy'], job.partitionPolicy);

  const raw = {
    key: { cluster: job.cluster, role: job.role, environment: job.environment, name },
    instances: job.instances ?? DEFAULTS.job.instances,
    service: job.service ?? DEFAULTS.job.service,
    cronSchedule: job.cronSchedule ?? null,
    cronCollisionPolicy: job.cronCollisionPolicy ?? DEFAULTS.job.cronCollisionPolicy,
    // Unset stays null (the cluster's zone), so it is never mistaken for a chosen 'UTC'.
    cronTimezone: job.cronTimezone ?? null,
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
  const unbound: UnboundVariable[] = [];
  const bound = bindDeep(raw, bindings, [], unbound);
  // Every port the job names through {{thermos.ports[name]}} anywhere, maps into its container or
  // announces. Checkers and the lifecycle do not request their port: like Aurora, they apply only
  // when the task uses that port anyway.
  const ports = portsReferencedDeep(bound);
  for (const p of announcedPorts(bound.announce)) ports.add(p);
  for (const p of Object.keys(bound.container?.docker.portMappings ?? {})) ports.add(p);
  // An alias is its target's port: the target is requested, the alias never on its own.
  for (const [alias, target] of portAliases(bound.announce)) {
    if (ports.delete(alias)) ports.add(target);
  }
  bound.ports = [...ports].sort();

  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const u of unbound) {
    const id = `${u.variable}@${formatPath(u.path)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push({
      path: u.path,
      message: u.problem ?? scopedProblems.get(u.variable) ?? `{{${u.variable}}} is not bound: pass --bind ${u.variable}=VALUE or define it with .bind()`,
    });
  }
  issues.push(...constraintIssues(bound.constraints, bound.key.role));
  issues.push(...updateConfigIssues(job.updateConfig));
  const parsed = jobSpecSchemaFor(options.extraEnvironments).safeParse(bound);
  if (!parsed.success) issues.push(...zodIssues(parsed.error, bound).map((i) => atShorthand(i, job.updateConfig)));
  if (issues.length > 0 || !parsed.success) {
    return {
      ok: false,
      issues: issues.map((i) => {
        const origin = originOf(i.path, origins);
        return origin ? { ...i, origin } : i;
      }),
    };
  }
  return { ok: true, spec: parsed.data };
}

/** A size the batchSize shorthand resolved into a strategy is reported at batchSize, where it was written. */
function atShorthand(issue: ConfigIssue, u: UpdateConfigDef | undefined): ConfigIssue {
  const [a, b, c] = issue.path;
  if (u?.updateStrategy !== undefined || a !== 'updateConfig' || b !== 'strategy' || (c !== 'groupSize' && c !== 'batchSize')) return issue;
  return { ...issue, path: ['updateConfig', 'batchSize'] };
}

function zodIssues(error: z.ZodError, value: unknown): ConfigIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const found = valueAt(value, path);
    return { path, message: i.message, found };
  });
}

function valueAt(value: unknown, path: Path): unknown {
  let v: unknown = value;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** How a found value reads in a message: `'0.1'` (a string), `0`, `null`, `undefined`. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? `a list of ${value.length}` : 'an object';
  return String(value);
}

/** `task.processes[0].cmdline` */
export function formatPath(path: Path): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}
