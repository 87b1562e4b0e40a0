import { afterEach, describe, expect, it } from 'vitest';
import { GetJobResponseSchema } from '../api/jobs-api.js';
import { GetQuotaResponseSchema } from '../api/quota-api.js';
import { PATHS } from '../api/routes.js';
import type { ExecutorAllowance } from '../core/effective-resources.js';
import { jobSpec, report, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';

/**
 * The executor allowance through the scheduler's routes: placement and preemption count what a
 * task holds (its resources and the allowance), quota and job reads what it asked for, and a
 * launch tells the agent the allowance it was placed with.
 */

const open: Harness[] = [];
async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  open.push(h);
  return h;
}
afterEach(async () => {
  for (const h of open.splice(0).reverse()) await h.close();
});

const NONE: ExecutorAllowance = { cpu: 0, ramMb: 0, diskMb: 0 };
const setQuota = (h: Harness, quota: { cpu: number; ramMb: number; diskMb: number; gpu: number }) =>
  h.app.inject({ method: 'POST', url: PATHS.quota('www-data'), payload: { quota } });

describe('placement', () => {
  // One host with room for exactly 4 tasks of 0.25 cpu and 512 MiB.
  const host = { cpu: 1, ramMb: 2048, diskMb: 4096, gpu: 0 };
  const task = { cpu: 0.25, ramMb: 512, diskMb: 16 };

  it.each([
    { allowance: NONE, placed: 4, why: 'the task alone' },
    { allowance: { cpu: 0, ramMb: 16, diskMb: 1 }, placed: 3, why: '528 MiB a task: 3 in 2048' },
    { allowance: { cpu: 0.25, ramMb: 0, diskMb: 0 }, placed: 2, why: '0.5 cpu a task: 2 in 1' },
  ])('a host that fits exactly 4 tasks fits $placed with allowance $allowance ($why)', async ({ allowance, placed }) => {
    const h = await harness({ executorAllowance: allowance });
    const { agentId } = await h.register('host1', { resources: host });
    await h.createJob(jobSpec({ instances: 4, resources: task }));
    expect((await h.sync(agentId)).launch).toHaveLength(placed);
    expect((await h.tasks()).filter((t) => t.state === 'PENDING')).toHaveLength(4 - placed);
  });

  it("says why a task waits with the allowance's share of the need", async () => {
    const h = await harness({ executorAllowance: { cpu: 0, ramMb: 16, diskMb: 1 } });
    await h.register('host1', { resources: host });
    await h.createJob(jobSpec({ instances: 4, resources: task }));
    const waiting = (await h.tasks()).find((t) => t.state === 'PENDING');
    expect(waiting?.pendingReason).toBe('Insufficient ram on 1 agent (needs 528 MiB: 512 MiB and 16 MiB executor allowance, largest free 464 MiB)');
  });

  it('gives back what a task held when it ends, so the one waiting takes its place', async () => {
    const h = await harness({ executorAllowance: { cpu: 0, ramMb: 16, diskMb: 1 } });
    const { agentId } = await h.register('host1', { resources: host });
    await h.createJob(jobSpec({ instances: 4, resources: task }));
    const launched = (await h.sync(agentId)).launch.map((l) => l.taskId);
    expect(launched).toHaveLength(3);
    const [done, ...running] = launched;
    await h.sync(agentId, [report(done!, 'FINISHED'), ...running.map((id) => report(id, 'RUNNING'))]);
    const next = (await h.sync(agentId, running.map((id) => report(id, 'RUNNING')))).launch;
    expect(next.map((l) => l.instance)).toEqual([3]);
    expect((await h.tasks()).filter((t) => t.state === 'PENDING')).toEqual([]);
  });
});

describe('launches', () => {
  it('carry the allowance the task was placed with, and none when there is none', async () => {
    const allowance = { cpu: 0.25, ramMb: 128, diskMb: 10 };
    const h = await harness({ executorAllowance: allowance });
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec());
    expect((await h.sync(agentId)).launch[0]?.allowance).toEqual(allowance);

    const plain = await harness();
    const other = await plain.register('host1');
    await plain.createJob(jobSpec());
    const launch = (await plain.sync(other.agentId)).launch[0];
    expect(launch).toBeDefined();
    expect(launch).not.toHaveProperty('allowance');
  });
});

describe('quota', () => {
  it("counts what production tasks asked for, not the allowance, as Aurora's quota does", async () => {
    const h = await harness({ executorAllowance: { cpu: 0.25, ramMb: 128, diskMb: 10 } });
    const { agentId } = await h.register('host1');
    // Exactly two instances' worth of what each asks for.
    await setQuota(h, { cpu: 1, ramMb: 512, diskMb: 512, gpu: 0 });
    const prod = jobSpec({ instances: 2, production: true, tier: null, resources: { cpu: 0.5, ramMb: 256, diskMb: 256 } });
    expect((await h.createJob(prod)).status).toBe(201);
    expect((await h.sync(agentId)).launch).toHaveLength(2);
    const quota = GetQuotaResponseSchema.parse((await h.app.inject({ url: PATHS.quota('www-data') })).json());
    expect(quota.prodUse).toEqual({ cpu: 1, ramMb: 512, diskMb: 512, gpu: 0 });
    // One instance more is over the quota: the allowance did not use any of it up.
    const more = await h.createJob({ ...prod, key: { ...prod.key, name: 'more' }, instances: 1 });
    expect(more.status).toBe(400);
    expect(more.body.error.code).toBe('INSUFFICIENT_QUOTA');
  });

  it('leaves the job as asked: aurora job status and inspect show the resources of the config', async () => {
    const h = await harness({ executorAllowance: { cpu: 0.25, ramMb: 128, diskMb: 10 } });
    await h.register('host1');
    await h.createJob(jobSpec({ resources: { cpu: 0.1, ramMb: 1, diskMb: 8 } }));
    const job = GetJobResponseSchema.parse((await h.app.inject({ url: PATHS.job('www-data', 'prod', 'hello') })).json()).job;
    expect(job.spec.task.resources).toEqual({ cpu: 0.1, ramMb: 1, diskMb: 8, gpu: 0 });
  });
});

describe('preemption', () => {
  it('frees what a victim holds, allowance included, as placement counts it: one victim makes room', async () => {
    // Tasks of 0.5 cpu hold 1 cpu each with the allowance: two fill the host.
    const h = await harness({ executorAllowance: { cpu: 0.5, ramMb: 0, diskMb: 0 }, preemption: { delayMs: 0 }, agentLostTimeoutMs: 600_000 });
    const { agentId } = await h.register('host1', { resources: { cpu: 2, ramMb: 4096, diskMb: 4096, gpu: 0 } });
    await setQuota(h, { cpu: 10, ramMb: 10_240, diskMb: 10_240, gpu: 0 });
    const half = { cpu: 0.5, ramMb: 128, diskMb: 128 };
    await h.createJob(jobSpec({ name: 'batch', instances: 2, service: true, resources: half }));
    const batch = (await h.sync(agentId)).launch.map((l) => l.taskId);
    expect(batch).toHaveLength(2);
    await h.sync(agentId, batch.map((id) => report(id, 'RUNNING')));

    await h.createJob(jobSpec({ name: 'web', production: true, tier: null, resources: half }));
    expect((await h.tasks('?name=web'))[0]?.pendingReason).toMatch(/^Insufficient cpu on 1 agent \(needs 1 cpu: 0.5 cpu and 0.5 cpu executor allowance/);
    await h.app.background.tick();
    const victims = (await h.tasks('?name=batch')).filter((t) => t.state === 'PREEMPTING');
    // Counting only what tasks asked for, 0.5 cpu freed would not be enough for a need of 1.
    expect(victims).toHaveLength(1);
    const victim = victims[0]!.taskId;
    expect((await h.sync(agentId, batch.map((id) => report(id, 'RUNNING')))).kill).toEqual([victim]);
    await h.sync(agentId, [report(victim, 'KILLED'), ...batch.filter((id) => id !== victim).map((id) => report(id, 'RUNNING'))]);
    expect((await h.tasks('?name=web'))[0]?.state).toBe('ASSIGNED');
  });
});
