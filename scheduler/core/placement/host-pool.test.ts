import { describe, expect, it } from 'vitest';
import { HostPool, type Holding, type HostSpec } from './host-pool.js';

function host(agentId: string, overrides: Partial<HostSpec> = {}): HostSpec {
  return {
    agentId,
    host: `${agentId}.example`,
    attributes: {},
    resources: { cpu: 2, ramMb: 1024, diskMb: 4096, gpu: 0 },
    portRange: { begin: 31000, end: 31004 },
    unavailable: null,
    ...overrides,
  };
}

const holding = (cpu: number, ports: number[] = [], jobKey = 'www-data/prod/hello'): Holding => ({
  jobKey,
  resources: { cpu, ramMb: 128, diskMb: 64, gpu: 0 },
  ports,
});

describe('HostPool', () => {
  it('counts what a hold takes: resources, ports, tasks per job and per attribute value', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { attributes: { rack: 'r1' } }));
    pool.hold('a1', holding(0.5, [31001]));
    expect(pool.snapshot().hosts).toEqual([
      {
        agentId: 'a1',
        unavailable: null,
        free: { cpu: 1.5, ramMb: 896, diskMb: 4032, gpu: 0 },
        freePorts: 4,
        heldPorts: [31001],
        taskCount: 1,
        jobs: { 'www-data/prod/hello': 1 },
      },
    ]);
    expect(pool.jobTasksWith('www-data/prod/hello', 'rack', 'r1')).toBe(1);
    expect(pool.jobTasksWith('www-data/prod/hello', 'host', 'a1.example')).toBe(1);
    expect(pool.jobTasksWith('other/prod/x', 'rack', 'r1')).toBe(0);
    expect(pool.lowestFreePorts(0, 2)).toEqual([31000, 31002]);
  });

  it('counts tasks per value of an attribute once asked, from what is held and then incrementally', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { attributes: { rack: 'r1' } }));
    pool.upsertHost(host('a2', { attributes: { rack: 'r1' } }));
    pool.upsertHost(host('a3'));
    pool.hold('a1', holding(0.5));
    pool.hold('a3', holding(0.5));
    expect(pool.snapshot().jobsByAttribute).toEqual({});
    pool.countAttribute('rack');
    pool.hold('a2', holding(0.5));
    pool.hold('a2', holding(0.5, [], 'other/prod/x'));
    expect(pool.snapshot().jobsByAttribute).toEqual({ 'other/prod/x': { 'rack=r1': 1 }, 'www-data/prod/hello': { 'rack=r1': 2 } });
    pool.release('a1', holding(0.5));
    pool.release('a2', holding(0.5));
    pool.release('a2', holding(0.5, [], 'other/prod/x'));
    expect(pool.snapshot().jobsByAttribute).toEqual({});
    expect(pool.jobTasksOn('a3', 'www-data/prod/hello')).toBe(1);
  });

  it('is identical after releasing everything it held, floating point cpu included', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { attributes: { rack: 'r1', zone: 'z1' }, resources: { cpu: 0.3, ramMb: 1024, diskMb: 4096, gpu: 1 } }));
    pool.upsertHost(host('a2'));
    for (const attribute of ['host', 'rack', 'zone']) pool.countAttribute(attribute);
    const before = pool.snapshot();
    const holds: [string, Holding][] = [
      ['a1', holding(0.1, [31000])],
      ['a1', holding(0.2, [31001, 31002], 'other/prod/x')],
      ['a2', holding(0.7, [31004, 40000])],
      ['a2', holding(0.7)],
    ];
    for (const [agentId, h] of holds) pool.hold(agentId, h);
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; the pool counts it as exactly 0.3.
    expect(pool.freeResources('a1')?.cpu).toBe(0);
    for (const [agentId, h] of [...holds].reverse()) pool.release(agentId, h);
    expect(pool.snapshot()).toEqual(before);
    for (const [agentId, h] of holds) pool.hold(agentId, h);
    for (const [agentId, h] of holds) pool.release(agentId, h);
    expect(pool.snapshot()).toEqual(before);
  });

  it('ignores held ports outside the range, and counts them once the range covers them', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1'));
    pool.hold('a1', holding(0.1, [30999, 31000]));
    expect(pool.snapshot().hosts[0]?.freePorts).toBe(4);
    pool.upsertHost(host('a1', { portRange: { begin: 30990, end: 30999 } }));
    expect(pool.snapshot().hosts[0]?.freePorts).toBe(9);
    expect(pool.lowestFreePorts(0, 10)).toEqual([30990, 30991, 30992, 30993, 30994, 30995, 30996, 30997, 30998]);
  });

  it('finds the lowest free ports past a full stretch of the range, and again after a release', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { portRange: { begin: 1000, end: 1099 } }));
    const busy = Array.from({ length: 70 }, (_, i) => 1000 + i);
    pool.hold('a1', holding(0.1, busy));
    expect(pool.lowestFreePorts(0, 2)).toEqual([1070, 1071]);
    pool.hold('a1', holding(0.1, [1070]));
    expect(pool.lowestFreePorts(0, 1)).toEqual([1071]);
    pool.release('a1', holding(0.1, busy));
    expect(pool.lowestFreePorts(0, 2)).toEqual([1000, 1001]);
    expect(pool.snapshot().hosts[0]?.freePorts).toBe(99);
  });

  it('keeps what is held when a host changes its resources, attributes or status', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { attributes: { rack: 'r1' } }));
    pool.hold('a1', holding(0.5));
    pool.upsertHost(host('a1', { attributes: { rack: 'r2' }, resources: { cpu: 4, ramMb: 2048, diskMb: 4096, gpu: 0 }, unavailable: 'LOST' }));
    expect(pool.freeResources('a1')).toEqual({ cpu: 3.5, ramMb: 1920, diskMb: 4032, gpu: 0 });
    expect(pool.jobTasksWith('www-data/prod/hello', 'rack', 'r1')).toBe(0);
    expect(pool.jobTasksWith('www-data/prod/hello', 'rack', 'r2')).toBe(1);
    expect(pool.isAvailable(0)).toBe(false);
    // A host can shrink below what it holds: free goes negative rather than losing the holding.
    pool.upsertHost(host('a1', { resources: { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }));
    expect(pool.freeResources('a1')?.cpu).toBe(-0.25);
    pool.release('a1', holding(0.5));
    expect(pool.freeResources('a1')).toEqual({ cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 });
  });

  it('remembers holds on an agent it does not know yet and counts them when it arrives', () => {
    const pool = new HostPool();
    pool.hold('a1', holding(0.5, [31000]));
    pool.hold('a1', holding(0.25));
    pool.release('a1', holding(0.25));
    expect(pool.snapshot()).toEqual({ hosts: [], jobsByAttribute: {}, waiting: 1 });
    pool.upsertHost(host('a1'));
    const snapshot = pool.snapshot();
    expect(snapshot.waiting).toBe(0);
    expect(snapshot.hosts[0]).toMatchObject({ free: { cpu: 1.5 }, heldPorts: [31000], freePorts: 4, taskCount: 1 });
  });

  it('gives hosts meeting value constraints from its index, and forgets them when hosts change', () => {
    const pool = new HostPool();
    pool.upsertHost(host('a1', { attributes: { rack: 'r1' } }));
    pool.upsertHost(host('a2', { attributes: { rack: 'r2' } }));
    pool.upsertHost(host('a3'));
    const rackR1 = { kind: 'value', attribute: 'rack', wanted: 'r1', negated: false, values: new Set(['r1']) } as const;
    const notR1 = { ...rackR1, wanted: '!r1', negated: true };
    expect([...pool.eligibleHosts([rackR1], 'r1', true)]).toEqual([0]);
    expect([...pool.eligibleHosts([notR1], '!r1', true)]).toEqual([1, 2]);
    pool.upsertHost(host('a3', { attributes: { rack: 'r1' } }));
    pool.upsertHost(host('a1', { attributes: { rack: 'r1' }, unavailable: 'LOST' }));
    expect([...pool.eligibleHosts([rackR1], 'r1', true)]).toEqual([2]);
    expect([...pool.eligibleHosts([notR1], '!r1', true)]).toEqual([1]);
  });
});
