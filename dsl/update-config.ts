import { DSL_DEFAULTS } from './defaults.js';
import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of a {@link QueueUpdateStrategy}: up to `batchSize` instances update at once, refilled as each finishes. */
export interface QueueUpdateStrategyProps {
  /**
   * Instances updating at once; as one finishes, the next starts.
   * @default 1
   */
  readonly batchSize?: NumberOrTemplate;
}

/** Props of a {@link BatchUpdateStrategy}: batches of `batchSize`, each waiting for the one before. */
export interface BatchUpdateStrategyProps {
  /**
   * Instances in a batch; a batch starts once the whole batch before it has finished.
   * @default 1
   */
  readonly batchSize?: NumberOrTemplate;
  /**
   * Pause the update after each batch, until `aurora update resume`.
   * @default false
   */
  readonly autopauseAfterBatch?: boolean;
}

/** Props of a {@link VariableBatchUpdateStrategy}: batches of the given sizes, in order. */
export interface VariableBatchUpdateStrategyProps {
  /**
   * Sizes of the batches in order (`[1, 2, 3]`: one instance, then two, then three at a time);
   * the last size repeats until every instance is updated. At least one size.
   */
  readonly batchSizes: readonly NumberOrTemplate[];
  /**
   * Pause the update after each batch, until `aurora update resume`.
   * @default false
   */
  readonly autopauseAfterBatch?: boolean;
}

export interface QueueUpdateStrategyDef extends QueueUpdateStrategyProps, Bindable {
  readonly kind: 'QueueUpdateStrategy';
}
export interface BatchUpdateStrategyDef extends BatchUpdateStrategyProps, Bindable {
  readonly kind: 'BatchUpdateStrategy';
}
export interface VariableBatchUpdateStrategyDef extends VariableBatchUpdateStrategyProps, Bindable {
  readonly kind: 'VariableBatchUpdateStrategy';
}

/** How an update groups instances (Aurora 0.22's update strategies). */
export type UpdateStrategyDef = QueueUpdateStrategyDef | BatchUpdateStrategyDef | VariableBatchUpdateStrategyDef;

/** Aurora's QueueUpdateStrategy: `QueueUpdateStrategy({ batchSize: 2 })` keeps two instances updating at a time. */
export function QueueUpdateStrategy(props: QueueUpdateStrategyProps = {}): QueueUpdateStrategyDef {
  return make('QueueUpdateStrategy', props);
}

/** Aurora's BatchUpdateStrategy: `BatchUpdateStrategy({ batchSize: 2 })` updates two, waits for both, then the next two. */
export function BatchUpdateStrategy(props: BatchUpdateStrategyProps = {}): BatchUpdateStrategyDef {
  return make('BatchUpdateStrategy', props);
}

/** Aurora's VariableBatchUpdateStrategy: `VariableBatchUpdateStrategy({ batchSizes: [1, 2, 3] })`. */
export function VariableBatchUpdateStrategy(props: VariableBatchUpdateStrategyProps): VariableBatchUpdateStrategyDef {
  return make('VariableBatchUpdateStrategy', props);
}

/** Props of an {@link UpdateConfig}: how `aurora update start` rolls a new config out. */
export interface UpdateConfigProps {
  /**
   * How instances are grouped: `QueueUpdateStrategy`, `BatchUpdateStrategy` or
   * `VariableBatchUpdateStrategy`. Set either this or the `batchSize` and
   * `waitForBatchCompletion` shorthand, not both.
   * @default QueueUpdateStrategy({ batchSize }), or BatchUpdateStrategy({ batchSize }) with waitForBatchCompletion
   */
  readonly updateStrategy?: UpdateStrategyDef;
  /**
   * Shorthand: instances updated at once (a `QueueUpdateStrategy` of this size, or a
   * `BatchUpdateStrategy` with `waitForBatchCompletion`). Not with `updateStrategy`.
   * @default 1
   */
  readonly batchSize?: NumberOrTemplate;
  /**
   * Seconds an updated instance must stay RUNNING (and healthy) to count as a success.
   * @default 45
   */
  readonly watchSecs?: NumberOrTemplate;
  /**
   * Restarts of one instance tolerated during the update.
   * @default 0
   */
  readonly maxPerInstanceFailures?: NumberOrTemplate;
  /**
   * Instances that may fail before the whole update fails.
   * @default 0
   */
  readonly maxTotalFailures?: NumberOrTemplate;
  /**
   * Roll back to the previous config when the update fails.
   * @default true
   */
  readonly rollbackOnFailure?: boolean;
  /**
   * Shorthand: wait for a whole batch to finish before the next starts (a `BatchUpdateStrategy`
   * of `batchSize`) rather than refilling it. Not with `updateStrategy`.
   * @default false
   */
  readonly waitForBatchCompletion?: boolean;
  /**
   * When set, the update pauses unless `aurora update pulse` is called within this many seconds.
   * @default none
   */
  readonly pulseIntervalSecs?: NumberOrTemplate;
  /**
   * Take an instance down for its update only while the job keeps its SLA policy
   * (`slaPolicy`, or the cluster's default) without it.
   * @default false
   */
  readonly slaAware?: boolean;
}

export interface UpdateConfigDef extends UpdateConfigProps, Bindable {
  readonly kind: 'UpdateConfig';
}

export function UpdateConfig(props: UpdateConfigProps = {}): UpdateConfigDef {
  return make('UpdateConfig', props);
}

export const UPDATE_CONFIG_DEFAULTS = { ...DSL_DEFAULTS.UpdateConfigProps, ...DSL_DEFAULTS.BatchUpdateStrategyProps } as const;
