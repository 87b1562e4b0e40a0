import type { JobKey } from '../../dsl/job-key.js';

/**
 * The authorization seam every API call passes through. Permissions are Shiro-style wildcard
 * strings, most general part first (`job:kill:www-data:prod:hello`), so that a security.ini
 * grant of `job:kill:www-data` covers every job of the role. Matching grants against them is a
 * later issue; today the cluster runs unauthenticated and every principal may do everything.
 */

/** Who is calling: the HTTP basic user name, or 'anonymous'. */
export interface Principal {
  readonly name: string;
}

export const ANONYMOUS: Principal = { name: 'anonymous' };

export type AuthorizationDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export interface Authorizer {
  authorize(principal: Principal, permission: string): AuthorizationDecision;
}

type JobPath = Pick<JobKey, 'role' | 'environment' | 'name'>;
const jobPart = (k: JobPath) => `${k.role}:${k.environment}:${k.name}`;

/** The permission each operation needs, in one place. */
export const PERMISSIONS = {
  jobCreate: (k: JobPath) => `job:create:${jobPart(k)}`,
  jobKill: (k: JobPath) => `job:kill:${jobPart(k)}`,
  /** Reads are scoped by role too, so a cluster may keep a role's jobs private. */
  jobRead: (role?: string) => (role ? `job:read:${role}` : 'job:read'),
  taskRead: (role?: string) => (role ? `task:read:${role}` : 'task:read'),
  /** Deleting task history is an operator's act. */
  taskPrune: 'task:prune',
  agentRead: 'agent:read',
  agentRegister: 'agent:register',
  agentSync: 'agent:sync',
} as const;

/**
 * The cluster's unauthenticated mode (Aurora without a security.ini): everyone is allowed.
 * It is a real mode a cluster runs in, not a placeholder check.
 */
export const allowEveryone: Authorizer = {
  authorize: () => ({ allowed: true }),
};
