import { describe, expect, it } from 'vitest';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import type { JobSpec } from '../../dsl/jobspec.js';
import { formatInspect } from './inspect-format.js';

function line(spec: JobSpec, prefix: string): string | undefined {
  return formatInspect(spec).find((l) => l.startsWith(prefix));
}

describe('formatInspect', () => {
  it("prints a cron job's zone, or the cluster's when the job sets none", () => {
    const cron: JobSpec = { ...sampleJobSpec(), cronSchedule: '30 2 * * *' };
    expect(formatInspect(cron)[0]).toBe(
      "Job devcluster/www-data/prod/hello: cron job '30 2 * * *' (the cluster's time zone), on collision KILL_EXISTING, 1 instance",
    );
    expect(formatInspect({ ...cron, cronTimezone: 'Europe/Amsterdam' })[0]).toContain("cron job '30 2 * * *' (Europe/Amsterdam)");
  });

  it('prints the update strategy and SLA-awareness', () => {
    const spec = sampleJobSpec();
    const update = (u: Partial<JobSpec['updateConfig']>) => line({ ...spec, updateConfig: { ...spec.updateConfig, ...u } }, '  update:');
    expect(update({})).toBe('  update:             1 instance at a time, watch 45 s, 0 failures per instance, 0 in total, roll back on failure');
    expect(update({ strategy: { kind: 'queue', groupSize: 3 }, slaAware: true, pulseIntervalSecs: 60 })).toBe(
      '  update:             3 instances at a time, watch 45 s, 0 failures per instance, 0 in total, roll back on failure, SLA-aware, pulse every 60 s',
    );
    expect(update({ strategy: { kind: 'batch', batchSize: 2, autopauseAfterBatch: true } })).toMatch(/^ {2}update: {13}batches of 2, pausing after each, watch/);
    expect(update({ strategy: { kind: 'variable', batchSizes: [1, 2, 3], autopauseAfterBatch: false } })).toMatch(
      /^ {2}update: {13}batches of 1, 2, 3 \(the last repeating\), watch/,
    );
  });
});
