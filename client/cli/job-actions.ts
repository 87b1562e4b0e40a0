/** What `aurora job create|status|list|kill` do; loaded when one of them runs. */
import { formatJobKey, parseInstanceKey, parseJobKey, parseJobKeyPrefix, type JobKey } from '../../dsl/key.js';
import type { JobDetail } from '../../scheduler/api/jobs-api.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import type { SchedulerClient } from '../api/index.js';
import { parseBindings } from '../config/bindings.js';
import { parseKeyForCluster, submittableSpec } from './compile-spec.js';
import { ApiCallError, CommandFailureError, InvalidParameterError, WaitTimeoutError } from '../errors.js';
import type { CommandContext } from './context.js';
import { formatJobLine, formatJobStatus, formatOutcome } from './format.js';
import { assessGoal, assessKill, countStates, formatCounts, isTerminal, type WaitGoal } from './tasks.js';
import { watchUntil, type Observed } from './wait.js';
import { formatInstances } from './instances.js';

export interface CreateArgs {
  readonly jobkey: string;
  readonly config: string;
  readonly bind: readonly string[];
  readonly waitUntil?: WaitGoal | undefined;
  readonly waitTimeout: number;
  readonly json: boolean;
}

export async function createJob(ctx: CommandContext, a: CreateArgs): Promise<void> {
  const { key, extraEnvironments } = await parseKeyForCluster(ctx, a.jobkey);
  const bindings = parseBindings(a.bind);
  const client = ctx.client(key.cluster);
  const spec = await submittableSpec(ctx, a.config, key, bindings, extraEnvironments);
  if (spec.cronSchedule !== null) {
    // Aurora's words, then the key (as the scheduler's CRON_JOB_NEEDS_CRON_COMMAND says it).
    throw new CommandFailureError(`Cron jobs may only be scheduled with "aurora cron schedule" command (${formatJobKey(key)} has cronSchedule '${spec.cronSchedule}')`);
  }
  const created = await client.createJob(spec);
  const jobPage = client.jobPageUrl(key);
  if (!a.json) {
    ctx.out(`Job created: ${formatJobKey(key)}`);
    ctx.out(`Job page: ${jobPage}`);
  }
  if (!a.waitUntil) {
    if (a.json) ctx.json({ ...created, jobPage });
    return;
  }
  const goal = a.waitUntil;
  const { value, timedOut } = await watchUntil(ctx, {
    // The create answer carries the job's version and counts: the first read already waits for a change.
    since: created.job.version,
    sinceLine: `${key.name}: ${formatCounts(created.job.taskCounts)}`,
    read: async (since, waitMs) => {
      const job = await client.getJob(key, { since, waitMs, expectSpec: spec });
      return { version: job.summary.version, value: assessGoal(job.tasks, spec.instances, goal) };
    },
    settled: (p) => p.settled,
    progress: (p) => `${key.name}: ${formatCounts(p.counts)}`,
    print: (line) => (a.json ? ctx.err(line) : ctx.out(line)),
    timeoutMs: a.waitTimeout * 1000,
  });
  const tasks = [...value.current.values()];
  if (a.json) ctx.json({ ...created, jobPage, waitUntil: goal, reached: value.settled && value.failed.length === 0, tasks });
  if (timedOut) {
    throw new WaitTimeoutError(
      `${formatJobKey(key)} did not reach ${goal} within ${a.waitTimeout} s; now: ${formatCounts(value.counts)}`,
      { details: tasks.filter((t) => !isTerminal(t.state) && t.state !== goal).map(formatOutcome) },
    );
  }
  if (value.failed.length > 0) {
    throw new CommandFailureError(`${formatJobKey(key)} did not reach ${goal}: ${formatCounts(countStates(value.failed))}`, {
      details: value.failed.map(formatOutcome),
    });
  }
  if (!a.json) ctx.out(`Job ${formatJobKey(key)} reached ${goal}: ${formatCounts(value.counts)}`);
}

export async function jobStatus(ctx: CommandContext, jobkey: string, json: boolean, writeJson = false): Promise<void> {
  const key = parseJobKey(jobkey);
  const client = ctx.client(key.cluster);
  // Aurora's status shows the ended tasks too (its "Inactive tasks"): ask for the history.
  const job = await client.getJob(key, { history: true });
  if (writeJson) {
    const { auroraJobStatus } = await import('./aurora-json.js');
    ctx.json([auroraJobStatus(job, new URL(client.baseUrl).hostname)]);
  } else if (json) ctx.json(job);
  else ctx.outLines(formatJobStatus(job, client.jobPageUrl(key)));
}

export async function listJobs(ctx: CommandContext, pattern: string, json: boolean): Promise<void> {
  const prefix = parseJobKeyPrefix(pattern);
  const client = ctx.client(prefix.cluster);
  const filter = { ...(prefix.role ? { role: prefix.role } : {}), ...(prefix.environment ? { environment: prefix.environment } : {}) };
  const jobs = (await client.listJobs(filter)).sort((a, b) => formatJobKey(a.key).localeCompare(formatJobKey(b.key)));
  if (json) return ctx.json(jobs);
  // Nothing on stdout when there is no job, as Aurora's: a script's `| grep ROLE` finds none.
  if (jobs.length === 0) return ctx.err(`No jobs found for ${pattern}`);
  // Aurora's lines, a job key each, for scripts (`for job in $(aurora job list ...)`); a person
  // at a terminal also gets each job's summary.
  for (const j of jobs) ctx.out(ctx.stdout.isTTY === true ? formatJobLine(j) : formatJobKey(j.key));
}

export interface KillArgs {
  readonly instancekey: string;
  readonly message?: string | undefined;
  readonly wait: boolean;
  readonly waitTimeout: number;
  readonly json: boolean;
  /** Instances the job does not have are an error rather than ignored. */
  readonly strict?: boolean | undefined;
}

export async function killJob(ctx: CommandContext, a: KillArgs): Promise<void> {
  const { job: key, instances: asked } = parseInstanceKey(a.instancekey);
  const client = ctx.client(key.cluster);
  // The scheduler refuses instances a job does not have; Aurora ignores them unless --strict.
  // So a kill of some instances reads the job's instance count first (a whole-job kill does not).
  const instances = asked ? await existingInstances(ctx, client, key, asked, a.strict === true) : undefined;
  if (instances?.length === 0) {
    if (a.json) ctx.json({ killed: [], jobRemoved: false, tasks: [] });
    else ctx.out(`No instances of ${formatJobKey(key)} to kill`);
    return;
  }
  const what = `${formatJobKey(key)}${instances ? ` instances ${formatInstances(instances)}` : ''}`;
  const res = await client.killJob(key, {
    ...(instances ? { instances: [...instances] } : {}),
    ...(a.message !== undefined ? { message: a.message } : {}),
  });
  const say = (line: string): void => (a.json ? ctx.err(line) : ctx.out(line));
  if (res.killed.length === 0) {
    if (a.json) ctx.json({ ...res, tasks: [] });
    else ctx.out(`No active tasks of ${what} to kill${res.jobRemoved ? '; the job was removed' : ''}`);
    return;
  }
  say(`Killing ${res.killed.length} task${res.killed.length === 1 ? '' : 's'} of ${what}`);
  let tasks: readonly ScheduledTask[] = [];
  if (a.wait) {
    const { value, timedOut } = await watchUntil(ctx, {
      read: (since, waitMs) => readKilled(client, key, res.killed, since, waitMs),
      settled: (p) => p.settled,
      progress: (p) => `${key.name}: ${formatCounts(p.counts)}`,
      print: say,
      timeoutMs: a.waitTimeout * 1000,
    });
    tasks = value.tasks;
    if (a.json) ctx.json({ ...res, tasks });
    if (timedOut) {
      throw new WaitTimeoutError(`${value.remaining.length} task(s) of ${what} did not end within ${a.waitTimeout} s`, {
        details: value.remaining.map(formatOutcome),
      });
    }
    // A job killed whole goes once its last task ended, which is usually after the kill answered.
    const removed = res.jobRemoved || value.jobGone;
    if (!a.json) ctx.out(`Killed ${what}: ${formatCounts(value.counts)}${removed ? '; the job was removed' : ''}`);
  } else if (a.json) {
    ctx.json({ ...res, tasks });
  } else {
    ctx.out(`Kill requested for ${what}${res.jobRemoved ? '; the job was removed' : ''}`);
  }
}

export interface KillAllArgs {
  readonly jobkey: string;
  readonly message?: string | undefined;
  readonly batching: boolean;
  readonly batchSize: number;
  readonly waitTimeout: number;
}

/**
 * `aurora job killall`: with batching (the default, as Aurora's), the job's instances in batches
 * of `batchSize`, each batch waited until its tasks ended before the next, then the job itself
 * (which removes it); `--no-batching` kills the whole job in one request.
 */
export async function killAll(ctx: CommandContext, a: KillAllArgs): Promise<void> {
  const key = parseJobKey(a.jobkey);
  const kill = (instancekey: string) => killJob(ctx, { instancekey, message: a.message, wait: true, waitTimeout: a.waitTimeout, json: false });
  if (!a.batching) return kill(a.jobkey);
  if (!(Number.isInteger(a.batchSize) && a.batchSize > 0)) throw new InvalidParameterError(`--batch-size must be a whole number above 0, not ${a.batchSize}`);
  const count = (await ctx.client(key.cluster).getJob(key)).summary.instances;
  for (let first = 0; first < count; first += a.batchSize) {
    const batch = Array.from({ length: Math.min(a.batchSize, count - first) }, (_, i) => first + i);
    await kill(`${a.jobkey}/${formatInstances(batch)}`);
  }
  try {
    await kill(a.jobkey);
  } catch (err) {
    // The batches killed every active task and the job went with them (a kill naming all of a
    // job's instances removes it): it is killed all the same, as Aurora's killall says.
    if (!(err instanceof ApiCallError && err.code === 'JOB_NOT_FOUND')) throw err;
  }
}

/**
 * The instances of `asked` the job has. The others are named on stderr and left out, or, when
 * `strict`, an InvalidParameterError (exit 6), as Aurora's kill.
 */
async function existingInstances(ctx: CommandContext, client: SchedulerClient, key: JobKey, asked: readonly number[], strict: boolean): Promise<number[]> {
  const count = (await client.getJob(key)).summary.instances;
  const missing = asked.filter((i) => i >= count);
  if (missing.length > 0) {
    const words = `${formatJobKey(key)} has ${count} instance${count === 1 ? '' : 's'} (0-${count - 1}); instance${missing.length === 1 ? '' : 's'} ${formatInstances(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist`;
    if (strict) throw new InvalidParameterError(`${words} (--strict)`);
    ctx.err(`${words}: ignored`);
  }
  return asked.filter((i) => i < count);
}

/**
 * Where the killed tasks stand, after the job changed since `since` (or at once). Killed tasks
 * stay their instances' current tasks (a user's kill is final), so the job read usually has them
 * all; a job killed whole is removed once its last task ended, and then the tasks are read by id
 * from the history.
 */
async function readKilled(
  client: SchedulerClient,
  key: JobKey,
  killed: readonly string[],
  since: number | undefined,
  waitMs: number,
): Promise<Observed<ReturnType<typeof assessKill> & { jobGone: boolean }>> {
  let job: JobDetail | undefined;
  try {
    job = await client.getJob(key, { since, waitMs });
  } catch (err) {
    if (!(err instanceof ApiCallError && err.code === 'JOB_NOT_FOUND')) throw err;
  }
  const wanted = new Set(killed);
  const current = job ? job.tasks.filter((t) => wanted.has(t.taskId)) : [];
  const tasks =
    current.length === wanted.size
      ? current
      : await client.allTasks({ role: key.role, environment: key.environment, name: key.name, taskIds: killed, history: true });
  return { version: job?.summary.version, value: { ...assessKill(killed, tasks), jobGone: job === undefined } };
}
