import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * What the scheduler admits, beyond the JobSpec schema (which bounds command lines, see
 * MAX_COMMAND_BYTES): limits that keep every job readable, killable and runnable once it is
 * accepted, and the cluster's instance limit. Pure: a spec and the limits in, problems out.
 */

export interface AdmissionLimits {
  /** Aurora's `-max_tasks_per_job`. @default 4000 */
  readonly maxInstancesPerJob: number;
}

/** Aurora's default for the most instances one job may have. */
export const DEFAULT_MAX_INSTANCES_PER_JOB = 4000;

/**
 * The longest task id: it names the task's sandbox directory on the agent (a file name of at
 * most 255 bytes) and appears in URLs. Aurora reserves room the same way (MAX_TASK_ID_LENGTH).
 */
export const MAX_TASK_ID_LENGTH = 200;

/** `role-environment-name-instance-xxxxxxxx`: the id of a task of this job. */
export function taskIdLength(key: Pick<JobSpec['key'], 'role' | 'environment' | 'name'>, instance: number): number {
  return `${key.role}-${key.environment}-${key.name}-${instance}-`.length + 8;
}

export interface AdmissionProblem {
  /** Where in the spec, as in INVALID_JOB_SPEC details. */
  readonly path: string;
  readonly message: string;
}

export function admissionProblems(spec: JobSpec, limits: AdmissionLimits): AdmissionProblem[] {
  const problems: AdmissionProblem[] = [];
  const max = limits.maxInstancesPerJob;
  if (!Number.isInteger(spec.instances) || spec.instances < 1 || spec.instances > max) {
    problems.push({ path: 'instances', message: `Instance count must be between 1 and ${max} inclusive.` });
  }
  for (const [part, value] of [
    ['role', spec.key.role],
    ['environment', spec.key.environment],
    ['name', spec.key.name],
  ] as const) {
    if (value === '.' || value === '..') {
      problems.push({ path: `key.${part}`, message: `${part} must not be '.' or '..': URLs and sandbox paths would collapse it` });
    }
  }
  const longest = taskIdLength(spec.key, Math.max(0, Math.min(spec.instances, max) - 1));
  if (longest > MAX_TASK_ID_LENGTH) {
    problems.push({
      path: 'key.name',
      message: `Task ID is too long, please shorten your role or job name: its tasks' ids would be ${longest} characters, at most ${MAX_TASK_ID_LENGTH} fit`,
    });
  }
  return problems;
}
