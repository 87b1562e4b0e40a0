import type { TaskState } from '../../api/constants.js';

/**
 * What the updater sees of one instance: the scheduler builds it from the instance's current
 * task, so the update state machine never reads the cluster state itself.
 */
export interface InstanceObservation {
  /** The instance's current task: its active one, else its latest ended one. */
  readonly taskId: string;
  readonly specHash: string;
  readonly state: TaskState;
  /** When it last became RUNNING; null if not running. */
  readonly runningSince: number | null;
  /**
   * HEALTHY, or its health check does not apply (dsl/health-check-applies.ts), so a RUNNING task
   * without a check counts as healthy.
   */
  readonly healthy: boolean;
}
