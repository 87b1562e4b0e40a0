import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentSyncResponseSchema, type AgentTaskReport } from '../api/agent-protocol.js';
import { PATHS } from '../api/routes.js';
import { AgentCommandSchema, MAX_TASK_COMMAND_OUTPUT_BYTES, type AgentCommand, type AgentCommandResult } from '../api/task-commands-api.js';
import type { Authorizer } from '../core/authorize.js';
import { jobSpec, report, startHarness, type Harness, type HarnessOptions } from '../testing/scheduler-harness.js';

/** The header the CLI sends with every state-changing call. */
const CLIENT = { 'x-aurora-client': 'test' };
const JOB = '/api/v1/jobs/www-data/prod/hello';

describe('aurora task run|scp|ssh through the scheduler', () => {
  let h: Harness;
  let agentId: string;
  let running: AgentTaskReport[];

  /** An agent that runs task commands with instance 0 RUNNING on it, and instance 1 PENDING (it fits nowhere). */
  async function setUp(options: HarnessOptions = {}, registration: { taskCommands?: boolean } = { taskCommands: true }) {
    h = await startHarness(options);
    agentId = (await h.register('host1', { sandboxRoot: '/var/lib/aurora/sandboxes/', ...registration })).agentId;
    expect((await h.createJob(jobSpec({ service: true, instances: 2, resources: { cpu: 3 } }))).status).toBe(201);
    const launched = (await h.sync(agentId)).launch.map((l) => l.taskId);
    expect(launched).toHaveLength(1);
    running = launched.map((id) => ({ ...report(id, 'RUNNING'), ports: {} }));
    await h.sync(agentId, running);
  }
  afterEach(() => h.close());

  /** The agent's next sync (held until something comes), parsed. */
  function nextSync(waitMs = 5000) {
    return h.app
      .inject({ method: 'POST', url: PATHS.agentSync, payload: h.syncBody(agentId, running, waitMs) })
      .then((res) => AgentSyncResponseSchema.parse(res.json()));
  }
  /** A user's request, started at once (an injected request starts once something waits for it). */
  const user = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    h.app.inject({ method, url, headers: { ...CLIENT, ...headers }, ...(payload ? { payload } : {}) }).then((res) => res);
  const answer = (commandId: string, result: AgentCommandResult, as = agentId) =>
    h.app.inject({ method: 'POST', url: PATHS.agentCommandResult(commandId), headers: h.agentHeaders(as), payload: result });

  /** Sends a user's request and plays the agent: takes the one command it gets, answers `result`. */
  async function relay(method: 'POST', url: string, payload: object, result: (c: AgentCommand) => AgentCommandResult | Promise<AgentCommandResult>) {
    const sync = nextSync();
    const request = user(method, url, payload);
    const commands = (await sync).commands ?? [];
    expect(commands).toHaveLength(1);
    const command = AgentCommandSchema.parse(commands[0]);
    expect((await answer(command.commandId, await result(command))).statusCode).toBe(204);
    return { command, res: await request };
  }

  describe('with an agent that runs task commands', () => {
    beforeEach(() => setUp());

    it("runs a command in instance 0's task: the held sync carries it, the agent's result is the answer", async () => {
      const { command, res } = await relay('POST', `${JOB}/instances/0/run`, { command: 'echo $PWD' }, () => ({
        kind: 'run',
        exitCode: 0,
        output: '/sandbox\n',
        truncated: false,
        timedOut: false,
      }));
      expect(command).toEqual({
        kind: 'run',
        commandId: expect.any(String),
        taskId: running[0]!.taskId,
        command: 'echo $PWD',
        timeoutMs: 60_000,
        maxOutputBytes: MAX_TASK_COMMAND_OUTPUT_BYTES,
      });
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { instance: 0, taskId: running[0]!.taskId, host: 'host1', exitCode: 0, output: '/sandbox\n', truncated: false, timedOut: false },
      ]);
    });

    it('copies a file in: the agent fetches the bytes by the command id, with its own token only', async () => {
      const data = Buffer.from('hello\n');
      const { command, res } = await relay('POST', `${JOB}/instances/0/files/write`, { path: 'conf', name: 'a.txt', data: data.toString('base64') }, async (c) => {
        const stranger = await h.app.inject({ method: 'GET', url: PATHS.agentCommandUpload(c.commandId) });
        expect(stranger.statusCode).toBe(401);
        const upload = await h.app.inject({ method: 'GET', url: PATHS.agentCommandUpload(c.commandId), headers: h.agentHeaders(agentId) });
        expect(Buffer.from(upload.json().data, 'base64')).toEqual(data);
        return { kind: 'write', path: 'conf/a.txt', size: 6 };
      });
      expect(command).toMatchObject({ kind: 'write', path: 'conf', name: 'a.txt', mode: 0o644, size: 6 });
      expect(res.json()).toEqual({ instance: 0, taskId: running[0]!.taskId, host: 'host1', path: 'conf/a.txt', size: 6 });
    });

    it("answers the agent's refusal of a path with its code and words", async () => {
      const { command, res } = await relay('POST', `${JOB}/instances/0/files/read`, { path: '../../etc/passwd' }, () => ({
        kind: 'error',
        code: 'INVALID_PATH',
        message: "'../../etc/passwd' leaves the task sandbox: '..' is not allowed",
      }));
      expect(command).toMatchObject({ kind: 'read', path: '../../etc/passwd' });
      expect([res.statusCode, res.json().error]).toEqual([400, { code: 'INVALID_PATH', message: "'../../etc/passwd' leaves the task sandbox: '..' is not allowed" }]);
    });

    it("takes no result from another agent, nor one nobody waits for", async () => {
      const other = (await h.register('host2')).agentId;
      const sync = nextSync();
      const request = user('POST', `${JOB}/instances/0/run`, { command: 'true' });
      const [command] = (await sync).commands!;
      const done: AgentCommandResult = { kind: 'run', exitCode: 0, output: '', truncated: false, timedOut: false };
      expect((await answer(command!.commandId, done, other)).json().error.code).toBe('COMMAND_NOT_FOUND');
      expect((await answer(command!.commandId, done)).statusCode).toBe(204);
      expect((await request).statusCode).toBe(200);
      expect((await answer(command!.commandId, done)).json().error.code).toBe('COMMAND_NOT_FOUND');
    });

    it('tells where an instance runs, for ssh: host, user, sandbox and ports', async () => {
      const res = await user('GET', `${JOB}/instances/0/sandbox`);
      expect(res.json()).toEqual({ instance: 0, taskId: running[0]!.taskId, host: 'host1', user: 'www-data', sandbox: `/var/lib/aurora/sandboxes/${running[0]!.taskId}`, ports: {} });
    });

    it.each([
      ['an instance whose task runs nowhere', `${JOB}/instances/1/run`, 409, 'TASK_NOT_RUNNING', /instance 1 of devcluster\/www-data\/prod\/hello is PENDING: its task runs on no agent now/],
      ['an instance the job does not have', `${JOB}/instances/7/run`, 409, 'TASK_NOT_RUNNING', /has no instance 7/],
      ['a job that does not exist', '/api/v1/jobs/www-data/prod/nope/instances/0/run', 404, 'JOB_NOT_FOUND', /no job devcluster\/www-data\/prod\/nope/],
    ])('refuses %s at once', async (_what, url, status, code, message) => {
      const res = await user('POST', url, { command: 'true' });
      expect([res.statusCode, res.json().error.code]).toEqual([status, code]);
      expect(res.json().error.message).toMatch(message);
    });

    it('refuses a command line over 64 KiB and a timeout over 10 minutes', async () => {
      const long = await user('POST', `${JOB}/instances/0/run`, { command: 'x'.repeat(64 * 1024 + 1) });
      expect([long.statusCode, long.json().error.message]).toEqual([400, expect.stringMatching(/at most 65536 bytes/)]);
      const slow = await user('POST', `${JOB}/instances/0/run`, { command: 'true', timeoutMs: 600_001 });
      expect(slow.statusCode).toBe(400);
    });
  });

  it('tells a user that an agent too old for task commands must be upgraded', async () => {
    await setUp({}, {});
    const res = await user('POST', `${JOB}/instances/0/run`, { command: 'true' });
    expect([res.statusCode, res.json().error]).toEqual([503, { code: 'AGENT_UNAVAILABLE', message: 'the agent on host1 (version test) does not run task commands; upgrade it' }]);
  });

  it("needs the permission runTaskCommand on the job, like any other write to it", async () => {
    const asked: string[] = [];
    const authorizer: Authorizer = {
      authorize: (principal, permission) => {
        asked.push(`${principal.name} ${permission}`);
        return principal.name === 'mallory' ? { allowed: false, reason: 'no role grants it' } : { allowed: true };
      },
    };
    await setUp({ authorizer });
    const basic = (name: string) => ({ authorization: `Basic ${Buffer.from(`${name}:pw`).toString('base64')}` });
    const refused = await user('POST', `${JOB}/instances/0/run`, { command: 'id' }, basic('mallory'));
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'PERMISSION_DENIED']);
    expect(refused.json().error.message).toBe('mallory may not thrift.AuroraSchedulerManager:runTaskCommand:www-data:prod:hello: no role grants it');
    const write = await user('POST', `${JOB}/instances/0/files/write`, { path: '', name: 'x', data: '' }, basic('mallory'));
    expect(write.statusCode).toBe(403);
    // Nothing was queued for the agent: its sync has nothing to take.
    expect((await h.sync(agentId, running)).commands).toBeUndefined();
    const sync = nextSync();
    const allowed = user('POST', `${JOB}/instances/0/run`, { command: 'id' }, basic('alice'));
    const [command] = (await sync).commands!;
    await answer(command!.commandId, { kind: 'run', exitCode: 0, output: '', truncated: false, timedOut: false });
    const res = await allowed;
    expect(res.statusCode).toBe(200);
    expect(asked).toContain('alice thrift.AuroraSchedulerManager:runTaskCommand:www-data:prod:hello');
  });

  it("answers at once the agent's sync that comes after a command was queued", async () => {
    await setUp();
    const request = user('POST', `${JOB}/instances/0/run`, { command: 'date' });
    let commands: AgentCommand[] | undefined;
    await vi.waitFor(async () => {
      commands = (await h.sync(agentId, running)).commands;
      expect(commands).toHaveLength(1);
    });
    expect((await answer(commands![0]!.commandId, { kind: 'run', exitCode: 3, output: 'x', truncated: true, timedOut: false })).statusCode).toBe(204);
    expect((await request).json()).toMatchObject({ exitCode: 3, output: 'x', truncated: true });
  });
});
