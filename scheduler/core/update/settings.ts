import type { JobSpec } from '../../../dsl/jobspec.js';
import type { UpdateSettings, UpdateStrategySettings } from '../../api/updates-api.js';

/**
 * The settings an update of `spec` runs with: its updateConfig, already resolved by the compiler
 * (the batchSize shorthand is a strategy by then), copied so the update's record shares nothing
 * with the spec. Pure.
 */
export function resolveUpdateSettings(spec: JobSpec): UpdateSettings {
  const u = spec.updateConfig;
  return {
    strategy: strategySettings(u.strategy),
    watchSecs: u.watchSecs,
    maxPerInstanceFailures: u.maxPerInstanceFailures,
    maxTotalFailures: u.maxTotalFailures,
    rollbackOnFailure: u.rollbackOnFailure,
    pulseIntervalSecs: u.pulseIntervalSecs,
    slaAware: u.slaAware,
  };
}

// The JobSpec's strategy and the update's have one shape; this fails to compile if they part.
function strategySettings(s: JobSpec['updateConfig']['strategy']): UpdateStrategySettings {
  switch (s.kind) {
    case 'queue':
      return { kind: 'queue', groupSize: s.groupSize };
    case 'batch':
      return { kind: 'batch', batchSize: s.batchSize, autopauseAfterBatch: s.autopauseAfterBatch };
    case 'variable':
      return { kind: 'variable', batchSizes: [...s.batchSizes], autopauseAfterBatch: s.autopauseAfterBatch };
  }
}
