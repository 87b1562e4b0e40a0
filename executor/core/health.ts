import type { HealthCheckerSpec, HealthCheckSpec } from '../../dsl/jobspec.js';
import type { Health } from '../../scheduler/api/task.js';

/**
 * Health checks, the pure part: which checker applies to a task, when to check next, and what a
 * result means (healthy, unhealthy, kill the task). Aurora's rules: checks begin when the task
 * runs; failures within `initialIntervalSecs` do not count until the task was healthy once;
 * `minConsecutiveSuccesses` successes in a row make it HEALTHY; more than
 * `maxConsecutiveFailures` failures in a row make it UNHEALTHY and get it killed (it ends FAILED,
 * and the scheduler replaces it). No clock: times come in.
 */

/** The answer of one check, e.g. `{ ok: false, message: 'GET /health answered 500' }`. */
export interface HealthCheckResult {
  readonly at: number;
  readonly ok: boolean;
  readonly message: string;
}

export interface HealthTrack {
  readonly health: Health;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Became HEALTHY at least once (from then on every failure counts). */
  readonly everHealthy: boolean;
  /** When the last check was made; null before the first. */
  readonly lastCheckAt: number | null;
}

export const INITIAL_HEALTH_TRACK: HealthTrack = {
  health: 'UNKNOWN',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  everHealthy: false,
  lastCheckAt: null,
};

export interface HealthDecision {
  readonly track: HealthTrack;
  /** The health changed: record and report it. */
  readonly change: { readonly health: Health; readonly message: string } | null;
  /** The task must die with this reason (it ends FAILED). */
  readonly kill: string | null;
}

/** The rule lives with the config language because the scheduler's updater applies it too. */
export { activeChecker } from '../../dsl/health-check-applies.js';

/** The time of the next check: at once when the task runs, then every `intervalSecs`. */
export function nextCheckAt(track: HealthTrack, runningSince: number, spec: HealthCheckSpec): number {
  return track.lastCheckAt === null ? runningSince : track.lastCheckAt + spec.intervalSecs * 1000;
}

function times(n: number): string {
  return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times in a row`;
}

/** What one more result means. `runningSince` is when the task began running. */
export function nextHealth(track: HealthTrack, result: HealthCheckResult, spec: HealthCheckSpec, runningSince: number): HealthDecision {
  if (result.ok) {
    const successes = track.consecutiveSuccesses + 1;
    const healthy = successes >= spec.minConsecutiveSuccesses;
    const next: HealthTrack = {
      health: healthy ? 'HEALTHY' : track.health,
      consecutiveFailures: 0,
      consecutiveSuccesses: successes,
      everHealthy: track.everHealthy || healthy,
      lastCheckAt: result.at,
    };
    const change = healthy && track.health !== 'HEALTHY' ? { health: 'HEALTHY' as const, message: result.message } : null;
    return { track: next, change, kill: null };
  }
  const grace = !track.everHealthy && result.at < runningSince + spec.initialIntervalSecs * 1000;
  if (grace) {
    return { track: { ...track, consecutiveSuccesses: 0, lastCheckAt: result.at }, change: null, kill: null };
  }
  const failures = track.consecutiveFailures + 1;
  const next: HealthTrack = { ...track, consecutiveFailures: failures, consecutiveSuccesses: 0, lastCheckAt: result.at };
  if (failures <= spec.maxConsecutiveFailures) return { track: next, change: null, kill: null };
  const message = `${result.message}${failures > 1 ? `, ${times(failures)}` : ''}`;
  return {
    track: { ...next, health: 'UNHEALTHY' },
    change: track.health === 'UNHEALTHY' ? null : { health: 'UNHEALTHY', message },
    kill: `Failed health check: ${message}`,
  };
}

/** What an http check's answer means: `{ ok, message }` with the message in words. */
export function judgeHttpAnswer(
  checker: Extract<HealthCheckerSpec, { kind: 'http' }>,
  status: number,
  body: string,
): { ok: boolean; message: string } {
  const what = `GET ${checker.endpoint} answered ${status}`;
  const statusOk = checker.expectedResponseCode === 0 ? status >= 200 && status < 300 : status === checker.expectedResponseCode;
  if (!statusOk) {
    const wanted = checker.expectedResponseCode === 0 ? '2xx' : String(checker.expectedResponseCode);
    return { ok: false, message: `${what} (expected ${wanted})` };
  }
  const expected = checker.expectedResponse.trim().toLowerCase();
  if (expected !== '' && body.trim().toLowerCase() !== expected) {
    const shown = body.trim().slice(0, 60);
    return { ok: false, message: `${what} with '${shown}' (expected '${checker.expectedResponse}')` };
  }
  return { ok: true, message: what };
}
