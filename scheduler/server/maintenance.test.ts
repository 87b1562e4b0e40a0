/**
 * Host maintenance through the API, with an injected clock and agents played by the test (each
 * reports what it is told to launch as RUNNING and what it is told to kill as KILLED).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostStatus } from '../api/maintenance-api.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask } from '../api/task.js';
import { PlayedAgents } from '../testing/played-agents.js';
import { FakeClock, jobSpec, startHarness, type Harness } from '../testing/scheduler-harness.js';

const CLIENT = { 'x-aurora-client': 'test' };

let h: Harness;
let clock: FakeClock;
/** The agents the test plays. */
let played: PlayedAgents;
const register = (host: string) => played.register(host);
const agentsRound = () => played.round();

async function tick(): Promise<void> {
  clock.advance(1_000);
  await h.app.scheduler.tick();
  await h.settle();
  await agentsRound();
}

async function post(url: string, hosts: string[]): Promise<{ status: number; body: { hosts: HostStatus[] } }> {
  await h.settle();
  const res = await h.app.inject({ method: 'POST', url, headers: CLIENT, payload: { hosts } });
  await h.settle();
  return { status: res.statusCode, body: res.json() };
}

async function status(hosts?: string): Promise<HostStatus[]> {
  const res = await h.app.inject({ method: 'GET', url: `${PATHS.maintenance}${hosts ? `?hosts=${hosts}` : ''}` });
  return (res.json() as { hosts: HostStatus[] }).hosts;
}

const active = async (): Promise<ScheduledTask[]> =>
  (await h.tasks('?role=www-data&history=false')).filter((t) => !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state));

beforeEach(async () => {
  clock = new FakeClock();
  h = await startHarness({ clock });
  played = new PlayedAgents(() => h);
});
afterEach(() => h.close());

describe('host maintenance', () => {
  it('drains a host: its tasks move to the other host and it ends DRAINED; activate takes it back', async () => {
    await register('host1');
    await register('host2');
    expect((await h.createJob(jobSpec({ service: true, instances: 4 }))).status).toBe(201);
    await agentsRound();
    const before = await active();
    expect(new Set(before.map((t) => t.host))).toEqual(new Set(['host1', 'host2']));

    const drained = await post(PATHS.maintenanceDrain, ['host1']);
    expect(drained.status).toBe(200);
    expect(drained.body.hosts[0]).toMatchObject({ host: 'host1', mode: 'DRAINING', known: true });
    await agentsRound();
    await tick();
    expect(await status('host1,host2')).toMatchObject([
      { host: 'host1', mode: 'DRAINED', activeTasks: 0 },
      { host: 'host2', mode: 'NONE', activeTasks: 4, since: null },
    ]);
    const after = await active();
    expect(after.map((t) => [t.state, t.host])).toEqual(Array(4).fill(['RUNNING', 'host2']));
    const moved = (await h.tasks('?role=www-data')).filter((t) => t.host === 'host1');
    expect(moved.every((t) => t.events.some((e) => e.state === 'DRAINING' && e.message === 'Draining host host1'))).toBe(true);

    // The cluster page lists the host in maintenance, and its agent with its mode.
    const page = (await h.app.inject({ method: 'GET', url: PATHS.ui })).body;
    expect(page).toMatch(/<h2>Hosts in maintenance<\/h2>\s*<table><tr><th>Host<\/th><th>Mode<\/th><th>Tasks left<\/th><\/tr>\s*<tr><td>host1<\/td><td><span class="state DRAINED">DRAINED<\/span><\/td><td>0<\/td><\/tr>/);
    expect(page).toContain('<span class="state ACTIVE">ACTIVE</span> <span class="state DRAINED">DRAINED</span>');

    expect((await post(PATHS.maintenanceEnd, ['host1'])).body.hosts[0]).toMatchObject({ mode: 'NONE' });
    expect((await h.app.inject({ method: 'GET', url: PATHS.ui })).body).not.toContain('Hosts in maintenance');
    expect(await status()).toEqual([]);
  });

  it('keeps new tasks off a SCHEDULED host, leaves what runs there, and remembers it across a restart', async () => {
    await register('host1');
    expect((await h.createJob(jobSpec({ service: true, instances: 1, name: 'first' }))).status).toBe(201);
    await agentsRound();
    expect((await post(PATHS.maintenanceStart, ['host1', 'unknown-host'])).body.hosts).toMatchObject([
      { host: 'host1', mode: 'SCHEDULED', activeTasks: 1, known: true },
      { host: 'unknown-host', mode: 'SCHEDULED', known: false },
    ]);
    expect((await h.createJob(jobSpec({ service: true, instances: 1, name: 'second' }))).status).toBe(201);
    await agentsRound();
    const second = (await active()).find((t) => t.jobKey.name === 'second');
    expect(second?.state).toBe('PENDING');
    expect((await active()).find((t) => t.jobKey.name === 'first')?.state).toBe('RUNNING');

    const dataDir = h.dataDir;
    await h.app.close();
    await h.storage.close();
    h = await startHarness({ clock, dataDir });
    expect((await status('host1'))[0]?.mode).toBe('SCHEDULED');
    await post(PATHS.maintenanceEnd, ['host1']);
    played = new PlayedAgents(() => h);
    played.add((await h.register('host1', { agentId: h.app.scheduler.listAgents().find((a) => a.host === 'host1')!.agentId })).agentId);
    await agentsRound();
    expect((await active()).find((t) => t.jobKey.name === 'second')?.state).toBe('RUNNING');
  });

  it('drains only one instance of a 2-instance job pinned to the host while its SLA holds, and the rest once forced', async () => {
    await h.app.close();
    await h.storage.close();
    h = await startHarness({ clock, minRequiredInstancesForSla: 1 });
    played = new PlayedAgents(() => h);
    await register('host1');
    await h.app.inject({ method: 'POST', url: PATHS.quota('www-data'), headers: CLIENT, payload: { quota: { cpu: 10, ramMb: 100_000, diskMb: 100_000, gpu: 0 } } });
    const spec = jobSpec({ service: true, instances: 2, production: true, tier: 'preferred', slaPolicy: { kind: 'count', count: 1, durationSecs: 60 } });
    expect((await h.createJob(spec)).status).toBe(201);
    await agentsRound();
    await register('host2');
    clock.advance(120_000);

    const res = await h.app.inject({ method: 'POST', url: PATHS.maintenanceSlaDrain, headers: CLIENT, payload: { hosts: ['host1'], forceDrainTimeoutMs: 3_600_000 } });
    expect(res.statusCode, res.body).toBe(200);
    await h.settle();
    await agentsRound();
    for (let i = 0; i < 5; i++) await tick();
    // One moved to host2; the other waits: its job must keep 1 instance RUNNING for 60 s.
    expect((await active()).map((t) => t.host).sort()).toEqual(['host1', 'host2']);
    const [s1] = await status('host1');
    expect(s1).toMatchObject({ mode: 'DRAINING', activeTasks: 1 });
    expect(s1?.waiting?.[0]?.reason).toBe('www-data/prod/hello must keep 1 instance(s) RUNNING for 60 s');

    clock.advance(3_600_000);
    await tick();
    await tick();
    expect((await active()).map((t) => t.host)).toEqual(['host2', 'host2']);
    expect((await status('host1'))[0]?.mode).toBe('DRAINED');
  });

  it('refuses an empty host list, saying what to give', async () => {
    const empty = await h.app.inject({ method: 'POST', url: PATHS.maintenanceDrain, headers: CLIENT, payload: { hosts: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toContain('name at least one host');
  });
});
