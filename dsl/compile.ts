import type { z } from 'zod';
import type { ContainerDef, VolumeProps } from './container.js';
import { DSL_DEFAULTS } from './defaults.js';
import type { JobDef } from './job.js';
import type { JobKey } from './key.js';
import { jobSpecSchemaFor, type JobSpec, type UpdateStrategySpec } from './jobspec.js';
import { keepCallSite } from './node.js';
import type { ProcessDef } from './process.js';
import { flatConstraints } from './task.js';
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
  type Scope,
  type UnboundVariable,
} from './templates.js';
import { HEALTH_CHECK_DEFAULTS, type HealthCheckConfigDef, type HealthCheckerDef } from './health-check.js';
import { LIFECYCLE_DEFAULTS, type HttpLifecycleConfigProps, type LifecycleConfigDef } from './lifecycle.js';
import { LOGGER_DEFAULTS, type LoggerDef } from './logger.js';
import type { AnnouncerDef, PartitionPolicyDef, SlaPolicyDef } from './policies.js';
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

/** Aurora's defaults (from the one table, dsl/defaults.ts), by the object they apply to. */
export const DEFAULTS = {
  process: DSL_DEFAULTS.ProcessProps,
  task: DSL_DEFAULTS.TaskProps,
  job: DSL_DEFAULTS.JobProps,
  resources: DSL_DEFAULTS.ResourcesProps,
  partitionPolicy: DSL_DEFAULTS.PartitionPolicyProps,
} as const;

function compileLogger(l: LoggerDef | undefined) {
  return {
    destination: l?.destination ?? LOGGER_DEFAULTS.destination,
    mode: l?.mode ?? LOGGER_DEFAULTS.mode,
    logSizeBytes: l?.rotate?.logSize ?? LOGGER_DEFAULTS.logSize,
    logBackups: l?.rotate?.backups ?? LOGGER_DEFAULTS.backups,
  };
}

/** A spec value before it is checked: numbers may still be `{{template}}` strings (see compileJob). */
type Unchecked<T> = T extends number ? T | string : T extends readonly (infer E)[] ? Unchecked<E>[] : T extends object ? { [K in keyof T]: Unchecked<T[K]> } : T;

/** The strategy an update runs with: the one given, else the batchSize/waitForBatchCompletion shorthand's. */
function compileUpdateStrategy(u: UpdateConfigDef | undefined): Unchecked<UpdateStrategySpec> {
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

function compileVolume(v: VolumeProps) {
  return { containerPath: v.containerPath, hostPath: v.hostPath, mode: v.mode ?? DSL_DEFAULTS.VolumeProps.mode };
}

function compileContainer(c: ContainerDef | undefined) {
  if (!c) return null;
  if (c.kind === 'Mesos') {
    const image = c.image;
    return {
      mesos: {
        image:
          image === undefined
            ? null
            : image.kind === 'AppcImage'
              ? { kind: 'appc' as const, name: image.name, imageId: image.imageId }
              : { kind: 'docker' as const, name: image.name, tag: image.tag ?? DSL_DEFAULTS.DockerImageProps.tag },
        volumes: (c.volumes ?? []).map(compileVolume),
      },
    };
  }
  return {
    docker: {
      image: c.image,
      parameters: (c.parameters ?? []).map((p) => ({ name: p.name, value: p.value })),
      portMappings: { ...(c.portMappings ?? {}) },
      volumes: (c.volumes ?? []).map(compileVolume),
    },
  };
}

function compileAnnounce(a: AnnouncerDef | undefined) {
  if (!a) return null;
  const primaryPort = a.primaryPort ?? DSL_DEFAULTS.AnnouncerProps.primaryPort;
  return { primaryPort, portmap: { ...(a.portmap ?? { aurora: primaryPort }) }, zkPath: a.zkPath ?? null };
}

function compileSlaPolicy(p: SlaPolicyDef | undefined) {
  switch (p?.kind) {
    case undefined:
      return null;
    case 'CountSlaPolicy':
      return { kind: 'count' as const, count: p.count, durationSecs: p.durationSecs ?? DSL_DEFAULTS.CountSlaPolicyProps.durationSecs };
    case 'PercentageSlaPolicy':
      return { kind: 'percentage' as const, percentage: p.percentage, durationSecs: p.durationSecs ?? DSL_DEFAULTS.PercentageSlaPolicyProps.durationSecs };
    case 'CoordinatorSlaPolicy':
      return { kind: 'coordinator' as const, coordinatorUrl: p.coordinatorUrl, statusKey: p.statusKey ?? DSL_DEFAULTS.CoordinatorSlaPolicyProps.statusKey };
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
 * The layers variables are looked up in at one object, the first winning: `--bind` values from
 * the command line, then the config's `.bind()`s (inner merged over outer), then the job's key.
 */
function layers(cli: Bindings, config: BindingValues, key: Bindings): readonly BindingValues[] {
  return [cli, config, key];
}

/**
 * Applies bindings to every string of a DSL object tree: the command line's over the `.bind()`s
 * of the objects that carry them (inner binds win), over the job's key. Returns plain copies that
 * keep each DSL object's call site. Variables nothing binds are left, for the report. Pure.
 */
function applyScopedBindings<T>(value: T, scope: BindingValues, outer: { cli: Bindings; key: Bindings }, problems: Map<string, string>): T {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    const found: UnboundVariable[] = [];
    const out = bindString(value, layers(outer.cli, scope, outer.key), [], found, { reportUnbound: false });
    for (const f of found) if (f.problem) problems.set(f.variable, f.problem);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v) => applyScopedBindings(v, scope, outer, problems)) as T;
  if (value !== null && typeof value === 'object') {
    const own = (value as { bindings?: BindingValues }).bindings;
    const inner = own ? mergeBindings(scope, own) : scope;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'bindings') out[k] = applyScopedBindings(v, inner, outer, problems);
    return keepCallSite(out, value) as T;
  }
  return value;
}

/**
 * The key a job compiles to, its templates bound (`role: '{{profile.role}}'` with the job's
 * `.bind({ profile })`, or `--bind profile.role=...`, which wins): what `aurora job inspect KEY`
 * is matched against. The name defaults to the task's, then to its first process's, each bound in
 * its own scope. Variables nothing binds stay as they are. Pure.
 */
export function resolveJobKey(job: JobDef, cli: Bindings = {}): JobKey {
  const bind = (text: string, scope: BindingValues): string =>
    text.includes('{{') ? bindString(text, [cli, scope], [], [], { reportUnbound: false }) : text;
  const jobScope = mergeBindings({}, job.bindings ?? {});
  const taskScope = mergeBindings(jobScope, job.task.bindings ?? {});
  const first = job.task.processes[0];
  const name =
    job.name !== undefined
      ? bind(job.name, jobScope)
      : job.task.name !== undefined
        ? bind(job.task.name, taskScope)
        : first
          ? bind(first.name, mergeBindings(taskScope, first.bindings ?? {}))
          : '';
  return { cluster: bind(job.cluster, jobScope), role: bind(job.role, jobScope), environment: bind(job.environment, jobScope), name };
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

/**
 * Resolves defaults, binds client-time templates, collects named ports and validates. `cli` are
 * the command line's `--bind` values: they win over every `.bind()` in the config, at every level
 * (Aurora's end-to-end test relies on `--bind profile.instances=3` over a bound profile). Number
 * fields may hold a `{{template}}`; once bound it must read as a number. Pure.
 */
export function compileJob(jobDef: JobDef, cli: Bindings = {}, options: CompileOptions = {}): CompileResult {
  const scopedProblems = new Map<string, string>();
  const key = resolveJobKey(jobDef, cli);
  const keyBindings: Bindings = { ...key };
  const job = applyScopedBindings(jobDef, {}, { cli, key: keyBindings }, scopedProblems);
  const task = job.task;
  const taskName = task.name ?? task.processes[0]?.name ?? '';
  const name = job.name ?? taskName;
  const constraints = flatConstraints(task.constraints);
  const bindings: Scope = [cli, keyBindings];
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
  constraints.forEach((c, i) => at(['task', 'constraints', i], c));
  at(['task', 'resources'], task.resources, { ramMb: 'ram', diskMb: 'disk' });
  at(['updateConfig'], job.updateConfig);
  at(['updateConfig', 'strategy'], job.updateConfig?.updateStrategy, { groupSize: 'batchSize' });
  at(['healthCheck'], job.healthCheckConfig, { checker: 'healthChecker' });
  at(['healthCheck', 'checker'], job.healthCheckConfig?.healthChecker, { command: 'shellCommand' });
  at(['lifecycle'], job.lifecycle);
  at(['lifecycle', 'http'], job.lifecycle?.http ?? undefined);
  at(['container'], job.container, { docker: 'image', mesos: 'image' });
  at(['container', 'docker'], job.container);
  at(['container', 'mesos'], job.container);
  at(['container', 'mesos', 'image'], job.container?.kind === 'Mesos' ? job.container.image : undefined, { imageId: 'imageId' });
  if (job.container?.kind === 'Mesos') job.container.volumes?.forEach((v, i) => at(['container', 'mesos', 'volumes', i], v));
  if (job.container?.kind === 'Docker') job.container.volumes?.forEach((v, i) => at(['container', 'docker', 'volumes', i], v));
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
    // Aurora derives production from the tier (TierInfo.isProduction): only 'preferred' is.
    production: job.production ?? job.tier === 'preferred',
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
      constraints: constraints.map((c) => ({ order: [...c.order] })),
      resources: {
        cpu: task.resources.cpu,
        ramMb: inMb(task.resources.ram),
        diskMb: inMb(task.resources.disk),
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
  for (const p of Object.keys(bound.container?.docker?.portMappings ?? {})) ports.add(p);
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
  const parsed = parseWithNumbers(jobSpecSchemaFor(options.extraEnvironments), bound);
  if (!parsed.success) {
    // A number field whose template is unbound was reported above, by its variable.
    const reported = new Set(issues.map((i) => formatPath(i.path)));
    const more = zodIssues(parsed.error, bound).filter((i) => !(typeof i.found === 'string' && i.found.includes('{{') && reported.has(formatPath(i.path))));
    issues.push(...more.map((i) => atShorthand(i, job.updateConfig)));
  }
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

/** Sizes in bytes (a number, or a string of one once its template is bound) in MiB; anything else as it is. */
function inMb(bytes: number | string): number | string {
  const n = typeof bytes === 'number' ? bytes : numberIn(bytes);
  return n === undefined ? bytes : n / MB;
}

const NUMBER_TEXT = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*$/i;

/** The number a bound template reads as (`'3'`, `'0.5'`), or undefined. Pure. */
export function numberIn(text: string): number | undefined {
  return NUMBER_TEXT.test(text) ? Number(text) : undefined;
}

type ZodIssue = z.core.$ZodIssue;

/**
 * A union's issues as those of its most specific branch (the one that got deepest into the
 * value), so `container.docker.portMappings.http` is reported rather than "Invalid input".
 */
function flatIssues(issues: readonly ZodIssue[], prefix: readonly PropertyKey[] = []): ZodIssue[] {
  return issues.flatMap((i): ZodIssue[] => {
    const path = [...prefix, ...i.path];
    if (i.code !== 'invalid_union' || i.errors.length === 0) return [{ ...i, path }];
    const depth = (branch: readonly ZodIssue[]) => Math.min(...branch.map((b) => b.path.length));
    const best = i.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    return depth(best) > 0 ? flatIssues(best, path) : [{ ...i, path }];
  });
}

function isNumberExpected(i: ZodIssue): boolean {
  return i.code === 'invalid_type' && i.expected === 'number';
}

/**
 * Parses the spec, reading each number field that holds a string (a bound `{{template}}`) as the
 * number it spells, as Pystachio coerces `'{{profile.instances}}'` to an Integer. A string that
 * is no number is left for the report. Mutates `value`, a fresh copy made by bindDeep.
 */
function parseWithNumbers<S extends z.ZodType>(schema: S, value: Record<string, unknown>): z.ZodSafeParseResult<z.output<S>> {
  let parsed = schema.safeParse(value);
  for (let round = 0; !parsed.success && round < 5; round++) {
    let changed = false;
    for (const i of flatIssues(parsed.error.issues)) {
      if (!isNumberExpected(i)) continue;
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const found = valueAt(value, path);
      const n = typeof found === 'string' ? numberIn(found) : undefined;
      if (n !== undefined && setAt(value, path, n)) changed = true;
    }
    if (!changed) break;
    parsed = schema.safeParse(value);
  }
  return parsed;
}

function setAt(value: unknown, path: Path, to: unknown): boolean {
  const parent = valueAt(value, path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent === null || typeof parent !== 'object' || last === undefined) return false;
  (parent as Record<string | number, unknown>)[last] = to;
  return true;
}

function zodIssues(error: z.ZodError, value: unknown): ConfigIssue[] {
  return flatIssues(error.issues).map((i) => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const found = valueAt(value, path);
    const message = isNumberExpected(i) && typeof found === 'string' ? 'expected a number' : i.message;
    return { path, message, found };
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
