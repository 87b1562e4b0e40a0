import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiErrorBodySchema } from '../api/errors.js';
import { GetJobResponseSchema, ListJobsResponseSchema, PruneTasksResponseSchema } from '../api/jobs-api.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask } from '../api/task.js';
import { SqliteStorage } from '../storage/sqlite-storage.js';
import { FakeClock, jobSpec, report, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';

/** The header the CLI sends with every state-changing call (a body-less POST needs it). */
const CLIENT = { 'x-aurora-client': 'test' };

/**
 * The scheduler's service through its HTTP routes, on a real SQLite file with a fake clock:
 * commits that fail, the history bounds, partitions, admission limits.
 */

const open: Harness[] = [];
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  open.push(h);
  return h;
}
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const h of open.splice(0).reverse()) await h.close();
  for (const f of cleanup.splice(0)) f();
});

const errorOf = (body: unknown) => ApiErrorBodySchema.parse(body).error;
const hello = PATHS.job('www-data', 'prod', 'hello');

describe('commits', () => {
  it('answers STORAGE_UNAVAILABLE when the store is full, and keeps memory and store as they were', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aurora-full-store-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await harness({ dataDir });
    expect((await first.createJob(jobSpec({ name: 'kept' }))).status).toBe(201);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const pages = (() => {
      const s = SqliteStorage.openInDataDir(dataDir);
      const n = s.pageCount();
      void s.close();
      return n;
    })();

    // The same data dir, but the file may not grow: SQLite answers as it does for a full disk.
    const full = await harness({ dataDir, storageOptions: { maxPageCount: pages } });
    const res = await full.createJob(jobSpec({ name: 'big', instances: 3000 }));
    expect(res.status).toBe(503);
    expect(errorOf(res.body)).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(errorOf(res.body).message).toMatch(/could not be stored and was not made: .*database or disk is full/);
    // Memory is as it was: no job, no tasks, nothing pending; the scheduler goes on serving.
    const jobs = ListJobsResponseSchema.parse((await full.app.inject({ url: PATHS.jobs })).json()).jobs;
    expect(jobs.map((j) => j.key.name)).toEqual(['kept']);
    expect(full.app.scheduler.state.pendingCount).toBe(1);
    expect((await full.app.inject({ url: PATHS.health })).body).toBe('OK');

    // And so is the store.
    const after = await harness({ dataDir });
    const reloaded = ListJobsResponseSchema.parse((await after.app.inject({ url: PATHS.jobs })).json()).jobs;
    expect(reloaded.map((j) => j.key.name)).toEqual(['kept']);
    expect((await after.tasks()).map((t) => t.jobKey.name)).toEqual(['kept']);
  });

  it('groups the changes of many operations into few commits', async () => {
    const h = await harness();
    const before = h.app.scheduler.commits;
    await Promise.all(Array.from({ length: 50 }, (_, i) => h.app.inject({ method: 'POST', url: PATHS.jobs, payload: { spec: jobSpec({ name: `j${i}` }) } })));
    await h.settle();
    expect(ListJobsResponseSchema.parse((await h.app.inject({ url: PATHS.jobs })).json()).jobs).toHaveLength(50);
    expect(h.app.scheduler.commits - before).toBeLessThan(10);
  });
});

describe('admission limits', () => {
  it("refuses more instances than the cluster allows, with Aurora's message", async () => {
    const h = await harness();
    const res = await h.createJob(jobSpec({ instances: 4001 }));
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({
      code: 'INVALID_JOB_SPEC',
      message: 'Instance count must be between 1 and 4000 inclusive.',
      details: [{ path: 'instances', message: 'Instance count must be between 1 and 4000 inclusive.' }],
    });
    const raised = await harness({ maxInstancesPerJob: 5000 });
    expect((await raised.createJob(jobSpec({ instances: 4001 }))).status).toBe(201);
  });

  it('refuses names that cannot name a task, and reads and kills any name it admitted', async () => {
    const h = await harness();
    for (const name of ['.', '..']) {
      const res = await h.createJob(jobSpec({ name }));
      expect(res.status).toBe(400);
      expect(errorOf(res.body).message).toContain("must not be '.' or '..'");
    }
    const tooLong = await h.createJob(jobSpec({ name: 'n'.repeat(180) }));
    expect(tooLong.status).toBe(400);
    expect(errorOf(tooLong.body).message).toMatch(/^Task ID is too long, please shorten your role or job name/);
    // The longest that fits can be read and killed through every route.
    const longest = 'n'.repeat(200 - 'www-data-prod--0-'.length - 8);
    expect((await h.createJob(jobSpec({ name: longest }))).status).toBe(201);
    expect((await h.app.inject({ url: PATHS.job('www-data', 'prod', longest) })).statusCode).toBe(200);
    expect((await h.app.inject({ url: `${PATHS.ui}/www-data/prod/${longest}` })).statusCode).toBe(200);
    const killed = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', longest), headers: CLIENT });
    expect(killed.json()).toMatchObject({ jobRemoved: true });
  });

  it("refuses a dedicated constraint naming another role's hosts", async () => {
    const h = await harness();
    const res = await h.createJob(jobSpec({ constraints: { dedicated: 'other-team/db' } }));
    expect(res.status).toBe(400);
    expect(errorOf(res.body).details?.[0]?.path).toBe('constraints.dedicated');
    expect((await h.createJob(jobSpec({ constraints: { dedicated: 'www-data/db' } }))).status).toBe(201);
  });

  it('refuses command lines longer than a process can be started with', async () => {
    const h = await harness();
    const spec = jobSpec();
    const big = { ...spec, task: { ...spec.task, processes: [{ ...spec.task.processes[0]!, cmdline: `echo ${'x'.repeat(70_000)}` }] } };
    const res = await h.createJob(big);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).details?.[0]?.path).toBe('task.processes[0].cmdline');
    expect(errorOf(res.body).message).toMatch(/is 70005 bytes, more than the 65536/);
  });

  it('refuses an unresolved {{docker.image[NAME][TAG]}} at job create, update start and cron schedule, saying where and how to resolve it', async () => {
    const h = await harness();
    const docker = (name: string, image: string, rest: Parameters<typeof jobSpec>[0] = {}) =>
      jobSpec({ name, ...rest, container: { docker: { image, parameters: [], portMappings: {}, volumes: [] } } });
    const template = '{{docker.image[team/app][1.0]}}';
    const expected = {
      code: 'INVALID_JOB_SPEC',
      message: expect.stringMatching(
        /^container\.docker\.image holds \{\{docker\.image\[team\/app\]\[1\.0\]\}\}, which the aurora client resolves .* --bind docker\.image\[team\/app\]\[1\.0\]=IMAGE$/,
      ),
      details: [{ path: 'container.docker.image', message: expect.stringContaining('submit it with the aurora CLI') }],
    };

    const created = await h.createJob(docker('hello', template));
    expect(created.status).toBe(400);
    expect(errorOf(created.body)).toEqual(expected);

    // A job that runs a pinned image, then an update that would bring the template back.
    expect((await h.createJob(docker('hello', 'team/app@sha256:1111'))).status).toBe(201);
    const update = await h.post(PATHS.jobUpdates('www-data', 'prod', 'hello'), { spec: docker('hello', template) });
    expect(update.status).toBe(400);
    expect(errorOf(update.body)).toEqual(expected);

    const cron = await h.post(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: docker('nightly', template, { cronSchedule: '0 3 * * *' }) });
    expect(cron.status).toBe(400);
    expect(errorOf(cron.body)).toEqual(expected);

    // Nothing of it was taken: the job runs the pinned image, with no update, and there is no cron job.
    expect((await h.get(PATHS.jobUpdate('www-data', 'prod', 'hello', 'active'))).status).toBe(404);
    expect((await h.get(PATHS.cronJob('www-data', 'prod', 'nightly'))).status).toBe(404);
  });

  it('refuses a body over the limit with 413 and its own code', async () => {
    const h = await harness({ maxBodyBytes: 64 * 1024 });
    const res = await h.app.inject({
      method: 'POST',
      url: PATHS.jobs,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ spec: jobSpec(), padding: 'x'.repeat(100_000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res.json()).code).toBe('BODY_TOO_LARGE');
  });
});

describe('history', () => {
  const failing = () => jobSpec({ service: true });

  /** Makes the instance's current task fail `times` times, each run on the agent. */
  async function failRepeatedly(h: Harness, agentId: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const { launch } = await h.sync(agentId);
      const id = launch[0]?.taskId ?? (await h.tasks('?history=false'))[0]!.taskId;
      await h.sync(agentId, [report(id, 'RUNNING')]);
      h.clock.advance(1_000);
      await h.sync(agentId, [report(id, 'FAILED', `run ${i}`)]);
    }
  }

  const flapping = { thresholdMs: 0, initialDelayMs: 1, maxDelayMs: 1, lostInitialDelayMs: 1 };

  it('keeps the newest ended tasks of a job up to the bound, once they are past the minimum retention', async () => {
    const h = await harness({ history: { maxPerJob: 3, pruneThresholdMs: 3_600_000, minRetentionMs: 10_000 }, flapping });
    const { agentId } = await h.register('host1');
    await h.createJob(failing());
    await failRepeatedly(h, agentId, 6);
    const ended = async () => (await h.tasks('?history=true')).filter((t) => t.state === 'FAILED');
    // Young history is kept whatever the bound.
    expect((await ended()).length).toBe(6);
    h.clock.advance(10_000);
    await h.app.background.tick();
    const kept = await ended();
    expect(kept.map((t) => t.events.at(-1)?.message)).toEqual(['run 5', 'run 4', 'run 3']);

    // The bound holds in the store too.
    const restarted = await harness({ dataDir: h.dataDir, clock: new FakeClock(h.clock.now()) });
    expect((await restarted.tasks('?history=true')).filter((t) => t.state === 'FAILED')).toHaveLength(3);
  });

  it('prunes ended tasks older than the threshold, and a finished job with them', async () => {
    const h = await harness({ history: { maxPerJob: 100, pruneThresholdMs: 60_000, minRetentionMs: 1_000 } });
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ name: 'batch' }));
    const id = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(id, 'FINISHED')]);
    h.clock.advance(59_000);
    await h.app.background.tick();
    expect((await h.app.inject({ url: PATHS.job('www-data', 'prod', 'batch') })).statusCode).toBe(200);
    h.clock.advance(1_000);
    await h.app.background.tick();
    expect(await h.tasks('?history=true')).toEqual([]);
    expect((await h.app.inject({ url: PATHS.job('www-data', 'prod', 'batch') })).statusCode).toBe(404);
  });

  it('prunes on request (aurora-admin prune_tasks): ended states only, filtered, oldest first, up to a limit', async () => {
    const h = await harness({ flapping });
    const { agentId } = await h.register('host1');
    await h.createJob(failing());
    await failRepeatedly(h, agentId, 3);
    const prune = (payload: object) => h.app.inject({ method: 'POST', url: PATHS.tasksPrune, payload });
    const refused = await prune({ states: ['RUNNING'] });
    expect(refused.statusCode).toBe(400);
    expect(errorOf(refused.json()).message).toMatch(/^Tasks in non-terminal state cannot be pruned: RUNNING/);
    expect(PruneTasksResponseSchema.parse((await prune({ role: 'nobody' })).json()).pruned).toBe(0);
    const firstTwo = PruneTasksResponseSchema.parse((await prune({ states: ['FAILED'], role: 'www-data', limit: 2 })).json());
    expect(firstTwo.pruned).toBe(2);
    const left = (await h.tasks('?history=true')).filter((t) => t.state === 'FAILED');
    expect(left.map((t) => t.events.at(-1)?.message)).toEqual(['run 2']);
  });
});

describe('partitions (Aurora partition_aware.aurora)', () => {
  async function partitioned(h: Harness) {
    const { agentId } = await h.register('host1');
    const jobs = {
      default: jobSpec({ name: 'partition_aware_default', service: true }),
      disabled: jobSpec({ name: 'partition_aware_disabled', service: true, partitionPolicy: { reschedule: false, delaySecs: 0 } }),
      delay: jobSpec({ name: 'partition_aware_delay', service: true, partitionPolicy: { reschedule: true, delaySecs: 3600 } }),
    };
    for (const spec of Object.values(jobs)) await h.createJob(spec);
    const { launch } = await h.sync(agentId);
    await h.sync(agentId, launch.map((l) => report(l.taskId, 'RUNNING')));
    h.clock.advance(10 * 60_000);
    await h.sync(agentId, launch.map((l) => report(l.taskId, 'RUNNING')));
    // The agent goes silent past the lost timeout.
    h.clock.advance(31_000);
    await h.app.background.tick();
    const byName = (name: string, tasks: ScheduledTask[]) => tasks.filter((t) => t.jobKey.name === name).map((t) => t.state);
    return { agentId, launch, byName };
  }

  it('replaces the default job at once, and keeps the others PARTITIONED', async () => {
    const h = await harness();
    const { byName } = await partitioned(h);
    const tasks = await h.tasks('?history=true');
    expect(byName('partition_aware_default', tasks)).toEqual(['PENDING', 'LOST']);
    expect(byName('partition_aware_disabled', tasks)).toEqual(['PARTITIONED']);
    expect(byName('partition_aware_delay', tasks)).toEqual(['PARTITIONED']);
  });

  it('brings PARTITIONED tasks back to RUNNING when the agent returns, and kills what was replaced', async () => {
    const h = await harness();
    const { agentId, launch, byName } = await partitioned(h);
    const answer = await h.sync(agentId, launch.map((l) => report(l.taskId, 'RUNNING')));
    const replaced = launch.find((l) => l.jobKey.name === 'partition_aware_default')!.taskId;
    // Nothing runs twice: the agent is told to kill the copy whose replacement exists.
    expect(answer.kill).toEqual([replaced]);
    const tasks = await h.tasks('?history=true');
    expect(byName('partition_aware_disabled', tasks)).toEqual(['RUNNING']);
    expect(byName('partition_aware_delay', tasks)).toEqual(['RUNNING']);
    const job = GetJobResponseSchema.parse((await h.app.inject({ url: PATHS.job('www-data', 'prod', 'partition_aware_delay') })).json()).job;
    expect(job.tasks[0]?.events.map((e) => e.state)).toEqual(['PENDING', 'ASSIGNED', 'RUNNING', 'PARTITIONED', 'RUNNING']);
  });

  it('replaces a delayed job once its delay is over, and never one that says not to', async () => {
    const h = await harness();
    const { byName } = await partitioned(h);
    h.clock.advance(3_599_000);
    await h.app.background.tick();
    expect(byName('partition_aware_delay', await h.tasks('?history=true'))).toEqual(['PARTITIONED']);
    h.clock.advance(1_000);
    await h.app.background.tick();
    const tasks = await h.tasks('?history=true');
    expect(byName('partition_aware_delay', tasks)).toEqual(['PENDING', 'LOST']);
    expect(byName('partition_aware_disabled', tasks)).toEqual(['PARTITIONED']);
  });

  it('kills a PARTITIONED task at once: its agent is told if it comes back', async () => {
    const h = await harness();
    const { agentId, launch } = await partitioned(h);
    const res = await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'partition_aware_disabled'), headers: CLIENT });
    expect(res.json()).toMatchObject({ jobRemoved: true });
    const id = launch.find((l) => l.jobKey.name === 'partition_aware_disabled')!.taskId;
    expect((await h.sync(agentId, [report(id, 'RUNNING')])).kill).toContain(id);
  });
});

describe('the agent channel under load', () => {
  it('takes a sync of 10,000 ended tasks and acknowledges them all', async () => {
    const h = await harness();
    const { agentId } = await h.register('host1');
    const tasks = Array.from({ length: 10_000 }, (_, i) => report(`gone-${i}`, 'FINISHED', 'done'));
    const answer = await h.sync(agentId, tasks);
    expect(answer.ack).toHaveLength(10_000);
    expect(await h.tasks()).toEqual([]);
  });

  it('does not hold a sync for as long as the lost timeout', async () => {
    const h = await harness({ agentLostTimeoutMs: 3_000, longPollMs: 20_000 });
    const registered = await h.register('host1');
    expect(registered.longPollMs).toBe(1_500);
  });
});

describe('restart', () => {
  it('loads every job and task it answered for, with their versions moving on', async () => {
    const h = await harness();
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ instances: 3 }));
    await h.createJob(jobSpec({ name: 'other', service: true }));
    await h.sync(agentId);
    const before = await h.tasks('?history=true');
    const beforeJob = GetJobResponseSchema.parse((await h.app.inject({ url: hello })).json()).job;
    const restarted = await harness({ dataDir: h.dataDir, clock: new FakeClock(h.clock.now() + 1_000) });
    expect(await restarted.tasks('?history=true')).toEqual(before);
    const job = GetJobResponseSchema.parse((await restarted.app.inject({ url: hello })).json()).job;
    expect(job.tasks).toEqual(beforeJob.tasks);
    expect(job.summary.taskCounts).toEqual(beforeJob.summary.taskCounts);
    // A client waiting with an old version is answered at once.
    expect(job.summary.version).not.toBe(beforeJob.summary.version);
  });
});

describe('preemption', () => {
  it('kills lower-tier work for a production task that waited the delay, and the victim service is replaced', async () => {
    const h = await harness({ preemption: { delayMs: 60_000 }, agentLostTimeoutMs: 600_000 });
    // One agent with room for two tasks of 1 cpu.
    const { agentId } = await h.register('host1', { resources: { cpu: 2, ramMb: 4096, diskMb: 4096, gpu: 0 } });
    await h.app.inject({ method: 'POST', url: PATHS.quota('www-data'), payload: { quota: { cpu: 10, ramMb: 10_240, diskMb: 10_240, gpu: 0 } } });
    const one = { cpu: 1, ramMb: 128, diskMb: 128 };
    await h.createJob(jobSpec({ name: 'batch', instances: 2, service: true, resources: one }));
    const batch = (await h.sync(agentId)).launch.map((l) => l.taskId);
    await h.sync(agentId, batch.map((id) => report(id, 'RUNNING')));
    expect((await h.createJob(jobSpec({ name: 'web', production: true, tier: null, resources: one }))).status).toBe(201);
    const waiting = async () => (await h.tasks('?name=web')).find((t) => t.state === 'PENDING');
    expect((await waiting())?.pendingReason).toMatch(/^Insufficient cpu on 1 agent/);

    h.clock.advance(59_000);
    await h.app.background.tick();
    expect((await h.tasks('?name=batch')).filter((t) => t.state === 'PREEMPTING')).toEqual([]);

    h.clock.advance(1_000);
    await h.app.background.tick();
    const victims = (await h.tasks('?name=batch')).filter((t) => t.state === 'PREEMPTING');
    expect(victims).toHaveLength(1);
    expect(victims[0]?.events.at(-1)?.message).toBe('Preempted by www-data/prod/web/0');
    const victim = victims[0]!.taskId;
    // The agent is told to kill it, and it ends; the production task takes its room.
    expect((await h.sync(agentId, batch.map((id) => report(id, 'RUNNING')))).kill).toEqual([victim]);
    await h.sync(agentId, [report(victim, 'KILLED'), ...batch.filter((id) => id !== victim).map((id) => report(id, 'RUNNING'))]);
    const web = (await h.tasks('?name=web'))[0];
    expect(web?.state).toBe('ASSIGNED');
    // The preempted service instance is replaced (and waits: the host is full).
    const replaced = (await h.tasks('?name=batch&history=true')).filter((t) => t.instance === victims[0]!.instance);
    expect(replaced.map((t) => t.state)).toEqual(['PENDING', 'KILLED']);
  });

  it('never preempts production work, nor lets the lowest tier preempt', async () => {
    const h = await harness({ preemption: { delayMs: 0 }, agentLostTimeoutMs: 600_000 });
    const { agentId } = await h.register('host1', { resources: { cpu: 1, ramMb: 4096, diskMb: 4096, gpu: 0 } });
    await h.app.inject({ method: 'POST', url: PATHS.quota('www-data'), payload: { quota: { cpu: 10, ramMb: 10_240, diskMb: 10_240, gpu: 0 } } });
    const one = { cpu: 1, ramMb: 128, diskMb: 128 };
    await h.createJob(jobSpec({ name: 'prod-a', production: true, tier: null, resources: one }));
    const a = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(a, 'RUNNING')]);
    await h.createJob(jobSpec({ name: 'prod-b', production: true, tier: null, resources: one }));
    await h.createJob(jobSpec({ name: 'rev', tier: 'revocable', resources: one }));
    h.clock.advance(1_000);
    await h.app.background.tick();
    expect((await h.tasks('?name=prod-a'))[0]?.state).toBe('RUNNING');
    expect((await h.tasks('?state=PREEMPTING'))).toEqual([]);
  });
});
