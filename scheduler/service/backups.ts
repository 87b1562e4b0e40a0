import { ApiError } from '../api/errors.js';
import type { BackupSummary, RecoveryStatus, RecoveryTasksQuery, RecoveryTasksResponse } from '../api/backup-api.js';
import { TASK_STATES, TERMINAL_STATES } from '../api/constants.js';
import type { ClusterState } from '../state/cluster-state.js';
import { BackupDir, BackupDirError, type BackupFileInfo } from '../storage/backup-dir.js';
import { BackupFormatError, countsOf, type BackupHeader } from '../storage/backup-file.js';
import type { LoadedState, Storage } from '../storage/storage.js';
import { filterRecoveryTasks, withoutTasks } from '../core/recovery-query.js';

/**
 * Backups and recovery (Aurora's StorageBackup and Recovery): periodic and on-demand backups of
 * the whole state into the backup dir, and a recovery staged from one of them, looked at and
 * trimmed, then committed over the store. The scheduler then starts again from the store, as
 * Aurora's does after a recovery. Thin: the format is backup-file.ts, the files backup-dir.ts,
 * the task queries core/recovery-query.ts.
 */

export interface BackupSettings {
  readonly dir: string;
  /** 0: only on demand. */
  readonly intervalMs: number;
  /** How many backups to keep. */
  readonly keep: number;
}

/** Aurora's defaults: -backup_interval=1hrs, -max_saved_backups=48. */
export const DEFAULT_BACKUP_INTERVAL_MS = 60 * 60 * 1000;
export const DEFAULT_MAX_SAVED_BACKUPS = 48;

export interface BackupsOptions {
  readonly settings: BackupSettings | null;
  readonly state: ClusterState;
  readonly storage: Storage;
  readonly clusterName: string;
  readonly version: string;
  readonly now: () => number;
  /** Resolves once every change so far is durable and nothing is in flight (a consistent state to copy). */
  readonly quiesce: () => Promise<void>;
  /** Stops the scheduler's own writes before a recovery replaces the store. */
  readonly stopWriting: () => Promise<void>;
  readonly info: (message: string) => void;
  readonly warn: (message: string) => void;
}

interface Staged {
  readonly name: string;
  readonly header: BackupHeader;
  state: LoadedState;
}

export class Backups {
  private readonly dir: BackupDir | null;
  private running: Promise<BackupSummary> | null = null;
  private lastAt: number;
  private staged: Staged | null = null;
  private staging = false;
  /** Set once a recovery was committed: this scheduler takes no more changes and must start again. */
  committed = false;

  constructor(private readonly options: BackupsOptions) {
    this.dir = options.settings ? new BackupDir(options.settings.dir, options.settings.keep) : null;
    this.lastAt = options.now();
  }

  private backupDir(): BackupDir {
    if (!this.dir) throw new ApiError('INVALID_REQUEST', 'this scheduler keeps no backups: start it with --backup-dir');
    return this.dir;
  }

  /** A backup now (one at a time: a request during a backup gets that backup). */
  backupNow(): Promise<BackupSummary> {
    const dir = this.backupDir();
    this.running ??= this.write(dir).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The periodic backup, when its interval has passed since the last one. Never throws. */
  tick(): void {
    const s = this.options.settings;
    if (!s || s.intervalMs <= 0 || this.running || this.committed) return;
    if (this.options.now() - this.lastAt < s.intervalMs) return;
    this.backupNow().catch((e: unknown) => this.options.warn(`the periodic backup failed: ${(e as Error).message}`));
  }

  private async write(dir: BackupDir): Promise<BackupSummary> {
    await this.options.quiesce();
    const snapshot = this.options.state.snapshot();
    const createdAt = this.options.now();
    this.lastAt = createdAt;
    const started = performance.now();
    try {
      const info = await dir.write(snapshot, { cluster: this.options.clusterName, createdAt, writtenBy: this.options.version });
      const counts = countsOf(snapshot);
      this.options.info(
        `backup ${info.name} written: ${counts.jobs} job(s), ${counts.tasks} task(s), ${info.bytes} bytes in ${Math.round(performance.now() - started)} ms`,
      );
      return { name: info.name, bytes: info.bytes, createdAt, counts };
    } catch (e) {
      if (e instanceof BackupDirError) throw new ApiError('BACKUP_FAILED', e.message);
      throw e;
    }
  }

  list(): { name: string; bytes: number }[] {
    const dir = this.backupDir();
    return dir.list().map((name) => ({ name, bytes: dir.sizeOf(name) }));
  }

  /** Where and how often backups are written, and how many are kept; null without --backup-dir. */
  get settings(): BackupSettings | null {
    return this.options.settings;
  }

  /** The backups with their sizes and the times they were written, oldest first (the web UI's list); none without a dir. */
  files(): BackupFileInfo[] {
    return this.dir ? this.dir.listFiles() : [];
  }

  async stage(name: string): Promise<RecoveryStatus> {
    const dir = this.backupDir();
    if (this.staged || this.staging) {
      throw new ApiError('RECOVERY_CONFLICT', `backup ${this.staged?.name ?? '(being read)'} is staged already; unload it first (aurora_admin scheduler_unload_recovery)`);
    }
    this.staging = true;
    try {
      const { header, state } = await dir.read(name, { cluster: this.options.clusterName });
      this.staged = { name, header, state };
      this.options.info(`backup ${name} staged for recovery: ${state.jobs.length} job(s), ${state.tasks.length} task(s)`);
      return this.status();
    } catch (e) {
      if (e instanceof BackupDirError) throw new ApiError('BACKUP_NOT_FOUND', e.message);
      if (e instanceof BackupFormatError) throw new ApiError('INVALID_BACKUP', e.message);
      throw e;
    } finally {
      this.staging = false;
    }
  }

  status(): RecoveryStatus {
    const s = this.staged;
    return { staged: s ? { backup: s.name, createdAt: s.header.createdAt, writtenBy: s.header.writtenBy, counts: countsOf(s.state) } : null };
  }

  private loaded(): Staged {
    if (!this.staged) throw new ApiError('NO_RECOVERY_STAGED', 'no backup is staged; stage one with aurora_admin scheduler_stage_recovery CLUSTER BACKUP');
    return this.staged;
  }

  queryTasks(query: RecoveryTasksQuery): RecoveryTasksResponse {
    const staged = this.loaded();
    const states = query.states ?? ACTIVE;
    const found = filterRecoveryTasks(staged.state.tasks, { ...query, states });
    const limit = query.limit ?? 10_000;
    return {
      backup: staged.name,
      total: found.length,
      tasks: found.slice(0, limit).map((t) => ({
        taskId: t.taskId,
        role: t.jobKey.role,
        environment: t.jobKey.environment,
        name: t.jobKey.name,
        instance: t.instance,
        state: t.state,
        host: t.host,
      })),
    };
  }

  deleteTasks(taskIds: readonly string[], principal: string): { deleted: string[]; missing: string[] } {
    const staged = this.loaded();
    const { state, deleted, missing } = withoutTasks(staged.state, taskIds);
    staged.state = state;
    this.options.info(`${principal} deleted ${deleted.length} task(s) from the staged recovery of ${staged.name}`);
    return { deleted, missing };
  }

  unload(principal: string): void {
    const name = this.loaded().name;
    this.staged = null;
    this.options.info(`${principal} unloaded the staged recovery of ${name}`);
  }

  /**
   * Replaces the store with the staged backup. The scheduler stops writing first; once this
   * resolves its in-memory state is stale, and it must start again from the store.
   */
  async commit(principal: string): Promise<RecoveryStatus> {
    const staged = this.loaded();
    const status = this.status();
    await this.options.stopWriting();
    try {
      await this.options.storage.replaceAll(staged.state);
    } catch (e) {
      throw new ApiError('STORAGE_UNAVAILABLE', (e as Error).message);
    }
    this.committed = true;
    this.staged = null;
    this.options.warn(`${principal} committed the recovery of ${staged.name}: the store now holds that backup; the scheduler starts again from it`);
    return status;
  }

  /** Aurora's scheduler_snapshot: the store compacts its log. */
  async compact(): Promise<string> {
    await this.options.quiesce();
    return this.options.storage.compact();
  }
}

/** What Aurora's scheduler_print_recovery_tasks lists: tasks not ended. */
const ACTIVE = TASK_STATES.filter((s) => !TERMINAL_STATES.has(s));
