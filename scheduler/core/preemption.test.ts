import { describe, expect, it } from 'vitest';
import { findPreemption, mayPreempt, type PendingForPreemption, type PossibleVictim, type PreemptionHost } from './preemption.js';
import type { Tier } from './tiers.js';

const subject = (role: string, tier: Tier, priority = 0) => ({
  role,
  jobKey: `${role}/prod/job`,
  tier,
  priority,
  resources: { cpu: 1, ramMb: 1024, diskMb: 1024, gpu: 0 },
});

describe('mayPreempt', () => {
  // [pending role, tier, priority] may preempt [victim role, tier, priority]
  const table: [[string, Tier, number], [string, Tier, number], boolean][] = [
    // A higher tier preempts lower tiers of any role, whatever the priorities.
    [['a', 'preferred', 0], ['b', 'preemptible', 9], true],
    [['a', 'preferred', 0], ['a', 'preemptible', 9], true],
    [['a', 'preferred', 0], ['b', 'revocable', 9], true],
    [['a', 'preemptible', 0], ['b', 'revocable', 9], true],
    // Preferred tasks are never preempted, not even by their own role at higher priority.
    [['a', 'preferred', 9], ['a', 'preferred', 0], false],
    [['a', 'preferred', 9], ['b', 'preferred', 0], false],
    [['a', 'preemptible', 9], ['a', 'preferred', 0], false],
    // Within a tier: same role, strictly higher priority.
    [['a', 'preemptible', 5], ['a', 'preemptible', 4], true],
    [['a', 'preemptible', 5], ['a', 'preemptible', 5], false],
    [['a', 'preemptible', 4], ['a', 'preemptible', 5], false],
    [['a', 'preemptible', 5], ['b', 'preemptible', 0], false],
    [['a', 'revocable', 1], ['a', 'revocable', 0], true],
    [['a', 'revocable', 1], ['b', 'revocable', 0], false],
    // A lower tier never preempts a higher one.
    [['a', 'revocable', 9], ['a', 'preemptible', 0], false],
    [['a', 'revocable', 9], ['b', 'preemptible', 0], false],
  ];
  it.each(table)('%j may preempt %j: %s', (p, v, expected) => {
    expect(mayPreempt(subject(...p), subject(...v))).toBe(expected);
  });
});

// Hosts and tasks in whole cpus, MiB and ports.
const pending = (overrides: Partial<PendingForPreemption> = {}): PendingForPreemption => ({
  ...subject('www-data', 'preferred', 0),
  resources: { cpu: 2, ramMb: 2048, diskMb: 100, gpu: 0 },
  portCount: 0,
  ...overrides,
});

function task(taskId: string, cpu: number, ramMb: number, overrides: Partial<PossibleVictim> = {}): PossibleVictim {
  return { ...subject('batch', 'preemptible', 0), taskId, resources: { cpu, ramMb, diskMb: 10, gpu: 0 }, portCount: 0, ...overrides };
}

function host(agentId: string, tasks: PossibleVictim[], free: Partial<PreemptionHost['free']> = {}, freePorts = 10): PreemptionHost {
  return { agentId, free: { cpu: 0, ramMb: 0, diskMb: 1000, gpu: 0, ...free }, freePorts, tasks };
}

describe('findPreemption', () => {
  it('preempts preemptible tasks of another role for a production task', () => {
    expect(findPreemption(pending(), [host('a1', [task('t1', 2, 2048)])])).toEqual({ agentId: 'a1', victims: ['t1'] });
  });

  it('never preempts preferred tasks', () => {
    const preferred = (id: string, role: string, priority: number) => task(id, 2, 2048, { role, tier: 'preferred', priority });
    expect(findPreemption(pending({ priority: 10 }), [host('a1', [preferred('t1', 'www-data', 0), preferred('t2', 'other', 0)])])).toBeNull();
  });

  it('lets a non-production task preempt only its own role\'s tasks of lower priority', () => {
    const mine = pending({ tier: 'preemptible', priority: 5 });
    const hosts = [
      host('a1', [task('other-role', 2, 2048, { role: 'batch', priority: 0 })]),
      host('a2', [task('same-priority', 2, 2048, { role: 'www-data', priority: 5 })]),
      host('a3', [task('lower', 2, 2048, { role: 'www-data', priority: 4 })]),
    ];
    expect(findPreemption(mine, hosts)).toEqual({ agentId: 'a3', victims: ['lower'] });
    expect(findPreemption(mine, hosts.slice(0, 2))).toBeNull();
  });

  it('does not count a revocable victim\'s cpu as room, but counts its ram', () => {
    const revocable = (id: string, cpu: number, ramMb: number) => task(id, cpu, ramMb, { tier: 'revocable' });
    // cpu is short: the revocable task's 4 cpus do not help.
    expect(findPreemption(pending(), [host('a1', [revocable('r1', 4, 4096)])])).toBeNull();
    // Only ram is short: it does.
    expect(findPreemption(pending(), [host('a1', [revocable('r1', 4, 4096)], { cpu: 2 })])).toEqual({ agentId: 'a1', victims: ['r1'] });
    // cpu from a preemptible task, ram from a revocable one.
    expect(findPreemption(pending(), [host('a1', [revocable('r1', 4, 4096), task('p1', 2, 0)])])).toEqual({ agentId: 'a1', victims: ['p1', 'r1'] });
  });

  it('frees ports, gpus and disk too', () => {
    const needs = pending({ portCount: 2, resources: { cpu: 1, ramMb: 1, diskMb: 500, gpu: 1 } });
    const holder = task('ports', 0.1, 1, { portCount: 2 });
    const gpu = task('gpu', 0.1, 1, { resources: { cpu: 0.1, ramMb: 1, diskMb: 500, gpu: 1 } });
    expect(findPreemption(needs, [host('a1', [holder, gpu], { cpu: 1, ramMb: 1, diskMb: 0 }, 0)])).toEqual({ agentId: 'a1', victims: ['gpu', 'ports'] });
    expect(findPreemption(needs, [host('a1', [gpu], { cpu: 1, ramMb: 1, diskMb: 0 }, 0)])).toBeNull();
  });

  it('takes the task that frees most of what is short before several small ones', () => {
    const tasks = [task('s1', 0.5, 512), task('s2', 0.5, 512), task('s3', 0.5, 512), task('s4', 0.5, 512), task('big', 2, 2048)];
    expect(findPreemption(pending(), [host('a1', tasks)])).toEqual({ agentId: 'a1', victims: ['big'] });
  });

  it('drops a victim chosen early that later victims make unneeded', () => {
    // a covers half the cpu and three quarters of the ram, so it goes first; b and c then cover
    // everything without it.
    const tasks = [task('a', 1, 1536), task('b', 2, 0), task('c', 0, 2048)];
    expect(findPreemption(pending(), [host('a1', tasks)])).toEqual({ agentId: 'a1', victims: ['b', 'c'] });
  });

  it('among equally useful victims, takes the revocable, then the lower priority, then the first id', () => {
    const ram = pending({ resources: { cpu: 1, ramMb: 1024, diskMb: 1, gpu: 0 } });
    const free = { cpu: 1 };
    expect(findPreemption(ram, [host('a1', [task('p', 1, 1024), task('r', 1, 1024, { tier: 'revocable' })], free)])?.victims).toEqual(['r']);
    expect(findPreemption(ram, [host('a1', [task('high', 1, 1024, { priority: 2 }), task('low', 1, 1024, { priority: 1 })], free)])?.victims).toEqual(['low']);
    expect(findPreemption(ram, [host('a1', [task('y', 1, 1024), task('x', 1, 1024)], free)])?.victims).toEqual(['x']);
  });

  it('chooses the host needing the fewest victims', () => {
    const hosts = [
      host('a1', [task('a1-t1', 1, 1024), task('a1-t2', 1, 1024)]),
      host('a2', [task('a2-t1', 2, 2048)]),
      host('a3', [task('a3-t1', 0.5, 512), task('a3-t2', 0.5, 512), task('a3-t3', 1, 1024)]),
    ];
    expect(findPreemption(pending(), hosts)).toEqual({ agentId: 'a2', victims: ['a2-t1'] });
  });

  it('takes a host that already has room with no victims', () => {
    expect(findPreemption(pending(), [host('a1', [task('t1', 2, 2048)]), host('a2', [], { cpu: 2, ramMb: 2048 })])).toEqual({ agentId: 'a2', victims: [] });
  });

  it('skips hosts that fail the task\'s constraints', () => {
    const hosts = [host('a1', [task('t1', 2, 2048)]), host('a2', [task('t2', 1, 1024), task('t3', 1, 1024)])];
    expect(findPreemption(pending(), hosts, { passesConstraints: (agentId) => agentId !== 'a1' })).toEqual({ agentId: 'a2', victims: ['t2', 't3'] });
    expect(findPreemption(pending(), hosts, { passesConstraints: () => false })).toBeNull();
  });

  it('returns null when killing every candidate on every host is not enough', () => {
    expect(findPreemption(pending(), [host('a1', [task('t1', 1, 4096), task('t2', 0.5, 4096)]), host('a2', [])])).toBeNull();
    expect(findPreemption(pending(), [])).toBeNull();
  });

  it('is deterministic: host order does not matter, ties go to the first agent id', () => {
    const hosts = [host('b', [task('b1', 2, 2048)]), host('a', [task('a1', 2, 2048)]), host('c', [task('c1', 2, 2048)])];
    expect(findPreemption(pending(), hosts)).toEqual({ agentId: 'a', victims: ['a1'] });
    expect(findPreemption(pending(), [...hosts].reverse())).toEqual({ agentId: 'a', victims: ['a1'] });
  });

  it('counts cpu shares exactly (0.1 + 0.2 freed for 0.3 needed)', () => {
    const small = pending({ resources: { cpu: 0.3, ramMb: 1, diskMb: 1, gpu: 0 } });
    expect(findPreemption(small, [host('a1', [task('t1', 0.1, 0), task('t2', 0.2, 0)], { ramMb: 1 })])).toEqual({ agentId: 'a1', victims: ['t1', 't2'] });
  });
});
