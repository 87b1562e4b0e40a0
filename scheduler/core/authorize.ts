import type { JobKey } from '../../dsl/job-key.js';

/**
 * The authorization seam every API call passes through. Permissions are Apache Shiro wildcard
 * strings with Aurora's names, so that an Aurora security.ini works unchanged: the domain, the
 * RPC, then the job's role, environment and name where the call acts on a job
 * (`thrift.AuroraSchedulerManager:killTasks:www-data:prod:hello`), so that a grant of
 * `thrift.AuroraSchedulerManager:*:www-data` covers every job of the role.
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

/** The two domains of Aurora's API (its Thrift services), the first part of every permission. */
export const SCHEDULER_DOMAIN = 'thrift.AuroraSchedulerManager';
export const ADMIN_DOMAIN = 'thrift.AuroraAdmin';

const onJob = (rpc: string) => (k: JobPath) => `${SCHEDULER_DOMAIN}:${rpc}:${k.role}:${k.environment}:${k.name}`;
const onRole = (rpc: string) => (role?: string) => (role ? `${SCHEDULER_DOMAIN}:${rpc}:${role}` : `${SCHEDULER_DOMAIN}:${rpc}`);
const admin = (rpc: string) => `${ADMIN_DOMAIN}:${rpc}`;

/**
 * The permission each operation needs, in one place, by Aurora's RPC names. Reads are checked
 * only when the scheduler restricts reads (`--restrict-reads`); they are open otherwise, as in
 * Aurora. The agent channel is not a user's: agents authenticate with the cluster's agent secret.
 */
export const PERMISSIONS = {
  createJob: onJob('createJob'),
  killTasks: onJob('killTasks'),
  startJobUpdate: onJob('startJobUpdate'),
  pauseJobUpdate: onJob('pauseJobUpdate'),
  resumeJobUpdate: onJob('resumeJobUpdate'),
  abortJobUpdate: onJob('abortJobUpdate'),
  rollbackJobUpdate: onJob('rollbackJobUpdate'),
  pulseJobUpdate: onJob('pulseJobUpdate'),
  restartShards: onJob('restartShards'),
  scheduleCronJob: onJob('scheduleCronJob'),
  descheduleCronJob: onJob('descheduleCronJob'),
  startCronJob: onJob('startCronJob'),
  /**
   * `aurora task run|scp` in the job's sandboxes (not an Aurora RPC: Aurora's client used ssh).
   * A grant of the role's `thrift.AuroraSchedulerManager:*` covers it.
   */
  runTaskCommand: onJob('runTaskCommand'),
  /** Reads (checked only with --restrict-reads). */
  getJobs: onRole('getJobs'),
  getJobSummary: onJob('getJobSummary'),
  getTasksStatus: onRole('getTasksStatus'),
  getQuota: onRole('getQuota'),
  getJobUpdateSummaries: onRole('getJobUpdateSummaries'),
  getJobUpdateDetails: onJob('getJobUpdateDetails'),
  maintenanceStatus: admin('maintenanceStatus'),
  /** The SLA reports of hosts (sla_probe_hosts, sla_list_safe_domain), over every role's tasks. */
  getTasksWithoutConfigs: onRole('getTasksWithoutConfigs'),
  /** Operators' acts. */
  setQuota: admin('setQuota'),
  startMaintenance: admin('startMaintenance'),
  drainHosts: admin('drainHosts'),
  slaDrainHosts: admin('slaDrainHosts'),
  endMaintenance: admin('endMaintenance'),
  triggerExplicitTaskReconciliation: admin('triggerExplicitTaskReconciliation'),
  pruneTasks: admin('pruneTasks'),
  performBackup: admin('performBackup'),
  listBackups: admin('listBackups'),
  stageRecovery: admin('stageRecovery'),
  queryRecovery: admin('queryRecovery'),
  deleteRecoveryTasks: admin('deleteRecoveryTasks'),
  commitRecovery: admin('commitRecovery'),
  unloadRecovery: admin('unloadRecovery'),
  snapshot: admin('snapshot'),
} as const;

/** Every RPC name a permission may name, by domain, for warnings about unknown names in a security.ini. */
export const KNOWN_RPCS: Readonly<Record<string, readonly string[]>> = {
  [SCHEDULER_DOMAIN]: [
    'createJob', 'scheduleCronJob', 'descheduleCronJob', 'startCronJob', 'restartShards', 'killTasks', 'addInstances',
    'replaceCronTemplate', 'startJobUpdate', 'pauseJobUpdate', 'resumeJobUpdate', 'abortJobUpdate', 'rollbackJobUpdate',
    'pulseJobUpdate', 'getRoleSummary', 'getJobSummary', 'getTasksStatus', 'getTasksWithoutConfigs', 'getPendingReason',
    'getConfigSummary', 'getJobs', 'getQuota', 'populateJobConfig', 'getJobUpdateSummaries', 'getJobUpdateDetails',
    'getJobUpdateDiff', 'getTierConfigs', 'runTaskCommand',
  ],
  [ADMIN_DOMAIN]: [
    'setQuota', 'forceTaskState', 'performBackup', 'listBackups', 'stageRecovery', 'queryRecovery', 'deleteRecoveryTasks',
    'commitRecovery', 'unloadRecovery', 'startMaintenance', 'drainHosts', 'maintenanceStatus', 'endMaintenance',
    'slaDrainHosts', 'snapshot', 'triggerExplicitTaskReconciliation', 'triggerImplicitTaskReconciliation', 'pruneTasks',
  ],
};

/**
 * The cluster's unauthenticated mode (Aurora without a security.ini): everyone is allowed.
 * It is a real mode a cluster runs in, not a placeholder check.
 */
export const allowEveryone: Authorizer = {
  authorize: () => ({ allowed: true }),
};
