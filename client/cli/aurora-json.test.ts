import { describe, expect, it } from 'vitest';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import type { JobDetail } from '../../scheduler/api/jobs-api.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { auroraJobStatus, auroraTaskConfig } from './aurora-json.js';

const T0 = Date.UTC(2024, 0, 1);

function task(instance: number, state: ScheduledTask['state'], events: [ScheduledTask['state'], number, string | null][], extra: Partial<ScheduledTask> = {}): ScheduledTask {
  const spec = sampleJobSpec();
  return {
    taskId: `www-data-prod-hello-${instance}-${events[0]?.[1] ?? 0}`,
    jobKey: spec.key,
    instance,
    state,
    specHash: 'h',
    agentId: state === 'PENDING' ? null : 'host1-00000001',
    host: state === 'PENDING' ? null : 'host1',
    observerUrl: null,
    ports: {},
    health: 'UNKNOWN',
    failureCount: 0,
    pendingReason: null,
    events: events.map(([s, at, message]) => ({ state: s, at, message })),
    ...extra,
  };
}

function job(tasks: ScheduledTask[], specChanges: Partial<ReturnType<typeof sampleJobSpec>> = {}): JobDetail {
  const spec = { ...sampleJobSpec(), ...specChanges };
  return {
    summary: { key: spec.key, instances: 3, service: spec.service, cronSchedule: null, specHash: 'h', createdAt: T0, version: 1, taskCounts: {} },
    spec,
    tasks,
  };
}

const KEY = 'devcluster/www-data/prod/hello';

describe("aurora job status --write-json (Aurora's shape)", () => {
  it('reads the task config from the spec', () => {
    const spec = sampleJobSpec();
    expect(auroraTaskConfig(job([]))).toEqual({
      job: { role: 'www-data', environment: 'prod', name: 'hello' },
      owner: { user: 'www-data' },
      isService: spec.service,
      production: spec.production,
      tier: spec.tier,
      priority: spec.priority,
      maxTaskFailures: spec.maxTaskFailures,
      numCpus: 0.5,
      ramMb: 128,
      diskMb: 128,
      requestedPorts: spec.ports,
      contactEmail: spec.contact,
      metadata: spec.metadata,
    });
    expect(auroraTaskConfig(job([], { service: true, production: true, tier: 'preferred', priority: 5, maxTaskFailures: 3 }))).toMatchObject({
      isService: true,
      production: true,
      tier: 'preferred',
      priority: 5,
      maxTaskFailures: 3,
    });
  });

  const running = task(2, 'RUNNING', [
    ['RUNNING', T0 + 2000, 'Task is running'],
    ['PENDING', T0, null],
    ['ASSIGNED', T0 + 1000, null],
  ], { ports: { http: 31000 }, failureCount: 1 });
  const pending = task(0, 'PENDING', [['PENDING', T0 + 5000, null]]);
  const failed = task(0, 'FAILED', [['PENDING', T0, null], ['FAILED', T0 + 3000, 'Process hello exited with status 1']], { failureCount: 0 });
  const killed = task(1, 'KILLED', [['KILLED', T0 + 4000, 'Killed by the user']]);

  const cases: { name: string; tasks: ScheduledTask[]; active: [number, string, string | null][]; inactive: [number, string, string | null][] }[] = [
    { name: 'no tasks', tasks: [], active: [], inactive: [] },
    { name: 'active by instance', tasks: [running, pending], active: [[0, 'PENDING', null], [2, 'RUNNING', 'host1']], inactive: [] },
    {
      name: 'ended ones inactive, by instance',
      tasks: [killed, running, failed, pending],
      active: [[0, 'PENDING', null], [2, 'RUNNING', 'host1']],
      inactive: [[0, 'FAILED', 'host1'], [1, 'KILLED', 'host1']],
    },
  ];
  for (const c of cases) {
    it(`splits and sorts: ${c.name}`, () => {
      const out = auroraJobStatus(job(c.tasks), 'sched.example');
      expect(out.job).toBe(KEY);
      const brief = (ts: typeof out.active) => ts.map((t) => [t.assignedTask.instanceId, t.status, t.assignedTask.slaveHost]);
      expect(brief(out.active)).toEqual(c.active);
      expect(brief(out.inactive)).toEqual(c.inactive);
    });
  }

  it("renders a task as Aurora's ScheduledTask, events oldest first", () => {
    const out = auroraJobStatus(job([running]), 'sched.example');
    expect(out.active[0]).toEqual({
      status: 'RUNNING',
      assignedTask: {
        taskId: running.taskId,
        slaveId: 'host1-00000001',
        slaveHost: 'host1',
        instanceId: 2,
        assignedPorts: { http: 31000 },
        task: auroraTaskConfig(job([])),
      },
      taskEvents: [
        { timestamp: T0, status: 'PENDING', message: null, scheduler: 'sched.example' },
        { timestamp: T0 + 1000, status: 'ASSIGNED', message: null, scheduler: 'sched.example' },
        { timestamp: T0 + 2000, status: 'RUNNING', message: 'Task is running', scheduler: 'sched.example' },
      ],
      failureCount: 1,
    });
    // The input is left as it was.
    expect(running.events.map((e) => e.state)).toEqual(['RUNNING', 'PENDING', 'ASSIGNED']);
  });
});
