/**
 * Rolling updates, restarts and cron through the scheduler's API, with an injected clock and an
 * agent played by the test: it reports what it is told to launch as RUNNING (or as the test
 * says) and what it is told to kill as KILLED.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { specHash, type JobSpec } from '../../dsl/jobspec.js';
import type { CronJobView } from '../api/cron-api.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask } from '../api/task.js';
import type { JobUpdate } from '../api/updates-api.js';
import { PlayedAgents } from '../testing/played-agents.js';
import { FakeClock, jobSpec, startHarness, type Harness } from '../testing/scheduler-harness.js';

const CLIENT = { 'x-aurora-client': 'test' };
const JOB = { role: 'www-data', environment: 'prod', name: 'hello' };

let h: Harness;
let clock: FakeClock;
let agentId: string;
let updateIds: number;

function service(overrides: Partial<JobSpec> = {}, updateConfig: Partial<JobSpec['updateConfig']> = {}): JobSpec {
  const base = jobSpec({ service: true, instances: 3, ...overrides });
  return { ...base, updateConfig: { ...base.updateConfig, watchSecs: 10, maxPerInstanceFailures: 0, maxTotalFailures: 0, ...updateConfig } };
}

/** The played agent (one, on host1). */
let played: PlayedAgents;
const agentRound = () => played.round();

/** Time passes in steps the played agent syncs between (it would be LOST after 30 s of silence). */
async function tick(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 20_000) {
    clock.advance(Math.min(left, 20_000));
    await agentRound();
    await h.app.scheduler.tick();
    await h.settle();
    await agentRound();
  }
}

const post = <T>(url: string, payload?: object) => h.post<T>(url, payload);
const get = <T>(url: string) => h.get<T>(url);

const activeUpdate = async () => (await get<{ update: JobUpdate }>(PATHS.jobUpdate(JOB.role, JOB.environment, JOB.name, 'active'))).body.update;
const update = async (id: string) => (await get<{ update: JobUpdate }>(PATHS.jobUpdate(JOB.role, JOB.environment, JOB.name, id))).body.update;
const current = async (): Promise<ScheduledTask[]> =>
  (await h.tasks('?role=www-data&history=false')).filter((t) => t.jobKey.name === JOB.name).sort((a, b) => a.instance - b.instance);

async function startUpdate(spec: JobSpec): Promise<JobUpdate> {
  const res = await post<{ update: JobUpdate }>(PATHS.jobUpdates(JOB.role, JOB.environment, JOB.name), { spec });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await agentRound();
  return res.body.update;
}

beforeEach(async () => {
  clock = new FakeClock();
  updateIds = 0;
  h = await startHarness({ clock, newUpdateId: () => `update-${++updateIds}` });
  played = new PlayedAgents(() => h);
  agentId = await played.register('host1');
});
afterEach(() => h.close());

async function createRunning(spec: JobSpec): Promise<void> {
  expect((await h.createJob(spec)).status).toBe(201);
  await agentRound();
  expect((await current()).map((t) => t.state)).toEqual(Array(spec.instances).fill('RUNNING'));
}

describe('rolling updates', () => {
  it('rolls forward one instance at a time, each watched for watchSecs, and ends ROLLED_FORWARD', async () => {
    const v1 = service();
    await createRunning(v1);
    const v2: JobSpec = { ...v1, task: { ...v1.task, processes: v1.task.processes.map((p) => ({ ...p, cmdline: `${p.cmdline} # v2` })) } };
    const started = await startUpdate(v2);
    expect(started.status).toBe('ROLLING_FORWARD');
    const specOf = async () => (await current()).map((t) => t.specHash === started.toSpecHash);
    // Instance 0 runs v2 and is being watched; the others wait their turn.
    expect(await specOf()).toEqual([true, false, false]);
    await tick(5_000);
    expect(await specOf()).toEqual([true, false, false]);
    await tick(5_000);
    expect(await specOf()).toEqual([true, true, false]);
    await tick(10_000);
    expect(await specOf()).toEqual([true, true, true]);
    await tick(10_000);
    const done = await update(started.id);
    expect(done.status).toBe('ROLLED_FORWARD');
    expect(done.instances.map((i) => i.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect((await current()).every((t) => t.state === 'RUNNING')).toBe(true);
    // The replaced tasks say why they ended.
    const old = (await h.tasks('?role=www-data')).filter((t) => t.specHash !== started.toSpecHash);
    expect(old.map((t) => t.events.find((e) => e.state === 'RESTARTING')?.message)).toEqual(Array(3).fill(`Killed for job update ${started.id}`));
  });

  it('rolls back by itself when the new config keeps failing, and every instance runs the old config again', async () => {
    const v1 = service();
    await createRunning(v1);
    const bad = service({ healthCheck: { ...v1.healthCheck, intervalSecs: 1 } }, { rollbackOnFailure: true });
    played.failing.add(specHash(bad));
    const started = await startUpdate(bad);
    // The first instance's v2 task fails, is replaced, fails again: past its budget of 0.
    for (let i = 0; i < 4; i++) await tick(1_000);
    expect((await update(started.id)).status).toBe('ROLLING_BACK');
    // Rolling back watches the old config for watchSecs too.
    for (let i = 0; i < 3; i++) await tick(10_000);
    const done = await update(started.id);
    expect(done.status).toBe('ROLLED_BACK');
    expect(done.events.map((e) => e.status)).toEqual(['ROLLING_FORWARD', 'ROLLING_BACK', 'ROLLED_BACK']);
    const now = await current();
    expect(now.map((t) => [t.state, t.specHash === started.fromJobSpecHash])).toEqual([
      ['RUNNING', true],
      ['RUNNING', true],
      ['RUNNING', true],
    ]);
    const list = await get<{ updates: { id: string; status: string }[] }>(`${PATHS.updates}?role=www-data`);
    expect(list.body.updates.map((u) => [u.id, u.status])).toEqual([[started.id, 'ROLLED_BACK']]);
  });

  it('holds while paused, goes on when resumed, stops on abort, and refuses what does not apply', async () => {
    const v1 = service({ instances: 4 });
    await createRunning(v1);
    const started = await startUpdate(service({ instances: 4, priority: 1 }));
    const path = (action: string) => PATHS.jobUpdateAction(JOB.role, JOB.environment, JOB.name, action);
    expect((await post<{ update: JobUpdate }>(path('pause'), { message: 'lunch' })).body.update.status).toBe('ROLL_FORWARD_PAUSED');
    const pausedAt = (await current()).map((t) => t.specHash === started.toSpecHash);
    await tick(30_000);
    expect((await current()).map((t) => t.specHash === started.toSpecHash)).toEqual(pausedAt);
    const refused = await post<{ error: { code: string; message: string } }>(path('pause'));
    expect([refused.status, refused.body.error.code]).toEqual([409, 'INVALID_UPDATE_ACTION']);
    expect((await post<{ update: JobUpdate }>(path('resume'))).body.update.status).toBe('ROLLING_FORWARD');
    await tick(10_000);
    expect((await current()).filter((t) => t.specHash === started.toSpecHash).length).toBeGreaterThan(pausedAt.filter(Boolean).length);
    const aborted = (await post<{ update: JobUpdate }>(path('abort'))).body.update;
    expect(aborted.status).toBe('ABORTED');
    expect(aborted.events.at(-1)).toMatchObject({ status: 'ABORTED', user: 'anonymous' });
    const after = (await current()).map((t) => t.specHash);
    await tick(30_000);
    expect((await current()).map((t) => t.specHash)).toEqual(after);
    const none = await post<{ error: { code: string } }>(path('resume'));
    expect([none.status, none.body.error.code]).toEqual([404, 'NO_ACTIVE_UPDATE']);
  });

  it('rolls back on request, to the old config', async () => {
    const v1 = service();
    await createRunning(v1);
    const started = await startUpdate(service({ priority: 2 }));
    await tick(10_000);
    const back = await post<{ update: JobUpdate }>(PATHS.jobUpdateAction(JOB.role, JOB.environment, JOB.name, 'rollback'));
    expect(back.body.update.status).toBe('ROLLING_BACK');
    for (let i = 0; i < 6; i++) await tick(10_000);
    expect((await update(started.id)).status).toBe('ROLLED_BACK');
    expect((await current()).every((t) => t.specHash === started.fromJobSpecHash)).toBe(true);
  });

  it('uses the batch sizes of a variable batch strategy in order', async () => {
    const v1 = service({ instances: 6 }, { watchSecs: 10 });
    await createRunning(v1);
    const v2 = service({ instances: 6, priority: 3 }, { strategy: { kind: 'variable', batchSizes: [1, 2, 3], autopauseAfterBatch: false } } as never);
    const started = await startUpdate(v2);
    const updated = async () => (await current()).filter((t) => t.specHash === started.toSpecHash).length;
    expect(await updated()).toBe(1);
    await tick(10_000);
    expect(await updated()).toBe(3);
    await tick(10_000);
    expect(await updated()).toBe(6);
  });

  it('adds and removes instances', async () => {
    await createRunning(service({ instances: 2 }));
    const started = await startUpdate(service({ instances: 4, priority: 4 }, { strategy: { kind: 'queue', groupSize: 4 } } as never));
    for (let i = 0; i < 3; i++) await tick(10_000);
    expect((await update(started.id)).status).toBe('ROLLED_FORWARD');
    expect((await current()).map((t) => [t.instance, t.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'RUNNING'],
      [2, 'RUNNING'],
      [3, 'RUNNING'],
    ]);
    const shrink = await startUpdate(service({ instances: 1, priority: 4 }, { strategy: { kind: 'queue', groupSize: 4 } } as never));
    for (let i = 0; i < 3; i++) await tick(10_000);
    expect((await update(shrink.id)).status).toBe('ROLLED_FORWARD');
    expect((await current()).map((t) => [t.instance, t.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'KILLED'],
      [2, 'KILLED'],
      [3, 'KILLED'],
    ]);
    const job = (await get<{ job: { summary: { instances: number } } }>(PATHS.job(JOB.role, JOB.environment, JOB.name))).body.job;
    expect(job.summary.instances).toBe(1);
  });

  it("leaves the instances running when only the instance count changes, as Aurora's add-only and kill-only updates", async () => {
    const queue4 = { strategy: { kind: 'queue', groupSize: 4 } } as never;
    await createRunning(service({ instances: 1 }, queue4));
    const before = await current();
    const grow = await startUpdate(service({ instances: 3 }, queue4));
    expect(grow.instances.map((i) => [i.instance, i.fromSpecHash])).toEqual([
      [1, null],
      [2, null],
    ]);
    await tick(10_000);
    await tick(10_000);
    expect((await update(grow.id)).status).toBe('ROLLED_FORWARD');
    const grown = await current();
    expect(grown.map((t) => [t.instance, t.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'RUNNING'],
      [2, 'RUNNING'],
    ]);
    expect(grown[0]!.taskId).toBe(before[0]!.taskId);

    const shrink = await startUpdate(service({ instances: 1 }, queue4));
    expect(shrink.instances.map((i) => [i.instance, i.toSpecHash])).toEqual([
      [1, null],
      [2, null],
    ]);
    await tick(10_000);
    expect((await update(shrink.id)).status).toBe('ROLLED_FORWARD');
    expect((await current()).filter((t) => t.state === 'RUNNING').map((t) => t.taskId)).toEqual([before[0]!.taskId]);
  });

  it("adds every instance of a job that does not exist, as Aurora's update start does, and a rollback removes them", async () => {
    const started = await startUpdate(service({ instances: 2 }, { strategy: { kind: 'queue', groupSize: 2 } } as never));
    expect([started.status, started.fromInstanceCount, started.toInstanceCount]).toEqual(['ROLLING_FORWARD', 0, 2]);
    expect(started.instances.map((i) => [i.instance, i.fromSpecHash])).toEqual([
      [0, null],
      [1, null],
    ]);
    await tick(10_000);
    await tick(10_000);
    expect((await update(started.id)).status).toBe('ROLLED_FORWARD');
    expect((await current()).map((t) => [t.instance, t.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'RUNNING'],
    ]);
    expect((await h.createJob(service())).body.error.code).toBe('JOB_EXISTS');

    const other = { ...JOB, name: 'fresh' };
    const fresh = jobSpec({ service: true, instances: 1, name: 'fresh' });
    const res = await post<{ update: JobUpdate }>(PATHS.jobUpdates(other.role, other.environment, other.name), { spec: fresh });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await agentRound();
    const rolledBack = await post<{ update: JobUpdate }>(PATHS.jobUpdateAction(other.role, other.environment, other.name, 'rollback'));
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    await tick(10_000);
    const tasks = (await h.tasks('?role=www-data')).filter((t) => t.jobKey.name === 'fresh');
    expect(tasks.map((t) => t.state)).toEqual(['KILLED']);
  });

  it('refuses a second update while one is active, and a create of a job that exists points at update start', async () => {
    await createRunning(service());
    await startUpdate(service({ priority: 5 }));
    const second = await post<{ error: { code: string; message: string } }>(PATHS.jobUpdates(JOB.role, JOB.environment, JOB.name), { spec: service({ priority: 6 }) });
    expect([second.status, second.body.error.code]).toEqual([409, 'UPDATE_IN_PROGRESS']);
    expect(second.body.error.message).toContain('update-1');
    const create = await h.createJob(service());
    expect([create.status, create.body.error.code]).toEqual([409, 'JOB_EXISTS']);
    expect(create.body.error.message).toContain('aurora update start');
  });

  it('goes on after a scheduler restart where it was', async () => {
    await createRunning(service());
    const started = await startUpdate(service({ priority: 7 }));
    await tick(10_000);
    const before = await update(started.id);
    const dataDir = h.dataDir;
    await h.app.close();
    await h.storage.close();
    h = await startHarness({ clock, dataDir, newUpdateId: () => `update-${++updateIds}` });
    played.add((await h.register('host1', { agentId })).agentId);
    const after = await update(started.id);
    expect(after.instances.map((i) => i.status)).toEqual(before.instances.map((i) => i.status));
    for (let i = 0; i < 5; i++) await tick(10_000);
    expect((await update(started.id)).status).toBe('ROLLED_FORWARD');
  });
});

describe('quota', () => {
  it('checks a production update that grows the job, and counts production cron templates', async () => {
    // The sample spec asks 0.5 cpu per instance; 3 instances fit a quota of 2 cpus.
    await post(PATHS.quota('www-data'), { quota: { cpu: 2, ramMb: 100_000, diskMb: 100_000, gpu: 0 } });
    await createRunning(service({ production: true, tier: 'preferred' }));
    const grow = await post<{ error: { code: string; message: string } }>(PATHS.jobUpdates(JOB.role, JOB.environment, JOB.name), {
      spec: service({ production: true, tier: 'preferred', instances: 5 }),
    });
    expect([grow.status, grow.body.error.code]).toEqual([400, 'INSUFFICIENT_QUOTA']);
    expect(grow.body.error.message).toMatch(/cpu/);
    // Growing by one fits: only what grows needs room.
    expect((await post(PATHS.jobUpdates(JOB.role, JOB.environment, JOB.name), { spec: service({ production: true, tier: 'preferred', instances: 4 }) })).status).toBe(200);
    // A production cron job holds its template even between runs: no room left for it.
    const cron = jobSpec({ name: 'nightly', instances: 1, production: true, tier: 'preferred', cronSchedule: '0 0 * * *', cronCollisionPolicy: 'KILL_EXISTING' });
    const refused = await post<{ error: { code: string } }>(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: cron });
    expect(refused.body.error.code).toBe('INSUFFICIENT_QUOTA');
  });
});

describe('job restart', () => {
  it('replaces every instance with a new task id, batch by batch', async () => {
    await createRunning(service({ instances: 4 }));
    const before = await current();
    const res = await post<{ update: JobUpdate }>(PATHS.jobRestart(JOB.role, JOB.environment, JOB.name), {
      settings: {
        strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: false },
        watchSecs: 10,
        maxPerInstanceFailures: 0,
        maxTotalFailures: 0,
        rollbackOnFailure: false,
        pulseIntervalSecs: null,
        slaAware: false,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await agentRound();
    const changed = async () => (await current()).map((t, i) => t.taskId !== before[i]!.taskId);
    expect(await changed()).toEqual([true, true, false, false]);
    await tick(10_000);
    expect(await changed()).toEqual([true, true, true, true]);
    await tick(10_000);
    expect((await update(res.body.update.id)).status).toBe('ROLLED_FORWARD');
    expect((await current()).every((t) => t.specHash === before[0]!.specHash && t.state === 'RUNNING')).toBe(true);
  });
});

describe('cron', () => {
  const cronSpec = (policy: 'KILL_EXISTING' | 'CANCEL_NEW' = 'KILL_EXISTING') =>
    jobSpec({ name: 'nightly', instances: 1, cronSchedule: '* * * * *', cronCollisionPolicy: policy });
  const cronPath = PATHS.cronJob('www-data', 'prod', 'nightly');
  const cronTasks = async () => (await h.tasks('?role=www-data')).filter((t) => t.jobKey.name === 'nightly');

  it('runs a * * * * * job once per minute, never twice per tick, and not after deschedule', async () => {
    const scheduled = await post<{ cron: CronJobView }>(cronPath, { spec: cronSpec() });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.cron.nextRuns[0]).toBe(clock.now() + 60_000);
    await tick(60_000);
    expect((await cronTasks()).length).toBe(1);
    // More ticks within the same minute run nothing.
    await tick(10_000);
    await tick(10_000);
    expect((await cronTasks()).length).toBe(1);
    await tick(40_000);
    const tasks = await cronTasks();
    expect(tasks.length).toBe(2);
    // KILL_EXISTING: the first run was killed for the second.
    expect(tasks.find((t) => t.state === 'KILLED')?.events.at(-2)?.message).toBe('Killed by cron: a new run started (KILL_EXISTING)');
    const shown = (await get<{ cron: CronJobView }>(cronPath)).body.cron;
    expect(shown.lastRuns.map((r) => r.outcome)).toEqual(['KILLED_EXISTING', 'STARTED']);
    const gone = await h.app.inject({ method: 'DELETE', url: cronPath, headers: CLIENT });
    expect(gone.statusCode).toBe(200);
    await tick(120_000);
    expect((await cronTasks()).length).toBe(2);
    expect((await get<{ error: { code: string } }>(cronPath)).body.error.code).toBe('CRON_JOB_NOT_FOUND');
  });

  it('CANCEL_NEW skips a tick while the previous run is active', async () => {
    await post(cronPath, { spec: cronSpec('CANCEL_NEW') });
    await tick(60_000);
    await tick(60_000);
    expect((await cronTasks()).length).toBe(1);
    const shown = (await get<{ cron: CronJobView }>(cronPath)).body.cron;
    expect(shown.lastRuns.map((r) => r.outcome)).toEqual(['CANCELLED_NEW', 'STARTED']);
  });

  it('records ticks missed while the scheduler was down, and does not run them', async () => {
    await post(cronPath, { spec: cronSpec() });
    clock.advance(10 * 60_000 + 30_000);
    await h.app.scheduler.tick();
    await h.settle();
    const shown = (await get<{ cron: CronJobView }>(cronPath)).body.cron;
    expect(shown.lastRuns.filter((r) => r.outcome === 'MISSED').length).toBe(9);
    expect(shown.lastRuns[0]?.outcome).toBe('STARTED');
    expect((await cronTasks()).length).toBe(1);
  });

  it('runs once now on aurora cron start, and refuses create and update of a cron job', async () => {
    await post(cronPath, { spec: cronSpec() });
    const started = await post<{ cron: CronJobView }>(PATHS.cronStart('www-data', 'prod', 'nightly'));
    expect(started.body.cron.lastRuns[0]).toMatchObject({ outcome: 'STARTED', user: 'anonymous', scheduledFor: null });
    const create = await h.createJob(cronSpec());
    expect(create.body.error.message).toContain('Cron jobs may only be scheduled with "aurora cron schedule" command');
    // Nor does an update of the same key with a spec that is not cron make it a service.
    const service = { ...cronSpec(), cronSchedule: null, service: true };
    const updated = await post<{ error: { code: string; message: string } }>(PATHS.jobUpdates('www-data', 'prod', 'nightly'), { spec: service });
    expect([updated.body.error.code, updated.body.error.message]).toEqual([
      'CRON_JOB_NEEDS_CRON_COMMAND',
      expect.stringContaining('Cron jobs may only be updated with "aurora cron schedule" command'),
    ]);
  });
});
