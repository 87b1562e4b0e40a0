import type { HealthCheckerSpec, JobSpec } from './jobspec.js';

/**
 * When a job's health check applies to a task. The executor runs the check only then, and the
 * scheduler's updater counts a task as healthy without one only then, so both read this one rule.
 */

/**
 * The checker that applies to a task, or null: an http or tcp checker only when the task uses
 * the named port (the scheduler assigned it), a shell checker always.
 */
export function activeChecker(job: JobSpec, ports: Readonly<Record<string, number>>): HealthCheckerSpec | null {
  const checker = job.healthCheck.checker;
  if (checker.kind === 'shell') return checker;
  return ports[checker.port] === undefined ? null : checker;
}

/** Whether the task's health is checked; if not, a RUNNING task counts as healthy. */
export function healthCheckApplies(job: JobSpec, ports: Readonly<Record<string, number>>): boolean {
  return activeChecker(job, ports) !== null;
}
