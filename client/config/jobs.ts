import { compileJob, formatPath, type ConfigIssue } from '../../dsl/compile.js';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import { isJobDef, type JobDef } from '../../dsl/job.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { Bindings } from '../../dsl/templates.js';

/** The key a job definition will compile to (the name defaults to the task's, as compileJob does). */
export function keyOf(job: JobDef): JobKey {
  const name = job.name ?? job.task.name ?? job.task.processes[0]?.name ?? '';
  return { cluster: job.cluster, role: job.role, environment: job.environment, name };
}

export type JobsResult = { readonly ok: true; readonly jobs: readonly JobDef[] } | { readonly ok: false; readonly problem: string };

/**
 * The jobs a config defines: its exported `jobs` array (Aurora's `jobs = [...]`), else every
 * exported Job value, in export order. Pure.
 */
export function jobsDefinedBy(exports: Readonly<Record<string, unknown>>): JobsResult {
  if ('jobs' in exports) {
    const list = exports['jobs'];
    if (!Array.isArray(list)) return { ok: false, problem: "the exported 'jobs' is not an array of jobs" };
    const bad = list.findIndex((j) => !isJobDef(j));
    if (bad >= 0) return { ok: false, problem: `jobs[${bad}] is not a job: make it with Job({...}) or Service({...})` };
    return { ok: true, jobs: list as JobDef[] };
  }
  const jobs = Object.values(exports).filter(isJobDef);
  if (jobs.length === 0) {
    return { ok: false, problem: 'it defines no jobs: export `const jobs = [Job({...})]` or export Job values' };
  }
  return { ok: true, jobs };
}

function sameKey(a: JobKey, b: JobKey): boolean {
  return a.cluster === b.cluster && a.role === b.role && a.environment === b.environment && a.name === b.name;
}

/** The job whose key is `key`, or undefined. Pure. */
export function findJob(jobs: readonly JobDef[], key: JobKey): JobDef | undefined {
  return jobs.find((j) => sameKey(keyOf(j), key));
}

/** `a, b` for "it defines: ..." messages. */
export function definedKeys(jobs: readonly JobDef[]): string[] {
  return jobs.map((j) => formatJobKey(keyOf(j)));
}

export type CompiledJob = { readonly ok: true; readonly spec: JobSpec } | { readonly ok: false; readonly issues: readonly string[] };

/** Compiles one job; issues come back as `path.to.value: message` lines. Pure. */
export function compileDefinedJob(job: JobDef, bindings: Bindings): CompiledJob {
  const result = compileJob(job, bindings);
  if (result.ok) return result;
  return { ok: false, issues: result.issues.map(formatIssue) };
}

export function formatIssue(issue: ConfigIssue): string {
  const at = formatPath(issue.path);
  return at ? `${at}: ${issue.message}` : issue.message;
}
