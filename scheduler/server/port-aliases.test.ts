import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobSpec, startHarness, type Harness } from '../testing/scheduler-harness.js';

describe('announcer port aliases', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it("assigns an alias its target's port: one port under both names, and the agent launches it so", async () => {
    const base = jobSpec();
    const spec = { ...base, ports: ['http'], announce: { primaryPort: 'http', portmap: { alias: 'http', aurora: 'http' }, zkPath: null } };
    const { agentId } = await h.register('host1');
    expect((await h.createJob(spec)).status).toBe(201);
    const [task] = await h.tasks();
    expect(task?.state).toBe('ASSIGNED');
    const http = task!.ports['http'];
    expect(http).toBeGreaterThan(0);
    expect(task!.ports).toEqual({ alias: http, aurora: http, http });
    const { launch } = await h.sync(agentId);
    expect(launch[0]?.ports).toEqual({ alias: http, aurora: http, http });
    // The host holds one port for it, not three: the test agent offers 31000-31009 (10 ports).
    const host = h.app.scheduler.state.pool.snapshot().hosts.find((x) => x.agentId === agentId);
    expect([host?.freePorts, host?.heldPorts]).toEqual([9, [http]]);
  });
});
