import { meetsValueConstraint, parseConstraints } from './constraints.js';
import type { HostPool } from './host-pool.js';

/**
 * Whether the agent could take a task of the job as far as everything but capacity goes: it is
 * known and available, dedication allows it (dedicated.ts), it meets every value constraint, and
 * no `limit:` constraint is reached by the job's tasks already held. For callers that look at
 * one host at a time, such as preemption's candidate hosts; placement itself uses GroupNeeds.
 */
export function hostMeetsConstraints(pool: HostPool, agentId: string, job: { readonly jobKey: string; readonly constraints: Readonly<Record<string, string>> }): boolean {
  const index = pool.indexOf(agentId);
  if (index === undefined || !pool.isAvailable(index)) return false;
  const parsed = parseConstraints(job.constraints);
  if (parsed.dedicated === null && pool.isDedicated(index)) return false;
  for (const c of parsed.values) if (!meetsValueConstraint(c, pool.attribute(index, c.attribute))) return false;
  for (const c of parsed.limits) {
    const value = pool.attribute(index, c.attribute);
    if (value === undefined || pool.jobTasksWith(job.jobKey, c.attribute, value) >= c.limit) return false;
  }
  return true;
}
