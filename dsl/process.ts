import { make, type Bindable } from './node.js';
import type { LoggerDef } from './logger.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of a {@link Process}: one command line the executor supervises. */
export interface ProcessProps {
  /** Name of the process, unique within its task; names its log directory. */
  readonly name: string;
  /** Command line run with `bash -c`; may use `{{thermos.ports[http]}}` and other templates. */
  readonly cmdline: string;
  /**
   * How many times the process may fail before the task gives up on it; 0 means retry forever.
   * @default 1
   */
  readonly maxFailures?: NumberOrTemplate;
  /**
   * Restart the process even when it exits successfully.
   * @default false
   */
  readonly daemon?: boolean;
  /**
   * The task does not wait for this process to end to succeed.
   * @default false
   */
  readonly ephemeral?: boolean;
  /**
   * Seconds to wait between restarts of this process.
   * @default 5
   */
  readonly minDuration?: NumberOrTemplate;
  /**
   * Run after every other process has ended (or the task failed or was killed), for cleanup.
   * @default false
   */
  readonly final?: boolean;
  /**
   * Where stdout and stderr go, and whether they rotate.
   * @default Logger() (files in the sandbox, not rotated)
   */
  readonly logger?: LoggerDef;
}

export interface ProcessDef extends ProcessProps, Bindable {
  readonly kind: 'Process';
}

/** A process of a task, as in Aurora: `Process({ name: 'hello', cmdline: 'echo hello' })`. */
export function Process(props: ProcessProps): ProcessDef {
  return make('Process', props);
}
