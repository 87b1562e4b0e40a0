/** Updates and cron jobs as the scheduler answers them, for tests of formatting and of faulty answers. */
import type { CronJobView, CronRun } from '../../scheduler/api/cron-api.js';
import type { InstanceProgress, JobUpdate, UpdateSummary } from '../../scheduler/api/updates-api.js';

export const SAMPLE_KEY = { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' } as const;
const T0 = Date.UTC(2024, 0, 1);

/** Instance `instance` of an update, in `status`. */
export function sampleProgress(instance: number, status: InstanceProgress['status'], failures = 0): InstanceProgress {
  return {
    instance,
    fromSpecHash: 'aaaaaaaaaaaaaaaa',
    toSpecHash: 'bbbbbbbbbbbbbbbb',
    status,
    failures,
    replaceTaskId: null,
    watchTaskId: null,
    healthySince: null,
  };
}

/** An update of hello from 2 to 3 instances, rolling forward: instance 0 done, 1 updating, 2 added. */
export function sampleUpdate(overrides: Partial<JobUpdate> = {}): JobUpdate {
  return {
    id: '0000000a',
    job: { ...SAMPLE_KEY },
    kind: 'update',
    user: 'alice',
    message: 'version 2',
    status: 'ROLLING_FORWARD',
    createdAt: T0,
    lastModifiedAt: T0 + 5500,
    settings: {
      strategy: { kind: 'queue', groupSize: 1 },
      watchSecs: 45,
      maxPerInstanceFailures: 1,
      maxTotalFailures: 0,
      rollbackOnFailure: true,
      pulseIntervalSecs: null,
      slaAware: false,
    },
    fromJobSpecHash: 'aaaaaaaaaaaaaaaa',
    toSpecHash: 'bbbbbbbbbbbbbbbb',
    fromInstanceCount: 2,
    toInstanceCount: 3,
    instances: [sampleProgress(0, 'SUCCEEDED'), sampleProgress(1, 'UPDATING', 1), { ...sampleProgress(2, 'PENDING'), fromSpecHash: null }],
    batchesStarted: 2,
    lastPulseAt: null,
    events: [{ status: 'ROLLING_FORWARD', at: T0, user: 'alice', message: 'version 2' }],
    instanceEvents: [
      { instance: 0, action: 'INSTANCE_UPDATING', at: T0, message: null },
      { instance: 0, action: 'INSTANCE_UPDATED', at: T0 + 2000, message: null },
      { instance: 1, action: 'INSTANCE_UPDATING', at: T0 + 2000, message: null },
    ],
    ...overrides,
  };
}

export function sampleSummary(overrides: Partial<UpdateSummary> = {}): UpdateSummary {
  return { id: '0000000a', job: { ...SAMPLE_KEY }, kind: 'update', user: 'alice', status: 'ROLLED_FORWARD', createdAt: T0, lastModifiedAt: T0 + 61_000, ...overrides };
}

export function sampleRun(overrides: Partial<CronRun> = {}): CronRun {
  return { scheduledFor: T0 + 3_600_000, at: T0 + 3_600_200, outcome: 'STARTED', user: null, taskIds: ['t1'], ...overrides };
}

/** A cron job `0 * * * *` in UTC (the cluster's zone), scheduled by alice. */
export function sampleCron(overrides: Partial<CronJobView> = {}): CronJobView {
  return {
    key: { ...SAMPLE_KEY },
    schedule: '0 * * * *',
    timezone: 'UTC',
    timezoneFromJob: false,
    collisionPolicy: 'KILL_EXISTING',
    specHash: 'cccccccccccccccc',
    instances: 1,
    scheduledBy: 'alice',
    scheduledAt: T0,
    nextRuns: [T0 + 3 * 3_600_000, T0 + 4 * 3_600_000],
    lastRuns: [sampleRun({ scheduledFor: T0 + 2 * 3_600_000, at: T0 + 2 * 3_600_000, outcome: 'MISSED', taskIds: [] }), sampleRun()],
    activeTasks: 1,
    ...overrides,
  };
}
