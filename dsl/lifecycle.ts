import { DSL_DEFAULTS } from './defaults.js';
import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of an {@link HttpLifecycleConfig}: graceful shutdown over HTTP before any signal. */
export interface HttpLifecycleConfigProps {
  /**
   * Named port the shutdown requests go to; used only when the task uses that port.
   * @default 'health'
   */
  readonly port?: string;
  /**
   * POSTed first, asking the task to drain and exit.
   * @default '/quitquitquit'
   */
  readonly gracefulShutdownEndpoint?: string;
  /**
   * POSTed when the task is still running after gracefulShutdownWaitSecs.
   * @default '/abortabortabort'
   */
  readonly shutdownEndpoint?: string;
  /**
   * Seconds to wait after the graceful request.
   * @default 5
   */
  readonly gracefulShutdownWaitSecs?: NumberOrTemplate;
  /**
   * Seconds to wait after the shutdown request, before SIGTERM.
   * @default 5
   */
  readonly shutdownWaitSecs?: NumberOrTemplate;
}

export interface HttpLifecycleConfigDef extends HttpLifecycleConfigProps, Bindable {
  readonly kind: 'HttpLifecycleConfig';
}

export function HttpLifecycleConfig(props: HttpLifecycleConfigProps = {}): HttpLifecycleConfigDef {
  return make('HttpLifecycleConfig', props);
}

/** Props of a {@link LifecycleConfig}. */
export interface LifecycleConfigProps {
  /**
   * HTTP graceful shutdown; `null` turns it off.
   * @default HttpLifecycleConfig()
   */
  readonly http?: HttpLifecycleConfigDef | null;
}

export interface LifecycleConfigDef extends LifecycleConfigProps, Bindable {
  readonly kind: 'LifecycleConfig';
}

export function LifecycleConfig(props: LifecycleConfigProps = {}): LifecycleConfigDef {
  return make('LifecycleConfig', props);
}

/** A lifecycle with no graceful shutdown: processes get SIGTERM, then SIGKILL. */
export const DisableLifecycle: LifecycleConfigDef = LifecycleConfig({ http: null });

export const LIFECYCLE_DEFAULTS = DSL_DEFAULTS.HttpLifecycleConfigProps;
