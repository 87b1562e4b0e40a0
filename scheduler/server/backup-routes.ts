import {
  BackupNowResponseSchema,
  DeleteRecoveryTasksRequestSchema,
  DeleteRecoveryTasksResponseSchema,
  ListBackupsResponseSchema,
  RecoveryStatusSchema,
  RecoveryTasksQuerySchema,
  RecoveryTasksResponseSchema,
  SnapshotResponseSchema,
  StageRecoveryRequestSchema,
} from '../api/backup-api.js';
import { PATHS } from '../api/routes.js';
import { PERMISSIONS } from '../core/authorize.js';
import type { Scheduler } from '../service/scheduler.js';
import { defineRoute, write, type Route } from './route.js';

/**
 * Backups and recovery, Aurora's AuroraAdmin RPCs: operators only, reads included (a backup
 * holds every role's jobs). `onRecoveryCommitted` runs once the answer to a commit is on its way:
 * the scheduler's state is stale from then on and it must start again from the store.
 */
export function backupRoutes(scheduler: Scheduler, onRecoveryCommitted: () => void): Route[] {
  const backups = scheduler.backups;
  return [
    defineRoute({
      method: 'POST',
      url: PATHS.backups,
      operationId: 'performBackup',
      summary: 'Back up the whole state now (aurora_admin scheduler_backup_now)',
      api: true,
      access: () => write(PERMISSIONS.performBackup),
      success: { status: 200, contentType: 'application/json', schema: BackupNowResponseSchema },
      errors: ['PERMISSION_DENIED', 'BACKUP_FAILED'],
      handler: async () => ({ backup: await backups.backupNow() }),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.backups,
      operationId: 'listBackups',
      summary: 'The backups in the backup dir, oldest first (aurora_admin scheduler_list_backups)',
      api: true,
      access: () => write(PERMISSIONS.listBackups),
      success: { status: 200, contentType: 'application/json', schema: ListBackupsResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: () => ({ backups: backups.list() }),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.recovery,
      operationId: 'recoveryStatus',
      summary: 'The backup staged for recovery, if any',
      api: true,
      access: () => write(PERMISSIONS.queryRecovery),
      success: { status: 200, contentType: 'application/json', schema: RecoveryStatusSchema },
      errors: ['PERMISSION_DENIED'],
      handler: () => backups.status(),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.recoveryStage,
      operationId: 'stageRecovery',
      summary: 'Read a backup and stage it for recovery (aurora_admin scheduler_stage_recovery)',
      api: true,
      body: StageRecoveryRequestSchema,
      access: () => write(PERMISSIONS.stageRecovery),
      success: { status: 200, contentType: 'application/json', schema: RecoveryStatusSchema },
      errors: ['PERMISSION_DENIED', 'BACKUP_NOT_FOUND', 'INVALID_BACKUP', 'RECOVERY_CONFLICT'],
      handler: ({ body }) => backups.stage(body.backup),
    }),
    defineRoute({
      method: 'GET',
      url: PATHS.recoveryTasks,
      operationId: 'queryRecovery',
      summary: "The staged recovery's tasks; active ones unless `states` says (aurora_admin scheduler_print_recovery_tasks)",
      api: true,
      query: RecoveryTasksQuerySchema,
      access: () => write(PERMISSIONS.queryRecovery),
      success: { status: 200, contentType: 'application/json', schema: RecoveryTasksResponseSchema },
      errors: ['PERMISSION_DENIED', 'NO_RECOVERY_STAGED'],
      handler: ({ query }) => backups.queryTasks(query),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.recoveryTasksDelete,
      operationId: 'deleteRecoveryTasks',
      summary: 'Delete tasks from the staged recovery (aurora_admin scheduler_delete_recovery_tasks)',
      api: true,
      body: DeleteRecoveryTasksRequestSchema,
      access: () => write(PERMISSIONS.deleteRecoveryTasks),
      success: { status: 200, contentType: 'application/json', schema: DeleteRecoveryTasksResponseSchema },
      errors: ['PERMISSION_DENIED', 'NO_RECOVERY_STAGED'],
      handler: ({ body, principal }) => backups.deleteTasks(body.taskIds, principal.name),
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.recoveryCommit,
      operationId: 'commitRecovery',
      summary: 'Replace the store with the staged recovery; the scheduler then starts again from it (aurora_admin scheduler_commit_recovery)',
      api: true,
      access: () => write(PERMISSIONS.commitRecovery),
      success: { status: 200, contentType: 'application/json', schema: RecoveryStatusSchema },
      errors: ['PERMISSION_DENIED', 'NO_RECOVERY_STAGED', 'STORAGE_UNAVAILABLE'],
      handler: async ({ principal }) => {
        const status = await backups.commit(principal.name);
        // The answer is sent as this handler returns, before the restart begins.
        setImmediate(onRecoveryCommitted);
        return status;
      },
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.recoveryUnload,
      operationId: 'unloadRecovery',
      summary: 'Drop the staged recovery (aurora_admin scheduler_unload_recovery)',
      api: true,
      access: () => write(PERMISSIONS.unloadRecovery),
      success: { status: 200, contentType: 'application/json', schema: RecoveryStatusSchema },
      errors: ['PERMISSION_DENIED', 'NO_RECOVERY_STAGED'],
      handler: ({ principal }) => {
        backups.unload(principal.name);
        return backups.status();
      },
    }),
    defineRoute({
      method: 'POST',
      url: PATHS.storageSnapshot,
      operationId: 'snapshot',
      summary: "Compact the store's log into its snapshot (aurora_admin scheduler_snapshot)",
      api: true,
      access: () => write(PERMISSIONS.snapshot),
      success: { status: 200, contentType: 'application/json', schema: SnapshotResponseSchema },
      errors: ['PERMISSION_DENIED'],
      handler: async () => ({ message: await backups.compact() }),
    }),
  ];
}
