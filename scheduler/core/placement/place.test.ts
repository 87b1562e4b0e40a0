import { describe, expect, it } from 'vitest';
import { HostPool, type Holding, type HostSpec } from './host-pool.js';
import { applyPlacement, placeGroups, type PlacementGroup, type PlacementOptions } from './place.js';

type Agent = HostSpec & { readonly tasks?: readonly Holding[] };

function agent(id: string, overrides: Partial<Agent> = {}): Agent {
  return {
    agentId: id,
    host: `${id}.example`,
    attributes: {},
    resources: { cpu: 2, ramMb: 1024, diskMb: 4096, gpu: 0 },
    portRange: { begin: 31000, end: 31004 },
    unavailable: null,
    ...overrides,
  };
}

function poolOf(agents: readonly Agent[]): HostPool {
  const pool = new HostPool();
  // Counted from the start, so that snapshots taken before placing already show them.
  for (const attribute of ['host', 'rack']) pool.countAttribute(attribute);
  for (const a of agents) {
    pool.upsertHost(a);
    for (const t of a.tasks ?? []) pool.hold(a.agentId, t);
  }
  return pool;
}

/** One group; its tasks are `t1`..`tN`. */
function group(tasks: number, overrides: Partial<PlacementGroup> = {}): PlacementGroup {
  return {
    jobKey: 'www-data/prod/hello',
    resources: { cpu: 0.5, ramMb: 128, diskMb: 128, gpu: 0 },
    portNames: [],
    constraints: {},
    taskIds: Array.from({ length: tasks }, (_, i) => `t${i + 1}`),
    ...overrides,
  };
}

const running = (ramMb: number, ports: number[] = [], jobKey = 'other/prod/x'): Holding => ({
  jobKey,
  resources: { cpu: 0.5, ramMb, diskMb: 1, gpu: 0 },
  ports,
});

const MODES: readonly PlacementOptions[] = [
  { mode: 'sampled', seed: 1 },
  { mode: 'exhaustive', seed: 1 },
];

describe.each(MODES)('placeGroups ($mode)', (options) => {
  const place = (agents: readonly Agent[], groups: readonly PlacementGroup[], extra: Partial<PlacementOptions> = {}) =>
    placeGroups(poolOf(agents), groups, { ...options, ...extra });
  const reasonOf = (agents: readonly Agent[], g: PlacementGroup) => place(agents, [g]).unplaced[0]?.reason;
  const hostsOf = (agents: readonly Agent[], groups: readonly PlacementGroup[], extra: Partial<PlacementOptions> = {}) =>
    place(agents, groups, extra).assignments.map((a) => a.agentId);

  it('assigns a task that fits to the agent', () => {
    expect(place([agent('a1')], [group(1)])).toEqual({ assignments: [{ taskId: 't1', agentId: 'a1', ports: {} }], unplaced: [] });
  });

  it('says so when no agent has registered', () => {
    expect(place([], [group(2)]).unplaced).toEqual([
      { taskId: 't1', reason: 'No agents registered' },
      { taskId: 't2', reason: 'No agents registered' },
    ]);
  });

  it('explains insufficient ram with what is needed and the largest free amount', () => {
    const full = agent('a1', { resources: { cpu: 2, ramMb: 192, diskMb: 4096, gpu: 0 }, tasks: [running(128)] });
    expect(reasonOf([full], group(1))).toBe('Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)');
  });

  it('reports each reason once, in check order, with how many agents it applies to', () => {
    const agents = [
      agent('a1', { resources: { cpu: 0.1, ramMb: 64, diskMb: 4096, gpu: 0 } }),
      agent('a2', { resources: { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
    ];
    expect(reasonOf(agents, group(1))).toBe(
      'Insufficient cpu on 2 agents (needs 0.5 cpu, largest free 0.25 cpu); Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)',
    );
  });

  it('vetoes disk and gpu too', () => {
    expect(reasonOf([agent('a1')], group(1, { resources: { cpu: 0.5, ramMb: 128, diskMb: 8192, gpu: 1 } }))).toBe(
      'Insufficient disk on 1 agent (needs 8192 MiB, largest free 4096 MiB); Insufficient gpu on 1 agent (needs 1 gpu, largest free 0 gpu)',
    );
  });

  it('fits cpu shares that add up exactly (0.1 + 0.2 of 0.3)', () => {
    const small = agent('a1', { resources: { cpu: 0.3, ramMb: 1024, diskMb: 4096, gpu: 0 } });
    const tenths = (n: number, jobKey: string) => group(1, { jobKey, resources: { cpu: n, ramMb: 1, diskMb: 1, gpu: 0 }, taskIds: [jobKey] });
    expect(hostsOf([small], [tenths(0.1, 'x/prod/a'), tenths(0.2, 'x/prod/b')])).toEqual(['a1', 'a1']);
  });

  it('does not place on unavailable agents, and counts them only under their status', () => {
    const agents = [
      agent('a1', { unavailable: 'LOST' }),
      agent('a2', { unavailable: 'LOST', resources: { cpu: 0.1, ramMb: 1, diskMb: 1, gpu: 0 } }),
      agent('a3', { unavailable: 'DRAINING' }),
    ];
    expect(reasonOf(agents.slice(0, 1), group(1))).toBe('1 agent is LOST');
    expect(reasonOf(agents, group(1))).toBe('1 agent is DRAINING; 2 agents are LOST');
  });

  it('counts tasks placed earlier in the same call, and gives later tasks of the group the same reason', () => {
    const small = agent('a1', { resources: { cpu: 1, ramMb: 1024, diskMb: 4096, gpu: 0 } });
    const result = place([small], [group(4)]);
    expect(result.assignments.map((a) => a.taskId)).toEqual(['t1', 't2']);
    const reason = 'Insufficient cpu on 1 agent (needs 0.5 cpu, largest free 0 cpu)';
    expect(result.unplaced).toEqual([
      { taskId: 't3', reason },
      { taskId: 't4', reason },
    ]);
  });

  it('lets later groups see what earlier groups took', () => {
    const small = agent('a1', { resources: { cpu: 1, ramMb: 1024, diskMb: 4096, gpu: 0 } });
    const first = group(1, { jobKey: 'x/prod/first', resources: { cpu: 0.75, ramMb: 1, diskMb: 1, gpu: 0 }, taskIds: ['f1'] });
    const result = place([small], [first, group(1)]);
    expect(result.assignments.map((a) => a.taskId)).toEqual(['f1']);
    expect(result.unplaced[0]?.reason).toBe('Insufficient cpu on 1 agent (needs 0.5 cpu, largest free 0.25 cpu)');
  });

  it('gives named ports the lowest free ports of the range, in name order', () => {
    const busy = agent('a1', { tasks: [running(1, [31000, 31002])] });
    expect(place([busy], [group(1, { portNames: ['admin', 'http'] })]).assignments[0]?.ports).toEqual({ admin: 31001, http: 31003 });
  });

  it('does not give the same port to two tasks of one call', () => {
    expect(place([agent('a1')], [group(2, { portNames: ['http'] })]).assignments.map((a) => a.ports)).toEqual([{ http: 31000 }, { http: 31001 }]);
  });

  it('vetoes an agent without enough free ports', () => {
    const narrow = agent('a1', { portRange: { begin: 31000, end: 31001 } });
    expect(reasonOf([narrow], group(1, { portNames: ['a', 'b', 'c'] }))).toBe('Insufficient ports on 1 agent (needs 3, most free 2)');
  });

  it('places only on agents whose attribute matches a value constraint', () => {
    const agents = [agent('a1', { attributes: { rack: 'r2' } }), agent('a2', { attributes: { rack: 'r1' } })];
    expect(hostsOf(agents, [group(2, { constraints: { rack: 'r1' } })])).toEqual(['a2', 'a2']);
  });

  it('accepts any of several comma-separated values', () => {
    const agents = [agent('a1', { attributes: { rack: 'r3' } }), agent('a2', { attributes: { rack: 'r2' } })];
    expect(hostsOf(agents, [group(2, { constraints: { rack: 'r1,r3' } })])).toEqual(['a1', 'a1']);
  });

  it('avoids agents whose attribute matches a negated constraint (an agent without it is fine)', () => {
    const agents = [agent('a1', { attributes: { rack: 'r1' } }), agent('a2', { attributes: {} }), agent('a3', { attributes: { rack: 'r2' } })];
    expect(hostsOf(agents, [group(4, { constraints: { rack: '!r1' } })]).sort()).toEqual(['a2', 'a2', 'a3', 'a3']);
    expect(hostsOf(agents, [group(2, { constraints: { rack: '!r1,r2' } })])).toEqual(['a2', 'a2']);
  });

  it('explains an unmet constraint', () => {
    const agents = [agent('a1', { attributes: { rack: 'r2' } }), agent('a2')];
    expect(reasonOf(agents, group(1, { constraints: { rack: 'r1' } }))).toBe('Constraint rack = r1 not met on 2 agents');
    expect(reasonOf(agents.slice(0, 1), group(1, { constraints: { rack: '!r2' } }))).toBe('Constraint rack != r2 not met on 1 agent');
  });

  it('checks constraints in attribute-name order, after resources, each host under every reason it fails', () => {
    const agents = [
      agent('a1', { attributes: { zone: 'z2', rack: 'r1' }, resources: { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
      agent('a2', { attributes: { zone: 'z1' }, tasks: [running(1, [], 'www-data/prod/hello')] }),
    ];
    expect(reasonOf(agents, group(1, { constraints: { zone: 'z1', rack: 'r1', host: 'limit:1' } }))).toBe(
      'Insufficient cpu on 1 agent (needs 0.5 cpu, largest free 0.25 cpu); Limit of 1 instance per host reached on 1 agent; ' +
        'Constraint rack = r1 not met on 1 agent; Constraint zone = z1 not met on 1 agent',
    );
  });

  describe('dedicated hosts', () => {
    const dedicated = (id: string, value: string, overrides: Partial<Agent> = {}) => agent(id, { attributes: { dedicated: value }, ...overrides });
    const asking = (value: string, tasks = 2, overrides: Partial<PlacementGroup> = {}) => group(tasks, { constraints: { dedicated: value }, ...overrides });

    it('keeps a job without a dedicated constraint off every dedicated host, whatever its value', () => {
      const agents = [dedicated('a1', 'www-data/db'), dedicated('a2', '*/db'), agent('a3'), dedicated('a4', 'other/x')];
      expect(hostsOf(agents, [group(3)])).toEqual(['a3', 'a3', 'a3']);
    });

    it('places a job asking for a dedicated value only on hosts with exactly that value', () => {
      const agents = [agent('a1'), dedicated('a2', '*/db'), dedicated('a3', 'www-data/db'), dedicated('a4', 'other/db'), dedicated('a5', 'www-data/db2')];
      expect(hostsOf(agents, [asking('www-data/db', 3)])).toEqual(['a3', 'a3', 'a3']);
      expect(hostsOf(agents, [asking('*/db', 2)])).toEqual(['a2', 'a2']);
    });

    it('says how many agents are dedicated to other jobs, counting them under nothing else', () => {
      const agents = [
        dedicated('a1', 'www-data/db', { unavailable: 'LOST' }),
        dedicated('a2', '*/db', { resources: { cpu: 0.1, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
        agent('a3', { unavailable: 'LOST' }),
        agent('a4', { resources: { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
      ];
      expect(reasonOf(agents.slice(0, 1), group(1))).toBe('1 agent is dedicated to other jobs');
      expect(reasonOf(agents, group(1))).toBe(
        '2 agents are dedicated to other jobs; 1 agent is LOST; Insufficient cpu on 1 agent (needs 0.5 cpu, largest free 0.25 cpu)',
      );
    });

    it('counts unmet constraints and limits only over the hosts the job may use', () => {
      const agents = [
        dedicated('a1', 'www-data/db', { attributes: { dedicated: 'www-data/db', rack: 'r2' } }),
        agent('a2', { attributes: { rack: 'r2' } }),
        agent('a3', { attributes: { rack: 'r1' }, tasks: [running(1, [], 'www-data/prod/hello')] }),
      ];
      expect(reasonOf(agents, group(1, { constraints: { rack: 'r1', host: 'limit:1' } }))).toBe(
        '1 agent is dedicated to other jobs; Limit of 1 instance per host reached on 1 agent; Constraint rack = r1 not met on 1 agent',
      );
      // A job asking for the dedicated value sees every host.
      expect(reasonOf(agents, asking('www-data/db', 1, { constraints: { dedicated: 'www-data/db', rack: 'r1' } }))).toBe(
        'Constraint dedicated = www-data/db not met on 2 agents; Constraint rack = r1 not met on 2 agents',
      );
    });

    it('explains a dedicated job with no matching host', () => {
      const agents = [agent('a1'), dedicated('a2', '*/db'), dedicated('a3', 'other/db')];
      expect(reasonOf(agents, asking('www-data/db', 1))).toBe('Constraint dedicated = www-data/db not met on 3 agents');
    });

    it('follows a host that becomes dedicated, or stops being so', () => {
      const pool = poolOf([agent('a1'), agent('a2', { resources: { cpu: 1, ramMb: 1024, diskMb: 4096, gpu: 0 } })]);
      expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a1');
      pool.upsertHost(dedicated('a1', 'www-data/db'));
      expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a2');
      expect(placeGroups(pool, [asking('www-data/db', 1)], options).assignments[0]?.agentId).toBe('a1');
      pool.upsertHost(dedicated('a2', 'www-data/db'));
      expect(placeGroups(pool, [group(1)], options).unplaced[0]?.reason).toBe('2 agents are dedicated to other jobs');
      pool.upsertHost(agent('a1'));
      expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a1');
      expect(placeGroups(pool, [asking('www-data/db', 1)], options).assignments[0]?.agentId).toBe('a2');
    });

    it('places dedicated and other jobs of one call on their own hosts', () => {
      const agents = [dedicated('d1', '*/db'), dedicated('d2', '*/db'), agent('s1'), agent('s2')];
      const result = place(agents, [asking('*/db', 3, { jobKey: 'x/prod/db', taskIds: ['db1', 'db2', 'db3'] }), group(3)]);
      expect(result.assignments.map((a) => `${a.taskId}@${a.agentId}`)).toEqual(['db1@d1', 'db2@d2', 'db3@d1', 't1@s1', 't2@s2', 't3@s1']);
    });
  });

  it('limits instances of one job per attribute value (limit:1 on host spreads them)', () => {
    const result = place([agent('a1'), agent('a2')], [group(3, { constraints: { host: 'limit:1' } })]);
    expect(result.assignments.map((a) => a.agentId).sort()).toEqual(['a1', 'a2']);
    expect(result.unplaced).toEqual([{ taskId: 't3', reason: 'Limit of 1 instance per host reached on 2 agents' }]);
  });

  it('counts tasks the job already runs against its limits', () => {
    const agents = [agent('a1', { tasks: [running(1, [], 'www-data/prod/hello')] }), agent('a2')];
    expect(hostsOf(agents, [group(2, { constraints: { host: 'limit:1' } })])).toEqual(['a2']);
  });

  it('limits per rack, and a host without the attribute fails a limit', () => {
    const agents = [
      agent('a1', { attributes: { rack: 'r1' } }),
      agent('a2', { attributes: { rack: 'r1' } }),
      agent('a3', { attributes: { rack: 'r2' } }),
      agent('a4', { attributes: { rack: 'r2' } }),
      agent('a5'),
    ];
    const result = place(agents, [group(6, { constraints: { rack: 'limit:2' } })]);
    const byRack = result.assignments.map((a) => (a.agentId <= 'a2' ? 'r1' : a.agentId <= 'a4' ? 'r2' : 'none'));
    expect(byRack.sort()).toEqual(['r1', 'r1', 'r2', 'r2']);
    // Spread within a rack too: one instance per host before a second on any.
    expect(new Set(result.assignments.map((a) => a.agentId)).size).toBe(4);
    expect(result.unplaced.map((u) => u.reason)).toEqual([
      'Limit of 2 instances per rack reached on 5 agents',
      'Limit of 2 instances per rack reached on 5 agents',
    ]);
  });

  it('spreads instances of a job over agents, and is deterministic', () => {
    const agents = [agent('b'), agent('a')];
    const first = place(agents, [group(3)]);
    expect(first.assignments.map((a) => a.agentId)).toEqual(['a', 'b', 'a']);
    expect(place(agents, [group(3)])).toEqual(first);
  });

  it('spreads instances over every host before doubling up on any', () => {
    const agents = Array.from({ length: 20 }, (_, i) => agent(`a${String(i).padStart(2, '0')}`));
    const hosts = hostsOf(agents, [group(25)], { sampleSize: 3 });
    expect(new Set(hosts.slice(0, 20)).size).toBe(20);
    expect(new Set(hosts.slice(20)).size).toBe(5);
  });

  it('spread prefers the emptiest host, binpack the fullest, after spreading the job', () => {
    const agents = [
      agent('a1', { tasks: [running(512)] }),
      agent('a2'),
      agent('a3', { tasks: [running(256)] }),
    ];
    expect(hostsOf(agents, [group(4)], { policy: 'spread' })).toEqual(['a2', 'a3', 'a1', 'a2']);
    expect(hostsOf(agents, [group(4)], { policy: 'binpack' })).toEqual(['a1', 'a3', 'a2', 'a1']);
  });

  it('stops placing on a host once it becomes unavailable, and uses it again when it is back', () => {
    const pool = poolOf([agent('a1'), agent('a2', { resources: { cpu: 1, ramMb: 1024, diskMb: 4096, gpu: 0 } })]);
    expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a1');
    pool.upsertHost(agent('a1', { unavailable: 'LOST' }));
    expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a2');
    pool.upsertHost(agent('a2', { unavailable: 'DRAINING' }));
    expect(placeGroups(pool, [group(1)], options).unplaced[0]?.reason).toBe('1 agent is DRAINING; 1 agent is LOST');
    pool.upsertHost(agent('a1'));
    expect(placeGroups(pool, [group(1)], options).assignments[0]?.agentId).toBe('a1');
  });

  it('leaves the pool exactly as it was (tentative holds are released)', () => {
    const pool = poolOf([agent('a1', { attributes: { rack: 'r1' }, tasks: [running(64, [31000])] }), agent('a2')]);
    const before = pool.snapshot();
    const groups = [group(3, { portNames: ['http'], constraints: { rack: 'limit:9' } }), group(2, { jobKey: 'x/prod/y', taskIds: ['y1', 'y2'] })];
    const result = placeGroups(pool, groups, options);
    expect(result.assignments.map((a) => a.agentId)).toEqual(['a1', 'a1', 'a1', 'a2', 'a2']);
    expect(pool.snapshot()).toEqual(before);
    expect(pool.jobTasksWith('x/prod/y', 'host', 'a2.example')).toBe(0);
    applyPlacement(pool, groups, result);
    expect(pool.snapshot().hosts.map((h) => h.taskCount)).toEqual([4, 2]);
    expect(pool.jobTasksWith('www-data/prod/hello', 'rack', 'r1')).toBe(3);
  });
});

describe('applyPlacement', () => {
  it('holds each assignment with its group\'s resources and ports, in any order', () => {
    const groups = [group(2, { portNames: ['http'] }), group(1, { jobKey: 'x/prod/y', taskIds: ['y1'] })];
    const applied = (reorder: boolean) => {
      const pool = poolOf([agent('a1'), agent('a2')]);
      const result = placeGroups(pool, groups, { mode: 'exhaustive', seed: 0 });
      const assignments = reorder ? [...result.assignments].reverse() : result.assignments;
      applyPlacement(pool, groups, { assignments, unplaced: [] });
      return pool.snapshot();
    };
    const snapshot = applied(false);
    expect(snapshot.hosts.map((h) => [h.agentId, h.heldPorts, h.jobs])).toEqual([
      ['a1', [31000], { 'www-data/prod/hello': 1, 'x/prod/y': 1 }],
      ['a2', [31000], { 'www-data/prod/hello': 1 }],
    ]);
    expect(applied(true)).toEqual(snapshot);
  });
});

describe('placeGroups (sampled)', () => {
  it('takes the best of the first sampleSize feasible hosts of its walk, not of all hosts', () => {
    // Host i has i tenths of a cpu taken: a0 is the emptiest, so spread prefers it.
    const agents = Array.from({ length: 20 }, (_, i) => agent(`a${i}`, { tasks: i === 0 ? [] : [{ ...running(1), resources: { cpu: i / 10, ramMb: 1, diskMb: 1, gpu: 0 } }] }));
    const chosen = (sampleSize: number, seed: number) => placeGroups(poolOf(agents), [group(1)], { mode: 'sampled', seed, sampleSize }).assignments[0]?.agentId;
    const seeds = Array.from({ length: 10 }, (_, seed) => seed);
    expect(new Set(seeds.map((seed) => chosen(20, seed)))).toEqual(new Set(['a0']));
    expect(new Set(seeds.map((seed) => chosen(1, seed))).size).toBeGreaterThan(3);
  });


  it('keeps looking past infeasible hosts until it finds one that fits', () => {
    const agents = Array.from({ length: 50 }, (_, i) =>
      agent(`a${i}`, { resources: i === 37 ? { cpu: 2, ramMb: 1024, diskMb: 4096, gpu: 0 } : { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
    );
    for (let seed = 0; seed < 5; seed++) {
      const result = placeGroups(poolOf(agents), [group(5)], { mode: 'sampled', seed, sampleSize: 1 });
      expect(result.assignments.map((a) => a.agentId)).toEqual(['a37', 'a37', 'a37', 'a37']);
      expect(result.unplaced[0]?.reason).toBe('Insufficient cpu on 50 agents (needs 0.5 cpu, largest free 0.25 cpu)');
    }
  });

  it('gives the same result for the same seed, and another for another seed', () => {
    const agents = Array.from({ length: 200 }, (_, i) => agent(`a${i}`));
    const run = (seed: number) => placeGroups(poolOf(agents), [group(30)], { mode: 'sampled', seed, sampleSize: 2 });
    expect(run(7)).toEqual(run(7));
    const hosts = (seed: number) => run(seed).assignments.map((a) => a.agentId).join();
    expect(new Set([1, 2, 3, 4].map(hosts)).size).toBeGreaterThan(1);
  });
});
