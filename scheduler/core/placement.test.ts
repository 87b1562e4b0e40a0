import { describe, expect, it } from 'vitest';
import { placeTasks, type PendingTask, type PlacementAgent } from './placement.js';

function agent(id: string, overrides: Partial<PlacementAgent> = {}): PlacementAgent {
  return {
    agentId: id,
    host: `${id}.example`,
    status: 'ACTIVE',
    attributes: {},
    resources: { cpu: 2, ramMb: 1024, diskMb: 4096, gpu: 0 },
    portRange: { begin: 31000, end: 31004 },
    tasks: [],
    ...overrides,
  };
}

function task(id: string, overrides: Partial<PendingTask> = {}): PendingTask {
  return {
    taskId: id,
    jobKey: 'www-data/prod/hello',
    resources: { cpu: 0.5, ramMb: 128, diskMb: 128, gpu: 0 },
    portNames: [],
    constraints: {},
    ...overrides,
  };
}

const running = (ramMb: number, ports: number[] = [], jobKey = 'other/prod/x') => ({
  jobKey,
  resources: { cpu: 0.5, ramMb, diskMb: 1, gpu: 0 },
  ports,
});

describe('placement', () => {
  it('assigns a task that fits to the agent', () => {
    expect(placeTasks([task('t1')], [agent('a1')])).toEqual({
      assignments: [{ taskId: 't1', agentId: 'a1', ports: {} }],
      unplaced: [],
    });
  });

  it('says so when no agent has registered', () => {
    const result = placeTasks([task('t1')], []);
    expect(result.unplaced[0]?.reason).toBe('No agents registered');
  });

  it('explains insufficient ram with what is needed and the largest free amount', () => {
    const full = agent('a1', { resources: { cpu: 2, ramMb: 192, diskMb: 4096, gpu: 0 } });
    const result = placeTasks([task('t1')], [{ ...full, tasks: [running(128)] }]);
    expect(result.unplaced[0]?.reason).toBe('Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)');
  });

  it('reports each reason once, with how many agents it applies to', () => {
    const agents = [
      agent('a1', { resources: { cpu: 0.25, ramMb: 1024, diskMb: 4096, gpu: 0 } }),
      agent('a2', { resources: { cpu: 0.1, ramMb: 64, diskMb: 4096, gpu: 0 } }),
    ];
    expect(placeTasks([task('t1')], agents).unplaced[0]?.reason).toBe(
      'Insufficient cpu on 2 agents (needs 0.5 cpu, largest free 0.25 cpu); Insufficient ram on 1 agent (needs 128 MiB, largest free 64 MiB)',
    );
  });

  it('vetoes disk and gpu too', () => {
    const result = placeTasks([task('t1', { resources: { cpu: 0.5, ramMb: 128, diskMb: 8192, gpu: 1 } })], [agent('a1')]);
    expect(result.unplaced[0]?.reason).toBe(
      'Insufficient disk on 1 agent (needs 8192 MiB, largest free 4096 MiB); Insufficient gpu on 1 agent (needs 1 gpu, largest free 0 gpu)',
    );
  });

  it('does not place on a LOST agent', () => {
    const result = placeTasks([task('t1')], [agent('a1', { status: 'LOST' })]);
    expect(result.unplaced[0]?.reason).toBe('1 agent is LOST');
  });

  it('counts tasks placed earlier in the same pass', () => {
    const small = agent('a1', { resources: { cpu: 1, ramMb: 1024, diskMb: 4096, gpu: 0 } });
    const result = placeTasks([task('t1'), task('t2'), task('t3')], [small]);
    expect(result.assignments.map((a) => a.taskId)).toEqual(['t1', 't2']);
    expect(result.unplaced.map((u) => u.taskId)).toEqual(['t3']);
  });

  it('gives named ports the lowest free ports of the range, in name order', () => {
    const busy = { ...agent('a1'), tasks: [running(1, [31000, 31002])] };
    const result = placeTasks([task('t1', { portNames: ['admin', 'http'] })], [busy]);
    expect(result.assignments[0]?.ports).toEqual({ admin: 31001, http: 31003 });
  });

  it('does not give the same port to two tasks of one pass', () => {
    const result = placeTasks([task('t1', { portNames: ['http'] }), task('t2', { portNames: ['http'] })], [agent('a1')]);
    expect(result.assignments.map((a) => a.ports)).toEqual([{ http: 31000 }, { http: 31001 }]);
  });

  it('vetoes an agent without enough free ports', () => {
    const narrow = agent('a1', { portRange: { begin: 31000, end: 31001 } });
    const result = placeTasks([task('t1', { portNames: ['a', 'b', 'c'] })], [narrow]);
    expect(result.unplaced[0]?.reason).toBe('Insufficient ports on 1 agent (needs 3, most free 2)');
  });

  it('places only on agents whose attribute matches a value constraint', () => {
    const agents = [agent('a1', { attributes: { rack: 'r2' } }), agent('a2', { attributes: { rack: 'r1' } })];
    const result = placeTasks([task('t1', { constraints: { rack: 'r1' } })], agents);
    expect(result.assignments[0]?.agentId).toBe('a2');
  });

  it('accepts any of several comma-separated values', () => {
    const agents = [agent('a1', { attributes: { rack: 'r3' } })];
    expect(placeTasks([task('t1', { constraints: { rack: 'r1,r3' } })], agents).assignments).toHaveLength(1);
  });

  it('avoids agents whose attribute matches a negated constraint', () => {
    const agents = [agent('a1', { attributes: { rack: 'r1' } }), agent('a2', { attributes: {} })];
    const result = placeTasks([task('t1', { constraints: { rack: '!r1' } })], agents);
    expect(result.assignments[0]?.agentId).toBe('a2');
  });

  it('explains an unmet constraint', () => {
    const agents = [agent('a1', { attributes: { rack: 'r2' } }), agent('a2')];
    expect(placeTasks([task('t1', { constraints: { rack: 'r1' } })], agents).unplaced[0]?.reason).toBe(
      'Constraint rack = r1 not met on 2 agents',
    );
    expect(placeTasks([task('t1', { constraints: { rack: '!r2' } })], [agents[0]!]).unplaced[0]?.reason).toBe(
      'Constraint rack != r2 not met on 1 agent',
    );
  });

  it('limits instances of one job per attribute value (limit:1 on host spreads them)', () => {
    const result = placeTasks(
      [task('t1', { constraints: { host: 'limit:1' } }), task('t2', { constraints: { host: 'limit:1' } }), task('t3', { constraints: { host: 'limit:1' } })],
      [agent('a1'), agent('a2')],
    );
    expect(result.assignments.map((a) => a.agentId).sort()).toEqual(['a1', 'a2']);
    expect(result.unplaced[0]?.reason).toBe('Limit of 1 instance per host reached on 2 agents');
  });

  it('spreads instances of a job over agents, and is deterministic', () => {
    const tasks = [task('t1'), task('t2'), task('t3')];
    const agents = [agent('b'), agent('a')];
    const first = placeTasks(tasks, agents);
    expect(first.assignments.map((a) => a.agentId)).toEqual(['a', 'b', 'a']);
    expect(placeTasks(tasks, agents)).toEqual(first);
  });
});
