import { DSL_DEFAULTS } from './defaults.js';
import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of an {@link HttpHealthChecker}: GET an endpoint on a named port. */
export interface HttpHealthCheckerProps {
  /**
   * Named port the check connects to; the check runs only when the task uses that port.
   * @default 'health'
   */
  readonly port?: string;
  /**
   * Path requested.
   * @default '/health'
   */
  readonly endpoint?: string;
  /**
   * Body the endpoint must answer with (trimmed, case-insensitive); '' accepts any body.
   * @default 'ok'
   */
  readonly expectedResponse?: string;
  /**
   * Status the endpoint must answer with; 0 accepts any 2xx.
   * @default 0
   */
  readonly expectedResponseCode?: NumberOrTemplate;
}

export interface HttpHealthCheckerDef extends HttpHealthCheckerProps, Bindable {
  readonly kind: 'HttpHealthChecker';
}

export function HttpHealthChecker(props: HttpHealthCheckerProps = {}): HttpHealthCheckerDef {
  return make('HttpHealthChecker', props);
}

/** Props of a {@link ShellHealthChecker}: a command that exits 0 when healthy. */
export interface ShellHealthCheckerProps {
  /** Command run with `bash -c` in the sandbox. */
  readonly shellCommand: string;
}

export interface ShellHealthCheckerDef extends ShellHealthCheckerProps, Bindable {
  readonly kind: 'ShellHealthChecker';
}

export function ShellHealthChecker(props: ShellHealthCheckerProps): ShellHealthCheckerDef {
  return make('ShellHealthChecker', props);
}

/** Props of a {@link TcpHealthChecker}: healthy when the named port accepts a connection. */
export interface TcpHealthCheckerProps {
  /**
   * Named port connected to.
   * @default 'health'
   */
  readonly port?: string;
}

export interface TcpHealthCheckerDef extends TcpHealthCheckerProps, Bindable {
  readonly kind: 'TcpHealthChecker';
}

export function TcpHealthChecker(props: TcpHealthCheckerProps = {}): TcpHealthCheckerDef {
  return make('TcpHealthChecker', props);
}

export type HealthCheckerDef = HttpHealthCheckerDef | ShellHealthCheckerDef | TcpHealthCheckerDef;

/** Props of a {@link HealthCheckConfig}: how the executor decides a task is healthy. */
export interface HealthCheckConfigProps {
  /**
   * The check.
   * @default HttpHealthChecker() (GET /health on the port named `health`, expecting `ok`)
   */
  readonly healthChecker?: HealthCheckerDef;
  /**
   * Seconds after start during which failures do not count.
   * @default 15
   */
  readonly initialIntervalSecs?: NumberOrTemplate;
  /**
   * Seconds between checks.
   * @default 10
   */
  readonly intervalSecs?: NumberOrTemplate;
  /**
   * Seconds a check may take.
   * @default 1
   */
  readonly timeoutSecs?: NumberOrTemplate;
  /**
   * Consecutive failures tolerated before the task is unhealthy and killed.
   * @default 0
   */
  readonly maxConsecutiveFailures?: NumberOrTemplate;
  /**
   * Consecutive successes needed before the task counts as healthy.
   * @default 1
   */
  readonly minConsecutiveSuccesses?: NumberOrTemplate;
}

export interface HealthCheckConfigDef extends HealthCheckConfigProps, Bindable {
  readonly kind: 'HealthCheckConfig';
}

export function HealthCheckConfig(props: HealthCheckConfigProps = {}): HealthCheckConfigDef {
  return make('HealthCheckConfig', props);
}

export const HEALTH_CHECK_DEFAULTS = { ...DSL_DEFAULTS.HttpHealthCheckerProps, ...DSL_DEFAULTS.HealthCheckConfigProps } as const;
