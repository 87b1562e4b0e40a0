import { describe, expect, it } from 'vitest';
import { formatAgents } from '../../admin-client/cli.js';
import type { AgentInfo } from '../../scheduler/api/agent-protocol.js';
import type { ScheduledTask } from '../../scheduler/api/task.js';
import { formatOutcome, formatTask } from './format.js';
import { terminalSafe } from './terminal-text.js';

describe('terminalSafe', () => {
  it('keeps ordinary text, non-ASCII letters and emoji as they are', () => {
    expect(terminalSafe('Process hello exited with status 1 — über 🙂 host-1.example')).toBe('Process hello exited with status 1 — über 🙂 host-1.example');
  });

  it('escapes escape sequences, newlines, tabs, DEL, C1 controls and bidi overrides', () => {
    expect(terminalSafe('\u001b[2J\u001b]0;owned\u0007')).toBe('\\x1b[2J\\x1b]0;owned\\x07');
    expect(terminalSafe('a\nb\tc\rd')).toBe('a\\nb\\tc\\rd');
    expect(terminalSafe('\u0000\u007f\u009b')).toBe('\\x00\\x7f\\x9b');
    expect(terminalSafe('abc\u202etxt.exe\u2066')).toBe('abc\\u202etxt.exe\\u2066');
  });
});

describe('what the CLI prints from the cluster', () => {
  const evil: ScheduledTask = {
    taskId: 'task\u001b[31m-1',
    jobKey: { cluster: 'c', role: 'r', environment: 'prod', name: 'n' },
    instance: 0,
    state: 'FAILED',
    specHash: 'h',
    agentId: 'agent\u0007',
    host: 'host\u001b]0;title\u0007',
    observerUrl: null,
    ports: {},
    health: 'UNKNOWN',
    failureCount: 0,
    pendingReason: null,
    events: [{ state: 'FAILED', at: 0, message: 'exit 1\n\u001b[2Jfake prompt$ ' }],
  };

  it('escapes control characters in job status lines and outcomes', () => {
    const lines = formatTask(evil).join('\n');
    expect(lines).not.toMatch(/[\u0007\u001b]/);
    expect(lines).toContain('on host\\x1b]0;title\\x07');
    expect(lines).toContain('task id: task\\x1b[31m-1');
    expect(lines).toContain(': exit 1\\n\\x1b[2Jfake prompt$ ');
    expect(formatOutcome(evil)).toBe('  instance 0: FAILED: exit 1\\n\\x1b[2Jfake prompt$ ');
  });

  it("escapes them in aurora-admin host_status's table", () => {
    const table = formatAgents([{ agentId: 'a\u001b[1m', host: 'h\u009b', status: 'ACTIVE', resources: { cpu: 1, ramMb: 1, diskMb: 1, gpu: 0 }, lastSeenAt: 0 } as AgentInfo], 0);
    expect(table[1]).toMatch(/^h\\x9b {2,}a\\x1b\[1m /);
  });
});
