import type { ProcessSpec, TaskSpec } from '../../dsl/jobspec.js';
import type { TaskAssignment } from '../../scheduler/api/agent-protocol.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';

/** Plain data for the executor's tests: specs with Aurora's defaults, overridable. */

export function processSpec(name: string, cmdline: string, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  const defaults = sampleJobSpec().task.processes[0]!;
  // Tests restart at once; the DSL's 5 s minDuration would only slow them down.
  return { ...defaults, name, cmdline, minDurationSecs: 0, ...extra };
}

export function taskSpec(processes: ProcessSpec[], extra: Partial<TaskSpec> = {}): TaskSpec {
  const defaults = sampleJobSpec().task;
  return {
    ...defaults,
    name: processes[0]?.name ?? 'task',
    processes,
    resources: { ...defaults.resources, cpu: 0.1, ramMb: 16, diskMb: 16 },
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
    job: { ...sampleJobSpec(), key: jobKey, task },
    ...extra,
  };
}
