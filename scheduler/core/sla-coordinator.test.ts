import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../dsl/jobspec.js';
import { sampleJobSpec } from '../../dsl/testing/sample-spec.js';
import type { ScheduledTask } from '../api/task.js';
import { coordinatorRequest, coordinatorVerdict, judgeCoordinatorAnswer, type CoordinatorPolicy } from './sla-coordinator.js';

const policy: CoordinatorPolicy = { kind: 'coordinator', coordinatorUrl: 'http://coord.example:8080/sla', statusKey: 'drain' };
const T = 1_000_000;
const TTL = 30_000;

describe("reading a coordinator's answer", () => {
  it.each<{ name: string; status: number; body: string; key?: string; allowed: boolean; detail: string }>([
    { name: 'yes', status: 200, body: '{"drain": true}', allowed: true, detail: '{"drain": true}' },
    { name: 'no', status: 200, body: '{"drain":false}', allowed: false, detail: '{"drain": false}' },
    { name: 'another status key', status: 200, body: '{"drain": false, "ok": true}', key: 'ok', allowed: true, detail: '{"ok": true}' },
    { name: 'a status other than 200', status: 503, body: '{"drain": true}', allowed: false, detail: 'HTTP 503' },
    { name: 'not JSON', status: 200, body: '<html>busy</html>', allowed: false, detail: 'the answer is not JSON: <html>busy</html>' },
    { name: 'an empty body', status: 200, body: '', allowed: false, detail: 'the answer is not JSON: (empty)' },
    { name: 'not an object', status: 200, body: '[true]', allowed: false, detail: 'the answer is not a JSON object: [true]' },
    { name: 'no such field', status: 200, body: '{"status": "ok"}', allowed: false, detail: 'the answer has no "drain" field: {"status": "ok"}' },
    { name: 'a string, not true', status: 200, body: '{"drain": "true"}', allowed: false, detail: '"drain" is "true", not true or false' },
  ])('$name', ({ status, body, key, allowed, detail }) => {
    expect(judgeCoordinatorAnswer(status, body, key ?? 'drain')).toEqual({ allowed, detail });
  });
});

describe('what an answer at hand decides', () => {
  it.each([
    { name: 'none yet: ask', answer: undefined, now: T, verdict: { ok: false, ask: true, wakeAt: null, reason: `waiting for its job's SLA coordinator ${policy.coordinatorUrl} to answer` } },
    { name: 'a fresh yes: go', answer: { allowed: true, at: T - 1_000, detail: 'y' }, now: T, verdict: { ok: true } },
    { name: 'an old yes: ask again', answer: { allowed: true, at: T - TTL, detail: 'y' }, now: T, verdict: { ok: false, ask: true, wakeAt: null } },
    {
      name: 'a fresh no: wait until it runs out, saying why',
      answer: { allowed: false, at: T - 1_000, detail: 'HTTP 503' },
      now: T,
      verdict: { ok: false, ask: false, wakeAt: T - 1_000 + TTL, reason: `its job's SLA coordinator ${policy.coordinatorUrl} said no (HTTP 503); asked again 30 s after` },
    },
    { name: 'an old no: ask again', answer: { allowed: false, at: T - TTL - 1, detail: 'n' }, now: T, verdict: { ok: false, ask: true, wakeAt: null } },
  ])('$name', ({ answer, now, verdict }) => {
    expect(coordinatorVerdict(policy, answer, now, TTL)).toMatchObject(verdict);
  });
});

describe('the request', () => {
  it("is Aurora's: ?task=cluster/role/env/name/instance, and {taskConfig, task, ...params} with the task in Aurora's shape", () => {
    const spec: JobSpec = { ...sampleJobSpec(), production: true, tier: 'preferred' };
    const task: ScheduledTask = {
      taskId: 'task-1',
      jobKey: spec.key,
      instance: 1,
      state: 'RUNNING',
      specHash: 'h',
      agentId: 'agent-a',
      host: 'host1',
      observerUrl: null,
      ports: { http: 31000 },
      health: 'UNKNOWN',
      failureCount: 0,
      pendingReason: null,
      throttle: null,
      // Out of order on purpose: the request has them oldest first, as Aurora's.
      events: [
        { state: 'RUNNING', at: 5, message: 'up' },
        { state: 'PENDING', at: 1, message: null },
      ],
    };
    const q = { taskId: 'task-1', coordinatorUrl: 'https://c.example/sla?team=x', statusKey: 'drain', params: { forceMaintenanceCountdownMs: '60000' } };
    const { url, body } = coordinatorRequest(q, task, spec, 'devcluster');
    const k = spec.key;
    expect(url).toBe(`https://c.example/sla?team=x&task=devcluster%2F${k.role}%2F${k.environment}%2F${k.name}%2F1`);
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({
      forceMaintenanceCountdownMs: '60000',
      task: `devcluster/${k.role}/${k.environment}/${k.name}/1`,
      taskConfig: {
        status: 'RUNNING',
        assignedTask: {
          taskId: 'task-1',
          slaveId: 'agent-a',
          slaveHost: 'host1',
          instanceId: 1,
          assignedPorts: { http: 31000 },
          task: { job: { role: k.role, environment: k.environment, name: k.name }, production: true, tier: 'preferred' },
        },
        taskEvents: [
          { timestamp: 1, status: 'PENDING', message: null },
          { timestamp: 5, status: 'RUNNING', message: 'up' },
        ],
      },
    });
  });
});
