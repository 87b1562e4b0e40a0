import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentCommand, AgentCommandResult } from '../../scheduler/api/task-commands-api.js';
import { runCli } from '../testing/run-cli.js';
import { compileJob } from '../../dsl/compile.js';
import { MB, Process, Resources, Service, Task } from '../../dsl/index.js';
import { PATHS } from '../../scheduler/api/routes.js';
import { tempDir } from '../testing/temp-dir.js';
import { startTestScheduler, type TestScheduler } from '../testing/test-scheduler.js';
import { createCli } from './index.js';

// The CLI against the real scheduler app on loopback, with an agent played in-process that
// answers relayed commands from a sandbox kept in memory; the real agent's side is tested in
// executor/agent/task-commands.test.ts and end to end in test/integration/task-commands.test.ts.

const KEY = 'devcluster/www-data/prod/hello';
/** Two instances with a port, compiled by the DSL (no config file to type-check: tests stay fast). */
function helloSpec() {
  const compiled = compileJob(
    Service({
      cluster: 'devcluster',
      role: 'www-data',
      environment: 'prod',
      name: 'hello',
      instances: 2,
      task: Task({ processes: [Process({ name: 'hello', cmdline: 'serve --port {{thermos.ports[http]}}' })], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) }),
    }),
  );
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  return compiled.spec;
}

/** The instance a task id names (`www-data-prod-hello-1-00000003`). */
const instanceOf = (taskId: string) => Number(/-(\d+)-[^-]+$/.exec(taskId)?.[1]);

describe('aurora task run|scp|ssh', () => {
  let tmp: ReturnType<typeof tempDir>;
  let sched: TestScheduler;
  /** The played agent's sandboxes: task id → path → bytes. */
  let files: Map<string, Map<string, Buffer>>;
  let seen: AgentCommand[];

  /** What the played agent does with a command: a tiny shell, and files in memory with the real agent's refusal of '..'. */
  function play(command: AgentCommand, upload: Buffer | null): AgentCommandResult {
    seen.push(command);
    const sandbox = files.get(command.taskId) ?? new Map<string, Buffer>();
    files.set(command.taskId, sandbox);
    const refused = (path: string): AgentCommandResult | null =>
      path.split('/').includes('..') ? { kind: 'error', code: 'INVALID_PATH', message: `'${path}' leaves the task sandbox: '..' is not allowed` } : null;
    switch (command.kind) {
      case 'run': {
        const instance = instanceOf(command.taskId);
        if (command.command === 'fail-on-1' && instance === 1) return { kind: 'run', exitCode: 3, output: 'no luck\n', truncated: false, timedOut: false };
        return { kind: 'run', exitCode: 0, output: `ran ${command.command}\non ${instance}\n`, truncated: false, timedOut: false };
      }
      case 'read': {
        const data = sandbox.get(command.path);
        return refused(command.path) ?? (data ? { kind: 'read', path: command.path, size: data.length, mode: 0o640, data: data.toString('base64') } : { kind: 'error', code: 'PATH_NOT_FOUND', message: `No file or directory '${command.path}' in the task sandbox` });
      }
      case 'write': {
        const target = command.path === '' ? command.name : command.path;
        const refusal = refused(command.path);
        if (refusal) return refusal;
        sandbox.set(target, upload!);
        return { kind: 'write', path: target, size: upload!.length };
      }
    }
  }

  beforeEach(async () => {
    tmp = tempDir();
    files = new Map();
    seen = [];
    sched = await startTestScheduler();
    await sched.agent({ commands: play });
    tmp.write('clusters.json', JSON.stringify([{ name: 'devcluster', scheduler_uri: sched.url }]));
    const created = await sched.app.inject({ method: 'POST', url: PATHS.jobs, payload: { spec: helloSpec() } });
    expect(created.statusCode).toBe(201);
    await sched.waitForJob('www-data/prod/hello', (job) => job?.tasks.filter((t) => t.state === 'RUNNING').length === 2);
  });
  afterEach(async () => {
    await sched.close();
    tmp.remove();
  });

  const aurora = (...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir }, cwd: tmp.dir });
  const taskIds = async () => {
    const job = await sched.waitForJob('www-data/prod/hello', () => true);
    return job!.tasks.sort((a, b) => a.instance - b.instance).map((t) => t.taskId);
  };

  describe('run', () => {
    it("prints Aurora's host:  line for every instance, in instance order, and exits 0", async () => {
      const r = await aurora('task', 'run', KEY, 'ls -a');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe('host1:  ran ls -a\nhost1:  on 0\nhost1:  ran ls -a\nhost1:  on 1\n');
      // Words after -- are the command's, options and all.
      expect((await aurora('task', 'run', `${KEY}/0`, '--', 'ls', '-l', '--all')).stdout).toBe('host1:  ran ls -l --all\nhost1:  on 0\n');
      expect(seen.map((c) => c.kind === 'run' && [instanceOf(c.taskId), c.command, c.timeoutMs])).toEqual([
        [0, 'ls -a', 60_000],
        [1, 'ls -a', 60_000],
        [0, 'ls -l --all', 60_000],
      ]);
    });

    it('runs in the instances named, with the timeout asked for, several at once with --threads', async () => {
      const r = await aurora('task', 'run', '--threads', '2', '--timeout', '5', `${KEY}/1`, 'pwd');
      expect(r.stdout).toBe('host1:  ran pwd\nhost1:  on 1\n');
      expect(seen).toMatchObject([{ kind: 'run', command: 'pwd', timeoutMs: 5000 }]);
    });

    it('says on stderr where the command failed or could not run, and exits 4', async () => {
      const r = await aurora('task', 'run', `${KEY}/0-1,5`, 'fail-on-1');
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('host1:  ran fail-on-1\nhost1:  on 0\nhost1:  no luck\n');
      expect(r.stderr).toBe(
        [
          'instance 1 on host1: exit status 3',
          `instance 5: not run: ${KEY} has no instance 5`,
          `Error: the command did not succeed on 2 of 3 instance(s) of ${KEY}: 1,5`,
          '',
        ].join('\n'),
      );
    });

    it('prints one object per instance with --json', async () => {
      const ids = await taskIds();
      const r = await aurora('task', 'run', '--json', `${KEY}/0`, 'id');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ instance: 0, host: 'host1', taskId: ids[0], exitCode: 0, output: 'ran id\non 0\n', truncated: false, timedOut: false, error: null }]);
    });

    it("refuses another --ssh-user: the command runs as the task's user", async () => {
      const r = await aurora('task', 'run', '-l', 'root', KEY, 'id');
      expect([r.code, r.stderr]).toEqual([6, expect.stringMatching(/runs the command as the task's user \(www-data\) through the scheduler/)]);
      expect(seen).toEqual([]);
    });
  });

  describe('scp', () => {
    it('copies a file into a sandbox under its own name, and back out', async () => {
      const ids = await taskIds();
      tmp.write('notes.txt', 'hello notes\n');
      const into = await aurora('task', 'scp', 'notes.txt', `${KEY}/1:`);
      expect(into).toMatchObject({ code: 0, stdout: '', stderr: '' });
      expect(files.get(ids[1]!)?.get('notes.txt')?.toString()).toBe('hello notes\n');
      const out = await aurora('task', 'scp', `${KEY}/1:notes.txt`, 'copy.txt');
      expect(out.code).toBe(0);
      expect(readFileSync(join(tmp.dir, 'copy.txt'), 'utf8')).toBe('hello notes\n');
    });

    it("refuses a path that leaves the sandbox with exit 1, in scp's words", async () => {
      tmp.write('scp_fail_permission.txt', 'x');
      const r = await aurora('task', 'scp', 'scp_fail_permission.txt', `${KEY}/0:../../`);
      expect(r.code).toBe(1);
      // Aurora's end-to-end test looks for exactly this.
      expect(r.stderr).toContain('../scp_fail_permission.txt: Permission denied');
      expect(r.stderr).toBe(`Error: ${KEY}/0:../../scp_fail_permission.txt: Permission denied: '../../' leaves the task sandbox: '..' is not allowed\n`);
      const missing = await aurora('task', 'scp', `${KEY}/0:nope.txt`, '.');
      expect([missing.code, missing.stderr]).toEqual([1, `Error: ${KEY}/0:nope.txt: No such file or directory: No file or directory 'nope.txt' in the task sandbox\n`]);
    });

    it('refuses what Aurora refused before asking anyone', async () => {
      expect(await aurora('task', 'scp', 'a', 'b')).toMatchObject({ code: 6, stderr: expect.stringMatching(/neither side is a task/) });
      expect(await aurora('task', 'scp', 'a', `${KEY}/x:`)).toMatchObject({ code: 6, stderr: expect.stringMatching(/Instance must be an integer, but got x/) });
      expect(await aurora('task', 'scp', 'a', `${KEY}/0:~/x`)).toMatchObject({ code: 6, stderr: expect.stringMatching(/does not support tilde expansion/) });
      expect(await aurora('task', 'scp', 'missing.txt', `${KEY}/0:`)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: missing.txt: No such file or directory/) });
      expect(seen).toEqual([]);
    });
  });

  describe('ssh', () => {
    /** A fake ssh that records its arguments, one a line, and exits with $FAKE_SSH_STATUS. */
    function fakeSsh(): { program: string; argv: () => string[] } {
      const record = join(tmp.dir, 'ssh-argv');
      const program = join(tmp.dir, 'fake-ssh');
      writeFileSync(program, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\necho fake ssh output\nexit \${FAKE_SSH_STATUS:-0}\n`);
      chmodSync(program, 0o755);
      return { program, argv: () => readFileSync(record, 'utf8').split('\n').slice(0, -1) };
    }
    const ssh = (env: Record<string, string>, ...argv: string[]) => runCli(createCli, argv, { env: { AURORA_CONFIG_ROOT: tmp.dir, ...env }, cwd: tmp.dir });

    it("runs Aurora's ssh command line: -t, options, tunnels, user@host, cd SANDBOX;COMMAND", async () => {
      const ids = await taskIds();
      const job = await sched.waitForJob('www-data/prod/hello', () => true);
      const httpPort = job!.tasks.find((t) => t.instance === 1)!.ports['http'];
      const fake = fakeSsh();
      const r = await ssh({ AURORA_SSH: fake.program }, 'task', 'ssh', `${KEY}/1`, '--ssh-options=-o BatchMode=yes', '-L', '8080:http', '--command', 'tail -1 .logs/hello/0/stdout; echo {{mesos.instance}} %port:http%');
      expect(r).toMatchObject({ code: 0, stdout: 'fake ssh output\n', stderr: '' });
      expect(fake.argv()).toEqual(['-t', '-o', 'BatchMode=yes', '-L', `8080:host1:${httpPort}`, 'www-data@host1', `cd /sandboxes/${ids[1]};tail -1 .logs/hello/0/stdout; echo 1 ${httpPort}`]);
    });

    it('opens bash in the first running instance without a command, as --ssh-user, and ends with ssh\'s status', async () => {
      const ids = await taskIds();
      const fake = fakeSsh();
      const r = await ssh({ AURORA_SSH: fake.program, FAKE_SSH_STATUS: '5' }, 'task', 'ssh', KEY, '-l', 'admin');
      expect(fake.argv()).toEqual(['-t', 'admin@host1', `cd /sandboxes/${ids[0]};bash`]);
      expect([r.code, r.stderr]).toEqual([5, 'Error: ssh exited with status 5\n']);
    });

    it('refuses a tunnel to a port the task does not have', async () => {
      const r = await ssh({ AURORA_SSH: fakeSsh().program }, 'task', 'ssh', `${KEY}/0`, '-L', '9000:admin');
      expect([r.code, r.stderr]).toEqual([6, expect.stringMatching(/^Error: Task \S+ has no port named admin\n$/)]);
      expect((await ssh({}, 'task', 'ssh', `${KEY}/0`, '-L', 'nonsense')).stderr).toBe('Error: Could not parse tunnel: nonsense.  Must be of form PORT:NAME\n');
    });
  });
});
