import type { ProcessSpec, TaskSpec } from '../../dsl/jobspec.js';
import type { TaskAssignment } from '../../scheduler/api/agent-protocol.js';

/** Plain data for the executor's tests: specs with Aurora's defaults, overridable. */

export function processSpec(name: string, cmdline: string, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return { name, cmdline, maxFailures: 1, daemon: false, ephemeral: false, minDurationSecs: 0, final: false, ...extra };
}

export function taskSpec(processes: ProcessSpec[], extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name: processes[0]?.name ?? 'task',
    processes,
    constraints: [],
    resources: { cpu: 0.1, ramMb: 16, diskMb: 16, gpu: 0 },
    maxFailures: 1,
    maxConcurrency: 0,
    finalizationWaitSecs: 30,
    ...extra,
  };
}

export function assignment(task: TaskSpec, extra: Partial<TaskAssignment> = {}): TaskAssignment {
  const jobKey = { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' };
  return {
    taskId: 'www-data-prod-hello-0-abc123',
    jobKey,
    instance: 0,
    ports: {},
    job: {
      key: jobKey,
      instances: 1,
      service: false,
      cronSchedule: null,
      cronCollisionPolicy: 'KILL_EXISTING',
      production: false,
      tier: null,
      priority: 0,
      maxTaskFailures: 1,
      constraints: {},
      contact: null,
      metadata: [],
      ports: [],
      task,
    },
    ...extra,
  };
}
