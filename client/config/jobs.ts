import { compileJob, formatPath, resolveJobKey, type ConfigIssue } from '../../dsl/compile.js';
import { formatJobKey, type JobKey } from '../../dsl/job-key.js';
import { isJobDef, type JobDef } from '../../dsl/job.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { Bindings } from '../../dsl/templates.js';

/**
 * The key a job definition compiles to with `bindings` (the command line's `--bind` values): its
 * templates bound, the name defaulting to the task's, as compileJob does. Pure.
 */
export function keyOf(job: JobDef, bindings: Bindings = {}): JobKey {
  return resolveJobKey(job, bindings);
}

export type JobsResult = { readonly ok: true; readonly jobs: readonly JobDef[] } | { readonly ok: false; readonly problem: string };

/** The jobs of one exported value (`what` names it in messages): a job, or a list of jobs. */
function jobList(value: unknown, what: string): JobsResult {
  if (isJobDef(value)) return { ok: true, jobs: [value] };
  if (!Array.isArray(value)) return { ok: false, problem: `the exported ${what} is not a job or an array of jobs` };
  const bad = value.findIndex((j) => !isJobDef(j));
  if (bad >= 0) return { ok: false, problem: `${what}[${bad}] is not a job: make it with Job({...}) or Service({...})` };
  return { ok: true, jobs: value as JobDef[] };
}

/**
 * The jobs a config defines: its exported `jobs` array (Aurora's `jobs = [...]`), else its
 * default export (a job or an array of jobs), else every exported Job value, in export order.
 * Exporting both `jobs` and a different default is ambiguous, and refused. Pure.
 */
export function jobsDefinedBy(exports: Readonly<Record<string, unknown>>): JobsResult {
  const hasDefault = 'default' in exports && exports['default'] !== undefined;
  if ('jobs' in exports) {
    if (hasDefault && exports['default'] !== exports['jobs']) {
      return { ok: false, problem: "it exports both 'jobs' and a default; export the jobs one way: `export const jobs = [...]` or `export default [...]`" };
    }
    const list = exports['jobs'];
    if (!Array.isArray(list)) return { ok: false, problem: "the exported 'jobs' is not an array of jobs" };
    return jobList(list, 'jobs');
  }
  if (hasDefault) return jobList(exports['default'], 'default');
  const jobs = Object.values(exports).filter(isJobDef);
  if (jobs.length === 0) {
    return { ok: false, problem: 'it defines no jobs: export `const jobs = [Job({...})]`, `export default [Job({...})]` or export Job values' };
  }
  return { ok: true, jobs };
}

function sameKey(a: JobKey, b: JobKey): boolean {
  return a.cluster === b.cluster && a.role === b.role && a.environment === b.environment && a.name === b.name;
}

/** The job whose key (its templates bound with `bindings`) is `key`, or undefined. Pure. */
export function findJob(jobs: readonly JobDef[], key: JobKey, bindings: Bindings = {}): JobDef | undefined {
  return jobs.find((j) => sameKey(keyOf(j, bindings), key));
}

/** `a, b` for "it defines: ..." messages, with `bindings` bound into the keys. */
export function definedKeys(jobs: readonly JobDef[], bindings: Bindings = {}): string[] {
  return jobs.map((j) => formatJobKey(keyOf(j, bindings)));
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
