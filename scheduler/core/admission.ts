import type { JobSpec } from '../../dsl/jobspec.js';
import { dockerImageVariable, isExecutorTimeVariable } from '../../dsl/templates.js';

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
  problems.push(...unresolvedTemplateProblems(spec));
  return problems;
}

/** A `{{...}}` template in a string, with what it names. */
const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
/** A template is shown in a message at most this long (a raw API client may send anything). */
const MAX_SHOWN_TEMPLATE = 200;
/** The fields that name a container's image: nothing binds a template in them on the agent. */
const IMAGE_FIELDS: ReadonlySet<string> = new Set(['container.docker.image', 'container.mesos.image.name', 'container.mesos.image.tag', 'container.mesos.image.imageId']);

/**
 * Templates the client binds that a submitted spec still holds: a `{{docker.image[NAME][TAG]}}`
 * anywhere (the aurora CLI pins it through the cluster's Docker registry when it submits the job),
 * and any `{{...}}` in a container's image (no one binds those later: the agent would pull an
 * image literally named `{{...}}`). A raw API client or an old CLI can send either. One problem
 * per template and field, each saying where it is and how to resolve it. Pure.
 */
export function unresolvedTemplateProblems(spec: JobSpec): AdmissionProblem[] {
  const problems: AdmissionProblem[] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (value.includes('{{')) problems.push(...templateProblems(value, path));
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, path === '' ? k : `${path}.${k}`);
    }
  };
  walk(spec, '');
  return problems;
}

function templateProblems(text: string, path: string): AdmissionProblem[] {
  const problems: AdmissionProblem[] = [];
  const seen = new Set<string>();
  for (const m of text.matchAll(TEMPLATE)) {
    const variable = (m[1] as string).trim();
    if (seen.has(variable)) continue;
    seen.add(variable);
    const image = dockerImageVariable(variable);
    const shown = clip(`{{${variable}}}`);
    if (image) {
      const bind = clip(`docker.image[${image.name}][${image.tag}]`);
      problems.push({
        path,
        message:
          `${path} holds ${shown}, which the aurora client resolves to an image digest through the cluster's Docker registry when it submits the job; ` +
          `submit it with the aurora CLI (aurora job create, aurora update start, aurora cron schedule), or name the image yourself: --bind ${bind}=IMAGE`,
      });
    } else if (IMAGE_FIELDS.has(path) && isExecutorTimeVariable(variable)) {
      problems.push({
        path,
        message: `${path} holds ${shown}; the agent binds {{thermos.*}} and {{mesos.*}} in command lines, never in an image: name the image itself`,
      });
    } else if (IMAGE_FIELDS.has(path)) {
      problems.push({
        path,
        message:
          `${path} holds ${shown}, a template the aurora client binds when it compiles the config, and nothing binds it later; ` +
          `submit the job with the aurora CLI and bind it (--bind ${clip(variable)}=VALUE), or send the image name itself`,
      });
    }
  }
  return problems;
}

function clip(text: string): string {
  return text.length > MAX_SHOWN_TEMPLATE ? `${text.slice(0, MAX_SHOWN_TEMPLATE)}...` : text;
}
