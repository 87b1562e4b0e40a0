/**
 * The observer in a real browser: the compiled scheduler and agent on loopback with temporary
 * data dirs, a job created with the real `aurora` CLI whose process writes a line every 200 ms,
 * and headless Chromium (Debian's, driven by playwright-core) clicking from the scheduler's job
 * page to the observer's task page, following a log as it grows and browsing the sandbox.
 *
 * Needs `npm run build` first (the daemons run from dist/). Set OBSERVER_SCREENSHOTS to a
 * directory to keep screenshots of the pages (to judge the design; they are not committed).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../devcluster/test-cluster.js';
import { haveChromium, launchPersistent, requireBuild } from './chromium.js';

const KEY = 'devcluster/www-data/prod/ticker';
const CONFIG = `import { MB, Process, Resources, Service, Task } from '@aurora/dsl';

const ticker = Process({
  name: 'ticker',
  cmdline: 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
});

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'ticker',
    task: Task({ processes: [ticker], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) }),
  }),
];
`;

let cluster: TestCluster;
let root: string;
let context: BrowserContext | undefined;
let page: Page;
let taskId: string;

const aurora = (...args: string[]) => cluster.aurora(...args);

/** A full-page screenshot, kept only when OBSERVER_SCREENSHOTS names a directory. */
async function screenshot(name: string): Promise<void> {
  const dir = process.env.OBSERVER_SCREENSHOTS ?? root;
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** The highest `tick N` in a text, 0 if none. */
function lastTick(text: string): number {
  const ticks = [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
  return ticks.length ? Math.max(...ticks) : 0;
}

describe.skipIf(!haveChromium)('the observer in Chromium', () => {
  beforeAll(async () => {
    requireBuild();
    // The client keeps its config cache where a user's is.
    cluster = await startTestCluster({ tmpPrefix: 'aurora-browser-', agents: [{ args: ['--kill-grace-ms', '1000'] }], cacheDir: null });
    root = cluster.root;
    const config = path.join(root, 'ticker.aurora.ts');
    writeFileSync(config, CONFIG);
    const created = await aurora('job', 'create', KEY, config, '--wait-until', 'RUNNING');
    if (created.code !== 0) throw new Error(`aurora job create failed:\n${created.stdout}\n${created.stderr}`);
    const status = await aurora('job', 'status', KEY, '--json');
    const tasks = (JSON.parse(status.stdout) as { tasks: { taskId: string; state: string }[] }).tasks;
    taskId = tasks.find((t) => t.state === 'RUNNING')!.taskId;

    context = await launchPersistent(path.join(root, 'chromium-profile'));
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (taskId && cluster) {
      await aurora('job', 'kill', KEY);
      // Leave nothing running: wait until the agent has killed the ticker.
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const res = await fetch(`${cluster.agent.url}/api/tasks/${taskId}`).catch(() => null);
        const state = res?.ok ? ((await res.json()) as { state: string }).state : null;
        if (state === 'KILLED' || state === 'FINISHED' || state === 'FAILED') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await cluster?.stop();
  });

  it("opens the observer's task page from the scheduler's job page", async () => {
    const res = await page.goto(`${cluster.scheduler.url}/scheduler/www-data/prod/ticker`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toContain(KEY);
    const link = page.locator(`a[href$="/task/${taskId}"]`);
    expect(await link.getAttribute('href')).toBe(`${cluster.agent.url}/task/${taskId}`);
    await link.click();
    await page.waitForURL(`${cluster.agent.url}/task/${taskId}`);
    expect(await page.locator('h1').textContent()).toContain('www-data/prod/ticker/0');
  });

  it('shows the process RUNNING on the task page', async () => {
    const row = page.locator('table.grid tbody tr', { hasText: 'ticker' }).first();
    // The page is rendered once; reload until the process has started (it has by the time the task is RUNNING).
    await expect
      .poll(async () => {
        const text = await row.textContent();
        if (!text?.includes('RUNNING')) await page.reload();
        return text;
      })
      .toContain('RUNNING');
    expect(await page.locator('.badge.RUNNING').count()).toBeGreaterThanOrEqual(2); // the task and the process
    expect(await page.locator('details.config summary').textContent()).toContain('JobSpec');
    await screenshot('task-page');
  });

  it('follows the log as the process writes, and pauses', async () => {
    await page.locator('table.grid tbody tr', { hasText: 'ticker' }).first().getByRole('link', { name: 'stdout' }).click();
    await page.waitForURL(`${cluster.agent.url}/task/${taskId}/tail/ticker/0/stdout`);
    const log = page.locator('#log');
    await expect.poll(async () => lastTick((await log.textContent()) ?? '')).toBeGreaterThan(0);
    // A mark on the window survives only if the page is never reloaded.
    await page.evaluate(() => ((globalThis as unknown as { mark: number }).mark = 42));
    const first = lastTick((await log.textContent()) ?? '');
    await expect.poll(async () => lastTick((await log.textContent()) ?? ''), { timeout: 15_000 }).toBeGreaterThan(first + 2);
    expect(await page.evaluate(() => (globalThis as unknown as { mark?: number }).mark)).toBe(42);

    const button = page.locator('#follow');
    expect(await button.textContent()).toBe('Pause');
    await button.click();
    expect(await button.textContent()).toBe('Follow');
    expect(await page.locator('#status').textContent()).toBe('Paused.');
    const paused = lastTick((await log.textContent()) ?? '');
    await button.click();
    expect(await button.textContent()).toBe('Pause');
    await expect.poll(async () => lastTick((await log.textContent()) ?? ''), { timeout: 15_000 }).toBeGreaterThan(paused);

    await screenshot('log-page');
    const download = page.locator('#download');
    const href = await download.getAttribute('href');
    expect(href).toBe(`/task/${taskId}/logs/ticker/0/stdout?download=1`);
    const res = await page.request.get(`${cluster.agent.url}${href}`);
    expect(res.headers()['content-disposition']).toBe(`attachment; filename="${taskId}-ticker-0-stdout.log"`);
    expect(await res.text()).toContain('tick 1\n');
  });

  it('browses the sandbox and opens a log file', async () => {
    await page.goto(`${cluster.agent.url}/task/${taskId}`);
    await page.getByRole('link', { name: 'Sandbox' }).click();
    await page.waitForURL(`${cluster.agent.url}/task/${taskId}/files`);
    expect(await page.locator('table.grid').textContent()).toContain('.checkpoint.jsonl');
    await screenshot('sandbox');
    for (const name of ['.logs/', 'ticker/', '0/', 'stdout']) {
      await page.getByRole('link', { name, exact: true }).click();
      await page.waitForLoadState();
    }
    expect(page.url()).toBe(`${cluster.agent.url}/task/${taskId}/files?path=.logs%2Fticker%2F0%2Fstdout`);
    expect(await page.locator('pre.log').textContent()).toContain('tick 1\n');
    expect(await page.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(
      `/task/${taskId}/download?path=.logs%2Fticker%2F0%2Fstdout`,
    );
  });

  it('refuses a path that leaves the sandbox', async () => {
    for (const p of ['..', '../..', '.logs/../../..', '/etc']) {
      const res = await page.goto(`${cluster.agent.url}/task/${taskId}/files?path=${encodeURIComponent(p)}`);
      expect(res?.status(), p).toBe(400);
      const message = (await page.locator('.error').textContent()) ?? '';
      expect(message).toMatch(/leaves the task sandbox|is an absolute path/);
      expect(await page.locator('body').textContent()).not.toContain('root:');
    }
    await screenshot('refused');
    // The way back is a link, not a dead end.
    await page.getByRole('link', { name: 'The task sandbox' }).click();
    await page.waitForURL(`${cluster.agent.url}/task/${taskId}/files`);
  });

  it('lists the task on the tasks page', async () => {
    await page.goto(`${cluster.agent.url}/`);
    const row = page.locator('table.grid tbody tr', { hasText: taskId });
    expect(await row.textContent()).toContain('RUNNING');
    await screenshot('tasks');
    await row.getByRole('link').first().click();
    await page.waitForURL(`${cluster.agent.url}/task/${taskId}`);
  });
});
