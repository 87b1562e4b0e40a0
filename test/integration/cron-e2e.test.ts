/**
 * Cron end to end, on the real clock (the one test that waits for a real minute): the compiled
 * scheduler and agent on loopback, a `* * * * *` job scheduled with `aurora cron schedule`; at
 * the next minute its task runs and finishes, `aurora cron show` lists the run, and
 * `aurora cron deschedule` removes it.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';

const KEY = 'devcluster/www-data/prod/minutely';
const CONFIG = `
import { Job, MB, Process, Resources, Task } from '@aurora/dsl';

export const jobs = [
  Job({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'minutely',
    cronSchedule: '* * * * *',
    task: Task({
      processes: [Process({ name: 'tick', cmdline: 'echo tick' })],
      resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
    }),
  }),
];
`;

interface Task {
  taskId: string;
  state: string;
  events: { state: string; at: number; message?: string }[];
}

let cluster: TestCluster;

const aurora = (...args: string[]) => cluster.aurora(...args);

async function tasks(): Promise<Task[]> {
  const res = await fetch(`${cluster.scheduler.url}/api/v1/tasks?role=www-data&name=minutely&history=true`);
  return ((await res.json()) as { tasks: Task[] }).tasks;
}

beforeAll(async () => {
  cluster = await startTestCluster({ tmpPrefix: 'aurora-cron-' });
  writeFileSync(path.join(cluster.root, 'minutely.aurora.ts'), CONFIG);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a * * * * * cron job on the real clock', () => {
  it('runs at the next minute, shows the run, and is gone once descheduled', async () => {
    const scheduled = await aurora('cron', 'schedule', KEY, path.join(cluster.root, 'minutely.aurora.ts'));
    expect(scheduled.code, scheduled.stderr).toBe(0);
    const created = await aurora('job', 'create', KEY, path.join(cluster.root, 'minutely.aurora.ts'));
    expect(created.code).toBe(4);
    expect(created.stderr).toContain('Cron jobs may only be scheduled with "aurora cron schedule" command');

    // The next minute boundary, plus the scheduler's 1 s tick and the launch.
    const deadline = Date.now() + 75_000;
    let finished: Task | undefined;
    while (!finished && Date.now() < deadline) {
      finished = (await tasks()).find((t) => t.state === 'FINISHED');
      if (!finished) await new Promise((r) => setTimeout(r, 500));
    }
    expect(finished, 'no run finished within 75 s').toBeDefined();
    const started = finished!.events[0]!;
    expect(started.message).toMatch(/^Started by cron for \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    // Ran within seconds of its minute.
    const tickAt = Date.parse(started.message!.replace('Started by cron for ', ''));
    expect(started.at - tickAt).toBeLessThan(5_000);

    const shown = await aurora('cron', 'show', KEY);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('* * * * *');
    expect(shown.stdout).toContain('STARTED');

    const gone = await aurora('cron', 'deschedule', KEY);
    expect(gone.code, gone.stderr).toBe(0);
    // Gone: shown no more (that no tick runs after it is tested on an injected clock).
    expect((await aurora('cron', 'show', KEY)).code).toBe(6);
  }, 120_000);
});
