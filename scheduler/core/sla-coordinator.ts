import type { JobSpec, SlaPolicySpec } from '../../dsl/jobspec.js';
import type { ScheduledTask } from '../api/task.js';

/**
 * Aurora's CoordinatorSlaPolicy, the pure part: before an SLA-aware drain or update takes a task
 * down, the scheduler POSTs the task to the job's coordinator URL and reads the JSON answer's
 * `statusKey` field (default `drain`): `true` lets the task go, anything else keeps it. The
 * decisions take the answers received so far as data; the service (service/sla-coordinator.ts)
 * asks, one request at a time per URL as in Aurora, and runs the decisions again on each answer.
 */

export type CoordinatorPolicy = Extract<SlaPolicySpec, { kind: 'coordinator' }>;

/** How long a coordinator's answer counts unless the scheduler is told otherwise. */
export const DEFAULT_COORDINATOR_ANSWER_TTL_MS = 30_000;

/** What a coordinator answered about one task. */
export interface CoordinatorAnswer {
  readonly allowed: boolean;
  /** When the scheduler received it (its clock). */
  readonly at: number;
  /** What it said or what went wrong, for people: `{"drain": false}`, `HTTP 503`, `no answer within 10000 ms`. */
  readonly detail: string;
}

/** The answers at hand, by task id; a task without one has not been asked yet (or is being asked). */
export type CoordinatorAnswers = ReadonlyMap<string, CoordinatorAnswer>;

/** A question for the service to ask. */
export interface CoordinatorQuestion {
  readonly taskId: string;
  readonly coordinatorUrl: string;
  readonly statusKey: string;
  /** Extra string fields of the request body, as Aurora's `params` (a drain sends `forceMaintenanceCountdownMs`). */
  readonly params: Readonly<Record<string, string>>;
}

export type CoordinatorVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Ask the coordinator (no answer yet, or the last one is too old to go by). */
      readonly ask: boolean;
      /** When the answer at hand runs out and the coordinator is to be asked again; null: on the answer. */
      readonly wakeAt: number | null;
      readonly reason: string;
    };

/**
 * May the task go, by the coordinator's answer at hand? A yes counts while it is younger than
 * `answerTtlMs` (the service acts on it as it arrives); a no holds the task until then, when
 * the coordinator is asked again.
 */
export function coordinatorVerdict(policy: CoordinatorPolicy, answer: CoordinatorAnswer | undefined, now: number, answerTtlMs: number): CoordinatorVerdict {
  const who = `its job's SLA coordinator ${policy.coordinatorUrl}`;
  if (answer === undefined || now >= answer.at + answerTtlMs) {
    return { ok: false, ask: true, wakeAt: null, reason: `waiting for ${who} to answer` };
  }
  if (answer.allowed) return { ok: true };
  return { ok: false, ask: false, wakeAt: answer.at + answerTtlMs, reason: `${who} said no (${answer.detail}); asked again ${Math.round(answerTtlMs / 1000)} s after` };
}

/**
 * What an HTTP answer of a coordinator means: yes only for status 200 and a JSON object whose
 * `statusKey` field is `true`. Any other status, a body that is not JSON, a missing field or a
 * value other than true is a no, with what was wrong.
 */
export function judgeCoordinatorAnswer(status: number, body: string, statusKey: string): { allowed: boolean; detail: string } {
  if (status !== 200) return { allowed: false, detail: `HTTP ${status}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { allowed: false, detail: `the answer is not JSON: ${excerpt(body)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { allowed: false, detail: `the answer is not a JSON object: ${excerpt(body)}` };
  }
  if (!Object.hasOwn(parsed, statusKey)) return { allowed: false, detail: `the answer has no "${statusKey}" field: ${excerpt(body)}` };
  const value = (parsed as Record<string, unknown>)[statusKey];
  if (value === true) return { allowed: true, detail: `{"${statusKey}": true}` };
  if (value === false) return { allowed: false, detail: `{"${statusKey}": false}` };
  return { allowed: false, detail: `"${statusKey}" is ${excerpt(JSON.stringify(value))}, not true or false` };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 100)}...` : flat || '(empty)';
}

/** Aurora's task key of a coordinator request: `cluster/role/environment/name/instance`. */
export function coordinatorTaskKey(clusterName: string, task: Pick<ScheduledTask, 'jobKey' | 'instance'>): string {
  const k = task.jobKey;
  return `${clusterName}/${k.role}/${k.environment}/${k.name}/${task.instance}`;
}

/**
 * The request Aurora's SlaManager sends: POST to the coordinator URL with `?task=<task key>`
 * added, and a JSON body `{taskConfig, task, ...params}` where taskConfig is the task in Aurora's
 * ScheduledTask shape (as `aurora job status --write-json` prints it).
 */
export function coordinatorRequest(
  question: CoordinatorQuestion,
  task: ScheduledTask,
  spec: JobSpec | undefined,
  clusterName: string,
): { url: string; body: string } {
  const key = coordinatorTaskKey(clusterName, task);
  const url = new URL(question.coordinatorUrl);
  url.searchParams.append('task', key);
  const k = task.jobKey;
  const r = spec?.task.resources;
  const taskConfig = {
    status: task.state,
    assignedTask: {
      taskId: task.taskId,
      slaveId: task.agentId,
      slaveHost: task.host,
      instanceId: task.instance,
      assignedPorts: task.ports,
      task: {
        job: { role: k.role, environment: k.environment, name: k.name },
        owner: { user: k.role },
        isService: spec?.service ?? false,
        production: spec?.production ?? false,
        tier: spec?.tier ?? null,
        priority: spec?.priority ?? 0,
        maxTaskFailures: spec?.maxTaskFailures ?? 1,
        numCpus: r?.cpu ?? 0,
        ramMb: r?.ramMb ?? 0,
        diskMb: r?.diskMb ?? 0,
        requestedPorts: spec?.ports ?? [],
        contactEmail: spec?.contact ?? null,
        metadata: spec?.metadata ?? [],
      },
    },
    taskEvents: [...task.events].sort((a, b) => a.at - b.at).map((e) => ({ timestamp: e.at, status: e.state, message: e.message })),
    failureCount: task.failureCount,
  };
  return { url: url.toString(), body: JSON.stringify({ ...question.params, taskConfig, task: key }) };
}
