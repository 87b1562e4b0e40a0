/** The typed HTTP client of the scheduler API, shared by `aurora` and `aurora-admin`. */
export {
  SchedulerClient,
  taskParams,
  type SchedulerClientOptions,
  type Credentials,
  type GetJobOptions,
  type GetUpdateOptions,
  type UpdateQuery,
  type HealthStatus,
  type TaskQuery,
} from './scheduler-client.js';
export { describeNetworkFailure } from './network-errors.js';
