import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentCommand, AgentCommandResult } from '../../scheduler/api/task-commands-api.js';
import type { CommandTarget } from '../runner/task-manager.js';
import { canSwitchUser, lookupUser } from '../runner/users.js';
import { TaskCommands } from './task-commands.js';

// Real bash and real files in a temp dir; the only waits are a 100 ms timeout and the output grace.

const TASK = 'www-data-prod-hello-0-abc';

describe('TaskCommands: the agent runs relayed commands in a task sandbox', () => {
  let root: string;
  let sandbox: string;
  let outside: string;
  let target: CommandTarget;
  let commands: TaskCommands;
  let reported: [string, AgentCommandResult][];
  let uploads: Map<string, Buffer>;
  let ids = 0;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'aurora-task-commands-')));
    sandbox = join(root, 'sandboxes', TASK);
    outside = join(root, 'outside');
    mkdirSync(sandbox, { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'do not tell\n');
    target = {
      sandbox,
      binding: { taskId: TASK, instance: 2, hostname: 'host1', ports: { http: 31001 }, sandbox },
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', THERMOS_PORT_HTTP: '31001', HOME: sandbox },
      runAs: null,
    };
    reported = [];
    uploads = new Map();
    commands = new TaskCommands({
      target: (taskId) => (taskId === TASK ? target : undefined),
      upload: async (id) => uploads.get(id) ?? Buffer.alloc(0),
      report: async (id, result) => void reported.push([id, result]),
      log: () => undefined,
    });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (command: string, o: { timeoutMs?: number; maxOutputBytes?: number } = {}) =>
    commands.execute({ kind: 'run', commandId: `c${++ids}`, taskId: TASK, command, timeoutMs: o.timeoutMs ?? 10_000, maxOutputBytes: o.maxOutputBytes ?? 1 << 20 });
  const read = (path: string, maxBytes = 1 << 20) => commands.execute({ kind: 'read', commandId: `c${++ids}`, taskId: TASK, path, maxBytes });
  const write = (path: string, name: string, data: string, mode = 0o644) => {
    const commandId = `c${++ids}`;
    uploads.set(commandId, Buffer.from(data));
    return commands.execute({ kind: 'write', commandId, taskId: TASK, path, name, mode, size: Buffer.byteLength(data) });
  };

  describe('run', () => {
    it("runs in the sandbox with the task's environment and bindings, stdout and stderr together", async () => {
      expect(await run('echo $PWD; echo port $THERMOS_PORT_HTTP {{thermos.ports[http]}} %port:http%; echo oops >&2; echo %shard_id% {{mesos.instance}} %task_id%')).toEqual({
        kind: 'run',
        exitCode: 0,
        output: `${sandbox}\nport 31001 31001 31001\noops\n2 2 ${TASK}\n`,
        truncated: false,
        timedOut: false,
      });
    });

    it('gives the exit status, 128+N after signal N', async () => {
      expect(await run('echo x; exit 7')).toMatchObject({ exitCode: 7, output: 'x\n' });
      expect(await run('kill -TERM $$')).toMatchObject({ exitCode: 143 });
    });

    it('refuses a binding the task has no value for, naming its ports', async () => {
      expect(await run('curl localhost:{{thermos.ports[admin]}}')).toEqual({
        kind: 'error',
        code: 'UNBOUND_TEMPLATE',
        message: 'the command uses {{thermos.ports[admin]}}, which this task has no value for (its ports are http)',
      });
    });

    it('keeps output up to the bound, cut at a character, and says it was cut', async () => {
      const big = await run("head -c 3000000 /dev/zero | tr '\\0' a", { maxOutputBytes: 1000 });
      expect(big).toMatchObject({ exitCode: 0, truncated: true });
      expect((big as { output: string }).output).toBe('a'.repeat(1000));
      const accents = await run("printf 'ééé'", { maxOutputBytes: 5 });
      expect(accents).toMatchObject({ output: 'éé', truncated: true });
    });

    it('kills the command and what it started after its time, keeping what it printed', async () => {
      const slow = await run('echo started; sleep 30 & sleep 30', { timeoutMs: 100 });
      expect(slow).toEqual({ kind: 'run', exitCode: null, output: 'started\n', truncated: false, timedOut: true });
    });

    it('kills running commands when the agent stops, and takes no more', async () => {
      const running = run('echo started; touch started; sleep 30');
      await vi.waitFor(() => expect(existsSync(join(sandbox, 'started'))).toBe(true));
      commands.close();
      expect(await running).toEqual({ kind: 'run', exitCode: null, output: 'started\n', truncated: false, timedOut: true });
      commands.handle([{ kind: 'run', commandId: 'late', taskId: TASK, command: 'true', timeoutMs: 1000, maxOutputBytes: 10 }]);
      await commands.idle();
      expect(reported).toEqual([]);
    });

    it('does not wait for what the command left in the background', async () => {
      const started = Date.now();
      expect(await run('(sleep 30 &) ; echo done')).toMatchObject({ exitCode: 0, output: 'done\n', timedOut: false });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it.runIf(canSwitchUser() && lookupUser('nobody') !== null)("runs as the task's user", async () => {
      target = { ...target, runAs: lookupUser('nobody') };
      expect(await run('id -un')).toMatchObject({ exitCode: 0, output: 'nobody\n' });
    });

    it('answers TASK_NOT_FOUND for a task this agent does not run', async () => {
      expect(await commands.execute({ kind: 'run', commandId: 'x', taskId: 'other', command: 'true', timeoutMs: 1000, maxOutputBytes: 10 })).toEqual({
        kind: 'error',
        code: 'TASK_NOT_FOUND',
        message: 'task other does not run on this agent now',
      });
    });
  });

  describe('read (scp from a task)', () => {
    beforeEach(() => {
      mkdirSync(join(sandbox, 'logs'));
      writeFileSync(join(sandbox, 'logs', 'app.log'), 'line\n', { mode: 0o640 });
    });

    it('reads a file by its path in the sandbox, or by its absolute path inside it', async () => {
      const expected = { kind: 'read', path: 'logs/app.log', size: 5, mode: 0o640, data: Buffer.from('line\n').toString('base64') };
      expect(await read('logs/app.log')).toEqual(expected);
      expect(await read(`${sandbox}/logs/./app.log`)).toEqual(expected);
    });

    it.each([
      ['../../outside/secret', 'INVALID_PATH', "'../../outside/secret' leaves the task sandbox: '..' is not allowed"],
      ['logs/../../x', 'INVALID_PATH', "'logs/../../x' leaves the task sandbox: '..' is not allowed"],
      ['/etc/passwd', 'INVALID_PATH', "'/etc/passwd' is outside the task sandbox: give a path relative to the sandbox"],
      ['out', 'INVALID_PATH', "'out' resolves outside the task sandbox (through a symlink): refused"],
      ['gone', 'INVALID_PATH', "'gone' resolves outside the task sandbox (through a symlink): refused"],
      ['logs', 'NOT_A_FILE', "'logs' is a directory; aurora task scp copies one file at a time"],
      ['nope.txt', 'PATH_NOT_FOUND', "No file or directory 'nope.txt' in the task sandbox"],
    ])('refuses %s', async (path, code, message) => {
      symlinkSync(join(outside, 'secret'), join(sandbox, 'out'));
      symlinkSync(join(outside, 'missing'), join(sandbox, 'gone'));
      expect(await read(path)).toEqual({ kind: 'error', code, message });
    });

    it('refuses a file over the bound', async () => {
      writeFileSync(join(sandbox, 'big'), Buffer.alloc(11));
      expect(await read('big', 10)).toEqual({ kind: 'error', code: 'FILE_TOO_LARGE', message: "'big' is 11 bytes; aurora task scp copies files of at most 10 bytes" });
    });
  });

  describe('write (scp into a task)', () => {
    it('puts a file into the sandbox under its own name, or into a directory, or at a path', async () => {
      mkdirSync(join(sandbox, 'conf'));
      expect(await write('', 'a.txt', 'A')).toEqual({ kind: 'write', path: 'a.txt', size: 1 });
      expect(await write('conf', 'b.txt', 'B')).toEqual({ kind: 'write', path: 'conf/b.txt', size: 1 });
      expect(await write('conf/renamed.txt', 'c.txt', 'C', 0o755)).toEqual({ kind: 'write', path: 'conf/renamed.txt', size: 1 });
      expect(await write(`${sandbox}/conf/`, 'd.txt', 'D')).toEqual({ kind: 'write', path: 'conf/d.txt', size: 1 });
      expect(readFileSync(join(sandbox, 'a.txt'), 'utf8')).toBe('A');
      expect(readFileSync(join(sandbox, 'conf', 'b.txt'), 'utf8')).toBe('B');
      expect(statSync(join(sandbox, 'conf', 'renamed.txt')).mode & 0o777).toBe(0o755);
      // An existing file is replaced.
      expect(await write('a.txt', 'x', 'AA')).toEqual({ kind: 'write', path: 'a.txt', size: 2 });
      expect(readFileSync(join(sandbox, 'a.txt'), 'utf8')).toBe('AA');
    });

    it('never writes through a symlink: one pointing out is refused, one pointing in is replaced', async () => {
      symlinkSync(join(outside, 'secret'), join(sandbox, 'out'));
      expect(await write('out', 'x', 'mine')).toEqual({ kind: 'error', code: 'INVALID_PATH', message: "'out' resolves outside the task sandbox (through a symlink): refused" });
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('do not tell\n');
      writeFileSync(join(sandbox, 'real.txt'), 'real');
      symlinkSync('real.txt', join(sandbox, 'link'));
      expect(await write('link', 'x', 'mine')).toEqual({ kind: 'write', path: 'link', size: 4 });
      expect(lstatSync(join(sandbox, 'link')).isSymbolicLink()).toBe(false);
      expect(readFileSync(join(sandbox, 'real.txt'), 'utf8')).toBe('real');
    });

    it.each([
      ['../../outside', 'INVALID_PATH'],
      ['/tmp', 'INVALID_PATH'],
      ['escape', 'INVALID_PATH'],
      ['escape/new.txt', 'INVALID_PATH'],
      ['no/such/dir/file', 'PATH_NOT_FOUND'],
    ])('refuses %s and writes nothing', async (path, code) => {
      symlinkSync(outside, join(sandbox, 'escape'));
      expect(await write(path, 'planted', 'x')).toMatchObject({ kind: 'error', code });
      expect(existsSync(join(outside, 'planted'))).toBe(false);
      expect(existsSync(join(outside, 'new.txt'))).toBe(false);
    });

    it('refuses to put a file where a directory is', async () => {
      mkdirSync(join(sandbox, 'dir', 'sub'), { recursive: true });
      expect(await write('dir', 'sub', 'x')).toMatchObject({ kind: 'error', code: 'NOT_A_FILE' });
    });

    it.runIf(canSwitchUser() && lookupUser('nobody') !== null)("gives the file to the task's user", async () => {
      const nobody = lookupUser('nobody')!;
      target = { ...target, runAs: nobody };
      await write('', 'owned', 'x');
      expect(statSync(join(sandbox, 'owned')).uid).toBe(nobody.uid);
    });
  });

  it('runs each delivered command once and reports every result', async () => {
    const command: AgentCommand = { kind: 'run', commandId: 'same', taskId: TASK, command: 'echo once >> count; cat count', timeoutMs: 5000, maxOutputBytes: 100 };
    commands.handle([command, command, { ...command, commandId: 'nowhere', taskId: 'gone' }]);
    commands.handle([command]);
    await commands.idle();
    expect(reported.sort(([a], [b]) => a.localeCompare(b))).toEqual([
      ['nowhere', { kind: 'error', code: 'TASK_NOT_FOUND', message: 'task gone does not run on this agent now' }],
      ['same', { kind: 'run', exitCode: 0, output: 'once\n', truncated: false, timedOut: false }],
    ]);
  });
});
