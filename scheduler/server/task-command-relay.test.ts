import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { AgentCommandResult } from '../api/task-commands-api.js';
import { TaskCommandRelay, type NewAgentCommand } from './task-command-relay.js';

const RUN: NewAgentCommand = { kind: 'run', taskId: 't1', command: 'ls', timeoutMs: 1000, maxOutputBytes: 100 };
const DONE: AgentCommandResult = { kind: 'run', exitCode: 0, output: 'ok\n', truncated: false, timedOut: false };

describe('TaskCommandRelay', () => {
  let woken: string[];
  let relay: TaskCommandRelay;
  let ids: number;
  beforeEach(() => {
    vi.useFakeTimers();
    woken = [];
    ids = 0;
    relay = new TaskCommandRelay({ wake: (a) => woken.push(a), newId: () => `c${++ids}`, maxPerAgent: 2, maxUploadBytes: 10 });
  });
  afterEach(() => vi.useRealTimers());

  const error = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ApiError);

  it("queues a command for its agent, wakes the agent's sync, and answers with the agent's result", async () => {
    const answer = relay.send('a1', RUN, { waitMs: 5000 });
    expect(woken).toEqual(['a1']);
    expect(relay.hasQueued('a1')).toBe(true);
    expect(relay.hasQueued('a2')).toBe(false);
    expect(relay.take('a1')).toEqual([{ ...RUN, commandId: 'c1' }]);
    expect(relay.hasQueued('a1')).toBe(false);
    relay.complete('a1', 'c1', DONE);
    await expect(answer).resolves.toEqual(DONE);
    expect(relay.size).toBe(0);
  });

  it('takes results only from the agent the command was for, and only while someone waits', async () => {
    const answer = relay.send('a1', RUN, { waitMs: 5000 });
    relay.take('a1');
    expect(() => relay.complete('a2', 'c1', DONE)).toThrow(expect.objectContaining({ code: 'COMMAND_NOT_FOUND' }));
    relay.complete('a1', 'c1', DONE);
    await answer;
    expect(() => relay.complete('a1', 'c1', DONE)).toThrow(expect.objectContaining({ code: 'COMMAND_NOT_FOUND' }));
  });

  it("hands a write command's bytes to its own agent only", async () => {
    const answer = relay.send('a1', { kind: 'write', taskId: 't1', path: '', name: 'f', mode: 0o644, size: 3 }, { waitMs: 5000, upload: Buffer.from('abc') });
    expect(relay.upload('a1', 'c1').toString()).toBe('abc');
    expect(() => relay.upload('a2', 'c1')).toThrow(expect.objectContaining({ code: 'COMMAND_NOT_FOUND' }));
    relay.complete('a1', 'c1', { kind: 'write', path: 'f', size: 3 });
    await answer;
    expect(() => relay.upload('a1', 'c1')).toThrow(expect.objectContaining({ code: 'COMMAND_NOT_FOUND' }));
  });

  it('refuses more commands per agent than the bound, and more upload bytes than it holds', async () => {
    const first = relay.send('a1', RUN, { waitMs: 5000 });
    const second = relay.send('a1', RUN, { waitMs: 5000 });
    const third = await error(relay.send('a1', RUN, { waitMs: 5000 }));
    expect(third?.code).toBe('AGENT_UNAVAILABLE');
    expect(third?.message).toMatch(/has 2 commands queued or running already \(at most 2\)/);
    // Another agent has its own bound.
    const other = relay.send('a2', { kind: 'write', taskId: 't2', path: '', name: 'f', mode: 0o644, size: 8 }, { waitMs: 5000, upload: Buffer.alloc(8) });
    const big = await error(relay.send('a3', { kind: 'write', taskId: 't3', path: '', name: 'f', mode: 0o644, size: 8 }, { waitMs: 5000, upload: Buffer.alloc(8) }));
    expect(big?.message).toMatch(/holds 8 bytes of files for agents already \(at most 10\)/);
    relay.close();
    for (const p of [first, second, other]) expect((await error(p))?.code).toBe('AGENT_UNAVAILABLE');
  });

  it('drops a command nobody took by its deadline, saying it did not run', async () => {
    const answer = error(relay.send('a1', RUN, { waitMs: 3000, host: 'host1' }));
    await vi.advanceTimersByTimeAsync(3000);
    const e = await answer;
    expect(e?.code).toBe('AGENT_TIMEOUT');
    expect(e?.message).toBe('the agent on host1 did not take the command within 3 s (it is not syncing); the command was not run');
    expect(relay.hasQueued('a1')).toBe(false);
    expect(relay.size).toBe(0);
  });

  it('forgets a command taken but not answered by its deadline, saying it may still run', async () => {
    const answer = error(relay.send('a1', RUN, { waitMs: 2500, host: 'host1' }));
    relay.take('a1');
    await vi.advanceTimersByTimeAsync(2500);
    expect((await answer)?.message).toBe('the agent on host1 took the command but gave no result within 2.5 s (it may still be running there)');
    expect(() => relay.complete('a1', 'c1', DONE)).toThrow(expect.objectContaining({ code: 'COMMAND_NOT_FOUND' }));
  });

  it('queues again, in front, the commands of an answer that never reached the agent', async () => {
    const first = relay.send('a1', RUN, { waitMs: 5000 });
    const taken = relay.take('a1');
    const second = relay.send('a1', { ...RUN, command: 'pwd' }, { waitMs: 5000 });
    relay.putBack('a1', taken);
    expect(relay.take('a1').map((c) => c.commandId)).toEqual(['c1', 'c2']);
    relay.complete('a1', 'c1', DONE);
    relay.complete('a1', 'c2', DONE);
    await Promise.all([first, second]);
  });

  it('drops the command of a user who hung up', async () => {
    const controller = new AbortController();
    const answer = error(relay.send('a1', RUN, { waitMs: 5000, signal: controller.signal }));
    controller.abort();
    expect((await answer)?.code).toBe('AGENT_TIMEOUT');
    expect(relay.hasQueued('a1')).toBe(false);
  });
});
