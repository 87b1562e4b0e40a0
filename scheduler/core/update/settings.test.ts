import { describe, expect, it } from 'vitest';
import { compileJob } from '../../../dsl/compile.js';
import {
  BatchUpdateStrategy,
  Job,
  MB,
  Process,
  Resources,
  Task,
  UpdateConfig,
  VariableBatchUpdateStrategy,
  type UpdateConfigDef,
} from '../../../dsl/index.js';
import type { JobSpec } from '../../../dsl/jobspec.js';
import { UpdateSettingsSchema } from '../../api/updates-api.js';
import { resolveUpdateSettings } from './settings.js';

function spec(updateConfig?: UpdateConfigDef): JobSpec {
  const result = compileJob(
    Job({
      cluster: 'devcluster',
      role: 'www-data',
      environment: 'prod',
      name: 'web',
      instances: 6,
      task: Task({ processes: [Process({ name: 'web', cmdline: 'serve' })], resources: Resources({ cpu: 0.5, ram: 64 * MB, disk: 64 * MB }) }),
      ...(updateConfig ? { updateConfig } : {}),
    }),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

describe('resolveUpdateSettings', () => {
  it("maps Aurora's defaults: one instance at a time, watch 45 s, roll back, not pulsed, not SLA-aware", () => {
    const settings = resolveUpdateSettings(spec());
    expect(settings).toEqual({
      strategy: { kind: 'queue', groupSize: 1 },
      watchSecs: 45,
      maxPerInstanceFailures: 0,
      maxTotalFailures: 0,
      rollbackOnFailure: true,
      pulseIntervalSecs: null,
      slaAware: false,
    });
    expect(UpdateSettingsSchema.parse(settings)).toEqual(settings);
  });

  it('maps every field of a configured update, the shorthand as its strategy', () => {
    const settings = resolveUpdateSettings(
      spec(
        UpdateConfig({
          batchSize: 3,
          waitForBatchCompletion: true,
          watchSecs: 30,
          maxPerInstanceFailures: 2,
          maxTotalFailures: 1,
          rollbackOnFailure: false,
          pulseIntervalSecs: 60,
          slaAware: true,
        }),
      ),
    );
    expect(settings).toEqual({
      strategy: { kind: 'batch', batchSize: 3, autopauseAfterBatch: false },
      watchSecs: 30,
      maxPerInstanceFailures: 2,
      maxTotalFailures: 1,
      rollbackOnFailure: false,
      pulseIntervalSecs: 60,
      slaAware: true,
    });
    expect(UpdateSettingsSchema.parse(settings)).toEqual(settings);
  });

  it('copies the strategies, so the update record shares nothing with the spec', () => {
    const s = spec(UpdateConfig({ updateStrategy: VariableBatchUpdateStrategy({ batchSizes: [1, 2, 3], autopauseAfterBatch: true }) }));
    const settings = resolveUpdateSettings(s);
    expect(settings.strategy).toEqual({ kind: 'variable', batchSizes: [1, 2, 3], autopauseAfterBatch: true });
    if (settings.strategy.kind === 'variable' && s.updateConfig.strategy.kind === 'variable') {
      expect(settings.strategy.batchSizes).not.toBe(s.updateConfig.strategy.batchSizes);
    }
    expect(resolveUpdateSettings(spec(UpdateConfig({ updateStrategy: BatchUpdateStrategy({ batchSize: 2 }) }))).strategy).toEqual({
      kind: 'batch',
      batchSize: 2,
      autopauseAfterBatch: false,
    });
  });
});
