import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobSpec, report, startHarness, type Harness } from '../testing/scheduler-harness.js';

describe('web UI', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  const page = async (url: string) => {
    const res = await h.app.inject({ method: 'GET', url });
    return { status: res.statusCode, type: res.headers['content-type'], body: res.body };
  };

  it('sends / to the scheduler pages', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/scheduler');
  });

  it('lists roles with their job counts, and the agents', async () => {
    await h.register('host1', { attributes: { rack: 'r1' } });
    await h.createJob(jobSpec());
    await h.createJob(jobSpec({ name: 'other' }));
    const { status, type, body } = await page('/scheduler');
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/html/);
    expect(body).toContain('<a href="/scheduler/www-data">www-data</a></td><td>2</td>');
    expect(body).toContain('<code>rack=r1</code>');
  });

  it('summarizes a large cluster instead of drawing every agent', async () => {
    for (let i = 0; i < 503; i++) await h.register(`host${String(i).padStart(3, '0')}`);
    const { body } = await page('/scheduler');
    expect(body).toContain('503 agents: 503 <span class="state ACTIVE">ACTIVE</span>; the first 500 by host below');
    expect(body).toContain('host499');
    expect(body).not.toContain('host500');
  });

  it("lists a role's jobs with their task counts", async () => {
    await h.createJob(jobSpec({ instances: 2 }));
    const { body } = await page('/scheduler/www-data');
    expect(body).toContain('<a href="/scheduler/www-data/prod/hello">hello</a>');
    expect(body).toContain('2 <span class="state PENDING">PENDING</span>');
  });

  it("shows each instance's task with its state, host, observer link, pending reason and events", async () => {
    const { agentId } = await h.register('host1', { resources: { cpu: 0.5, ramMb: 128, diskMb: 1024, gpu: 0 } });
    await h.createJob(jobSpec({ instances: 2 }));
    const [launched] = (await h.sync(agentId)).launch;
    await h.sync(agentId, [report(launched!.taskId, 'RUNNING')]);

    const { body } = await page('/scheduler/www-data/prod/hello');
    expect(body).toContain(`<a href="http://host1:11338/task/${launched!.taskId}">${launched!.taskId}</a>`);
    expect(body).toContain('<span class="state RUNNING">RUNNING</span>');
    expect(body).toContain('<td>host1</td>');
    expect(body).toContain('Insufficient cpu on 1 agent (needs 0.5 cpu, largest free 0 cpu)');
    expect(body).toContain('Assigned to agent host1');
    expect(body).toContain('<code>echo hello</code>');
  });

  it('escapes everything that comes from users and agents', async () => {
    const spec = jobSpec();
    await h.createJob({
      ...spec,
      task: { ...spec.task, processes: [{ ...spec.task.processes[0]!, cmdline: '<script>alert("x")</script>' }] },
    });
    const { body } = await page('/scheduler/www-data/prod/hello');
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('does not link to an observer URL that is not http(s)', async () => {
    const { agentId } = await h.register('host1', { observerUrl: 'javascript:alert(1)' });
    await h.createJob(jobSpec());
    await h.sync(agentId);
    const { body } = await page('/scheduler/www-data/prod/hello');
    expect(body).not.toContain('href="javascript:');
  });

  it('answers a missing job with a 404 page that says what to do', async () => {
    const { status, body } = await page('/scheduler/www-data/prod/nope');
    expect(status).toBe(404);
    expect(body).toContain('no job devcluster/www-data/prod/nope');
  });
});
