/**
 * The configuration language of `*.aurora.ts` files. Configs import it as
 * `import { Job, Process, ... } from '@aurora/dsl'`; the client resolves that specifier to this module.
 */
export { KB, MB, GB, TB } from './units.js';
export { Process, type ProcessProps, type ProcessDef } from './process.js';
export { Resources, type ResourcesProps, type ResourcesDef } from './resources.js';
export { Task, SequentialTask, SimpleTask, Tasks, order, type TaskProps, type TaskDef, type OrderDef } from './task.js';
export { Job, Service, Constraint, type JobProps, type JobDef } from './job.js';
export { thermos, mesos, type BindingValue, type BindingValues } from './templates.js';
export type { Bindable } from './node.js';
export { Logger, RotatePolicy, type LoggerProps, type LoggerDef, type RotatePolicyProps, type RotatePolicyDef } from './logger.js';
export {
  UpdateConfig,
  QueueUpdateStrategy,
  BatchUpdateStrategy,
  VariableBatchUpdateStrategy,
  type UpdateConfigProps,
  type UpdateConfigDef,
  type QueueUpdateStrategyProps,
  type QueueUpdateStrategyDef,
  type BatchUpdateStrategyProps,
  type BatchUpdateStrategyDef,
  type VariableBatchUpdateStrategyProps,
  type VariableBatchUpdateStrategyDef,
  type UpdateStrategyDef,
} from './update-config.js';
export {
  HealthCheckConfig,
  HttpHealthChecker,
  ShellHealthChecker,
  TcpHealthChecker,
  type HealthCheckConfigProps,
  type HealthCheckConfigDef,
  type HealthCheckerDef,
  type HttpHealthCheckerProps,
  type ShellHealthCheckerProps,
  type TcpHealthCheckerProps,
} from './health-check.js';
export {
  LifecycleConfig,
  HttpLifecycleConfig,
  DisableLifecycle,
  type LifecycleConfigProps,
  type LifecycleConfigDef,
  type HttpLifecycleConfigProps,
  type HttpLifecycleConfigDef,
} from './lifecycle.js';
export { Docker, type DockerProps, type DockerDef, type VolumeProps } from './container.js';
export {
  Announcer,
  CountSlaPolicy,
  PercentageSlaPolicy,
  CoordinatorSlaPolicy,
  PartitionPolicy,
  type AnnouncerProps,
  type AnnouncerDef,
  type CountSlaPolicyProps,
  type PercentageSlaPolicyProps,
  type CoordinatorSlaPolicyProps,
  type PartitionPolicyProps,
  type SlaPolicyDef,
  type PartitionPolicyDef,
} from './policies.js';
