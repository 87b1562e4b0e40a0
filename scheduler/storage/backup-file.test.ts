import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { JobSpecSchema, specHash } from '../../dsl/jobspec.js';
import { CronJobSchema } from '../api/cron-api.js';
import { HostMaintenanceSchema } from '../api/maintenance-api.js';
import { ResourceAmountsSchema } from '../api/quota-api.js';
import { PATHS } from '../api/routes.js';
import { ScheduledTaskSchema } from '../api/task.js';
import { JobUpdateSchema } from '../api/updates-api.js';
import { fastCheck } from '../api/zod-shape.js';
import { filterRecoveryTasks, withoutTasks } from '../core/recovery-query.js';
import { mutations } from '../testing/json-mutations.js';
import { jobSpec, report, scheduledTask, startHarness } from '../testing/scheduler-harness.js';
import { BackupHeaderSchema, decodeBackup, encodeBackup, StoredAgentSchema, StoredJobLineSchema } from './backup-file.js';
import type { LoadedState } from './storage.js';

const spec = jobSpec({ instances: 2 });
const hash = specHash(spec);
const state: LoadedState = {
  specs: new Map([[hash, spec]]),
  jobs: [{ spec, specHash: hash, createdAt: 5, removing: false }],
  tasks: [scheduledTask(spec, 't-0', 0, 'RUNNING'), scheduledTask(spec, 't-1', 1, 'FINISHED'), scheduledTask(spec, 't-1b', 1, 'PENDING')],
  agents: [],
  quotas: new Map([['www-data', { cpu: 2, ramMb: 10, diskMb: 20, gpu: 0 }]]),
  updates: [],
  cronJobs: new Map(),
  maintenance: new Map([['host1', { mode: 'DRAINING' as const, since: 7, by: 'ops' }]]),
};
const meta = { cluster: 'devcluster', createdAt: 9, writtenBy: '1.0.0' };
const lines = () => [...encodeBackup(state, meta)];

describe('the backup format', () => {
  it('reads back exactly the state it was written from, tasks in their order', async () => {
    const { header, state: read } = await decodeBackup('b', lines(), { cluster: 'devcluster' });
    expect(header).toMatchObject({ format: 'aurora-ts-scheduler-backup', version: 1, cluster: 'devcluster', createdAt: 9, writtenBy: '1.0.0' });
    expect(read.tasks.map((t) => t.taskId)).toEqual(['t-0', 't-1', 't-1b']);
    expect(JSON.parse(JSON.stringify({ ...read, specs: [...read.specs], quotas: [...read.quotas], cronJobs: [], maintenance: [...read.maintenance] }))).toEqual(
      JSON.parse(JSON.stringify({ ...state, specs: [...state.specs], quotas: [...state.quotas], cronJobs: [], maintenance: [...state.maintenance] })),
    );
  });

  it('refuses what is not a whole backup, naming the line', async () => {
    const refuse = (l: string[]) => decodeBackup('b', l, { cluster: 'devcluster' });
    await expect(refuse([])).rejects.toThrow('backup b, line 0: the file is empty');
    await expect(refuse(['hello'])).rejects.toThrow('line 1: this is not a scheduler backup');
    await expect(refuse(lines().slice(0, -1))).rejects.toThrow('cut short');
    await expect(refuse([...lines(), '["task",{}]'])).rejects.toThrow('more after the end line');
    const noSpec = lines().filter((l) => !l.startsWith('["spec"'));
    await expect(refuse(noSpec)).rejects.toThrow(`names spec ${hash}, which the backup does not hold`);
    const lost = lines().filter((l) => !l.includes('"t-1b"'));
    await expect(refuse(lost)).rejects.toThrow('a different number of tasks than it says');
    const odd = lines().map((l, i) => (i === 1 ? '["gizmo",1]' : l));
    await expect(refuse(odd)).rejects.toThrow("line 2: unknown entry kind 'gizmo'");
  });
});

describe("the checks of a backup's lines", () => {
  it("say yes only to what zod accepts and returns unchanged, and to every task, job, quota, update and maintenance of a real cluster", async () => {
    const h = await startHarness({ newUpdateId: () => 'update-1' });
    try {
      const { agentId } = await h.register('host1');
      const service = jobSpec({ service: true, instances: 2 });
      expect((await h.createJob(service)).status).toBe(201);
      const launched = (await h.sync(agentId)).launch;
      await h.sync(agentId, launched.map((l) => report(l.taskId, 'RUNNING', 'started')));
      expect((await h.post(PATHS.quota('www-data'), { quota: { cpu: 8, ramMb: 8192, diskMb: 8192, gpu: 0 } })).status).toBe(200);
      const cron = jobSpec({ name: 'nightly', instances: 1, cronSchedule: '0 3 * * *' });
      expect((await h.post(PATHS.cronJob('www-data', 'prod', 'nightly'), { spec: cron })).status).toBe(200);
      expect((await h.post(PATHS.jobUpdates('www-data', 'prod', 'hello'), { spec: { ...service, priority: 5 } })).status).toBe(200);
      expect((await h.post(PATHS.maintenanceStart, { hosts: ['host9'] })).status).toBe(200);
      await h.settle();
      const entries = [...encodeBackup(h.app.scheduler.state.snapshot(), meta)].map((l) => JSON.parse(l) as unknown);
      // What each line's check is given, by its kind (as decodeBackup reads them).
      const checked: [string, z.ZodType, unknown][] = [['header', BackupHeaderSchema, entries[0]]];
      for (const [kind, a, b] of entries.slice(1) as [string, unknown, unknown][]) {
        const schema = { spec: JobSpecSchema, job: StoredJobLineSchema, task: ScheduledTaskSchema, agent: StoredAgentSchema, quota: ResourceAmountsSchema, update: JobUpdateSchema, cron: CronJobSchema, maintenance: HostMaintenanceSchema }[kind];
        if (schema) checked.push([kind, schema, ['spec', 'quota', 'cron', 'maintenance'].includes(kind) ? b : a]);
      }
      expect(new Set(checked.map(([kind]) => kind))).toEqual(new Set(['header', 'spec', 'job', 'task', 'agent', 'quota', 'update', 'cron', 'maintenance']));
      let compared = 0;
      for (const [kind, schema, value] of checked) {
        const check = fastCheck(schema);
        // Specs, cron jobs (which hold one) and agents have refinements JSON Schema cannot say: zod reads them.
        if (!['spec', 'cron', 'agent'].includes(kind)) expect(check(value), `the ${kind} line takes the fast path`).toBe(true);
        for (const m of mutations(value)) {
          if (!check(m)) continue;
          compared++;
          const parsed = schema.safeParse(m);
          if (!parsed.success || !isDeepStrictEqual(parsed.data, m)) expect.fail(`${kind}: the fast check accepts what zod does not accept unchanged: ${JSON.stringify(m)}`);
        }
      }
      expect(compared).toBeGreaterThan(100);
    } finally {
      await h.close();
    }
  });
});

describe('recovery queries', () => {
  it('pick tasks by id, job and state, and delete some', () => {
    expect(filterRecoveryTasks(state.tasks, { states: ['RUNNING', 'PENDING'] }).map((t) => t.taskId)).toEqual(['t-0', 't-1b']);
    expect(filterRecoveryTasks(state.tasks, { taskIds: ['t-1'], name: 'hello' }).map((t) => t.taskId)).toEqual(['t-1']);
    expect(filterRecoveryTasks(state.tasks, { role: 'nobody' })).toEqual([]);
    const { state: after, deleted, missing } = withoutTasks(state, ['t-0', 'x']);
    expect(deleted).toEqual(['t-0']);
    expect(missing).toEqual(['x']);
    expect(after.tasks.map((t) => t.taskId)).toEqual(['t-1', 't-1b']);
    expect(state.tasks).toHaveLength(3);
  });
});
