import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * What the scheduler admits, beyond the JobSpec schema: limits that keep every job readable,
 * killable and runnable once it is accepted. Pure: a spec and the limits in, problems out.
 */

export interface AdmissionLimits {
  /** Aurora's `-max_tasks_per_job`. @default 4000 */
  readonly maxInstancesPerJob: number;
}

/** Aurora's default for the most instances one job may have. */
export const DEFAULT_MAX_INSTANCES_PER_JOB = 4000;

/**
 * The longest command line (and shell health check) in bytes. The executor hands it to
 * `bash -c` as one argument, and Linux refuses a single argument over 128 KiB
 * (MAX_ARG_STRLEN); binding ports and the instance into it may lengthen it a little.
 */
export const MAX_COMMAND_BYTES = 64 * 1024;

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
  spec.task.processes.forEach((p, i) => {
    const bytes = Buffer.byteLength(p.cmdline);
    if (bytes > MAX_COMMAND_BYTES) {
      problems.push({
        path: `task.processes[${i}].cmdline`,
        message: `the command line of process ${p.name} is ${bytes} bytes, more than the ${MAX_COMMAND_BYTES} a process can be started with; put the script in a file the task fetches or ships`,
      });
    }
  });
  const checker = spec.healthCheck?.checker;
  if (checker?.kind === 'shell' && Buffer.byteLength(checker.command) > MAX_COMMAND_BYTES) {
    problems.push({
      path: 'healthCheck.checker.command',
      message: `the health check command is ${Buffer.byteLength(checker.command)} bytes, more than ${MAX_COMMAND_BYTES}`,
    });
  }
  return problems;
}
