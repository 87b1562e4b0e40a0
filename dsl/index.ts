/**
 * The configuration language of `*.aurora.ts` files. Configs import it as
 * `import { Job, Process, ... } from '@aurora/dsl'`; the client resolves that specifier to this module.
 */
export { KB, MB, GB, TB } from './units.js';
export { Process, type ProcessProps, type ProcessDef } from './process.js';
export { Resources, type ResourcesProps, type ResourcesDef } from './resources.js';
export {
  Task,
  SequentialTask,
  SimpleTask,
  Tasks,
  order,
  type TaskProps,
  type TaskDef,
  type OrderDef,
  type OrderConstraints,
} from './task.js';
export { Job, MesosJob, Service, Constraint, type JobProps, type JobDef } from './job.js';
export { thermos, mesos, type BindingValue, type BindingValues, type Template, type NumberOrTemplate } from './templates.js';
export {
  Struct,
  Default,
  Required,
  Integer,
  Float,
  type StructType,
  type StructValue,
  type StructProps,
  type StructFields,
  type FieldType,
  type FieldSpec,
  type DefaultField,
  type RequiredField,
  type IntegerType,
  type FloatType,
} from './struct.js';
export { currentUser, fileDigest, type DigestAlgorithm } from './host.js';
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
export {
  Docker,
  Mesos,
  DockerImage,
  AppcImage,
  Volume,
  Mode,
  type DockerProps,
  type DockerDef,
  type VolumeProps,
  type VolumeDef,
  type MesosProps,
  type MesosDef,
  type DockerImageProps,
  type DockerImageDef,
  type AppcImageProps,
  type AppcImageDef,
  type ContainerDef,
} from './container.js';
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
