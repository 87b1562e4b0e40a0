import { describe, expect, it } from 'vitest';
import type { HealthCheckSpec } from '../../dsl/jobspec.js';
import { healthCheckApplies } from '../../dsl/health-check-applies.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import { activeChecker, INITIAL_HEALTH_TRACK, judgeHttpAnswer, nextCheckAt, nextHealth, type HealthTrack } from './health.js';

const T0 = 1_700_000_000_000;
const http = { kind: 'http' as const, port: 'health', endpoint: '/health', expectedResponse: 'ok', expectedResponseCode: 0 };
const spec = (extra: Partial<HealthCheckSpec> = {}): HealthCheckSpec => ({
  checker: http,
  initialIntervalSecs: 15,
  intervalSecs: 10,
  timeoutSecs: 1,
  maxConsecutiveFailures: 0,
  minConsecutiveSuccesses: 1,
  ...extra,
});
const ok = (at: number) => ({ at, ok: true, message: 'GET /health answered 200' });
const bad = (at: number) => ({ at, ok: false, message: 'GET /health answered 500 (expected 2xx)' });

/** Feeds results one after the other; returns every decision. */
function feed(s: HealthCheckSpec, results: { at: number; ok: boolean; message: string }[]) {
  let track: HealthTrack = INITIAL_HEALTH_TRACK;
  return results.map((r) => {
    const d = nextHealth(track, r, s, T0);
    track = d.track;
    return d;
  });
}

describe('health checks', () => {
  it('check at once when the task runs, then every interval', () => {
    expect(nextCheckAt(INITIAL_HEALTH_TRACK, T0, spec())).toBe(T0);
    expect(nextCheckAt({ ...INITIAL_HEALTH_TRACK, lastCheckAt: T0 + 3 }, T0, spec())).toBe(T0 + 10_003);
  });

  it('becomes HEALTHY after minConsecutiveSuccesses successes in a row, saying so once', () => {
    const [a, b, c] = feed(spec({ minConsecutiveSuccesses: 2 }), [ok(T0), ok(T0 + 10_000), ok(T0 + 20_000)]);
    expect(a?.change).toBeNull();
    expect(b?.change).toEqual({ health: 'HEALTHY', message: 'GET /health answered 200' });
    expect(c?.change).toBeNull();
    expect(c?.track.health).toBe('HEALTHY');
  });

  it('ignores failures within the initial interval while the task was never healthy', () => {
    const ds = feed(spec(), [bad(T0), bad(T0 + 10_000)]);
    expect(ds.map((d) => d.kill)).toEqual([null, null]);
    expect(ds[1]?.track.health).toBe('UNKNOWN');
  });

  it('kills after more than maxConsecutiveFailures failures in a row, with the reason', () => {
    const s = spec({ initialIntervalSecs: 0, maxConsecutiveFailures: 2 });
    const ds = feed(s, [ok(T0), bad(T0 + 1), bad(T0 + 2), bad(T0 + 3)]);
    expect(ds.map((d) => d.kill)).toEqual([null, null, null, 'Failed health check: GET /health answered 500 (expected 2xx), 3 times in a row']);
    expect(ds[3]?.change).toEqual({ health: 'UNHEALTHY', message: 'GET /health answered 500 (expected 2xx), 3 times in a row' });
  });

  it('with maxConsecutiveFailures 0 the first counted failure kills', () => {
    const ds = feed(spec({ initialIntervalSecs: 5 }), [bad(T0 + 1000), bad(T0 + 5000)]);
    expect(ds[0]?.kill).toBeNull();
    expect(ds[1]?.kill).toBe('Failed health check: GET /health answered 500 (expected 2xx)');
  });

  it('counts failures in the initial interval once the task was healthy', () => {
    const ds = feed(spec(), [ok(T0), bad(T0 + 1)]);
    expect(ds[1]?.kill).toContain('Failed health check');
  });

  it('a success resets the failure count', () => {
    const s = spec({ initialIntervalSecs: 0, maxConsecutiveFailures: 1 });
    const ds = feed(s, [bad(T0), ok(T0 + 1), bad(T0 + 2), ok(T0 + 3)]);
    expect(ds.every((d) => d.kill === null)).toBe(true);
  });

  it('applies http and tcp checks only when the task uses the port, shell checks always', () => {
    const job = sampleJobSpec();
    expect(activeChecker({ ...job, healthCheck: spec() }, {})).toBeNull();
    expect(activeChecker({ ...job, healthCheck: spec() }, { health: 31000 })).toEqual(http);
    const tcp = { kind: 'tcp' as const, port: 'admin' };
    expect(activeChecker({ ...job, healthCheck: spec({ checker: tcp }) }, { http: 1 })).toBeNull();
    const shell = { kind: 'shell' as const, command: 'true' };
    expect(activeChecker({ ...job, healthCheck: spec({ checker: shell }) }, {})).toEqual(shell);
    // The scheduler's updater asks the same question.
    expect(healthCheckApplies({ ...job, healthCheck: spec() }, {})).toBe(false);
    expect(healthCheckApplies({ ...job, healthCheck: spec() }, { health: 31000 })).toBe(true);
  });

  it('judges an http answer by status and body', () => {
    expect(judgeHttpAnswer(http, 200, 'OK\n')).toEqual({ ok: true, message: 'GET /health answered 200' });
    expect(judgeHttpAnswer(http, 200, 'starting')).toEqual({
      ok: false,
      message: "GET /health answered 200 with 'starting' (expected 'ok')",
    });
    expect(judgeHttpAnswer(http, 500, 'ok').ok).toBe(false);
    const teapot = { ...http, expectedResponse: '', expectedResponseCode: 418 };
    expect(judgeHttpAnswer(teapot, 418, 'anything').ok).toBe(true);
    expect(judgeHttpAnswer(teapot, 200, 'anything').message).toBe('GET /health answered 200 (expected 418)');
  });
});
