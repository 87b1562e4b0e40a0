/**
 * Paths of the scheduler's HTTP API, shared by the server, the client and the agent so that
 * they cannot drift apart. The server serves an OpenAPI document of them at `OPENAPI_PATH`.
 */
export const API_PREFIX = '/api/v1';

export const PATHS = {
  /** Plain-text `OK` with status 200 while the scheduler serves. */
  health: '/health',
  /**
   * Aurora's /leaderhealth: status 200 (`OK`) while this scheduler is the cluster's leader. A
   * scheduler of its own is always the leader once it serves.
   */
  leaderHealth: '/leaderhealth',
  /** The scheduler's figures as one flat JSON object (as Aurora's /vars.json). */
  vars: '/vars.json',
  openapi: `${API_PREFIX}/openapi.json`,
  /** POST: create a job (CreateJobRequest). GET: list jobs (`?role=&environment=`). */
  jobs: `${API_PREFIX}/jobs`,
  /** GET: one job with its current tasks (`?history=true` adds ended ones; `?since=V&waitMs=N` waits for a change). */
  job: (role: string, environment: string, name: string) =>
    `${API_PREFIX}/jobs/${encodeURIComponent(role)}/${encodeURIComponent(environment)}/${encodeURIComponent(name)}`,
  /** POST: kill some or all instances (KillJobRequest). */
  jobKill: (role: string, environment: string, name: string) => `${PATHS.job(role, environment, name)}/kill`,
  /** POST: start an update of the job to a new spec (StartUpdateRequest → UpdateResponse). */
  jobUpdates: (role: string, environment: string, name: string) => `${PATHS.job(role, environment, name)}/updates`,
  /**
   * GET: one update of the job by id, or its active one with `active` (UpdateResponse);
   * `?since=lastModifiedAt&waitMs=N` waits for a change.
   */
  jobUpdate: (role: string, environment: string, name: string, id: string) =>
    `${PATHS.job(role, environment, name)}/updates/${encodeURIComponent(id)}`,
  /** POST: pause, resume, abort, rollback or pulse the job's active update (UpdateActionRequest → UpdateResponse). */
  jobUpdateAction: (role: string, environment: string, name: string, action: string) =>
    `${PATHS.job(role, environment, name)}/update/${encodeURIComponent(action)}`,
  /** POST: restart instances in batches, gated by health like an update (StartRestartRequest → UpdateResponse). */
  jobRestart: (role: string, environment: string, name: string) => `${PATHS.job(role, environment, name)}/restart`,
  /** POST: run a shell command in the sandbox of an instance's task (RunTaskCommandRequest → RunTaskCommandResponse). */
  taskRun: (role: string, environment: string, name: string, instance: number) => `${PATHS.job(role, environment, name)}/instances/${instance}/run`,
  /** POST: one file of an instance's sandbox (ReadTaskFileRequest → ReadTaskFileResponse). */
  taskFileRead: (role: string, environment: string, name: string, instance: number) => `${PATHS.job(role, environment, name)}/instances/${instance}/files/read`,
  /** POST: write a file into an instance's sandbox (WriteTaskFileRequest → WriteTaskFileResponse). */
  taskFileWrite: (role: string, environment: string, name: string, instance: number) => `${PATHS.job(role, environment, name)}/instances/${instance}/files/write`,
  /** GET: where an instance's task runs: host, user, sandbox path, ports (TaskSandboxResponse). */
  taskSandbox: (role: string, environment: string, name: string, instance: number) => `${PATHS.job(role, environment, name)}/instances/${instance}/sandbox`,
  /** GET: the bytes of a relayed write command, for the agent it was queued for (AgentCommandUploadResponse). */
  agentCommandUpload: (commandId: string) => `${API_PREFIX}/agents/commands/${encodeURIComponent(commandId)}/upload`,
  /** POST: an agent's result of a relayed command (AgentCommandResult). */
  agentCommandResult: (commandId: string) => `${API_PREFIX}/agents/commands/${encodeURIComponent(commandId)}/result`,
  /** GET: hosts' maintenance modes (`?hosts=a,b`; every host in maintenance without it → MaintenanceResponse). */
  maintenance: `${API_PREFIX}/maintenance`,
  /** POST: hosts take no new tasks (HostsRequest → MaintenanceResponse). */
  maintenanceStart: `${API_PREFIX}/maintenance/start`,
  /** POST: hosts take no new tasks and their tasks move elsewhere. */
  maintenanceDrain: `${API_PREFIX}/maintenance/drain`,
  /** POST: drain hosts while their jobs keep their SLA policies, forced after a timeout (SlaDrainRequest). */
  maintenanceSlaDrain: `${API_PREFIX}/maintenance/sla-drain`,
  /** POST: hosts are back in service. */
  maintenanceEnd: `${API_PREFIX}/maintenance/end`,
  /** POST: what each job on the hosts would keep up if they went down (SlaProbeHostsRequest → SlaProbeHostsResponse). */
  slaProbeHosts: `${API_PREFIX}/sla/probe-hosts`,
  /** POST: the hosts that can go down with every job keeping its SLA (SlaSafeDomainRequest → SlaSafeDomainResponse). */
  slaSafeDomain: `${API_PREFIX}/sla/safe-domain`,
  /** GET: update summaries, newest first (`?role=&environment=&name=&status=&user=&limit=` → ListUpdatesResponse). */
  updates: `${API_PREFIX}/updates`,
  /** GET: cron jobs (`?role=&environment=` → ListCronJobsResponse). */
  cronJobs: `${API_PREFIX}/cron`,
  /** GET: one cron job with its next and last runs (CronJobResponse). POST: schedule or replace it (ScheduleCronRequest). DELETE: deschedule it. */
  cronJob: (role: string, environment: string, name: string) =>
    `${API_PREFIX}/cron/${encodeURIComponent(role)}/${encodeURIComponent(environment)}/${encodeURIComponent(name)}`,
  /** POST: run a cron job once now (CronJobResponse). */
  cronStart: (role: string, environment: string, name: string) => `${PATHS.cronJob(role, environment, name)}/start`,
  /** GET: tasks, paged (`?role=&environment=&name=&instance=&state=&taskId=&history=&limit=&offset=`). */
  tasks: `${API_PREFIX}/tasks`,
  /** POST: prune ended tasks from the history (PruneTasksRequest → PruneTasksResponse); operators only. */
  tasksPrune: `${API_PREFIX}/tasks/prune`,
  /** GET: agents known to the scheduler (ListAgentsResponse). */
  agents: `${API_PREFIX}/agents`,
  /** POST: every agent reports every task it runs now (aurora-admin reconcile_tasks). */
  agentsReconcile: `${API_PREFIX}/agents/reconcile`,
  /** GET: the backups in the backup dir (ListBackupsResponse); POST: a backup now (BackupNowResponse). */
  backups: `${API_PREFIX}/backups`,
  /** GET: the staged recovery, if any (RecoveryStatus). */
  recovery: `${API_PREFIX}/recovery`,
  /** POST: stage a backup for recovery (StageRecoveryRequest → RecoveryStatus). */
  recoveryStage: `${API_PREFIX}/recovery/stage`,
  /** GET: the staged recovery's tasks (RecoveryTasksQuery → RecoveryTasksResponse). */
  recoveryTasks: `${API_PREFIX}/recovery/tasks`,
  /** POST: delete tasks from the staged recovery (DeleteRecoveryTasksRequest → DeleteRecoveryTasksResponse). */
  recoveryTasksDelete: `${API_PREFIX}/recovery/tasks/delete`,
  /** POST: replace the store with the staged recovery; the scheduler then starts again from it. */
  recoveryCommit: `${API_PREFIX}/recovery/commit`,
  /** POST: drop the staged recovery. */
  recoveryUnload: `${API_PREFIX}/recovery/unload`,
  /** POST: compact the store's log into its snapshot (SnapshotResponse). */
  storageSnapshot: `${API_PREFIX}/storage/snapshot`,
  /** POST: an agent registers (AgentRegistration → AgentRegisterResponse). */
  agentRegister: `${API_PREFIX}/agents/register`,
  /** POST: an agent syncs (AgentSyncRequest → AgentSyncResponse), held open as a long poll. */
  agentSync: `${API_PREFIX}/agents/sync`,
  /** GET: one JobSpec by its hash (GetSpecResponse), for agents launching tasks. */
  spec: (hash: string) => `${API_PREFIX}/specs/${encodeURIComponent(hash)}`,
  /** GET: a role's quota and use (GetQuotaResponse). POST: set it (SetQuotaRequest). */
  quota: (role: string) => `${API_PREFIX}/quotas/${encodeURIComponent(role)}`,
  /** POST: grow a role's quota (IncreaseQuotaRequest → GetQuotaResponse). */
  quotaIncrease: (role: string) => `${API_PREFIX}/quotas/${encodeURIComponent(role)}/increase`,
  /** Prometheus' text format: tasks by state, placement and preemption counters, API latency, auth failures. */
  metrics: '/metrics',
  /** HTML: the scheduler's web UI. */
  ui: '/scheduler',
  /** HTML: every update of the cluster (outside /scheduler, where a role could have the name). */
  uiUpdates: '/updates',
  /** HTML: every cron job of the cluster. */
  uiCron: '/cron',
  /** HTML: the backup dir, its backups and the staged recovery, for operators (read-only). */
  uiBackups: '/backups',
} as const;

/** Default ports, as Aurora's: scheduler 8081, observer 1338. */
export const DEFAULT_SCHEDULER_PORT = 8081;
export const DEFAULT_OBSERVER_PORT = 1338;
