/**
 * Specs written before the JobSpec had update strategies (stored by the scheduler, in agents'
 * checkpoints) read as today's shape: `updateConfig.batchSize` and `waitForBatchCompletion`
 * become the strategy the compiler now resolves them to, and `slaAware` is false, as it was.
 * A stored `cronTimezone` is kept: those specs said 'UTC' and meant it. Anything else is
 * returned as it is, for the schema to judge. Pure; no zod, so reading a store stays cheap.
 */
export function upgradeJobSpecJson(spec: unknown): unknown {
  if (!isObject(spec) || !isObject(spec['updateConfig'])) return spec;
  const { batchSize, waitForBatchCompletion, ...rest } = spec['updateConfig'];
  if ('strategy' in rest || typeof batchSize !== 'number') return spec;
  const strategy =
    waitForBatchCompletion === true ? { kind: 'batch', batchSize, autopauseAfterBatch: false } : { kind: 'queue', groupSize: batchSize };
  return { ...spec, updateConfig: { ...rest, strategy, slaAware: rest['slaAware'] ?? false } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
