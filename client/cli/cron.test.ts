import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_HEADER } from '../../scheduler/api/agent-protocol.js';
import { runCli } from '../testing/run-cli.js';
import { HELLO_CONFIG, tempDir } from '../testing/temp-dir.js';
import { testClock } from '../testing/test-clock.js';
import { startTestScheduler, type PlayedAgentOptions, type TestScheduler } from '../testing/test-scheduler.js';
import { createCli } from './index.js';

// `aurora cron` against the real scheduler (client/testing/test-scheduler.ts), whose clock stands
// at 2024-01-01T00:00:00Z, so the next runs of an hourly job are known.

const KEY = 'devcluster/www-data/prod/hello';
const BATCH = HELLO_CONFIG.replace(/Service/g, 'Job');
const cron = (fields: string) => BATCH.replace("name: 'hello',\n    task", `name: 'hello',\n    ${fields},\n    task`);

describe('aurora cron', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler | undefined;

  beforeEach(() => {
    tmp = tempDir();
    tmp.write('hourly.aurora.ts', cron("cronSchedule: '0 * * * *'"));
    tmp.write('plain.aurora.ts', BATCH);
  });
  afterEach(async () => {
    await sched?.close();
    sched = undefined;
    tmp.remove();
  });

  async function scheduler(agent: PlayedAgentOptions | false = false): Promise<TestScheduler> {
    sched = await startTestScheduler();
    if (agent !== false) await sched.agent(agent);
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    return sched;
  }
  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir, clock: testClock() });

  it('schedules a cron job, says when it runs next, and shows it', async () => {
    const s = await scheduler();
    const r = await aurora('cron', 'schedule', KEY, 'hourly.aurora.ts');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `Cron job scheduled, status can be viewed at ${s.url}/scheduler/www-data/prod/hello\n` +
        "Schedule '0 * * * *' in UTC (the cluster's time zone); next run 2024-01-01T01:00:00.000Z\n",
    );
    const post = s.requests.find((q) => q.method === 'POST');
    expect(post?.url).toBe('/api/v1/cron/www-data/prod/hello');
    expect(post?.body).toMatchObject({ spec: { key: { name: 'hello' }, cronSchedule: '0 * * * *' } });
    const show = await aurora('cron', 'show', KEY);
    expect(show).toMatchObject({ code: 0, stderr: '' });
    const lines = show.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([`${KEY}\t 0 * * * *`, "  time zone: UTC (the cluster's time zone)", '  collision policy: KILL_EXISTING']);
    expect(lines).toContain('Next runs:');
    expect(lines[lines.indexOf('Next runs:') + 1]).toBe('  2024-01-01T01:00:00.000Z');
    expect(lines.at(-2)).toBe('Last runs: none yet');
    const json = JSON.parse((await aurora('cron', 'show', KEY, '--write-json')).stdout) as { schedule: string; nextRuns: number[] };
    expect(json.schedule).toBe('0 * * * *');
    expect(json.nextRuns[0]).toBe(Date.UTC(2024, 0, 1, 1));
  });

  it("shows next runs in the job's own time zone too", async () => {
    await scheduler();
    tmp.write('ny.aurora.ts', cron("cronSchedule: '0 9 * * *',\n    cronTimezone: 'America/New_York'"));
    expect((await aurora('cron', 'schedule', KEY, 'ny.aurora.ts')).code).toBe(0);
    const lines = (await aurora('cron', 'show', KEY)).stdout.split('\n');
    expect(lines[1]).toBe("  time zone: America/New_York (the job's cronTimezone)");
    expect(lines[lines.indexOf('Next runs:') + 1]).toBe('  2024-01-01T14:00:00.000Z (2024-01-01 09:00 America/New_York)');
  });

  it("refuses a config without a cron schedule with Aurora's words (exit 4), sending nothing", async () => {
    const s = await scheduler();
    const r = await aurora('cron', 'schedule', KEY, 'plain.aurora.ts');
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`Error: Non-cron jobs may only be created with "aurora job create" command (${KEY} in plain.aurora.ts has no cronSchedule)\n`);
    expect(s.requests).toEqual([]);
  });

  it('starts a run now, and shows it among the last runs', async () => {
    const s = await scheduler({});
    expect((await aurora('cron', 'schedule', KEY, 'hourly.aurora.ts')).code).toBe(0);
    const r = await aurora('cron', 'start', KEY);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      `Cron job ${KEY} started, status can be viewed at ${s.url}/scheduler/www-data/prod/hello\n` +
        '2024-01-01T00:00:00.000Z  STARTED  aurora cron start by anonymous; started 1 task\n',
    );
    expect(s.requests.find((q) => q.url.endsWith('/start'))?.headers[CLIENT_HEADER]).toBeTruthy();
    const lines = (await aurora('cron', 'show', KEY)).stdout.split('\n');
    expect(lines.slice(-3)).toEqual(['Last runs (newest first):', '  2024-01-01T00:00:00.000Z  STARTED  aurora cron start by anonymous; started 1 task', '']);
    expect(lines.find((l) => l.startsWith('  instances:'))).toMatch(/^ {2}instances: 1, config \w+, active tasks: 1$/);
  });

  it('says a run did not start when the previous one is active and the policy is CANCEL_NEW (exit 4)', async () => {
    const s = await scheduler({});
    tmp.write('cancel.aurora.ts', cron("cronSchedule: '0 * * * *',\n    cronCollisionPolicy: 'CANCEL_NEW'"));
    expect((await aurora('cron', 'schedule', KEY, 'cancel.aurora.ts')).code).toBe(0);
    expect((await aurora('cron', 'start', KEY)).code).toBe(0);
    await s.waitForJob('www-data/prod/hello', (j) => j?.tasks.some((t) => t.state === 'RUNNING') ?? false);
    const r = await aurora('cron', 'start', KEY);
    expect(r).toMatchObject({ code: 4, stderr: `Error: ${KEY} did not start: its previous run is still active and its collision policy is CANCEL_NEW\n` });
  });

  it('deschedules, leaving running tasks alone; then there is no cron entry (exit 6)', async () => {
    await scheduler({});
    expect((await aurora('cron', 'schedule', KEY, 'hourly.aurora.ts')).code).toBe(0);
    expect((await aurora('cron', 'start', KEY)).code).toBe(0);
    const r = await aurora('cron', 'deschedule', KEY);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`Cron descheduling succeeded.\n1 task of ${KEY} is still active; aurora job kill ${KEY} stops it\n`);
    expect(await aurora('cron', 'show', KEY)).toMatchObject({ code: 6, stderr: `Error: No cron entry found for job ${KEY}\n` });
    expect(await aurora('cron', 'start', KEY)).toMatchObject({ code: 6, stderr: `Error: No cron entry found for job ${KEY}\n` });
    const again = await aurora('cron', 'deschedule', KEY);
    expect(again.code).toBe(10);
    expect(again.stderr).toMatch(/\(CRON_JOB_NOT_FOUND\)\n$/);
  });

  it('lists its commands in help', async () => {
    const r = await aurora('cron', '--help');
    expect(r.code).toBe(0);
    for (const verb of ['schedule <jobkey> <config>', 'deschedule <jobkey>', 'start <jobkey>', 'show <jobkey>']) expect(r.stdout).toContain(`aurora cron ${verb}`);
    // The nouns, most used first, each on one line.
    const top = (await aurora('--help')).stdout.split('\n').filter((l) => /^ {2}aurora \w+ /.test(l));
    expect(top.map((l) => l.trim().split(/\s+/)[1])).toEqual(['job', 'update', 'cron', 'quota', 'sla', 'config', 'task']);
    expect(top.every((l) => l.length <= 100)).toBe(true);
  });
});
