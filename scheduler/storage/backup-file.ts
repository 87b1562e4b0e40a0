import { z } from 'zod';
import { JobSpecSchema, type JobSpec } from '../../dsl/jobspec.js';
import { upgradeJobSpecJson } from '../../dsl/jobspec-upgrade.js';
import { AgentInfoSchema } from '../api/agent-protocol.js';
import { CronJobSchema, type CronJob } from '../api/cron-api.js';
import { HostMaintenanceSchema, type HostMaintenance } from '../api/maintenance-api.js';
import { ResourceAmountsSchema, type ResourceAmounts } from '../api/quota-api.js';
import { ScheduledTaskSchema, type ScheduledTask } from '../api/task.js';
import { JobUpdateSchema, type JobUpdate } from '../api/updates-api.js';
import { checkFast } from '../api/zod-shape.js';
import type { LoadedState, StoredAgent, StoredJob } from './storage.js';

/**
 * The backup format: the scheduler's whole state as JSON lines (gzipped on disk, see
 * backup-dir.ts). It is the store's record, not SQLite's file, so a backup restores into any
 * store and says which format it is in:
 *
 *   line 1        {"format":"aurora-ts-scheduler-backup","version":1,"cluster":...,"createdAt":...,"counts":{...}}
 *   then          ["spec",HASH,SPEC] ["job",{specHash,createdAt,removing}] ["task",TASK] ["agent",AGENT]
 *                 ["quota",ROLE,AMOUNTS] ["update",UPDATE] ["cron",PATH,CRON] ["maintenance",HOST,MAINTENANCE]
 *   last line     ["end",COUNTS]
 *
 * Specs come before the jobs and tasks that name them; tasks in creation order (what `load`
 * expects). The trailer tells a whole file from a truncated one. Encoding and decoding are pure
 * over lines; every entity is checked against the API's schema when read, so a damaged backup is
 * refused with the line that is wrong and nothing is staged. The check is the schema's compiled
 * one (api/zod-shape.ts), zod itself only for a line that fails it, for the verdict and message:
 * zod copies every value it checks, and staging 100,000 tasks took twice as long with it
 * (docs/PERFORMANCE.md).
 */

export const BACKUP_FORMAT = 'aurora-ts-scheduler-backup';
/** Bumped when a backup's lines change shape; a reader refuses versions newer than its own. */
export const BACKUP_FORMAT_VERSION = 1;
/** A longer line is damage (the largest entity, a spec, is bounded far below this). */
export const MAX_BACKUP_LINE_CHARS = 64 * 1024 * 1024;

const CountsSchema = z
  .object({
    specs: z.number().int().nonnegative(),
    jobs: z.number().int().nonnegative(),
    tasks: z.number().int().nonnegative(),
    agents: z.number().int().nonnegative(),
    quotas: z.number().int().nonnegative(),
    updates: z.number().int().nonnegative(),
    cronJobs: z.number().int().nonnegative(),
    maintenance: z.number().int().nonnegative(),
  })
  .strict();
export type BackupCounts = z.infer<typeof CountsSchema>;

export const BackupHeaderSchema = z
  .object({
    format: z.literal(BACKUP_FORMAT),
    version: z.number().int().positive(),
    cluster: z.string(),
    /** Milliseconds since the epoch. */
    createdAt: z.number(),
    /** The scheduler's version that wrote it. */
    writtenBy: z.string(),
    counts: CountsSchema,
  })
  .strict();
export type BackupHeader = z.infer<typeof BackupHeaderSchema>;

/** A key of the state (a spec hash, a role, a cron job key, a host). */
const TextSchema = z.string().min(1);
/** A job's line (its spec is on a line of its own) and an agent's. */
export const StoredJobLineSchema = z.object({ specHash: z.string(), createdAt: z.number(), removing: z.boolean() }).strict();
export const StoredAgentSchema = AgentInfoSchema.extend({ version: z.string() }).strict();

/** A backup that cannot be restored: the message says which line and why. */
export class BackupFormatError extends Error {
  override readonly name = 'BackupFormatError';
}

export function countsOf(state: LoadedState): BackupCounts {
  return {
    specs: state.specs.size,
    jobs: state.jobs.length,
    tasks: state.tasks.length,
    agents: state.agents.length,
    quotas: state.quotas.size,
    updates: state.updates.length,
    cronJobs: state.cronJobs.size,
    maintenance: state.maintenance.size,
  };
}

/** The lines of a backup of `state`, each without its newline. Lazy: a large state is encoded as it is written. */
export function* encodeBackup(state: LoadedState, meta: { cluster: string; createdAt: number; writtenBy: string }): Generator<string> {
  const counts = countsOf(state);
  const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_FORMAT_VERSION, ...meta, counts };
  yield JSON.stringify(header);
  for (const [hash, spec] of state.specs) yield JSON.stringify(['spec', hash, spec]);
  for (const job of state.jobs) yield JSON.stringify(['job', { specHash: job.specHash, createdAt: job.createdAt, removing: job.removing }]);
  for (const task of state.tasks) yield JSON.stringify(['task', task]);
  for (const agent of state.agents) yield JSON.stringify(['agent', agent]);
  for (const [role, quota] of state.quotas) yield JSON.stringify(['quota', role, quota]);
  for (const update of state.updates) yield JSON.stringify(['update', update]);
  for (const [path, cron] of state.cronJobs) yield JSON.stringify(['cron', path, cron]);
  for (const [host, m] of state.maintenance) yield JSON.stringify(['maintenance', host, m]);
  yield JSON.stringify(['end', counts]);
}

/**
 * Reads a backup's lines back into the state they were written from. Throws BackupFormatError
 * naming the backup and line for anything that is not a whole backup of a version this build
 * reads, of this cluster.
 */
export async function decodeBackup(
  name: string,
  lines: AsyncIterable<string> | Iterable<string>,
  expect: { cluster: string },
): Promise<{ header: BackupHeader; state: LoadedState }> {
  let lineNo = 0;
  const fail = (message: string): never => {
    throw new BackupFormatError(`backup ${name}, line ${lineNo}: ${message}`);
  };
  let header: BackupHeader | null = null;
  const specs = new Map<string, JobSpec>();
  const jobs: StoredJob[] = [];
  const tasks: ScheduledTask[] = [];
  const agents: StoredAgent[] = [];
  const quotas = new Map<string, ResourceAmounts>();
  const updates: JobUpdate[] = [];
  const cronJobs = new Map<string, CronJob>();
  const maintenance = new Map<string, HostMaintenance>();
  let ended = false;
  const check = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const parsed = checkFast(schema, value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    return fail(`${what} is not valid: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : parsed.error.message}`);
  };
  for await (const line of lines) {
    lineNo++;
    if (line.length === 0) continue;
    if (ended) fail('there is more after the end line; the file was damaged');
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      fail(lineNo === 1 ? 'this is not a scheduler backup (its first line is not JSON)' : 'the line is not JSON; the file was damaged');
    }
    if (header === null) {
      const h = value as Partial<BackupHeader> | null;
      if (typeof h !== 'object' || h === null || h.format !== BACKUP_FORMAT) fail(`this is not a scheduler backup (no "format":"${BACKUP_FORMAT}" header)`);
      if (typeof h!.version === 'number' && h!.version > BACKUP_FORMAT_VERSION) {
        fail(
          `the backup is format version ${h!.version}, newer than this scheduler reads (up to ${BACKUP_FORMAT_VERSION}); restore it with the scheduler version that wrote it (${String(h!.writtenBy ?? 'unknown')}) or a newer one`,
        );
      }
      header = check(BackupHeaderSchema, value, 'the header');
      if (header.cluster !== expect.cluster) {
        fail(`the backup is of cluster '${header.cluster}', and this scheduler serves '${expect.cluster}'; restore it on that cluster's scheduler`);
      }
      continue;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'string') fail('the line is not a backup entry ([kind, ...])');
    const [kind, a, b] = value as [string, unknown, unknown];
    switch (kind) {
      case 'spec': {
        const hash = check(TextSchema, a, 'the spec hash');
        specs.set(hash, check(JobSpecSchema, upgradeJobSpecJson(b), `spec ${hash}`) as JobSpec);
        break;
      }
      case 'job': {
        const row = check(StoredJobLineSchema, a, 'the job');
        const spec = specs.get(row.specHash) ?? fail(`the job names spec ${row.specHash}, which the backup does not hold`);
        jobs.push({ spec, specHash: row.specHash, createdAt: row.createdAt, removing: row.removing });
        break;
      }
      case 'task': {
        const task = check(ScheduledTaskSchema, a, 'the task');
        if (!specs.has(task.specHash)) fail(`task ${task.taskId} names spec ${task.specHash}, which the backup does not hold`);
        tasks.push(task);
        break;
      }
      case 'agent':
        agents.push(check(StoredAgentSchema, a, 'the agent'));
        break;
      case 'quota':
        quotas.set(check(TextSchema, a, 'the role'), check(ResourceAmountsSchema, b, 'the quota'));
        break;
      case 'update':
        updates.push(check(JobUpdateSchema, a, 'the update'));
        break;
      case 'cron':
        cronJobs.set(check(TextSchema, a, 'the cron job key'), check(CronJobSchema, b, 'the cron job'));
        break;
      case 'maintenance':
        maintenance.set(check(TextSchema, a, 'the host'), check(HostMaintenanceSchema, b, 'the maintenance'));
        break;
      case 'end': {
        const counts = check(CountsSchema, a, 'the end line');
        const state: LoadedState = { specs, jobs, tasks, agents, quotas, updates, cronJobs, maintenance };
        const read = countsOf(state);
        const said = (header as BackupHeader).counts;
        const off = (Object.keys(read) as (keyof BackupCounts)[]).filter((k) => read[k] !== counts[k] || read[k] !== said[k]);
        if (off.length > 0) fail(`the backup holds a different number of ${off.join(', ')} than it says; the file was damaged`);
        ended = true;
        break;
      }
      default:
        fail(`unknown entry kind '${kind}'`);
    }
  }
  if (header === null) {
    lineNo = 0;
    fail('the file is empty');
  }
  if (!ended) fail('the backup ends before its end line; the file was cut short (a full disk, or a copy that did not finish)');
  return { header: header!, state: { specs, jobs, tasks, agents, quotas, updates, cronJobs, maintenance } };
}
