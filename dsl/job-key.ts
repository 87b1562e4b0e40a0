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
    .regex(JOB_KEY_COMPONENT, `${what} may only contain letters, digits, '_', '-' and '.'`);

/**
 * The schema of a job key whose environment may also be one of `extraEnvironments` (a cluster's
 * `allowed_environments`). `JobKeySchema` is this with none.
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

export const JobKeySchema = jobKeySchema();

/** A job's identity: `cluster/role/environment/name`. */
export type JobKey = z.infer<typeof JobKeySchema>;
