import type { z } from 'zod';
import type { JobDef } from './job.js';
import { JobSpecSchema, type JobSpec } from './jobspec.js';
import type { ProcessDef } from './process.js';
import { MB } from './units.js';
import { bindDeep, portsReferenced, type Bindings, type Path } from './templates.js';

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
  },
  resources: { gpu: 0 },
} as const;

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
  };
  const unbound: { variable: string; path: Path }[] = [];
  const bound = bindDeep(raw, bindings, [], unbound);
  bound.ports = [...new Set(bound.task.processes.flatMap((p) => portsReferenced(p.cmdline)))].sort();

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
