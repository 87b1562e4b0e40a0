import { z } from 'zod';
import {
  DEFAULT_ENVIRONMENT,
  ENVIRONMENT_RULE,
  JOB_KEY_COMPONENT,
  JOB_KEY_COMPONENT_MAX,
  environmentAllowed,
} from './key.js';

export {
  JOB_KEY_COMPONENT,
  JOB_KEY_COMPONENT_MAX,
  DEFAULT_ENVIRONMENT,
  ENVIRONMENT_RULE,
  JobKeyError,
  formatJobKey,
  componentProblem,
  environmentAllowed,
  jobKeyProblems,
  parseJobKey,
  parseInstances,
  parseInstanceKey,
  parseJobKeyPrefix,
  type InstanceKey,
  type KeyRules,
} from './key.js';

const component = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(JOB_KEY_COMPONENT_MAX, `${what} must be at most ${JOB_KEY_COMPONENT_MAX} characters`)
    .regex(JOB_KEY_COMPONENT, `${what} may only contain letters, digits, '_', '-' and '.'`)
    .refine((v) => v !== '.' && v !== '..', `${what} must not be '.' or '..'`);

/**
 * The admission rule of a job key: the shape, and an environment that is Aurora's
 * `prod|devel|test|staging<N>` or one of `extraEnvironments` (a cluster's allowed environments).
 * The client and the scheduler check it when a job is created; the wire schema does not.
 */
export function jobKeySchema(extraEnvironments: readonly string[] = []) {
  const environment =
    extraEnvironments.length === 0
      ? component('environment').regex(DEFAULT_ENVIRONMENT, ENVIRONMENT_RULE)
      : component('environment').refine((e) => environmentAllowed(e, extraEnvironments), {
          message: `${ENVIRONMENT_RULE} or one the cluster allows (${extraEnvironments.join(', ')})`,
        });
  return z
    .object({
      cluster: component('cluster'),
      role: component('role'),
      environment,
      name: component('name'),
    })
    .strict();
}

/**
 * A job key on the wire (tasks, agent assignments, observer JSON): the shape of each component
 * only. Which environments a cluster accepts is a policy checked when a job is admitted
 * (`jobKeySchema`), so a cluster that allows `qa` does not make its own agents reject the task.
 */
export const JobKeySchema = z
  .object({
    cluster: component('cluster'),
    role: component('role'),
    environment: component('environment'),
    name: component('name'),
  })
  .strict();

/** A job's identity: `cluster/role/environment/name`. */
export type JobKey = z.infer<typeof JobKeySchema>;
