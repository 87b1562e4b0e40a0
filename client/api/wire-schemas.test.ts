import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiErrorBodySchema } from '../../scheduler/api/errors.js';
import {
  CreateJobResponseSchema,
  HealthResponseSchema,
  JobSummarySchema,
  KillJobResponseSchema,
  ListJobsResponseSchema,
  ListTasksResponseSchema,
  PruneTasksResponseSchema,
} from '../../scheduler/api/jobs-api.js';
import { CronJobResponseSchema, ListCronJobsResponseSchema } from '../../scheduler/api/cron-api.js';
import { GetQuotaResponseSchema } from '../../scheduler/api/quota-api.js';
import { ScheduledTaskSchema } from '../../scheduler/api/task.js';
import { ListUpdatesResponseSchema, UpdateResponseSchema } from '../../scheduler/api/updates-api.js';
import { compileShape } from '../../scheduler/api/json-shape.js';
import { wireJsonSchema } from '../../scheduler/api/zod-shape.js';
import { mutations } from '../../scheduler/testing/json-mutations.js';
import { WIRE_SCHEMAS, type WireName } from './wire-schemas.js';

// client/api/wire-schemas.ts is generated from the zod schemas of scheduler/api. When the
// contract changes this test fails; regenerate with
//   UPDATE_WIRE_SCHEMAS=1 npx vitest run client/api/wire-schemas.test.ts

const ZOD: Record<WireName, z.ZodType> = {
  ScheduledTask: ScheduledTaskSchema,
  JobSummary: JobSummarySchema,
  CreateJobResponse: CreateJobResponseSchema,
  ListJobsResponse: ListJobsResponseSchema,
  ListTasksResponse: ListTasksResponseSchema,
  KillJobResponse: KillJobResponseSchema,
  PruneTasksResponse: PruneTasksResponseSchema,
  ApiErrorBody: ApiErrorBodySchema,
  HealthResponse: HealthResponseSchema,
  GetQuotaResponse: GetQuotaResponseSchema,
  UpdateResponse: UpdateResponseSchema,
  ListUpdatesResponse: ListUpdatesResponseSchema,
  CronJobResponse: CronJobResponseSchema,
  ListCronJobsResponse: ListCronJobsResponseSchema,
};

/** The JSON Schemas of the zod schemas (refinements rendered by REFINEMENTS), and the refinements it lacks. */
function generate(): { schemas: Record<string, unknown>; unknown: string[] } {
  const unknown: string[] = [];
  const schemas = Object.fromEntries(
    Object.entries(ZOD).map(([name, schema]) => {
      const rendered = wireJsonSchema(schema);
      unknown.push(...rendered.unknownRefinements);
      return [name, rendered.schema];
    }),
  );
  return { schemas, unknown };
}

const TASK = {
  taskId: 'www-data-prod-hello-0-a1b2',
  jobKey: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
  instance: 0,
  state: 'RUNNING',
  specHash: '0123456789abcdef',
  agentId: 'agent-1',
  host: 'host1',
  observerUrl: 'http://host1:1338',
  ports: { http: 31000 },
  health: 'HEALTHY',
  failureCount: 1,
  pendingReason: null,
  throttle: { penaltyMs: 30000, until: 1704067230000 },
  events: [
    { state: 'PENDING', at: 1704067200000, message: null },
    { state: 'RUNNING', at: 1704067201000, message: 'Task is running' },
  ],
};
const SUMMARY = {
  key: { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' },
  instances: 2,
  service: true,
  cronSchedule: null,
  specHash: '0123456789abcdef',
  createdAt: 1704067200000,
  version: 7,
  taskCounts: { RUNNING: 1, PENDING: 1 },
};
const KEY = { cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' };
const SETTINGS = {
  strategy: { kind: 'batch', batchSize: 1, autopauseAfterBatch: false },
  watchSecs: 45,
  maxPerInstanceFailures: 0,
  maxTotalFailures: 0,
  rollbackOnFailure: true,
  pulseIntervalSecs: null,
  slaAware: false,
};
const UPDATE = {
  id: '0000000a',
  job: KEY,
  kind: 'update',
  user: 'alice',
  message: null,
  status: 'ROLLING_FORWARD',
  createdAt: 1704067200000,
  lastModifiedAt: 1704067201000,
  settings: SETTINGS,
  fromJobSpecHash: '0123456789abcdef',
  toSpecHash: 'fedcba9876543210',
  fromInstanceCount: 1,
  toInstanceCount: 2,
  instances: [
    { instance: 0, fromSpecHash: '0123456789abcdef', toSpecHash: 'fedcba9876543210', status: 'UPDATING', failures: 1, replaceTaskId: 'a', watchTaskId: 'b', healthySince: 1704067201000 },
    { instance: 1, fromSpecHash: null, toSpecHash: 'fedcba9876543210', status: 'PENDING', failures: 0, replaceTaskId: null, watchTaskId: null, healthySince: null },
  ],
  batchesStarted: 1,
  lastPulseAt: null,
  events: [{ status: 'ROLLING_FORWARD', at: 1704067200000, user: 'alice', message: 'go' }],
  instanceEvents: [{ instance: 0, action: 'INSTANCE_UPDATING', at: 1704067200000, message: null }],
};
const CRON_RUN = { scheduledFor: 1704067200000, at: 1704067200500, outcome: 'STARTED', user: null, taskIds: ['a'] };
const CRON = {
  key: KEY,
  schedule: '0 * * * *',
  timezone: 'UTC',
  timezoneFromJob: false,
  collisionPolicy: 'KILL_EXISTING',
  specHash: '0123456789abcdef',
  instances: 1,
  scheduledBy: 'alice',
  scheduledAt: 1704067200000,
  nextRuns: [1704070800000, 1704074400000],
  lastRuns: [CRON_RUN, { ...CRON_RUN, scheduledFor: null, outcome: 'MISSED', user: 'bob', taskIds: [] }],
  activeTasks: 1,
};
const SAMPLES: Record<WireName, unknown[]> = {
  ScheduledTask: [TASK, { ...TASK, throttle: null }, (({ throttle: _t, ...t }) => t)(TASK)],
  JobSummary: [SUMMARY, { ...SUMMARY, cronSchedule: '* * * * *', taskCounts: {} }],
  CreateJobResponse: [{ job: SUMMARY, taskIds: ['a', 'b'] }],
  ListJobsResponse: [{ jobs: [SUMMARY] }, { jobs: [] }],
  ListTasksResponse: [{ tasks: [TASK, { ...TASK, instance: 1, state: 'PENDING', host: null, agentId: null, observerUrl: null }], total: 2 }],
  KillJobResponse: [{ killed: ['a'], jobRemoved: true }],
  PruneTasksResponse: [{ pruned: 2, taskIds: ['a', 'b'] }],
  ApiErrorBody: [
    { error: { code: 'JOB_NOT_FOUND', message: 'no job' } },
    { error: { code: 'INVALID_JOB_SPEC', message: 'bad', details: [{ path: 'instances', message: 'too many' }] } },
  ],
  HealthResponse: [{ status: 'OK', cluster: 'devcluster', version: '0.1.0' }],
  GetQuotaResponse: [
    {
      role: 'www-data',
      quota: { cpu: 4.5, ramMb: 4096, diskMb: 8192, gpu: 1 },
      prodUse: { cpu: 0.25, ramMb: 128, diskMb: 0, gpu: 0 },
      nonProdUse: { cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 },
    },
  ],
  UpdateResponse: [
    { update: UPDATE },
    { update: { ...UPDATE, kind: 'restart', settings: { ...SETTINGS, strategy: { kind: 'queue', groupSize: 2 }, pulseIntervalSecs: 60 } } },
    { update: { ...UPDATE, settings: { ...SETTINGS, strategy: { kind: 'variable', batchSizes: [1, 2], autopauseAfterBatch: true } } } },
  ],
  ListUpdatesResponse: [
    { updates: [{ id: '0000000a', job: KEY, kind: 'update', user: 'alice', status: 'ROLLED_FORWARD', createdAt: 1704067200000, lastModifiedAt: 1704067201000 }] },
    { updates: [] },
  ],
  CronJobResponse: [{ cron: CRON }],
  ListCronJobsResponse: [{ cronJobs: [CRON] }, { cronJobs: [] }],
};

describe('wire schemas', () => {
  it('are the JSON Schemas of the scheduler/api zod schemas', () => {
    const now = generate().schemas;
    if (process.env['UPDATE_WIRE_SCHEMAS']) {
      const file = fileURLToPath(new URL('./wire-schemas.ts', import.meta.url));
      const names = Object.keys(now).map((n) => `'${n}'`).join(' | ');
      writeFileSync(
        file,
        `// Generated from the zod schemas of scheduler/api by client/api/wire-schemas.test.ts; do not edit.\n` +
          `// Regenerate: UPDATE_WIRE_SCHEMAS=1 npx vitest run client/api/wire-schemas.test.ts\n` +
          `import type { JsonSchema } from '../../scheduler/api/json-shape.js';\n\n` +
          `export type WireName = ${names};\n\n` +
          `export const WIRE_SCHEMAS: Readonly<Record<WireName, JsonSchema>> = ${JSON.stringify(now, null, 2)};\n`,
      );
    }
    expect(WIRE_SCHEMAS).toEqual(now);
  });

  it('state every refinement of the zod schemas', () => {
    expect(generate().unknown, 'add each to REFINEMENTS (scheduler/api/zod-shape.ts) with the JSON Schema that says the same').toEqual([]);
  });

  // The checker passes values through as they are, so it must accept exactly what zod accepts
  // and returns unchanged (zod strips unknown keys of non-strict objects; the checker refuses them).
  it('accept exactly what zod accepts and returns unchanged', () => {
    let compared = 0;
    for (const name of Object.keys(ZOD) as WireName[]) {
      const check = compileShape(WIRE_SCHEMAS[name]);
      for (const sample of SAMPLES[name]) {
        const parsed = ZOD[name].safeParse(sample);
        expect(parsed.success, `${name} sample`).toBe(true);
        expect(parsed.data, `zod returns a ${name} unchanged`).toEqual(sample);
        expect(check(sample), `${name} sample`).toBe(true);
        for (const m of mutations(sample)) {
          compared++;
          const parsed = ZOD[name].safeParse(m);
          const zodSays = parsed.success && isDeepStrictEqual(parsed.data, m);
          if (check(m) !== zodSays) expect.fail(`${name}: zod says ${zodSays} for ${JSON.stringify(m)}`);
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('refuses a schema with a keyword it cannot check', () => {
    expect(() => compileShape({ type: 'string', format: 'uri' } as never)).toThrow(/unsupported keyword\(s\) format/);
  });
});
