import { MB } from './units.js';

/**
 * Aurora's defaults, in one place: for each DSL props interface, the value each optional field
 * takes when a config leaves it out. The compiler reads them from here, and defaults.test.ts
 * holds every `@default` in the DSL's JSDoc to this table (a field whose default is not a plain
 * value, such as "the task's name", is documented in words and resolved by the compiler).
 */
export const DSL_DEFAULTS = {
  JobProps: {
    instances: 1,
    service: false,
    cronCollisionPolicy: 'KILL_EXISTING',
    priority: 0,
    maxTaskFailures: 1,
    constraints: {},
    metadata: {},
  },
  TaskProps: { constraints: [], maxFailures: 1, maxConcurrency: 0, finalizationWait: 30 },
  ProcessProps: { maxFailures: 1, daemon: false, ephemeral: false, minDuration: 5, final: false },
  ResourcesProps: { gpu: 0 },
  LoggerProps: { destination: 'file', mode: 'standard' },
  RotatePolicyProps: { logSize: 100 * MB, backups: 5 },
  QueueUpdateStrategyProps: { batchSize: 1 },
  BatchUpdateStrategyProps: { batchSize: 1, autopauseAfterBatch: false },
  VariableBatchUpdateStrategyProps: { autopauseAfterBatch: false },
  UpdateConfigProps: {
    batchSize: 1,
    watchSecs: 45,
    maxPerInstanceFailures: 0,
    maxTotalFailures: 0,
    rollbackOnFailure: true,
    waitForBatchCompletion: false,
    slaAware: false,
  },
  HttpHealthCheckerProps: { port: 'health', endpoint: '/health', expectedResponse: 'ok', expectedResponseCode: 0 },
  TcpHealthCheckerProps: { port: 'health' },
  HealthCheckConfigProps: { initialIntervalSecs: 15, intervalSecs: 10, timeoutSecs: 1, maxConsecutiveFailures: 0, minConsecutiveSuccesses: 1 },
  HttpLifecycleConfigProps: {
    port: 'health',
    gracefulShutdownEndpoint: '/quitquitquit',
    shutdownEndpoint: '/abortabortabort',
    gracefulShutdownWaitSecs: 5,
    shutdownWaitSecs: 5,
  },
  DockerProps: { parameters: [], portMappings: {}, volumes: [] },
  VolumeProps: { mode: 'RO' },
  DockerImageProps: { tag: 'latest' },
  MesosProps: { volumes: [] },
  AnnouncerProps: { primaryPort: 'http' },
  CountSlaPolicyProps: { durationSecs: 0 },
  PercentageSlaPolicyProps: { durationSecs: 0 },
  CoordinatorSlaPolicyProps: { statusKey: 'drain' },
  PartitionPolicyProps: { reschedule: true, delaySecs: 0 },
} as const;
