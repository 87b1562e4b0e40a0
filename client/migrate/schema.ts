/**
 * Aurora's Pystachio schema, as far as the migration translates it: each struct's fields and the
 * DSL property each becomes. A field not listed here is reported, never guessed. Pure data.
 */

/** What a field holds, which decides how its value is translated. */
export type FieldType =
  | 'string'
  | 'number'
  | 'bool'
  /** A string the DSL types as a union of literals (validated when written as a literal). */
  | { readonly oneOf: readonly string[] }
  /** A struct value (Process, Resources, UpdateConfig, ...). */
  | 'struct'
  | 'list'
  | 'dict'
  /** Task constraints: order(...) lists, [Constraint(order=[...])]. */
  | 'orderConstraints'
  /** Job metadata: [Metadata(key=..., value=...)] becomes { key: value }. */
  | 'metadata'
  /** HealthCheckConfig.health_checker: HealthCheckerConfig(http=...|shell=...) unwraps to its checker. */
  | 'checker'
  /** Job.container: Container(docker=Docker(...)) unwraps to the Docker; Docker(...) and Mesos(...) as they are. */
  | 'container'
  /** Volume.mode: Mode('RO') becomes Mode.RO. */
  | 'mode'
  /** Docker.parameters: [Parameter(name=..., value=...)] becomes [{ name, value }]. */
  | 'parameters'
  /** LifecycleConfig.http: None turns graceful shutdown off. */
  | 'nullableStruct';

export interface FieldSpec {
  /** The DSL property. */
  readonly prop: string;
  readonly type: FieldType;
  /** Whether a value the migration cannot compute may become a `{{name}}` template here. */
  readonly templateOk?: boolean;
}

/**
 * An Aurora field that means nothing in aurora-ts, and why: dropped with a comment that says so,
 * not counted as untranslated.
 */
export interface DroppedField {
  readonly dropped: string;
}

export interface StructSpec {
  /** The DSL factory, or undefined when the struct becomes a plain object (Parameter). */
  readonly factory?: string;
  /** The DSL props type (for `satisfies Partial<...>` of templates that lack required fields). */
  readonly propsType?: string;
  readonly fields: Readonly<Record<string, FieldSpec | DroppedField>>;
  /** DSL properties without which the factory does not type-check. */
  readonly required: readonly string[];
}

const s = (prop: string, templateOk = true): FieldSpec => ({ prop, type: 'string', templateOk });
const n = (prop: string): FieldSpec => ({ prop, type: 'number' });
const b = (prop: string): FieldSpec => ({ prop, type: 'bool' });
const st = (prop: string): FieldSpec => ({ prop, type: 'struct' });
const oneOf = (prop: string, values: readonly string[]): FieldSpec => ({ prop, type: { oneOf: values } });

const PROCESS: StructSpec = {
  factory: 'Process',
  propsType: 'ProcessProps',
  required: ['name', 'cmdline'],
  fields: {
    name: s('name', false),
    cmdline: s('cmdline'),
    max_failures: n('maxFailures'),
    daemon: b('daemon'),
    ephemeral: b('ephemeral'),
    min_duration: n('minDuration'),
    final: b('final'),
    logger: st('logger'),
  },
};

const TASK_FIELDS: StructSpec['fields'] = {
  name: s('name', false),
  processes: { prop: 'processes', type: 'list' },
  constraints: { prop: 'constraints', type: 'orderConstraints' },
  resources: st('resources'),
  max_failures: n('maxFailures'),
  max_concurrency: n('maxConcurrency'),
  finalization_wait: n('finalizationWait'),
  user: { dropped: "tasks run as the job's role, as Aurora's executor runs them; there is no per-task user" },
};

const JOB_FIELDS: StructSpec['fields'] = {
  name: s('name', false),
  role: s('role', false),
  cluster: s('cluster', false),
  environment: s('environment', false),
  task: st('task'),
  instances: n('instances'),
  service: b('service'),
  cron_schedule: s('cronSchedule'),
  cron_collision_policy: oneOf('cronCollisionPolicy', ['KILL_EXISTING', 'CANCEL_NEW']),
  update_config: st('updateConfig'),
  health_check_config: st('healthCheckConfig'),
  constraints: { prop: 'constraints', type: 'dict' },
  production: b('production'),
  tier: oneOf('tier', ['preferred', 'preemptible', 'revocable']),
  priority: n('priority'),
  max_task_failures: n('maxTaskFailures'),
  contact: s('contact'),
  metadata: { prop: 'metadata', type: 'metadata' },
  lifecycle: st('lifecycle'),
  container: { prop: 'container', type: 'container' },
  announce: st('announce'),
  sla_policy: st('slaPolicy'),
  partition_policy: st('partitionPolicy'),
  enable_hooks: { dropped: 'client hooks do not exist in aurora-ts' },
  executor_config: { dropped: 'the executor is built in and cannot be replaced per job' },
  task_links: { dropped: 'Aurora ignores task_links (AURORA-739)' },
};

export const STRUCTS: Readonly<Record<string, StructSpec>> = {
  Process: PROCESS,
  Task: { factory: 'Task', propsType: 'TaskProps', required: ['processes', 'resources'], fields: TASK_FIELDS },
  SequentialTask: { factory: 'SequentialTask', propsType: 'TaskProps', required: ['processes', 'resources'], fields: TASK_FIELDS },
  Resources: {
    factory: 'Resources',
    propsType: 'ResourcesProps',
    required: ['cpu', 'ram', 'disk'],
    fields: { cpu: n('cpu'), ram: n('ram'), disk: n('disk'), gpu: n('gpu') },
  },
  Job: { factory: 'Job', propsType: 'JobProps', required: ['cluster', 'role', 'environment', 'task'], fields: JOB_FIELDS },
  // Aurora's own name for Job (`Job = MesosJob` in its schema)
  MesosJob: { factory: 'Job', propsType: 'JobProps', required: ['cluster', 'role', 'environment', 'task'], fields: JOB_FIELDS },
  Service: { factory: 'Service', propsType: 'JobProps', required: ['cluster', 'role', 'environment', 'task'], fields: JOB_FIELDS },
  UpdateConfig: {
    factory: 'UpdateConfig',
    required: [],
    fields: {
      batch_size: n('batchSize'),
      watch_secs: n('watchSecs'),
      max_per_shard_failures: n('maxPerInstanceFailures'),
      max_per_instance_failures: n('maxPerInstanceFailures'),
      max_total_failures: n('maxTotalFailures'),
      rollback_on_failure: b('rollbackOnFailure'),
      wait_for_batch_completion: b('waitForBatchCompletion'),
      pulse_interval_secs: n('pulseIntervalSecs'),
      sla_aware: b('slaAware'),
      update_strategy: st('updateStrategy'),
      restart_threshold: { dropped: 'Aurora ignores it since its scheduler-driven updater; watch_secs decides' },
    },
  },
  // Aurora 0.22's update strategies, the choices of UpdateConfig.update_strategy.
  QueueUpdateStrategy: { factory: 'QueueUpdateStrategy', required: [], fields: { batch_size: n('batchSize') } },
  BatchUpdateStrategy: {
    factory: 'BatchUpdateStrategy',
    required: [],
    fields: { batch_size: n('batchSize'), autopause_after_batch: b('autopauseAfterBatch') },
  },
  VariableBatchUpdateStrategy: {
    factory: 'VariableBatchUpdateStrategy',
    propsType: 'VariableBatchUpdateStrategyProps',
    required: ['batchSizes'],
    fields: { batch_sizes: { prop: 'batchSizes', type: 'list' }, autopause_after_batch: b('autopauseAfterBatch') },
  },
  HealthCheckConfig: {
    factory: 'HealthCheckConfig',
    required: [],
    fields: {
      health_checker: { prop: 'healthChecker', type: 'checker' },
      initial_interval_secs: n('initialIntervalSecs'),
      interval_secs: n('intervalSecs'),
      timeout_secs: n('timeoutSecs'),
      max_consecutive_failures: n('maxConsecutiveFailures'),
      min_consecutive_successes: n('minConsecutiveSuccesses'),
      // Aurora's older spelling: the HTTP checker's fields directly on HealthCheckConfig.
      endpoint: s('endpoint'),
      expected_response: s('expectedResponse'),
      expected_response_code: n('expectedResponseCode'),
    },
  },
  HttpHealthChecker: {
    factory: 'HttpHealthChecker',
    required: [],
    fields: { endpoint: s('endpoint'), expected_response: s('expectedResponse'), expected_response_code: n('expectedResponseCode') },
  },
  ShellHealthChecker: { factory: 'ShellHealthChecker', required: ['shellCommand'], fields: { shell_command: s('shellCommand') } },
  LifecycleConfig: { factory: 'LifecycleConfig', required: [], fields: { http: { prop: 'http', type: 'nullableStruct' } } },
  HttpLifecycleConfig: {
    factory: 'HttpLifecycleConfig',
    required: [],
    fields: {
      port: s('port'),
      graceful_shutdown_endpoint: s('gracefulShutdownEndpoint'),
      shutdown_endpoint: s('shutdownEndpoint'),
      graceful_shutdown_wait_secs: n('gracefulShutdownWaitSecs'),
      shutdown_wait_secs: n('shutdownWaitSecs'),
    },
  },
  Logger: {
    factory: 'Logger',
    required: [],
    fields: {
      destination: oneOf('destination', ['file', 'console', 'both', 'none']),
      mode: oneOf('mode', ['standard', 'rotate']),
      rotate: st('rotate'),
    },
  },
  RotatePolicy: { factory: 'RotatePolicy', required: [], fields: { log_size: n('logSize'), backups: n('backups') } },
  Docker: {
    factory: 'Docker',
    propsType: 'DockerProps',
    required: ['image'],
    fields: { image: s('image'), parameters: { prop: 'parameters', type: 'parameters' } },
  },
  Parameter: { required: ['name', 'value'], fields: { name: s('name'), value: s('value') } },
  // the unified containerizer
  Mesos: {
    factory: 'Mesos',
    required: [],
    fields: { image: st('image'), volumes: { prop: 'volumes', type: 'list' } },
  },
  DockerImage: { factory: 'DockerImage', propsType: 'DockerImageProps', required: ['name'], fields: { name: s('name'), tag: s('tag') } },
  AppcImage: {
    factory: 'AppcImage',
    propsType: 'AppcImageProps',
    required: ['name', 'imageId'],
    fields: { name: s('name'), image_id: s('imageId') },
  },
  Volume: {
    factory: 'Volume',
    propsType: 'VolumeProps',
    required: ['containerPath', 'hostPath'],
    fields: { container_path: s('containerPath'), host_path: s('hostPath'), mode: { prop: 'mode', type: 'mode' } },
  },
  Announcer: {
    factory: 'Announcer',
    required: [],
    fields: { primary_port: s('primaryPort'), portmap: { prop: 'portmap', type: 'dict' }, zk_path: s('zkPath') },
  },
  CountSlaPolicy: { factory: 'CountSlaPolicy', required: ['count'], fields: { count: n('count'), duration_secs: n('durationSecs') } },
  PercentageSlaPolicy: {
    factory: 'PercentageSlaPolicy',
    required: ['percentage'],
    fields: { percentage: n('percentage'), duration_secs: n('durationSecs') },
  },
  CoordinatorSlaPolicy: {
    factory: 'CoordinatorSlaPolicy',
    required: ['coordinatorUrl'],
    fields: { coordinator_url: s('coordinatorUrl'), status_key: s('statusKey') },
  },
  PartitionPolicy: { factory: 'PartitionPolicy', required: [], fields: { reschedule: b('reschedule'), delay_secs: n('delaySecs') } },
};

/** Aurora names with no translation, and what to do instead. */
export const UNSUPPORTED_NAMES: Readonly<Record<string, string>> = {
  Packer: 'Packer packages do not exist in aurora-ts; fetch the artifact in a process (curl, cp) instead',
  Struct: 'Struct is translated only as the base of a class: class Profile(Struct)',
  Default: 'Default(...) is translated only as a field of a Struct class',
  Required: 'Required(...) is translated only as a field of a Struct class',
  List: 'List(...) fields of a Struct are not translated; the DSL\'s Struct has String, Integer, Float, Boolean and Struct fields',
  Map: 'Map(...) fields of a Struct are not translated; the DSL\'s Struct has String, Integer, Float, Boolean and Struct fields',
  Choice: 'Choice(...) is not translated',
  Enum: 'Enum(...) is not translated; use a string',
  ExecutorConfig: 'the executor is built in',
  HealthCheckerConfig: 'HealthCheckerConfig is only translated as the health_checker of a HealthCheckConfig',
  Container: 'Container is only translated as the container of a Job',
  Mode: "Mode is translated as Mode('RO') or Mode('RW') in a Volume",
  Metadata: 'Metadata is only translated in the metadata list of a Job',
  Constraint: 'Constraint is only translated in the constraints of a Task',
  LoggerDestination: 'LoggerDestination is only translated as the destination of a Logger',
  LoggerMode: 'LoggerMode is only translated as the mode of a Logger',
};

/** The byte units, which the DSL exports under the same names. */
export const UNITS = new Set(['KB', 'MB', 'GB', 'TB']);
