import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentSyncResponseSchema, ListAgentsResponseSchema, type AgentTaskReport } from '../api/agent-protocol.js';
import { ApiErrorBodySchema } from '../api/errors.js';
import { specHash } from '../../dsl/jobspec.js';
import { PATHS } from '../api/routes.js';
import { agentRegistration, FakeClock, jobSpec, report, startHarness, type Harness } from '../testing/scheduler-harness.js';

/** The header the CLI sends with every state-changing call (a body-less POST needs it). */
const CLIENT = { 'x-aurora-client': 'test' };

describe('agent channel', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  /** Starts a sync and resolves, once the scheduler holds it open, with a promise of its answer. */
  async function heldSync(agentId: string, waitMs: number, tasks: AgentTaskReport[] = [], on: Harness = h) {
    const pending = on.app.inject({ method: 'POST', url: PATHS.agentSync, payload: on.syncBody(agentId, tasks, waitMs) });
    // Subscribing at once starts the injected request.
    const answer = pending.then((res) => AgentSyncResponseSchema.parse(res.json()));
    await vi.waitFor(() => expect(on.app.longPolls.isHeld(agentId)).toBe(true));
    return { answer };
  }

  it('registers a new agent, and keeps the id of a returning one', async () => {
    const first = await h.register('host1');
    expect(first).toEqual({ agentId: 'host1-00000001', longPollMs: 5000, token: expect.any(String) });
    const again = await h.register('host1', { agentId: first.agentId });
    expect(again).toMatchObject({ agentId: first.agentId, longPollMs: 5000 });
    // A new registration, a new token: the old one no longer works.
    expect(again.token).not.toBe(first.token);
    expect((await h.register('host2', { agentId: 'kept-from-elsewhere' })).agentId).toBe('kept-from-elsewhere');
    const { agents } = ListAgentsResponseSchema.parse((await h.app.inject({ method: 'GET', url: PATHS.agents })).json());
    expect(agents.map((a) => [a.agentId, a.host, a.status])).toEqual([
      ['host1-00000001', 'host1', 'ACTIVE'],
      ['kept-from-elsewhere', 'host2', 'ACTIVE'],
    ]);
  });

  it('takes agents only with the cluster secret, and each sync only with its own token, once', async () => {
    const { agentId, token } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const launched = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(launched, 'RUNNING')]);
    const before = await h.tasks();
    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      h.app.inject({ method: 'POST', url, payload, headers });

    // No secret: no registration (a forged re-registration cannot change the agent).
    const forgedRegistration = await post(PATHS.agentRegister, { ...agentRegistration('host1', { agentId, observerUrl: 'http://evil:1' }) });
    expect([forgedRegistration.statusCode, forgedRegistration.json().error.code]).toEqual([401, 'AGENT_UNAUTHENTICATED']);
    expect(forgedRegistration.json().error.message).toMatch(/--agent-secret-file/);
    // A forged sync under the real agent's id, with no task reported: refused, nothing LOST.
    const forgedSync = await post(PATHS.agentSync, { agentId, token: 'guessed', seq: 99, tasks: [], waitMs: 0 });
    expect(forgedSync.statusCode).toBe(401);
    // A replayed sync (its sequence number was used): refused too.
    const body = h.syncBody(agentId, [report(launched, 'RUNNING')], 0);
    expect((await post(PATHS.agentSync, body)).statusCode).toBe(200);
    const replay = await post(PATHS.agentSync, { ...body, tasks: [] });
    expect([replay.statusCode, replay.json().error.message]).toEqual([401, expect.stringMatching(/refused as a replay/)]);
    // Specs only with the agent's token.
    const spec = await h.app.inject({ method: 'GET', url: PATHS.spec(before[0]!.specHash) });
    expect(spec.statusCode).toBe(401);
    expect((await h.tasks()).map((t) => [t.taskId, t.state])).toEqual(before.map((t) => [t.taskId, t.state]));
    expect(h.app.scheduler.listAgents()[0]?.observerUrl).toBe('http://host1:11338');
    // The agent list shows no token.
    const listed = await h.app.inject({ url: PATHS.agents });
    expect(listed.body).not.toContain(token);
  });

  it('tells an unknown agent to register again', async () => {
    const res = await h.app.inject({ method: 'POST', url: PATHS.agentSync, payload: { agentId: 'ghost', token: 'made-up', seq: 1, tasks: [], waitMs: 0 } });
    expect(res.statusCode).toBe(401);
    expect(ApiErrorBodySchema.parse(res.json()).error.code).toBe('AGENT_UNAUTHENTICATED');
  });

  it('launches a task with its job spec (by hash) and ports, then follows it to FINISHED', async () => {
    const { agentId } = await h.register('host1');
    const spec = jobSpec({ ports: ['http'] });
    await h.createJob(spec);
    const { launch, kill } = AgentSyncResponseSchema.parse(await h.sync(agentId));
    expect(kill).toEqual([]);
    expect(launch).toHaveLength(1);
    const [assignment] = launch;
    expect(assignment).toMatchObject({ instance: 0, ports: { http: 31000 }, jobKey: { name: 'hello' }, specHash: specHash(spec) });
    const fetched = await h.app.inject({ method: 'GET', url: PATHS.spec(assignment!.specHash), headers: h.agentHeaders(agentId) });
    expect(fetched.json().spec.task.processes[0]?.cmdline).toBe('echo hello');
    const missing = await h.app.inject({ method: 'GET', url: PATHS.spec('0000'), headers: h.agentHeaders(agentId) });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'SPEC_NOT_FOUND']);

    const id = assignment!.taskId;
    expect(await h.sync(agentId, [report(id, 'STARTING')])).toEqual({ launch: [], kill: [], ack: [] });
    await h.sync(agentId, [report(id, 'RUNNING')]);
    // The ending is acknowledged, so the agent stops reporting it.
    expect((await h.sync(agentId, [report(id, 'FINISHED', 'Task finished')])).ack).toEqual([id]);
    const [task] = await h.tasks();
    expect(task?.events.map((e) => [e.state, e.message])).toEqual([
      ['PENDING', 'Created by anonymous'],
      ['ASSIGNED', 'Assigned to agent host1'],
      ['STARTING', null],
      ['RUNNING', null],
      ['FINISHED', 'Task finished'],
    ]);
  });

  it('replaces a service task that ended, on the next sync', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const first = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(first, 'RUNNING')]);
    h.clock.advance(10 * 60_000); // it ran for ten minutes: not flapping
    await h.sync(agentId, [report(first, 'FAILED', 'Process hello exited with status 1')]);
    const next = await h.sync(agentId, [report(first, 'FAILED', 'Process hello exited with status 1')]);
    expect(next.launch.map((l) => l.instance)).toEqual([0]);
    const tasks = await h.tasks();
    expect(tasks.map((t) => [t.state, t.failureCount])).toEqual([
      ['ASSIGNED', 1],
      ['FAILED', 0],
    ]);
  });

  it('holds back the replacement of a service task that keeps failing right after it starts', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const first = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(first, 'RUNNING')]);
    h.clock.advance(1_000);
    const next = await h.sync(agentId, [report(first, 'FAILED', 'Process hello exited with status 1')]);
    expect(next.launch).toEqual([]);
    let tasks = await h.tasks();
    const held = tasks.find((t) => t.state === 'THROTTLED');
    expect(held?.pendingReason).toMatch(/keeps ending soon after it starts/);
    expect(held?.events[0]?.message).toMatch(/after running 1 s; held for 30 s because it is flapping/);

    h.clock.advance(29_000);
    await h.app.background.tick();
    expect((await h.tasks()).some((t) => t.state === 'THROTTLED')).toBe(true);

    h.clock.advance(1_000);
    await h.app.background.tick();
    const launched = await h.sync(agentId, []);
    expect(launched.launch.map((l) => l.taskId)).toEqual([held!.taskId]);

    // It flaps again: the next hold is twice as long.
    await h.sync(agentId, [report(held!.taskId, 'RUNNING')]);
    await h.sync(agentId, [report(held!.taskId, 'FAILED', 'again')]);
    tasks = await h.tasks();
    const again = tasks.find((t) => t.state === 'THROTTLED');
    expect(again?.throttle?.penaltyMs).toBe(60_000);
  });

  it('marks a task the agent stopped reporting LOST and runs it again', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const first = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(first, 'RUNNING')]);
    await h.sync(agentId, []);
    let tasks = await h.tasks();
    // Lost soon after it was assigned: the replacement waits a little, doubling if it goes on.
    expect(tasks.map((t) => t.state)).toEqual(['THROTTLED', 'LOST']);
    expect(tasks[1]?.events.at(-1)?.message).toBe('Task not reported by agent host1');
    expect(tasks[0]?.throttle?.penaltyMs).toBe(5_000);
    expect(tasks[0]?.pendingReason).toMatch(/keeps being lost soon after it is assigned/);
    h.clock.advance(5_000);
    await h.app.background.tick();
    tasks = await h.tasks();
    expect(tasks.map((t) => t.state)).toEqual(['ASSIGNED', 'LOST']);
  });

  it('tells the agent to kill tasks it should not run', async () => {
    const { agentId } = await h.register('host1');
    expect(await h.sync(agentId, [report('leftover-task', 'RUNNING')])).toEqual({ launch: [], kill: ['leftover-task'], ack: [] });
  });

  it('holds an idle sync open and answers as soon as a task is assigned to the agent', async () => {
    const { agentId } = await h.register('host1');
    const { answer } = await heldSync(agentId, 60_000);
    await h.createJob(jobSpec());
    const { launch } = await answer;
    expect(launch.map((l) => l.taskId)).toEqual(['www-data-prod-hello-0-00000002']);
  });

  it('wakes a held sync when one of its tasks is killed', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec());
    const id = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(id, 'RUNNING')]);
    const { answer } = await heldSync(agentId, 60_000, [report(id, 'RUNNING')]);
    await h.app.inject({ method: 'POST', url: PATHS.jobKill('www-data', 'prod', 'hello'), headers: CLIENT });
    expect(await answer).toEqual({ launch: [], kill: [id], ack: [] });
  });

  it('answers a held sync at once on reconcile_tasks, so the agent reports every task now', async () => {
    const { agentId } = await h.register('host1');
    const held = await heldSync(agentId, 5_000);
    const res = await h.app.inject({ method: 'POST', url: PATHS.agentsReconcile, headers: CLIENT });
    expect(res.json()).toEqual({ agents: 1, askedNow: 1 });
    expect(await held.answer).toMatchObject({ launch: [], kill: [] });
    // Only once: the next held sync waits again.
    const again = await heldSync(agentId, 5_000);
    expect(h.app.longPolls.isHeld(agentId)).toBe(true);
    h.app.longPolls.close();
    await again.answer;
  });

  it('answers an idle sync with nothing once the long poll is over', async () => {
    const short = await startHarness({ longPollMs: 20 });
    try {
      const { agentId } = await short.register('host1');
      const res = await short.app.inject({ method: 'POST', url: PATHS.agentSync, payload: short.syncBody(agentId, [], 60_000) });
      expect(res.json()).toEqual({ launch: [], kill: [], ack: [] });
    } finally {
      await short.close();
    }
  });

  it('drops a held sync whose agent hung up', async () => {
    const served = await startHarness({ longPollMs: 60_000, agentLostTimeoutMs: 300_000 });
    try {
      const { agentId } = await served.register('host1');
      const address = await served.app.listen({ host: '127.0.0.1', port: 0 });
      const hangUp = new AbortController();
      const sync = fetch(`${address}${PATHS.agentSync}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(served.syncBody(agentId, [], 60_000)),
        signal: hangUp.signal,
      }).catch(() => 'hung up');
      await vi.waitFor(() => expect(served.app.longPolls.isHeld(agentId)).toBe(true));
      hangUp.abort();
      expect(await sync).toBe('hung up');
      await vi.waitFor(() => expect(served.app.longPolls.size).toBe(0));
    } finally {
      await served.close();
    }
  });

  it('answers held syncs when the scheduler shuts down', async () => {
    const other = await startHarness({ longPollMs: 60_000 });
    const { agentId } = await other.register('host1');
    const { answer } = await heldSync(agentId, 60_000, [], other);
    await other.close();
    expect(await answer).toEqual({ launch: [], kill: [], ack: [] });
  });

  it('marks an agent that stopped syncing LOST, with its tasks, and reschedules them', async () => {
    const { agentId } = await h.register('host1');
    await h.createJob(jobSpec({ service: true }));
    const id = (await h.sync(agentId)).launch[0]!.taskId;
    await h.sync(agentId, [report(id, 'RUNNING')]);

    h.clock.advance(29_000);
    await h.app.background.tick();
    expect((await h.tasks()).map((t) => t.state)).toEqual(['RUNNING']);

    h.clock.advance(2_000);
    await h.app.background.tick();
    let tasks = await h.tasks();
    expect(tasks.map((t) => t.state)).toEqual(['THROTTLED', 'LOST']);
    expect(tasks[1]?.events.at(-1)?.message).toBe('Agent host1 was lost: no sync for 30 s');
    h.clock.advance(5_000);
    await h.app.background.tick();
    tasks = await h.tasks();
    expect(tasks.map((t) => [t.state, t.pendingReason])).toEqual([
      ['PENDING', '1 agent is LOST'],
      ['LOST', null],
    ]);

    // It comes back: ACTIVE again (its running task is gone from it, reconciled as such), and
    // the replacement goes to it with the next sync.
    await h.sync(agentId, []);
    expect(h.app.scheduler.listAgents()[0]?.status).toBe('ACTIVE');
    const back = await h.sync(agentId, []);
    expect(back.launch.map((l) => l.instance)).toEqual([0]);
  });

  it('checks for lost agents on its own while it runs', async () => {
    const timed = await startHarness({ backgroundTickMs: 5 });
    try {
      await timed.register('host1');
      timed.clock.advance(31_000);
      await vi.waitFor(() => expect(timed.app.scheduler.listAgents()[0]?.status).toBe('LOST'));
    } finally {
      await timed.close();
    }
  });

  it('gives known agents the full timeout to sync again after a restart', async () => {
    const { agentId } = await h.register('host1');
    // The scheduler was down for an hour.
    const restarted = await startHarness({ dataDir: h.dataDir, clock: new FakeClock(h.clock.now() + 3_600_000) });
    const statuses = async () =>
      ListAgentsResponseSchema.parse((await restarted.app.inject({ method: 'GET', url: PATHS.agents })).json()).agents.map(
        (a) => [a.agentId, a.status],
      );
    try {
      await restarted.app.background.tick();
      restarted.clock.advance(29_000);
      await restarted.app.background.tick();
      expect(await statuses()).toEqual([[agentId, 'ACTIVE']]);
      restarted.clock.advance(2_000);
      await restarted.app.background.tick();
      expect(await statuses()).toEqual([[agentId, 'LOST']]);
    } finally {
      await restarted.close();
    }
  });

  it('keeps jobs and tasks across a restart on the same data dir', async () => {
    await h.createJob(jobSpec({ instances: 2 }));
    const before = await h.tasks();
    const restarted = await startHarness({ dataDir: h.dataDir });
    try {
      expect(await restarted.tasks()).toEqual(before);
    } finally {
      await restarted.close();
    }
  });
});
