/**
 * The shape of `bench:updates`'s output at a tiny size (4 instances, no cron tick): one JSON
 * object per figure. Timings are not checked; they are for people (docs/PERFORMANCE.md).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { distBin, runCli } from '../devcluster/daemons.js';

const script = distBin('bench/updates-cron.js');

describe.skipIf(!existsSync(script))('bench:updates output', () => {
  it('prints one JSON row per figure with figure, value, unit and notes', async () => {
    const args = ['--instances', '4', '--group-size', '2', '--agents', '2', '--runs', '1', '--idle-ms', '200', '--cron-ticks', '0', '--json'];
    const r = await runCli(script, args);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['figure', 'value', 'unit', 'notes']);
      expect(typeof row.value).toBe('number');
      expect(['s', 'ms', '%']).toContain(row.unit);
      expect(typeof row.notes).toBe('string');
    }
    const figures = rows.map((row) => row.figure);
    expect(figures).toEqual([
      'scheduler-idle-cpu',
      ...['queue', 'batch'].flatMap((s) => ['wall', 'scheduler-cpu', 'instance-p50', 'kill-p50', 'bench-cpu'].map((f) => `update-4-${s}2-${f}`)),
    ]);
  });
});
