import { describe, expect, it } from 'vitest';
import type { AgentTaskReport } from '../api/agent-protocol.js';
import type { TaskState } from '../api/task.js';
import { findLostAgents, partitionsDue, pendingWork, reconcileSync, tasksLostWithAgent, type KnownTask } from './agent-sync.js';

const known = (taskId: string, state: TaskState, agentId: string | null = 'a1'): KnownTask => ({
  taskId,
  state,
  agentId,
  health: 'UNKNOWN',
  ports: {},
});
const reported = (taskId: string, state: AgentTaskReport['state'], message: string | null = null): AgentTaskReport => ({
  taskId,
  state,
  message,
  health: 'UNKNOWN',
  ports: {},
});

describe('agent sync reconciliation', () => {
  it('launches ASSIGNED tasks the agent does not run yet', () => {
    expect(reconcileSync('a1', 'host1', [known('t1', 'ASSIGNED')], [])).toEqual({
      changes: [],
      observations: [],
      launch: ['t1'],
      kill: [],
    });
  });

  it('follows the agent from ASSIGNED to STARTING to RUNNING', () => {
    expect(reconcileSync('a1', 'host1', [known('t1', 'ASSIGNED')], [reported('t1', 'STARTING')]).changes).toEqual([
      { taskId: 't1', to: 'STARTING', message: null },
    ]);
    expect(reconcileSync('a1', 'host1', [known('t1', 'STARTING')], [reported('t1', 'RUNNING')]).changes).toEqual([
      { taskId: 't1', to: 'RUNNING', message: null },
    ]);
  });

  it('takes a PARTITIONED task back when its agent returns and reports it, and gives it up when it does not', () => {
    const plan = reconcileSync(
      'a1',
      'host1',
      [known('back', 'PARTITIONED'), known('starting', 'PARTITIONED'), known('ended', 'PARTITIONED'), known('gone', 'PARTITIONED')],
      [reported('back', 'RUNNING'), reported('starting', 'STARTING'), reported('ended', 'FAILED', 'exit 1')],
    );
    expect(plan.changes).toEqual([
      { taskId: 'back', to: 'RUNNING', message: null },
      { taskId: 'starting', to: 'STARTING', message: null },
      { taskId: 'ended', to: 'FAILED', message: 'exit 1' },
      { taskId: 'gone', to: 'LOST', message: 'Task not reported by agent host1' },
    ]);
    expect(plan.kill).toEqual([]);
  });

  it('kills what a returning agent runs of tasks already replaced (LOST)', () => {
    expect(reconcileSync('a1', 'host1', [known('replaced', 'LOST')], [reported('replaced', 'RUNNING')]).kill).toEqual(['replaced']);
  });

  it("records how a task ended, with the agent's message", () => {
    const plan = reconcileSync('a1', 'host1', [known('t1', 'RUNNING')], [reported('t1', 'FAILED', 'Process hello exited with status 1')]);
    expect(plan.changes).toEqual([{ taskId: 't1', to: 'FAILED', message: 'Process hello exited with status 1' }]);
  });

  it('changes nothing while agent and scheduler agree', () => {
    const plan = reconcileSync('a1', 'host1', [known('t1', 'RUNNING')], [reported('t1', 'RUNNING')]);
    expect(plan).toEqual({ changes: [], observations: [], launch: [], kill: [] });
  });

  it('records health and ports changes without a state change', () => {
    const report = { ...reported('t1', 'RUNNING'), health: 'HEALTHY' as const, ports: { http: 31000 } };
    const plan = reconcileSync('a1', 'host1', [known('t1', 'RUNNING')], [report]);
    expect(plan.observations).toEqual([{ taskId: 't1', health: 'HEALTHY', ports: { http: 31000 } }]);
  });

  it('keeps the ports it assigned when the agent reports none', () => {
    const assigned = { ...known('t1', 'RUNNING'), ports: { http: 31000 } };
    expect(reconcileSync('a1', 'host1', [assigned], [reported('t1', 'RUNNING')]).observations).toEqual([]);
  });

  it('keeps telling the agent to kill a KILLING task it still runs, until it says it kills it, and records its end', () => {
    expect(reconcileSync('a1', 'host1', [known('t1', 'KILLING')], [reported('t1', 'RUNNING')]).kill).toEqual(['t1']);
    // An agent whose kill takes a while (a graceful shutdown) is not told again: its sync is held.
    expect(reconcileSync('a1', 'host1', [known('t1', 'KILLING')], [reported('t1', 'KILLING')])).toEqual({ changes: [], observations: [], launch: [], kill: [] });
    expect(reconcileSync('a1', 'host1', [known('gone', 'KILLED')], [reported('gone', 'KILLING')]).kill).toEqual([]);
    expect(reconcileSync('a1', 'host1', [known('t1', 'KILLING')], [reported('t1', 'KILLED', 'killed')]).changes).toEqual([
      { taskId: 't1', to: 'KILLED', message: 'killed' },
    ]);
  });

  it('kills tasks the scheduler does not know, or knows as ended or on another agent', () => {
    const plan = reconcileSync(
      'a1',
      'host1',
      [known('ended', 'FAILED'), known('elsewhere', 'RUNNING', 'a2')],
      [reported('stranger', 'RUNNING'), reported('ended', 'RUNNING'), reported('elsewhere', 'STARTING')],
    );
    expect(plan.kill).toEqual(['stranger', 'ended', 'elsewhere']);
    expect(plan.changes).toEqual([]);
  });

  it('ignores ended tasks the agent still reports but the scheduler does not need', () => {
    const plan = reconcileSync('a1', 'host1', [known('t1', 'FINISHED')], [reported('t1', 'FINISHED'), reported('old', 'KILLED')]);
    expect(plan).toEqual({ changes: [], observations: [], launch: [], kill: [] });
  });

  it('marks STARTING and RUNNING tasks the agent does not report LOST, naming the agent', () => {
    const plan = reconcileSync('a1', 'host1', [known('t1', 'RUNNING'), known('t2', 'STARTING')], []);
    expect(plan.changes).toEqual([
      { taskId: 't1', to: 'LOST', message: 'Task not reported by agent host1' },
      { taskId: 't2', to: 'LOST', message: 'Task not reported by agent host1' },
    ]);
  });

  it('counts a KILLING task the agent does not run as KILLED', () => {
    expect(reconcileSync('a1', 'host1', [known('t1', 'KILLING')], []).changes).toEqual([
      { taskId: 't1', to: 'KILLED', message: 'Task not reported by agent host1 while being killed' },
    ]);
  });

  it('finds work that appeared while a sync was held open', () => {
    const tasks = [known('new', 'ASSIGNED'), known('doomed', 'KILLING'), known('fine', 'RUNNING')];
    expect(pendingWork('a1', tasks, new Map([['doomed', 'RUNNING'], ['fine', 'RUNNING']]))).toEqual({ launch: ['new'], kill: ['doomed'] });
    // One the agent already kills is no work: the sync stays held.
    expect(pendingWork('a1', tasks, new Map([['doomed', 'KILLING'], ['fine', 'RUNNING'], ['new', 'STARTING']]))).toEqual({ launch: [], kill: [] });
  });
});

describe('agent-lost detection', () => {
  const agents = [
    { agentId: 'quiet', status: 'ACTIVE' as const, lastSeenAt: 1_000 },
    { agentId: 'chatty', status: 'ACTIVE' as const, lastSeenAt: 30_000 },
    { agentId: 'gone', status: 'LOST' as const, lastSeenAt: 0 },
  ];

  it('finds ACTIVE agents that have not synced within the timeout', () => {
    expect(findLostAgents(agents, 40_000, 30_000, 0)).toEqual(['quiet']);
  });

  it('gives agents the full timeout after the scheduler starts', () => {
    expect(findLostAgents(agents, 40_000, 30_000, 35_000)).toEqual([]);
  });

  const atOnce = () => ({ reschedule: true, delaySecs: 0 });

  it('loses every task that holds resources on the lost agent, by default at once', () => {
    const tasks = [known('t1', 'RUNNING'), known('t2', 'ASSIGNED'), known('t3', 'FINISHED'), known('t4', 'RUNNING', 'a2')];
    expect(tasksLostWithAgent({ agentId: 'a1', host: 'host1' }, tasks, 30_000, atOnce)).toEqual([
      { taskId: 't1', to: 'LOST', message: 'Agent host1 was lost: no sync for 30 s' },
      { taskId: 't2', to: 'LOST', message: 'Agent host1 was lost: no sync for 30 s' },
    ]);
  });

  it('holds tasks PARTITIONED where the partition policy waits, keeps kills, and reruns restarts', () => {
    const tasks = [
      known('wait', 'RUNNING'),
      known('never', 'STARTING'),
      known('killing', 'KILLING'),
      known('restarting', 'RESTARTING'),
      known('already', 'PARTITIONED'),
    ];
    const policies: Record<string, { reschedule: boolean; delaySecs: number }> = {
      wait: { reschedule: true, delaySecs: 60 },
      never: { reschedule: false, delaySecs: 0 },
    };
    const changes = tasksLostWithAgent({ agentId: 'a1', host: 'host1' }, tasks, 2_500, (id) => policies[id] ?? atOnce());
    expect(changes.map((c) => [c.taskId, c.to])).toEqual([
      ['wait', 'PARTITIONED'],
      ['never', 'PARTITIONED'],
      ['killing', 'KILLED'],
      ['restarting', 'LOST'],
    ]);
    expect(changes[0]?.message).toBe('Agent host1 was lost: no sync for 2.5 s');
  });

  it('replaces PARTITIONED tasks once their delay is over, and never when the policy says so', () => {
    const tasks = [
      { taskId: 'soon', partitionedAt: 1_000, policy: { reschedule: true, delaySecs: 10 } },
      { taskId: 'later', partitionedAt: 1_000, policy: { reschedule: true, delaySecs: 3600 } },
      { taskId: 'never', partitionedAt: 0, policy: { reschedule: false, delaySecs: 0 } },
    ];
    expect(partitionsDue(tasks, 10_999)).toEqual([]);
    expect(partitionsDue(tasks, 11_000)).toEqual(['soon']);
    expect(partitionsDue(tasks, 1e12)).toEqual(['soon', 'later']);
  });
});
