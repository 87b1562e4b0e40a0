/** `aurora_admin scheduler_backup_now | scheduler_list_backups | scheduler_*_recovery | scheduler_snapshot`: loaded when one runs. */
import type { RecoveryStatus } from '../scheduler/api/backup-api.js';
import type { CommandContext } from '../client/cli/context.js';
import { InvalidParameterError } from '../client/errors.js';
import { terminalSafe } from '../client/cli/terminal-text.js';

const say = (ctx: CommandContext, json: boolean, line: string): void => (json ? ctx.err(line) : ctx.out(line));

export async function backupNow(ctx: CommandContext, cluster: string, json: boolean): Promise<void> {
  const { backup } = await ctx.client(cluster).backupNow();
  if (json) return ctx.json(backup);
  ctx.out(`Backup ${backup.name} written: ${backup.counts.jobs} job(s), ${backup.counts.tasks} task(s), ${backup.bytes} bytes`);
}

export async function listBackups(ctx: CommandContext, cluster: string, json: boolean): Promise<void> {
  const { backups } = await ctx.client(cluster).listBackups();
  if (json) return ctx.json(backups);
  // Aurora's lines: a count, then one name a line (oldest first here).
  ctx.outLines([`${backups.length} available backups:`, ...backups.map((b) => terminalSafe(b.name))]);
}

export async function stageRecovery(ctx: CommandContext, cluster: string, backup: string, json: boolean): Promise<void> {
  const status = await ctx.client(cluster).stageRecovery(backup);
  if (json) return ctx.json(status);
  ctx.out(stagedLine(status));
  ctx.out('Look at it with scheduler_print_recovery_tasks; then scheduler_commit_recovery, or scheduler_unload_recovery to drop it.');
}

function stagedLine(status: RecoveryStatus): string {
  const s = status.staged;
  if (!s) return 'No backup is staged.';
  const c = s.counts;
  return `Backup ${terminalSafe(s.backup)} is staged (written ${new Date(s.createdAt).toISOString()} by ${terminalSafe(s.writtenBy)}): ${c.jobs} job(s), ${c.tasks} task(s), ${c.quotas} quota(s), ${c.updates} update(s), ${c.cronJobs} cron job(s), ${c.maintenance} host(s) in maintenance`;
}

export async function printRecoveryTasks(ctx: CommandContext, cluster: string, opts: { states?: string | undefined; json: boolean }): Promise<void> {
  const res = await ctx.client(cluster).queryRecovery(opts.states !== undefined ? { states: opts.states } : {});
  if (opts.json) return ctx.json(res);
  // Aurora's columns, tab-separated.
  ctx.outLines([
    'Role\tJob\tShard\tStatus\tTask ID',
    ...res.tasks.map((t) => [t.role, t.name, String(t.instance), t.state, t.taskId].map(terminalSafe).join('\t')),
  ]);
  if (res.total > res.tasks.length) ctx.err(`(${res.total - res.tasks.length} more not shown)`);
}

export async function deleteRecoveryTasks(ctx: CommandContext, cluster: string, taskIds: string, json: boolean): Promise<void> {
  const ids = [...new Set(taskIds.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  if (ids.length === 0) throw new InvalidParameterError('give the task ids to delete, comma-separated (scheduler_print_recovery_tasks lists them)');
  const res = await ctx.client(cluster).deleteRecoveryTasks(ids);
  if (json) return ctx.json(res);
  ctx.out(`Deleted ${res.deleted.length} task(s) from the staged recovery.`);
  if (res.missing.length > 0) ctx.err(`Not in the staged recovery: ${res.missing.map(terminalSafe).join(', ')}`);
}

export async function commitRecovery(ctx: CommandContext, cluster: string, json: boolean): Promise<void> {
  const client = ctx.client(cluster);
  const status = await client.commitRecovery();
  say(ctx, json, `Recovery of ${terminalSafe(status.staged?.backup ?? 'the staged backup')} committed; the scheduler is starting again from it...`);
  // It closes and opens again on the same address: wait until it answers, as progress.
  const deadline = Date.now() + 120_000;
  for (;;) {
    await ctx.sleep(500);
    try {
      await client.health();
      break;
    } catch {
      if (Date.now() > deadline) {
        say(ctx, json, 'The scheduler has not answered for 2 minutes; check its log.');
        break;
      }
    }
  }
  if (json) return ctx.json(status);
  ctx.out('The scheduler serves the recovered state.');
}

export async function unloadRecovery(ctx: CommandContext, cluster: string, json: boolean): Promise<void> {
  const status = await ctx.client(cluster).unloadRecovery();
  if (json) return ctx.json(status);
  ctx.out('The staged recovery was unloaded.');
}

export async function snapshot(ctx: CommandContext, cluster: string, json: boolean): Promise<void> {
  const res = await ctx.client(cluster).snapshot();
  if (json) return ctx.json(res);
  ctx.out(`Snapshot done: ${res.message}`);
}
