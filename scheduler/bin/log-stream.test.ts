import { describe, expect, it } from 'vitest';
import { formatLogLine } from './log-stream.js';

describe('formatLogLine', () => {
  it('turns a pino line into the one-line text the agent also prints', () => {
    const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 2, 3, 4, 5), msg: 'agent a1 on vm registered' });
    expect(formatLogLine(line, 'aurora-scheduler')).toBe('2026-01-02T03:04:05.000Z aurora-scheduler: agent a1 on vm registered');
  });

  it('marks errors and keeps their stack', () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: 'sync failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } });
    expect(formatLogLine(line, 'aurora-scheduler')).toBe('1970-01-01T00:00:00.000Z aurora-scheduler: error: sync failed\nError: boom\n    at x');
  });

  it('passes through a line that is not JSON', () => {
    expect(formatLogLine('plain', 'aurora-scheduler')).toBe('plain');
  });
});
