import { describe, expect, it } from 'vitest';
import { JobSpecSchema } from './jobspec.js';
import { upgradeJobSpecJson } from './jobspec-upgrade.js';
import { sampleJobSpec } from './testing/sample-spec.js';

/** A spec as the compiler wrote it before update strategies. */
function oldSpec(updateConfig: Record<string, unknown>): Record<string, unknown> {
  const { updateConfig: _now, ...spec } = sampleJobSpec();
  return {
    ...spec,
    cronTimezone: 'UTC',
    updateConfig: { watchSecs: 30, maxPerInstanceFailures: 1, maxTotalFailures: 2, rollbackOnFailure: false, pulseIntervalSecs: null, ...updateConfig },
  };
}

describe('upgradeJobSpecJson', () => {
  it('reads batchSize as a queue and waitForBatchCompletion as a batch, not SLA-aware, keeping the rest', () => {
    const queue = upgradeJobSpecJson(oldSpec({ batchSize: 3, waitForBatchCompletion: false }));
    expect(JobSpecSchema.parse(queue).updateConfig).toEqual({
      strategy: { kind: 'queue', groupSize: 3 },
      watchSecs: 30,
      maxPerInstanceFailures: 1,
      maxTotalFailures: 2,
      rollbackOnFailure: false,
      pulseIntervalSecs: null,
      slaAware: false,
    });
    const batch = upgradeJobSpecJson(oldSpec({ batchSize: 2, waitForBatchCompletion: true }));
    expect(JobSpecSchema.parse(batch).updateConfig.strategy).toEqual({ kind: 'batch', batchSize: 2, autopauseAfterBatch: false });
    // The zone the old compiler filled in is what those jobs asked for.
    expect(JobSpecSchema.parse(batch).cronTimezone).toBe('UTC');
  });

  it('leaves a spec of today, and anything it does not recognize, as it is', () => {
    const spec = sampleJobSpec();
    expect(upgradeJobSpecJson(spec)).toBe(spec);
    for (const odd of [null, 1, 'x', [], {}, { updateConfig: null }, { updateConfig: { batchSize: '2' } }]) {
      expect(upgradeJobSpecJson(odd)).toBe(odd);
    }
  });
});
