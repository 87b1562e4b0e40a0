import { make, type Bindable } from './node.js';
import type { NumberOrTemplate } from './templates.js';

/** Props of an {@link Announcer}: endpoints to publish for service discovery. */
export interface AnnouncerProps {
  /**
   * Port published as the primary endpoint.
   * @default 'http'
   */
  readonly primaryPort?: string;
  /**
   * Endpoint name to a port name or a fixed port number.
   * @default { aurora: primaryPort }
   */
  readonly portmap?: Readonly<Record<string, string | number>>;
  /**
   * Path to announce under.
   * @default none (the cluster's)
   */
  readonly zkPath?: string;
}

export interface AnnouncerDef extends AnnouncerProps, Bindable {
  readonly kind: 'Announcer';
}

export function Announcer(props: AnnouncerProps = {}): AnnouncerDef {
  return make('Announcer', props);
}

/** SLA: at least `count` instances must be RUNNING for `durationSecs` before maintenance may take one. */
export interface CountSlaPolicyProps {
  /** Instances that must stay RUNNING (at least 1). */
  readonly count: NumberOrTemplate;
  /**
   * Seconds each of them must have been RUNNING.
   * @default 0
   */
  readonly durationSecs?: NumberOrTemplate;
}

/** SLA: at least `percentage` of instances must be RUNNING for `durationSecs`. */
export interface PercentageSlaPolicyProps {
  /** Percentage of instances that must stay RUNNING (more than 0, at most 100). */
  readonly percentage: NumberOrTemplate;
  /**
   * Seconds each of them must have been RUNNING.
   * @default 0
   */
  readonly durationSecs?: NumberOrTemplate;
}

/** SLA: an external coordinator is asked before an instance is taken. */
export interface CoordinatorSlaPolicyProps {
  /** URL the scheduler asks (POST) before it takes an instance down. */
  readonly coordinatorUrl: string;
  /**
   * Key of the coordinator's JSON answer that says yes.
   * @default 'drain'
   */
  readonly statusKey?: string;
}

export type SlaPolicyDef =
  | (CountSlaPolicyProps & Bindable & { readonly kind: 'CountSlaPolicy' })
  | (PercentageSlaPolicyProps & Bindable & { readonly kind: 'PercentageSlaPolicy' })
  | (CoordinatorSlaPolicyProps & Bindable & { readonly kind: 'CoordinatorSlaPolicy' });

export function CountSlaPolicy(props: CountSlaPolicyProps): SlaPolicyDef {
  return make('CountSlaPolicy', props);
}

export function PercentageSlaPolicy(props: PercentageSlaPolicyProps): SlaPolicyDef {
  return make('PercentageSlaPolicy', props);
}

export function CoordinatorSlaPolicy(props: CoordinatorSlaPolicyProps): SlaPolicyDef {
  return make('CoordinatorSlaPolicy', props);
}

/** Props of a {@link PartitionPolicy}: what happens to a task whose agent is unreachable. */
export interface PartitionPolicyProps {
  /**
   * Replace the task elsewhere once its agent is lost.
   * @default true
   */
  readonly reschedule?: boolean;
  /**
   * Seconds to wait before replacing it.
   * @default 0
   */
  readonly delaySecs?: NumberOrTemplate;
}

export interface PartitionPolicyDef extends PartitionPolicyProps, Bindable {
  readonly kind: 'PartitionPolicy';
}

export function PartitionPolicy(props: PartitionPolicyProps = {}): PartitionPolicyDef {
  return make('PartitionPolicy', props);
}
