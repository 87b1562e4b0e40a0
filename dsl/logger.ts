import { make, type Bindable } from './node.js';
import { DSL_DEFAULTS } from './defaults.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of a {@link RotatePolicy}: how big a log file grows and how many old ones are kept. */
export interface RotatePolicyProps {
  /**
   * Bytes a log file may reach before it is rotated.
   * @default 100 * MB
   */
  readonly logSize?: NumberOrTemplate;
  /**
   * Rotated files kept besides the current one.
   * @default 5
   */
  readonly backups?: NumberOrTemplate;
}

export interface RotatePolicyDef extends RotatePolicyProps, Bindable {
  readonly kind: 'RotatePolicy';
}

export function RotatePolicy(props: RotatePolicyProps = {}): RotatePolicyDef {
  return make('RotatePolicy', props);
}

/** Props of a {@link Logger}: where a process's stdout and stderr go. */
export interface LoggerProps {
  /**
   * `file` (the sandbox's `.logs/`), `console` (the agent's own output), `both`, or `none`.
   * @default 'file'
   */
  readonly destination?: 'file' | 'console' | 'both' | 'none';
  /**
   * `standard` keeps each run's whole output; `rotate` rotates it by {@link rotate}.
   * @default 'standard'
   */
  readonly mode?: 'standard' | 'rotate';
  /**
   * Rotation settings, used when mode is `rotate`.
   * @default RotatePolicy() (100 MB, 5 backups)
   */
  readonly rotate?: RotatePolicyDef;
}

export interface LoggerDef extends LoggerProps, Bindable {
  readonly kind: 'Logger';
}

/** A process's logger: `Logger({ mode: 'rotate', rotate: RotatePolicy({ logSize: 10 * MB }) })`. */
export function Logger(props: LoggerProps = {}): LoggerDef {
  return make('Logger', props);
}

export const LOGGER_DEFAULTS = { ...DSL_DEFAULTS.LoggerProps, ...DSL_DEFAULTS.RotatePolicyProps } as const;
