import { describe, expect, it } from 'vitest';
import { latestMessage } from './web-pages.js';

type Ev = { state: string; at: number; message?: string };
const task = (state: string, events: Ev[], pendingReason: string | null = null) =>
  ({ state, pendingReason, events }) as unknown as Parameters<typeof latestMessage>[0];
const ev = (state: string, message?: string): Ev => ({ state, at: 0, ...(message ? { message } : {}) });

describe("the job page's Why column", () => {
  it.each([
    ['a pending task: why it waits', task('PENDING', [ev('PENDING', 'Created by alice')], 'Insufficient cpu on 3 agents'), 'Insufficient cpu on 3 agents'],
    [
      'a preempted task: what preempted it, not how the agent killed it',
      task('KILLED', [ev('PENDING', 'Created by alice'), ev('RUNNING'), ev('PREEMPTING', 'Preempted by www-data/prod/web/0'), ev('KILLED', 'Killed by the scheduler')]),
      'Preempted by www-data/prod/web/0',
    ],
    [
      'a killed task: who killed it and their message',
      task('KILLED', [ev('RUNNING'), ev('KILLING', 'Killed by alice: maintenance'), ev('KILLED', 'process ended by SIGTERM')]),
      'Killed by alice: maintenance',
    ],
    ['a failed task: how it failed', task('FAILED', [ev('PENDING', 'Created by alice'), ev('RUNNING'), ev('FAILED', 'Process web failed 1 time(s): exit code 2')]), 'Process web failed 1 time(s): exit code 2'],
    ['a running task: its latest message', task('RUNNING', [ev('PENDING', 'Created by alice'), ev('RUNNING')]), 'Created by alice'],
    ['nothing said', task('RUNNING', [ev('PENDING'), ev('RUNNING')]), ''],
  ])('%s', (_what, t, expected) => {
    expect(latestMessage(t)).toBe(expected);
  });
});
