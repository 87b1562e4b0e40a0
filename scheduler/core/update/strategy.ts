import type { InstanceProgress, UpdateStrategySettings } from '../../api/updates-api.js';
import type { Direction } from './update-record.js';

/**
 * Which instances an update starts next (Aurora 0.22's queue, batch and variable batch
 * strategies). Forward goes up the instance numbers and back comes down, so a rollback undoes
 * the newest changes first.
 */

/** Indexes (into `instances`) of the PENDING instances, in the order the direction takes them. */
export function pendingInOrder(instances: readonly InstanceProgress[], direction: Direction): number[] {
  const pending: number[] = [];
  instances.forEach((p, i) => {
    if (p.status === 'PENDING') pending.push(i);
  });
  // `instances` is ascending by instance number.
  return direction === 'forward' ? pending : pending.reverse();
}

/** The size of the batch with this index (0 first); the last of variable sizes repeats. */
export function batchSize(strategy: UpdateStrategySettings, batchIndex: number): number {
  switch (strategy.kind) {
    case 'queue':
      return strategy.groupSize;
    case 'batch':
      return strategy.batchSize;
    case 'variable':
      return strategy.batchSizes[Math.min(batchIndex, strategy.batchSizes.length - 1)] ?? 1;
  }
}

export const usesBatches = (strategy: UpdateStrategySettings): boolean => strategy.kind !== 'queue';

export const autopauses = (strategy: UpdateStrategySettings): boolean =>
  strategy.kind !== 'queue' && strategy.autopauseAfterBatch;

/**
 * How many of the pending instances start now, given how many are updating: a queue refills up
 * to its group size at once; a batch starts only when the one before it has finished.
 */
export function startCount(strategy: UpdateStrategySettings, updating: number, batchesStarted: number, pending: number): number {
  const room = usesBatches(strategy) ? (updating === 0 ? batchSize(strategy, batchesStarted) : 0) : batchSize(strategy, 0) - updating;
  return Math.max(0, Math.min(room, pending));
}
