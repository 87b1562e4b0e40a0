import { describe, expect, it } from 'vitest';
import { sandboxesToCollect, type SandboxInfo } from './sandbox-gc.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const GiB = 1024 ** 3;

const s = (taskId: string, endedAt: number | null, bytes: number, terminal = endedAt !== null): SandboxInfo => ({ taskId, terminal, endedAt, bytes });

describe('sandboxesToCollect', () => {
  it('collects finished sandboxes older than the max age', () => {
    const list = [s('old', NOW - 4 * DAY, 1), s('young', NOW - DAY, 1), s('running', null, 1)];
    expect(sandboxesToCollect(list, NOW, { maxAgeMs: 3 * DAY, maxTotalBytes: GiB })).toEqual([{ taskId: 'old', why: 'age' }]);
  });

  it('collects the oldest finished ones while the total is over the cap, never a running one', () => {
    const list = [s('running', null, 5 * GiB), s('b', NOW - 2000, GiB), s('a', NOW - 3000, GiB), s('c', NOW - 1000, GiB)];
    expect(sandboxesToCollect(list, NOW, { maxAgeMs: DAY, maxTotalBytes: 6.5 * GiB })).toEqual([
      { taskId: 'a', why: 'disk' },
      { taskId: 'b', why: 'disk' },
    ]);
    const onlyRunning = [s('r1', null, 10 * GiB), s('r2', null, 10 * GiB, false)];
    expect(sandboxesToCollect(onlyRunning, NOW, { maxAgeMs: 0, maxTotalBytes: 0 })).toEqual([]);
  });
});
