import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggerSpec } from '../../dsl/jobspec.js';
import { assignment, processSpec, taskSpec } from '../testing/fixtures.js';
import { CUT_MARK, LogPump, MAX_LINE_BYTES, rotate } from './log-pump.js';
import { logPath, sandboxDir } from './sandbox.js';
import { TaskManager, type TaskManagerOptions } from './task-manager.js';
import { TaskRunner } from './task-runner.js';

// Real processes writing a lot; the agent's side (this process) must stay small and the files capped.

let dataDir: string;
let manager: TaskManager | null = null;

function newManager(extra: Partial<TaskManagerOptions> = {}): TaskManager {
  manager = new TaskManager({ dataDir, host: 'test-host', killGraceMs: 300, tickMs: 50, gc: null, ...extra });
  return manager;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'aurora-logs-'));
});

afterEach(async () => {
  await manager?.killAll('test over');
  manager?.close();
  manager = null;
  await rm(dataDir, { recursive: true, force: true });
});

const MB = 1024 * 1024;

describe('console logger', () => {
  it.each(['console', 'both'] as const)('%s: forwards a lot of output, and a 50 MB line without newline, with bounded memory: the line is cut and marked', async (destination) => {
    const out = join(dataDir, 'agent-console.log');
    const fd = openSync(out, 'w');
    const rss = () => process.memoryUsage().rss;
    const base = rss();
    let peak = base;
    let calls = 0;
    newManager({
      console: (taskId, proc, stream, line) => {
        // Sampled inside the pump, where its buffers are alive.
        if (++calls % 256 === 0) peak = Math.max(peak, rss());
        writeSync(fd, `${stream} ${line}\n`);
      },
    });
    const logger: LoggerSpec = { destination, mode: 'standard', logSizeBytes: 100 * MB, logBackups: 5 };
    // 40 MB in lines of 1000 bytes, then 50 MB with no newline at all.
    const writer = `yes "$(printf '%0999d' 7)" | head -n 40000; head -c ${50 * MB} /dev/zero | tr '\\0' x`;
    const taskId = 't-console-big';
    manager!.launch(assignment(taskSpec([processSpec('loud', writer, { logger })]), { taskId }));
    const timer = setInterval(() => (peak = Math.max(peak, rss())), 5);
    const end = await manager!.waitFor(taskId);
    clearInterval(timer);
    peak = Math.max(peak, rss());
    closeSync(fd);
    expect(end.state).toBe('FINISHED');
    // 90 MB went through; the agent held a few MB of it at a time (loosely: garbage and the test's own noise).
    // (It grew by ~270 MB when the pump read whole ranges and held the unended line whole.)
    expect(peak - base).toBeLessThan(100 * MB);

    const text = await readFile(out, 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    const regular = `stdout ${'0'.repeat(998)}7`;
    expect(lines.length).toBe(40_001);
    expect(lines.slice(0, 40_000).every((l) => l === regular)).toBe(true);
    expect(lines[40_000]).toBe(`stdout ${'x'.repeat(MAX_LINE_BYTES)}${CUT_MARK}`);
    // With console everything was forwarded, so the sandbox's file is empty; with both it has it all.
    const kept = (await stat(logPath(sandboxDir(dataDir, taskId), 'loud', 0, 'stdout'))).size;
    expect(kept).toBe(destination === 'console' ? 0 : 40_000 * 1000 + 50 * MB);
  });
});

describe('rotate logger', () => {
  it('keeps every rotated file within the cap, and the live file within the cap and one look of writes', async () => {
    const cap = 1 * MB;
    const logger: LoggerSpec = { destination: 'file', mode: 'rotate', logSizeBytes: cap, logBackups: 5 };
    newManager();
    // burst: 20 MB at once, far more than the cap between two looks.
    // paced: 64 KiB every 10 ms, ~6.4 MB/s: a look (50 ms) sees about 320 KiB more.
    const burst = `head -c ${20 * MB} /dev/zero | tr '\\0' b; sleep 0.5`;
    const paced = `for i in $(seq 1 160); do head -c 65536 /dev/zero | tr '\\0' p; sleep 0.01; done`;
    const taskId = 't-rotate-fast';
    manager!.launch(
      assignment(taskSpec([processSpec('burst', burst, { logger }), processSpec('paced', paced, { logger })]), { taskId }),
    );
    const sandbox = sandboxDir(dataDir, taskId);
    const size = (p: string) => stat(p).then((s) => s.size, () => 0);
    let livePaced = 0;
    let biggestBackup = 0;
    let done = false;
    void manager!.waitFor(taskId).then(() => (done = true));
    while (!done) {
      livePaced = Math.max(livePaced, await size(logPath(sandbox, 'paced', 0, 'stdout')));
      for (const proc of ['burst', 'paced']) {
        for (let i = 1; i <= 5; i++) biggestBackup = Math.max(biggestBackup, await size(`${logPath(sandbox, proc, 0, 'stdout')}.${i}`));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await manager!.waitFor(taskId)).state).toBe('FINISHED');
    for (const proc of ['burst', 'paced']) {
      const dir = join(sandbox, '.logs', proc, '0');
      expect((await readdir(dir)).sort()).toEqual(['exit', 'stderr', 'stdout', 'stdout.1', 'stdout.2', 'stdout.3', 'stdout.4', 'stdout.5']);
      for (let i = 1; i <= 5; i++) {
        const s = await size(join(dir, `stdout.${i}`));
        expect(s, `${proc} stdout.${i}`).toBeLessThanOrEqual(cap);
        expect(s, `${proc} stdout.${i}`).toBeGreaterThan(0);
      }
      expect(await size(join(dir, 'stdout'))).toBeLessThanOrEqual(cap);
    }
    expect(biggestBackup).toBeLessThanOrEqual(cap);
    // One look's writes are ~320 KiB; allowed loosely (a busy test machine delays looks), far under the 10 MB written.
    expect(livePaced).toBeLessThanOrEqual(cap + 2 * MB);
  });
});

describe('rotate()', () => {
  it('cuts a file past several caps into backups of at most the cap, the newest bytes in .1, older backups shifted', async () => {
    const path = join(dataDir, 'stdout');
    writeFileSync(`${path}.1`, 'old1');
    writeFileSync(`${path}.2`, 'old2');
    writeFileSync(path, 'aaaabbbbcc'); // 2.5 caps of 4 bytes
    rotate(path, 5, 4);
    const read = (suffix: string) => readFileSync(`${path}${suffix}`, 'utf8');
    expect([read(''), read('.1'), read('.2'), read('.3'), read('.4'), read('.5')]).toEqual(['', 'bbcc', 'aabb', 'aa', 'old1', 'old2']);
    // More pieces than backups: only the newest bytes stay.
    writeFileSync(path, '0123456789');
    rotate(path, 2, 3);
    expect([read(''), read('.1'), read('.2')]).toEqual(['', '789', '456']);
  });

  it('keeps what the writer appended while the backups were copied: rotated in turn, or left in the emptied file', async () => {
    const path = join(dataDir, 'stdout');
    const read = (suffix: string) => readFileSync(`${path}${suffix}`, 'utf8');
    writeFileSync(path, 'aaaabbbb');
    rotate(path, 3, 4, () => appendFileSync(path, 'cc'));
    expect([read(''), read('.1'), read('.2')]).toEqual(['cc', 'bbbb', 'aaaa']);
    // More than a cap came meanwhile: it is cut into backups too, the newest in .1.
    writeFileSync(path, 'dddd');
    rotate(path, 3, 4, () => appendFileSync(path, '0123456789'));
    expect([read(''), read('.1'), read('.2'), read('.3')]).toEqual(['', '6789', '2345', '01']);
    // Without backups the file is only emptied, and keeps the newest cap of what came meanwhile.
    writeFileSync(path, 'eeee');
    rotate(path, 0, 4, () => appendFileSync(path, 'ff012345'));
    expect(read('')).toBe('2345');
  });
});

describe('LogPump', () => {
  it('cuts an over-long line at a character boundary and marks it', () => {
    const sandbox = join(dataDir, 'sb');
    mkdirSync(join(sandbox, '.logs', 'p', '0'), { recursive: true });
    const got: string[] = [];
    const pump = new LogPump(sandbox, (_p, _s, line) => got.push(line));
    // 'é' is two bytes; the limit falls inside one, so the cut comes before it.
    const long = `a${'é'.repeat(MAX_LINE_BYTES)}`;
    writeFileSync(logPath(sandbox, 'p', 0, 'stdout'), `short\n${long}\nnext\nunended`);
    const logger: LoggerSpec = { destination: 'both', mode: 'standard', logSizeBytes: MB, logBackups: 1 };
    pump.pump([{ process: 'p', run: 0, logger, fromStart: true }]);
    expect(got).toEqual(['short', `a${'é'.repeat(MAX_LINE_BYTES / 2 - 1)}${CUT_MARK}`, 'next']);
    pump.pump([{ process: 'p', run: 0, logger, fromStart: true }], true);
    expect(got.at(-1)).toBe('unended');
  });

  it('finishes a superseded run: its last line goes out once, and nothing of it is kept', () => {
    const sandbox = join(dataDir, 'sb');
    mkdirSync(join(sandbox, '.logs', 'p', '0'), { recursive: true });
    const got: string[] = [];
    const pump = new LogPump(sandbox, (_p, _s, line) => got.push(line));
    const logger: LoggerSpec = { destination: 'both', mode: 'standard', logSizeBytes: MB, logBackups: 1 };
    const run = { process: 'p', run: 0, logger, fromStart: true };
    writeFileSync(logPath(sandbox, 'p', 0, 'stdout'), 'a\nunended');
    pump.pump([run]);
    expect(got).toEqual(['a']);
    expect(pump.holds('p', 0)).toBe(true);
    pump.finish([run]);
    expect(got).toEqual(['a', 'unended']);
    expect(pump.holds('p', 0)).toBe(false);
    // The task's final look passes over it: nothing is forwarded twice.
    pump.pump([run], true);
    expect(got).toEqual(['a', 'unended']);
    pump.forget('p', 0);
    expect(pump.entries).toBe(0);
  });

  it('holds nothing for tasks that ended, having forwarded every line of every run once', async () => {
    const lines: string[] = [];
    const both: LoggerSpec = { destination: 'both', mode: 'standard', logSizeBytes: MB, logBackups: 0 };
    // The first run ends inside a line and fails; the second, its retry, succeeds.
    const flaky = processSpec('flaky', 'if [ -e ran ]; then echo second; printf tail; else touch ran; echo first; printf cut; exit 1; fi', {
      logger: both,
      maxFailures: 2,
    });
    const ids = [0, 1, 2, 3, 4].map((i) => `t-pump-${i}`);
    const runners = ids.map((taskId) => {
      const options = { sandbox: sandboxDir(dataDir, taskId), killGraceMs: 300, tickMs: 50, console: (process: string, _stream: string, line: string) => lines.push(`${taskId} ${process} ${line}`) };
      const runner = TaskRunner.launch(assignment(taskSpec([flaky]), { taskId }), 'test-host', options);
      runner.start();
      return runner;
    });
    const ends = await Promise.all(runners.map((r) => r.done));
    expect(ends.map((e) => [e.state, e.processes.flaky?.length])).toEqual(ids.map(() => ['FINISHED', 2]));
    expect(runners.map((r) => r.logPumpEntries)).toEqual(ids.map(() => 0));
    for (const id of ids) {
      expect(lines.filter((l) => l.startsWith(`${id} `)).sort()).toEqual([`${id} flaky cut`, `${id} flaky first`, `${id} flaky second`, `${id} flaky tail`]);
    }
  });
});
