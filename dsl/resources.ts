import { make, type Bindable } from './node.js';
/** Props of {@link Resources}: what one instance of a task reserves on its host. */
export interface ResourcesProps {
  /** CPU cores, fractions allowed (`0.25`). */
  readonly cpu: number;
  /** Memory in bytes; write it with the units, as `128 * MB`. */
  readonly ram: number;
  /** Sandbox disk in bytes; write it with the units, as `1 * GB`. */
  readonly disk: number;
  /**
   * Whole GPUs.
   * @default 0
   */
  readonly gpu?: number;
}

export interface ResourcesDef extends ResourcesProps, Bindable {
  readonly kind: 'Resources';
}

/** Resources of one task instance: `Resources({ cpu: 0.5, ram: 128 * MB, disk: 256 * MB })`. */
export function Resources(props: ResourcesProps): ResourcesDef {
  return make('Resources', props);
}
