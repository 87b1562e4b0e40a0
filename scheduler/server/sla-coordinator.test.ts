/**
 * Coordinator SLA policies through the API: a real HTTP coordinator on 127.0.0.1, started by the
 * test, that says yes, no, garbage or nothing; the scheduler's clock is fake and the agents are
 * played by the test. Requests to the coordinator are real, with a short timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import type { HostStatus } from '../api/maintenance-api.js';
import { PATHS } from '../api/routes.js';
import type { ScheduledTask } from '../api/task.js';
import { SLA_HOLD_PREFIX, type JobUpdate } from '../api/updates-api.js';
import { PlayedAgents } from '../testing/played-agents.js';
import { FakeClock, jobSpec, startHarness, type Harness } from '../testing/scheduler-harness.js';

const CLIENT = { 'x-aurora-client': 'test' };
const TIMEOUT_MS = 300;

/** What the coordinator was asked: the `task` query parameter and the body. */
interface Asked {
  readonly path: string;
  readonly task: string | null;
  readonly body: Record<string, any>;
}

/**
 * The coordinator: `/yes`, `/no`, `/garbage`, `/hang` (never answers), `/only0` (yes only for
 * instance 0, as Aurora's e2e coordinator), `/big` (an answer over 64 KiB), `/redirect`.
 */
class Coordinator {
  readonly asked: Asked[] = [];
  /** The most requests in flight at once, per path. */
  readonly mostAtOnce = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly hanging: ServerResponse[] = [];
  private server!: Server;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const task = url.searchParams.get('task');
    this.asked.push({ path: url.pathname, task, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
    const n = (this.inFlight.get(url.pathname) ?? 0) + 1;
    this.inFlight.set(url.pathname, n);
    this.mostAtOnce.set(url.pathname, Math.max(n, this.mostAtOnce.get(url.pathname) ?? 0));
    // Answer a little later, so that requests to one URL at once would overlap.
    await new Promise((r) => setTimeout(r, 5));
    const answer = (status: number, body: string) => {
      this.inFlight.set(url.pathname, (this.inFlight.get(url.pathname) ?? 1) - 1);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    switch (url.pathname) {
      case '/yes':
        return answer(200, '{"drain": true}');
      case '/no':
        return answer(200, '{"drain": false}');
      case '/garbage':
        return answer(200, '<html>oops</html>');
      case '/only0':
        return answer(200, JSON.stringify({ drain: task?.endsWith('/0') === true }));
      case '/big':
        return answer(200, JSON.stringify({ drain: true, pad: 'x'.repeat(70_000) }));
      case '/redirect':
        res.writeHead(302, { location: `${this.base}/yes` }).end();
        return;
      case '/hang':
        this.hanging.push(res);
        return;
      default:
        return answer(404, '{}');
    }
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

let h: Harness;
let clock: FakeClock;
let played: PlayedAgents;
let coordinator: Coordinator;

beforeEach(async () => {
  coordinator = new Coordinator();
  await coordinator.start();
  clock = new FakeClock();
  // Aurora's minimum of 20 instances stays: coordinator policies apply whatever the job's size and tier.
  h = await startHarness({ clock, slaCoordinator: { timeoutMs: TIMEOUT_MS }, newUpdateId: () => 'update-1' });
  played = new PlayedAgents(() => h);
});
afterEach(async () => {
  await h.close();
  await coordinator.close();
});

function coordinated(name: string, path: string, instances = 2): JobSpec {
  return jobSpec({ name, service: true, instances, slaPolicy: { kind: 'coordinator', coordinatorUrl: `${coordinator.base}${path}`, statusKey: 'drain' } });
}

/** Jobs running on host1 (the only host when they start), then host2 joins. */
async function runOnHost1(...specs: JobSpec[]): Promise<void> {
  await played.register('host1');
  for (const spec of specs) expect((await h.createJob(spec)).status).toBe(201);
  await played.round();
  await played.register('host2');
  clock.advance(120_000);
}

async function slaDrain(hosts: string[], forceDrainTimeoutMs = 3_600_000): Promise<void> {
  const res = await h.app.inject({ method: 'POST', url: PATHS.maintenanceSlaDrain, headers: CLIENT, payload: { hosts, forceDrainTimeoutMs } });
  expect(res.statusCode, res.body).toBe(200);
}

/** The coordinators have answered, what the answers allowed is done, and the agents have synced. */
async function answered(): Promise<void> {
  await h.app.scheduler.coordinators.idle();
  await h.settle();
  await played.round();
}

async function tick(): Promise<void> {
  clock.advance(1_000);
  await h.app.scheduler.tick();
  await answered();
}

/** Time passes in ticks of 10 s between which the agents sync (they would be LOST after 30 s of silence). */
async function pass(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 10_000) {
    clock.advance(Math.min(left, 10_000) - 1_000);
    await tick();
  }
}

async function status(host: string): Promise<HostStatus> {
  const res = await h.app.inject({ method: 'GET', url: `${PATHS.maintenance}?hosts=${host}` });
  return (res.json() as { hosts: HostStatus[] }).hosts[0]!;
}

const active = async (name: string): Promise<ScheduledTask[]> =>
  (await h.tasks('?role=www-data&history=false')).filter((t) => t.jobKey.name === name && !['FINISHED', 'FAILED', 'KILLED', 'LOST'].includes(t.state)).sort((a, b) => a.instance - b.instance);

/** Waits (real time, in small steps) until `check` holds. */
async function until(check: () => Promise<boolean>, what: string, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`still not: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SLA-aware drains under a coordinator policy', () => {
  it("moves only the tasks the coordinator says yes to, asking one at a time with Aurora's request, and the rest once forced", async () => {
    await runOnHost1(coordinated('coord', '/only0'));
    await slaDrain(['host1'], 120_000);
    await answered();
    await tick();

    expect((await active('coord')).map((t) => [t.instance, t.host])).toEqual([
      [0, 'host2'],
      [1, 'host1'],
    ]);
    const s = await status('host1');
    expect(s).toMatchObject({ mode: 'DRAINING', activeTasks: 1 });
    expect(s.waiting?.[0]?.reason).toBe(`its job's SLA coordinator ${coordinator.base}/only0 said no ({"drain": false}); asked again 30 s after`);

    // Aurora's request: ?task=cluster/role/env/name/instance and {taskConfig, task, forceMaintenanceCountdownMs}.
    const first = coordinator.asked.find((a) => a.task === 'devcluster/www-data/prod/coord/0')!;
    expect(first.body).toMatchObject({
      task: 'devcluster/www-data/prod/coord/0',
      forceMaintenanceCountdownMs: '120000',
      taskConfig: { status: 'RUNNING', assignedTask: { slaveHost: 'host1', instanceId: 0, task: { job: { role: 'www-data', environment: 'prod', name: 'coord' }, production: false } } },
    });
    expect(coordinator.mostAtOnce.get('/only0')).toBe(1);

    // A no is not asked again until it is 30 s old.
    const asks = coordinator.asked.length;
    await tick();
    expect(coordinator.asked.length).toBe(asks);
    await pass(30_000);
    expect(coordinator.asked.filter((a) => a.task === 'devcluster/www-data/prod/coord/1').length).toBe(2);

    await pass(90_000);
    await tick();
    expect((await active('coord')).map((t) => t.host)).toEqual(['host2', 'host2']);
    expect((await status('host1')).mode).toBe('DRAINED');
  });

  it.each([
    ['/no', '{"drain": false}'],
    ['/garbage', 'the answer is not JSON: <html>oops</html>'],
    ['/big', 'the answer is larger than 65536 bytes'],
    ['/redirect', 'HTTP 302'],
    ['/missing', 'HTTP 404'],
  ])('counts %s as a no, and shows why in the drain', async (path, why) => {
    await runOnHost1(coordinated('coord', path, 1));
    await slaDrain(['host1']);
    await answered();
    await tick();
    expect((await active('coord')).map((t) => t.host)).toEqual(['host1']);
    expect((await status('host1')).waiting?.[0]?.reason).toBe(`its job's SLA coordinator ${coordinator.base}${path} said no (${why}); asked again 30 s after`);
  });

  it('a coordinator that hangs holds only its own tasks, never the scheduler or other drains; after the timeout it is a no', async () => {
    await runOnHost1(coordinated('stuck', '/hang', 1), coordinated('fine', '/yes', 1));
    await slaDrain(['host1']);
    await h.settle();
    // The drain answered while the request hangs, and the other job's task moves meanwhile.
    await until(async () => {
      await h.settle();
      await played.round();
      return (await active('fine'))[0]?.host === 'host2';
    }, 'the task of the job whose coordinator says yes moved');
    expect(h.app.scheduler.coordinators.isAsking((await active('stuck'))[0]!.taskId)).toBe(true);
    expect((await status('host1')).waiting?.[0]?.reason).toBe(`waiting for its job's SLA coordinator ${coordinator.base}/hang to answer`);
    expect((await h.app.inject({ method: 'GET', url: PATHS.health })).statusCode).toBe(200);

    await answered();
    expect((await status('host1')).waiting?.[0]?.reason).toBe(`its job's SLA coordinator ${coordinator.base}/hang said no (no answer within ${TIMEOUT_MS} ms); asked again 30 s after`);
    expect((await active('stuck'))[0]?.host).toBe('host1');
  });
});

describe('SLA-aware updates under a coordinator policy', () => {
  it('replaces only instances whose tasks the coordinator says yes to', async () => {
    const spec = coordinated('hello', '/only0');
    const slaAware: JobSpec = { ...spec, updateConfig: { ...spec.updateConfig, slaAware: true, watchSecs: 0, strategy: { kind: 'queue', groupSize: 2 } } };
    await played.register('host1');
    expect((await h.createJob(slaAware)).status).toBe(201);
    await played.round();
    clock.advance(120_000);

    const changed: JobSpec = { ...slaAware, metadata: [{ key: 'v', value: '2' }] };
    const res = await h.app.inject({ method: 'POST', url: PATHS.jobUpdates('www-data', 'prod', 'hello'), headers: CLIENT, payload: { spec: changed } });
    expect(res.statusCode, res.body).toBe(200);
    await answered();
    await tick();
    await tick();

    const tasks = await active('hello');
    const update = (await h.app.inject({ method: 'GET', url: PATHS.jobUpdate('www-data', 'prod', 'hello', 'active') })).json().update as JobUpdate;
    expect(update.instances.map((p) => [p.instance, p.status])).toEqual([
      [0, 'SUCCEEDED'],
      [1, 'UPDATING'],
    ]);
    expect(tasks.map((t) => t.instance)).toEqual([0, 1]);
    expect(coordinator.asked.map((a) => [a.task, Object.keys(a.body).sort()])).toContainEqual(['devcluster/www-data/prod/hello/1', ['task', 'taskConfig']]);
  });

  it("records why the coordinator holds an instance in the update's instance events, once per reason", async () => {
    const spec = coordinated('hello', '/no', 1);
    const slaAware: JobSpec = { ...spec, updateConfig: { ...spec.updateConfig, slaAware: true, watchSecs: 0 } };
    await played.register('host1');
    expect((await h.createJob(slaAware)).status).toBe(201);
    await played.round();
    clock.advance(120_000);

    const changed: JobSpec = { ...slaAware, metadata: [{ key: 'v', value: '2' }] };
    const res = await h.app.inject({ method: 'POST', url: PATHS.jobUpdates('www-data', 'prod', 'hello'), headers: CLIENT, payload: { spec: changed } });
    expect(res.statusCode, res.body).toBe(200);
    await answered();
    await tick();

    const read = async () => (await h.app.inject({ method: 'GET', url: PATHS.jobUpdate('www-data', 'prod', 'hello', 'active') })).json().update as JobUpdate;
    const url = `${coordinator.base}/no`;
    const held = await read();
    expect(held.instances.map((p) => [p.instance, p.status])).toEqual([[0, 'UPDATING']]);
    expect(held.instanceEvents.map((e) => [e.instance, e.action, e.message])).toEqual([
      [0, 'INSTANCE_UPDATING', null],
      [0, 'INSTANCE_UPDATING', `${SLA_HOLD_PREFIX}waiting for SLA coordinator ${url} to answer`],
      [0, 'INSTANCE_UPDATING', `${SLA_HOLD_PREFIX}SLA coordinator ${url} said no ({"drain": false})`],
    ]);

    // The no runs out and the coordinator is asked again, and says no again: nothing new to record.
    const asked = coordinator.asked.length;
    await pass(40_000);
    expect(coordinator.asked.length).toBeGreaterThan(asked);
    expect((await read()).instanceEvents).toEqual(held.instanceEvents);
  });
});
