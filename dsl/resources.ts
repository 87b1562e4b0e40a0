import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of {@link Resources}: what one instance of a task reserves on its host. */
export interface ResourcesProps {
  /** CPU cores, fractions allowed (`0.25`); a `{{template}}` bound to a number works too. */
  readonly cpu: NumberOrTemplate;
  /** Memory in bytes; write it with the units, as `128 * MB`. */
  readonly ram: NumberOrTemplate;
  /** Sandbox disk in bytes; write it with the units, as `1 * GB`. */
  readonly disk: NumberOrTemplate;
  /**
   * Whole GPUs.
   * @default 0
   */
  readonly gpu?: NumberOrTemplate;
}

export interface ResourcesDef extends ResourcesProps, Bindable {
  readonly kind: 'Resources';
}

/** Resources of one task instance: `Resources({ cpu: 0.5, ram: 128 * MB, disk: 256 * MB })`. */
export function Resources(props: ResourcesProps): ResourcesDef {
  return make('Resources', props);
}
