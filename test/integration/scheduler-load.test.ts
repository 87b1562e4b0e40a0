/**
 * A store large enough to be read by the start-up worker (scheduler/storage/task-docs-reader.ts),
 * loaded by the compiled scheduler: every task comes back, in creation order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startScheduler, type Daemon } from '../../devcluster/daemons.js';
import { specHash } from '../../dsl/jobspec.js';
import { PATHS } from '../../scheduler/api/routes.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { SqliteStorage } from '../../scheduler/storage/sqlite-storage.js';
import { jobSpec, scheduledTask } from '../../scheduler/testing/scheduler-harness.js';

const root = mkdtempSync(path.join(tmpdir(), 'aurora-load-'));
let scheduler: Daemon | undefined;
afterAll(async () => {
  await scheduler?.stop('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('a scheduler starting on 30,000 stored tasks', () => {
  it('loads every one of them, the newest of each instance current', async () => {
    const dataDir = path.join(root, 'scheduler');
    const storage = SqliteStorage.openInDataDir(dataDir);
    const spec = jobSpec({ name: 'big', instances: 10_000 });
    const hash = specHash(spec);
    const tasks = new Map<string, ScheduledTask>();
    // Three runs of each instance: two ended ones, then the current PENDING one.
    for (let run = 0; run < 3; run++) {
      for (let instance = 0; instance < 10_000; instance++) {
        const id = `www-data-prod-big-${instance}-${run.toString(16).padStart(8, '0')}`;
        const state = run < 2 ? 'FAILED' : 'PENDING';
        tasks.set(id, scheduledTask(spec, id, instance, state, { failureCount: run, events: [{ state, at: Date.now() + run, message: `run ${run}` }] }));
      }
    }
    await storage.commit({
      specs: new Map([[hash, spec]]),
      jobs: new Map([['www-data/prod/big', { spec, specHash: hash, createdAt: 1, removing: false }]]),
      tasks,
      agents: new Map(),
      quotas: new Map(),
      updates: new Map(),
      cronJobs: new Map(),
      maintenance: new Map(),
    });
    await storage.close();

    scheduler = await startScheduler({ dataDir, extraArgs: ['--max-instances-per-job', '10000'] });
    expect(scheduler.log()).toMatch(/loaded 1 job\(s\), 30000 task\(s\) and 0 agent\(s\)/);
    const all = (await (await fetch(`${scheduler.url}${PATHS.tasks}?history=true&limit=1`)).json()) as { total: number };
    expect(all.total).toBe(30_000);
    const job = (await (await fetch(`${scheduler.url}${PATHS.job('www-data', 'prod', 'big')}`)).json()) as {
      job: { tasks: ScheduledTask[]; summary: { taskCounts: Record<string, number> } };
    };
    expect(job.job.summary.taskCounts).toEqual({ PENDING: 10_000 });
    expect(job.job.tasks.every((t) => t.failureCount === 2)).toBe(true);
  });
});
