import { describe, expect, it } from 'vitest';
import { HostPool, type Holding, type HostSpec } from './host-pool.js';
import { placeGroups, type Assignment, type PlacementGroup } from './place.js';
import { randomBelow, seededRandom, type Random } from './prng.js';

/**
 * Property-style checks on randomized pools against a naive model that recomputes everything
 * from the list of holdings, as the old placement did: both modes place only where the model
 * says the task fits, place a task exactly when the model says some host fits it, and the
 * exhaustive mode picks the model's best host.
 */

interface ModelHost {
  readonly spec: HostSpec;
  readonly holdings: Holding[];
}

const JOBS = ['a/prod/j0', 'a/prod/j1', 'a/prod/j2'];
const pick = <T>(random: Random, items: readonly T[]): T => items[randomBelow(random, items.length)]!;
const millionths = (n: number) => Math.round(n * 1e6);

function randomHosts(random: Random): ModelHost[] {
  const count = randomBelow(random, 25);
  return Array.from({ length: count }, (_, i): ModelHost => {
    const attributes: Record<string, string> = {};
    if (random() < 0.8) attributes['rack'] = `r${randomBelow(random, 4)}`;
    if (random() < 0.7) attributes['zone'] = `z${randomBelow(random, 3)}`;
    const begin = 31000;
    const spec: HostSpec = {
      agentId: `agent-${i}`,
      host: `host-${randomBelow(random, 1000)}-${i}`,
      attributes,
      resources: { cpu: pick(random, [1, 2, 4]), ramMb: pick(random, [512, 1024, 2048]), diskMb: 4096, gpu: randomBelow(random, 2) },
      portRange: { begin, end: begin + randomBelow(random, 5) - 1 },
      unavailable: random() < 0.1 ? 'LOST' : null,
    };
    if (random() < 0.15) attributes['dedicated'] = pick(random, ['a/db', '*/db']);
    const holdings: Holding[] = [];
    for (let t = randomBelow(random, 4); t > 0; t--) {
      const port = begin + randomBelow(random, 6);
      holdings.push({
        jobKey: pick(random, JOBS),
        resources: { cpu: pick(random, [0.1, 0.2, 0.25, 0.5]), ramMb: pick(random, [64, 128, 256]), diskMb: 128, gpu: 0 },
        ports: holdings.some((h) => h.ports.includes(port)) ? [] : [port],
      });
    }
    return { spec, holdings };
  });
}

function randomGroup(random: Random, tasks: number): PlacementGroup {
  const constraints: Record<string, string> = {};
  if (random() < 0.3) constraints['rack'] = pick(random, ['r1', 'r1,r2', '!r0', '!r1,r3', 'limit:1', 'limit:2']);
  if (random() < 0.3) constraints['zone'] = pick(random, ['z0', '!z2', 'limit:1']);
  if (random() < 0.3) constraints['host'] = pick(random, ['limit:1', 'limit:2']);
  if (random() < 0.15) constraints['dedicated'] = pick(random, ['a/db', '*/db']);
  return {
    jobKey: pick(random, JOBS),
    resources: { cpu: pick(random, [0.1, 0.3, 0.5, 1, 2]), ramMb: pick(random, [64, 256, 1024]), diskMb: 256, gpu: random() < 0.1 ? 1 : 0 },
    portNames: ['http', 'admin', 'debug'].slice(0, randomBelow(random, 4)),
    constraints,
    taskIds: Array.from({ length: tasks }, (_, i) => `t${i}`),
  };
}

function poolOf(hosts: readonly ModelHost[]): HostPool {
  const pool = new HostPool();
  for (const attribute of ['host', 'rack', 'zone']) pool.countAttribute(attribute);
  for (const h of hosts) {
    pool.upsertHost(h.spec);
    for (const holding of h.holdings) pool.hold(h.spec.agentId, holding);
  }
  return pool;
}

const attributeOf = (spec: HostSpec, name: string) => spec.attributes[name] ?? (name === 'host' ? spec.host : undefined);

function free(h: ModelHost) {
  const used = (f: (r: Holding['resources']) => number) => h.holdings.reduce((n, x) => n + millionths(f(x.resources)), 0);
  const r = h.spec.resources;
  return {
    cpu: millionths(r.cpu) - used((x) => x.cpu),
    ram: millionths(r.ramMb) - used((x) => x.ramMb),
    disk: millionths(r.diskMb) - used((x) => x.diskMb),
    gpu: millionths(r.gpu) - used((x) => x.gpu),
  };
}

function freePorts(h: ModelHost): number[] {
  const used = new Set(h.holdings.flatMap((x) => x.ports));
  const ports: number[] = [];
  for (let p = h.spec.portRange.begin; p <= h.spec.portRange.end; p++) if (!used.has(p)) ports.push(p);
  return ports;
}

function fits(h: ModelHost, g: PlacementGroup, all: readonly ModelHost[]): boolean {
  if (h.spec.unavailable !== null) return false;
  // Dedicated hosts take only jobs that ask for their value (the value check is below).
  if (g.constraints['dedicated'] === undefined && h.spec.attributes['dedicated'] !== undefined) return false;
  const f = free(h);
  const r = g.resources;
  if (f.cpu < millionths(r.cpu) || f.ram < millionths(r.ramMb) || f.disk < millionths(r.diskMb) || f.gpu < millionths(r.gpu)) return false;
  if (freePorts(h).length < g.portNames.length) return false;
  return Object.entries(g.constraints).every(([name, wanted]) => {
    const value = attributeOf(h.spec, name);
    const limit = /^limit:(\d+)$/.exec(wanted);
    if (limit) {
      if (value === undefined) return false;
      const count = all
        .filter((o) => attributeOf(o.spec, name) === value)
        .reduce((n, o) => n + o.holdings.filter((x) => x.jobKey === g.jobKey).length, 0);
      return count < Number(limit[1]);
    }
    const negated = wanted.startsWith('!');
    const matches = value !== undefined && (negated ? wanted.slice(1) : wanted).split(',').includes(value);
    return matches !== negated;
  });
}

/** The exhaustive mode's preference: fewest of the job's tasks, most free cpu + ram fraction, host name, agent id. */
function best(candidates: readonly ModelHost[], g: PlacementGroup): ModelHost | undefined {
  const key = (h: ModelHost) => {
    const f = free(h);
    const r = h.spec.resources;
    return [h.holdings.filter((x) => x.jobKey === g.jobKey).length, -(f.cpu / millionths(r.cpu) + f.ram / millionths(r.ramMb))] as const;
  };
  return [...candidates].sort((a, b) => {
    const [ja, pa] = key(a);
    const [jb, pb] = key(b);
    return ja - jb || pa - pb || (a.spec.host < b.spec.host ? -1 : a.spec.host > b.spec.host ? 1 : 0) || (a.spec.agentId < b.spec.agentId ? -1 : 1);
  })[0];
}

/** Replays assignments on the model, checking each was a fit when it was made. Returns a failure or null. */
function replay(hosts: ModelHost[], g: PlacementGroup, assignments: readonly Assignment[], exhaustive: boolean): string | null {
  const model = hosts.map((h) => ({ spec: h.spec, holdings: [...h.holdings] }));
  for (const a of assignments) {
    const host = model.find((h) => h.spec.agentId === a.agentId)!;
    if (!fits(host, g, model)) return `${a.taskId} placed on ${a.agentId} where it does not fit`;
    const ports = Object.values(a.ports);
    if (ports.join() !== freePorts(host).slice(0, g.portNames.length).join()) return `${a.taskId} did not get the lowest free ports`;
    if (exhaustive && best(model.filter((h) => fits(h, g, model)), g) !== host) return `${a.taskId} not on the best host`;
    host.holdings.push({ jobKey: g.jobKey, resources: g.resources, ports });
  }
  const stillFits = model.some((h) => fits(h, g, model));
  return assignments.length < g.taskIds.length && stillFits ? `${g.taskIds[assignments.length]} unplaced though a host fits` : null;
}

describe('sampled and exhaustive placement on randomized pools', () => {
  it('place a single task exactly when some host fits it', () => {
    const random = seededRandom(20240601);
    let placed = 0;
    for (let trial = 0; trial < 400; trial++) {
      const hosts = randomHosts(random);
      const g = randomGroup(random, 1);
      const fitsSomewhere = hosts.some((h) => fits(h, g, hosts));
      for (const mode of ['sampled', 'exhaustive'] as const) {
        const pool = poolOf(hosts);
        const result = placeGroups(pool, [g], { mode, seed: trial, sampleSize: 1 + (trial % 3) });
        expect(result.assignments.length === 1, `trial ${trial} ${mode}`).toBe(fitsSomewhere);
        expect(replay(hosts, g, result.assignments, mode === 'exhaustive'), `trial ${trial} ${mode}`).toBeNull();
      }
      if (fitsSomewhere) placed++;
    }
    // The generator must produce both outcomes for the check to mean anything.
    expect(placed).toBeGreaterThan(100);
    expect(placed).toBeLessThan(350);
  });

  it('place every task of a group only where it fits, until nothing fits, and leave the pool as it was', () => {
    const random = seededRandom(77);
    for (let trial = 0; trial < 250; trial++) {
      const hosts = randomHosts(random);
      const g = randomGroup(random, 1 + randomBelow(random, 10));
      for (const mode of ['sampled', 'exhaustive'] as const) {
        const pool = poolOf(hosts);
        const before = pool.snapshot();
        const result = placeGroups(pool, [g], { mode, seed: trial, sampleSize: 1 + (trial % 4) });
        expect(replay(hosts, g, result.assignments, mode === 'exhaustive'), `trial ${trial} ${mode}`).toBeNull();
        expect(result.assignments.length + result.unplaced.length).toBe(g.taskIds.length);
        expect(pool.snapshot()).toEqual(before);
      }
    }
  });
});
