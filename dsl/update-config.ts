import { make, type Bindable } from './node.js';
/** Props of an {@link UpdateConfig}: how `aurora update start` rolls a new config out. */
export interface UpdateConfigProps {
  /**
   * Instances updated at once.
   * @default 1
   */
  readonly batchSize?: number;
  /**
   * Seconds an updated instance must stay RUNNING (and healthy) to count as a success.
   * @default 45
   */
  readonly watchSecs?: number;
  /**
   * Restarts of one instance tolerated during the update.
   * @default 0
   */
  readonly maxPerInstanceFailures?: number;
  /**
   * Instances that may fail before the whole update fails.
   * @default 0
   */
  readonly maxTotalFailures?: number;
  /**
   * Roll back to the previous config when the update fails.
   * @default true
   */
  readonly rollbackOnFailure?: boolean;
  /**
   * Wait for a whole batch to finish before the next starts (rather than refilling it).
   * @default false
   */
  readonly waitForBatchCompletion?: boolean;
  /**
   * When set, the update pauses unless `aurora update pulse` is called within this many seconds.
   * @default none
   */
  readonly pulseIntervalSecs?: number;
}

export interface UpdateConfigDef extends UpdateConfigProps, Bindable {
  readonly kind: 'UpdateConfig';
}

export function UpdateConfig(props: UpdateConfigProps = {}): UpdateConfigDef {
  return make('UpdateConfig', props);
}

export const UPDATE_CONFIG_DEFAULTS = {
  batchSize: 1,
  watchSecs: 45,
  maxPerInstanceFailures: 0,
  maxTotalFailures: 0,
  rollbackOnFailure: true,
  waitForBatchCompletion: false,
} as const;
