import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatLaunch, LineBuffer, parseHelperLine, type HelperEvent, type SpawnRequest } from '../core/spawn-protocol.js';
import { SPARE_SCRIPT, type LaunchRequest, type PreparedProcess } from './process-launcher.js';
import { readProcStat } from './proc.js';
import { logPath } from './sandbox.js';
import { SpawnHelper } from './spawn-helper.js';
import { SPAWN_HELPER_SCRIPT } from './spawn-helper-script.js';

// Real processes in temp dirs; nothing here asserts on durations.

const perl = existsSync('/usr/bin/perl') && process.platform === 'linux';

let sandbox: string;
const helpers: SpawnHelper[] = [];
const groups: number[] = [];
const logs: string[] = [];

beforeEach(async () => {
  sandbox = await mkdtemp(join(tmpdir(), 'aurora-spawn-'));
  logs.length = 0;
});

afterEach(async () => {
  for (const h of helpers.splice(0)) h.close();
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(sandbox, { recursive: true, force: true });
});

function newHelper(extra: Partial<ConstructorParameters<typeof SpawnHelper>[0]> = {}): SpawnHelper {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', KEPT: 'from the helper', DROPPED: 'x' };
  const h = new SpawnHelper({ env, log: (l) => logs.push(l), spares: 2, ...extra });
  helpers.push(h);
  return h;
}

function request(processName: string, cmdline: string, run = 0): LaunchRequest {
  return { sandbox, process: processName, run, cmdline, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KEPT: 'from the helper', OWN: 'set' } };
}

/** Running, and not a zombie (an orphan is reaped by init whenever it gets to it). */
const alive = (pid: number) => {
  const state = readProcStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
};

/** Starts a prepared process and resolves with how the launcher says it ended. */
function run(p: PreparedProcess): Promise<number | null | 'untracked'> {
  groups.push(p.pgid);
  return new Promise((resolve) => p.start({ exited: resolve, untracked: () => resolve('untracked') }));
}

const text = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

describe.skipIf(!perl)('the spawn helper', () => {
  it('runs a process in its own session with its files, environment and exit status, as a child of the helper', async () => {
    const helper = newHelper();
    const session = 'read -r _ _ _ _ pgrp sid _ < /proc/$$/stat; echo "$sid $pgrp"';
    const p = await helper.prepare(request('hello', `echo "$OWN $KEPT \${DROPPED:-unset}"; pwd; ${session}; exit 3`));
    expect(p.pgid).toBe(p.pid);
    expect(p.startTicks).toBe(readProcStat(p.pid)?.startTicks);
    // Prepared: it exists, and has run nothing.
    expect(readProcStat(p.pid)?.ppid).toBe(helper.pid);
    expect(existsSync(logPath(sandbox, 'hello', 0, 'stdout'))).toBe(false);
    expect(await run(p)).toBe(3);
    const [own, cwd, ids] = text(logPath(sandbox, 'hello', 0, 'stdout')).split('\n');
    expect(own).toBe('set from the helper unset');
    expect(cwd).toBe(sandbox);
    expect(ids?.trim().split(/\s+/).map(Number)).toEqual([p.pid, p.pid]);
    // The wrapper recorded the status in the sandbox too.
    expect(text(join(sandbox, '.logs', 'hello', '0', 'exit'))).toBe('3\n');
  });

  it("takes a launch's setup steps before its command runs, and says when one fails", async () => {
    const helper = newHelper();
    const dir = join(sandbox, 'cg', 'task');
    const setup = [{ mkdir: dir }, { write: join(dir, 'limit'), value: '42' }];
    const p = await helper.prepare({ ...request('setup', `cat ${dir}/limit > seen`), setup, onSetupFailed: (m) => logs.push(`FAILED ${m}`) });
    expect(await run(p)).toBe(0);
    expect(text(join(sandbox, 'seen'))).toBe('42');

    // A step that fails stops the steps after it; the command runs all the same.
    const failures: string[] = [];
    const blocked = join(sandbox, 'seen', 'sub');
    const bad = [{ mkdir: blocked }, { write: join(blocked, 'never'), value: 'x' }];
    const q = await helper.prepare({ ...request('bad-setup', 'echo ran'), setup: bad, onSetupFailed: (m) => failures.push(m) });
    expect(await run(q)).toBe(0);
    expect(failures).toEqual([`cannot create ${join(sandbox, 'seen')}/: Not a directory`]);
    expect(text(logPath(sandbox, 'bad-setup', 0, 'stdout'))).toBe('ran\n');
    expect(logs.filter((l) => l.startsWith('FAILED'))).toEqual([]);
  });

  it('a cancelled process never runs its command', async () => {
    const helper = newHelper();
    const p = await helper.prepare(request('never', 'touch ran'));
    p.cancel();
    await vi.waitFor(() => expect(alive(p.pid)).toBe(false), { timeout: 10_000 });
    expect(existsSync(join(sandbox, 'ran'))).toBe(false);
    // And the helper carries on.
    expect(await run(await helper.prepare(request('after', 'exit 0')))).toBe(0);
  });

  it('comes back after it is killed; running processes go on, and no launch runs twice or is lost', async () => {
    const helper = newHelper({ spares: 0 });
    const long = await helper.prepare(request('long', 'echo started; exec sleep 1000'));
    const ended = run(long);
    await vi.waitFor(() => expect(text(logPath(sandbox, 'long', 0, 'stdout'))).toBe('started\n'), { timeout: 10_000 });
    // Prepared but not started when the helper dies: they must not run.
    const early = await Promise.all([0, 1, 2].map((i) => helper.prepare(request(`early${i}`, `echo early${i} >> ran.txt`))));
    // Asked for but not answered when the helper dies: they are asked again, and run once.
    const pending = [0, 1, 2, 3, 4].map((i) => helper.prepare(request(`late${i}`, `echo late${i} >> ran.txt`)));
    const first = helper.pid as number;
    process.kill(first, 'SIGKILL');

    expect(await ended).toBe('untracked');
    expect(alive(long.pid)).toBe(true);
    for (const p of early) expect(await run(p)).toBe('untracked');
    const late = await Promise.all(pending);
    expect(await Promise.all(late.map(run))).toEqual([0, 0, 0, 0, 0]);
    expect(helper.pid).not.toBe(first);
    expect(helper.usingHelper).toBe(true);
    expect(text(join(sandbox, 'ran.txt')).split('\n').filter(Boolean).sort()).toEqual(['late0', 'late1', 'late2', 'late3', 'late4']);
    await vi.waitFor(() => expect(early.filter((p) => alive(p.pid))).toEqual([]), { timeout: 10_000 });
    expect(logs.some((l) => /spawn helper \(pid \d+\) ended \(killed by SIGKILL\); starting a new one/.test(l))).toBe(true);
  });

  it('processes outlive the helper when the agent closes it', async () => {
    const helper = newHelper();
    const p = await helper.prepare(request('survivor', 'exec sleep 1000'));
    const ended = run(p);
    const helperPid = helper.pid as number;
    helper.close();
    expect(await ended).toBe('untracked');
    await vi.waitFor(() => expect(alive(helperPid)).toBe(false), { timeout: 10_000 });
    expect(alive(p.pid)).toBe(true);
    expect(readProcStat(p.pid)?.pgrp).toBe(p.pid);
    await expect(helper.prepare(request('too-late', 'true'))).rejects.toThrow('not launching');
  });

  it('falls back to spawning from the agent when there is no perl, or the helper keeps dying', async () => {
    const missing = newHelper({ perl: '/nonexistent/perl' });
    const p = await missing.prepare(request('direct', 'echo direct'));
    expect(await run(p)).toBe(0);
    expect(missing.usingHelper).toBe(false);
    expect(text(logPath(sandbox, 'direct', 0, 'stdout'))).toBe('direct\n');
    expect(logs.some((l) => l.includes('cannot start /nonexistent/perl; processes are spawned by the agent itself from now on'))).toBe(true);

    const dying = newHelper({ maxDeaths: 2 });
    dying.start();
    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => expect(dying.pid).not.toBeNull(), { timeout: 10_000 });
      process.kill(dying.pid as number, 'SIGKILL');
      await vi.waitFor(() => expect(dying.pid).toBeNull(), { timeout: 10_000 });
      await dying.prepare(request(`after${i}`, 'true')).then(run);
    }
    expect(dying.usingHelper).toBe(false);
    expect(logs.some((l) => l.includes('the spawn helper died 2 times within a minute'))).toBe(true);
  });

  it('a launch whose log directory cannot be made fails with the reason, and nothing runs', async () => {
    const helper = newHelper();
    // A sandbox that is a file: its log directory cannot be made.
    const notADir = join(sandbox, 'file');
    await writeFile(notADir, '');
    await expect(helper.prepare({ ...request('lost', 'touch ran'), sandbox: notADir })).rejects.toThrow(`cannot create ${notADir}/`);
    expect(existsSync(join(sandbox, 'ran'))).toBe(false);
    // The helper carries on.
    expect(await run(await helper.prepare(request('after', 'exit 0')))).toBe(0);
  });

  it('a process that cannot enter its sandbox exits 127, and nothing runs', async () => {
    const helper = newHelper();
    const gone = join(sandbox, 'gone');
    const p = await helper.prepare({ ...request('lost', 'touch ran'), sandbox: gone });
    // The sandbox goes between the launch and its start.
    await rm(gone, { recursive: true, force: true });
    expect(await run(p)).toBe(127);
    expect(existsSync(join(gone, 'ran'))).toBe(false);
  });
});

describe.skipIf(!perl)('the spawn helper program', () => {
  const launch = (id: number, cmdline: string): SpawnRequest => ({
    id,
    dir: '',
    cwd: sandbox,
    stdout: '/dev/null',
    stderr: '/dev/null',
    user: null,
    cmdline,
    exitFile: join(sandbox, `exit-${id}`),
    env: {},
  });

  /** The helper by itself, spoken to line by line. */
  function raw() {
    const child = spawn('/usr/bin/perl', ['-e', SPAWN_HELPER_SCRIPT, '1', SPARE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const events: HelperEvent[] = [];
    const unparsed: string[] = [];
    const lines = new LineBuffer();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        const e = parseHelperLine(line);
        if (e) events.push(e);
        else unparsed.push(line);
      }
    });
    return { child, events, unparsed, send: (line: string) => child.stdin.write(line) };
  }

  it('answers nonsense with B and carries on', async () => {
    const h = raw();
    try {
      h.send('hello there\nL\nL x\nG 99\nC nope\n\n');
      h.send(`L 5 ${'x'.repeat(3)} garbage\n`);
      h.send(formatLaunch({ ...launch(6, 'echo fine'), stdout: join(sandbox, 'out') }));
      await vi.waitFor(() => expect(h.events.flatMap((e) => (e.kind === 'prepared' ? [e.id] : []))).toEqual([6]), { timeout: 10_000 });
      h.send('G 6\n');
      await vi.waitFor(() => expect(h.events.filter((e) => e.kind === 'exited')).toHaveLength(1), { timeout: 10_000 });
      const bad = h.events.filter((e): e is Extract<HelperEvent, { kind: 'bad' }> => e.kind === 'bad').map((e) => e.message);
      expect(bad).toEqual([
        'bad request: hello there',
        'bad request: L',
        'bad request: L x',
        'no prepared launch 99',
        'bad request: C nope',
        'bad request: ',
      ]);
      // The garbled launch made no process and said why; the good one ran.
      expect(h.events.filter((e) => e.kind === 'failed')).toEqual([{ kind: 'failed', id: 5, message: 'bad field' }]);
      expect(h.events.find((e) => e.kind === 'exited')).toMatchObject({ status: 0 });
      expect(text(join(sandbox, 'out'))).toBe('fine\n');
      expect(h.unparsed).toEqual([]);
      expect(h.child.exitCode).toBeNull();
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('a child never runs without G: it exits when the helper dies first', async () => {
    const h = raw();
    try {
      h.send(formatLaunch(launch(1, 'touch ran')));
      await vi.waitFor(() => expect(h.events.some((e) => e.kind === 'prepared')).toBe(true), { timeout: 10_000 });
      const prepared = h.events.find((e) => e.kind === 'prepared') as Extract<HelperEvent, { kind: 'prepared' }>;
      h.child.kill('SIGKILL');
      await vi.waitFor(() => expect(alive(prepared.pid)).toBe(false), { timeout: 10_000 });
      expect(existsSync(join(sandbox, 'ran'))).toBe(false);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('keeps the spares it can make when it runs out of descriptors, and still launches', async () => {
    // A helper allowed 24 descriptors, asked for 50 spares (each holds one or two).
    const child = spawn('/bin/sh', ['-c', 'ulimit -n 24; exec /usr/bin/perl -e "$1" 50 "$2"', 'sh', SPAWN_HELPER_SCRIPT, SPARE_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    try {
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const events: HelperEvent[] = [];
      const lines = new LineBuffer();
      child.stdout.setEncoding('utf8').on('data', (c: string) => lines.push(c).forEach((l) => events.push(parseHelperLine(l)!)));
      await vi.waitFor(() => expect(err).toMatch(/^cannot make a spare \(pipe: Too many open files\); keeping \d+\n$/), { timeout: 10_000 });
      child.stdin.write(formatLaunch(launch(1, 'echo ok > ok.txt')));
      await vi.waitFor(() => expect(events.some((e) => e.kind === 'prepared')).toBe(true), { timeout: 10_000 });
      child.stdin.write('G 1\n');
      await vi.waitFor(() => expect(events.find((e) => e.kind === 'exited')).toMatchObject({ status: 0 }), { timeout: 10_000 });
      expect(text(join(sandbox, 'ok.txt'))).toBe('ok\n');
      // It settled rather than try again in a loop: one try at first, at most one more after the launch took a spare.
      expect(err.split('\n').filter(Boolean).length).toBeLessThanOrEqual(2);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits when the agent closes its stdin, leaving running processes alone', async () => {
    const h = raw();
    h.send(formatLaunch(launch(1, 'exec sleep 1000')));
    await vi.waitFor(() => expect(h.events.some((e) => e.kind === 'prepared')).toBe(true), { timeout: 10_000 });
    const prepared = h.events.find((e) => e.kind === 'prepared') as Extract<HelperEvent, { kind: 'prepared' }>;
    groups.push(prepared.pid);
    h.send('G 1\n');
    h.child.stdin.end();
    await new Promise((resolve) => h.child.once('exit', resolve));
    expect(h.child.exitCode).toBe(0);
    expect(alive(prepared.pid)).toBe(true);
  });
});
