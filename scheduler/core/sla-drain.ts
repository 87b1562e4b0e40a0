import type { SlaPolicySpec } from '../../dsl/jobspec.js';
import { coordinatorVerdict, DEFAULT_COORDINATOR_ANSWER_TTL_MS, type CoordinatorAnswers, type CoordinatorQuestion } from './sla-coordinator.js';
import type { InstanceObservation } from './update/observation.js';
import { slaAllowsTakeDown, slaCheckApplies } from './update/sla.js';

/**
 * SLA-aware drains (`aurora-admin sla_host_drain`), as Aurora's SlaManager decides them: a task on
 * a draining host moves only while its job keeps its SLA policy, that is, while enough of its other
 * instances have been RUNNING for the policy's duration. Pure.
 *
 * - Count and percentage policies apply to production jobs with at least `minRequiredInstances`
 *   active instances (Aurora's -min_required_instances_for_sla_check, 20); other tasks move at once
 *   (slaCheckApplies, which SLA-aware updates use too).
 * - A coordinator policy applies to every job, whatever its tier and size: the task moves when
 *   its coordinator said yes (core/sla-coordinator.ts). Without a usable answer it waits, and the
 *   decision lists the questions for the service to ask.
 * - From `forceAt` on (the drain's request time plus --force_drain_timeout), everything moves
 *   without a check, and no coordinator is asked.
 */

export interface DrainCandidate {
  readonly taskId: string;
  /** `role/environment/name`. */
  readonly jobPath: string;
  readonly instance: number;
  readonly production: boolean;
  readonly policy: SlaPolicySpec | null;
  /** The job's instance count (the base of a percentage policy). */
  readonly instanceCount: number;
}

export interface DrainInput {
  readonly candidates: readonly DrainCandidate[];
  /** Every instance of each candidate's job, as the updater sees instances. */
  readonly jobs: ReadonlyMap<string, ReadonlyMap<number, InstanceObservation>>;
  /** Tasks already on their way out (instance numbers by job): they count as down. */
  readonly goingDown: ReadonlyMap<string, ReadonlySet<number>>;
  readonly now: number;
  /** Everything moves from this time on; null: never forced. */
  readonly forceAt: number | null;
  readonly minRequiredInstances: number;
  /** Coordinators' answers so far, by task id. @default none */
  readonly coordinatorAnswers?: CoordinatorAnswers;
  /** How long a coordinator's answer counts. @default 30 s */
  readonly coordinatorAnswerTtlMs?: number;
}

export interface DrainDecision {
  /** Tasks to move now. */
  readonly move: readonly string[];
  /** Tasks that wait, and why. */
  readonly wait: readonly { readonly taskId: string; readonly reason: string }[];
  /** When to look again without a change (a running instance will have run long enough, a coordinator's no runs out, or the force time). */
  readonly wakeAt: number | null;
  /** Coordinators to ask about waiting tasks (each with Aurora's forceMaintenanceCountdownMs). */
  readonly ask: readonly CoordinatorQuestion[];
}

export function decideDrain(input: DrainInput): DrainDecision {
  const move: string[] = [];
  const wait: { taskId: string; reason: string }[] = [];
  const ask: CoordinatorQuestion[] = [];
  let wakeAt: number | null = input.forceAt !== null && input.now < input.forceAt ? input.forceAt : null;
  const earliest = (t: number | null) => {
    if (t !== null && (wakeAt === null || t < wakeAt)) wakeAt = t;
  };
  const down = new Map<string, Set<number>>();
  for (const [path, set] of input.goingDown) down.set(path, new Set(set));
  const forced = input.forceAt !== null && input.now >= input.forceAt;
  for (const c of input.candidates) {
    const jobDown = down.get(c.jobPath) ?? new Set<number>();
    down.set(c.jobPath, jobDown);
    const observed = input.jobs.get(c.jobPath) ?? new Map<number, InstanceObservation>();
    if (forced || c.policy === null || !slaCheckApplies(c.policy, c.production, observed, input.minRequiredInstances)) {
      move.push(c.taskId);
      jobDown.add(c.instance);
      continue;
    }
    if (c.policy.kind === 'coordinator') {
      const ttl = input.coordinatorAnswerTtlMs ?? DEFAULT_COORDINATOR_ANSWER_TTL_MS;
      const verdict = coordinatorVerdict(c.policy, input.coordinatorAnswers?.get(c.taskId), input.now, ttl);
      if (verdict.ok) {
        move.push(c.taskId);
        jobDown.add(c.instance);
        continue;
      }
      earliest(verdict.wakeAt);
      wait.push({ taskId: c.taskId, reason: verdict.reason });
      if (verdict.ask) {
        const countdown = input.forceAt === null ? null : Math.max(0, input.forceAt - input.now);
        ask.push({
          taskId: c.taskId,
          coordinatorUrl: c.policy.coordinatorUrl,
          statusKey: c.policy.statusKey,
          params: countdown === null ? {} : { forceMaintenanceCountdownMs: String(countdown) },
        });
      }
      continue;
    }
    const sla = { policy: c.policy, instanceCount: c.instanceCount, production: c.production, minRequiredInstances: input.minRequiredInstances };
    const verdict = slaAllowsTakeDown(sla, observed, c.instance, jobDown, input.now);
    if (verdict.ok) {
      move.push(c.taskId);
      jobDown.add(c.instance);
    } else {
      earliest(verdict.wakeAt);
      const p = c.policy;
      const need = p.kind === 'count' ? `${p.count} instance(s)` : `${p.percentage}% of ${c.instanceCount} instances`;
      wait.push({ taskId: c.taskId, reason: `${c.jobPath} must keep ${need} RUNNING for ${p.durationSecs} s` });
    }
  }
  return { move, wait, wakeAt, ask };
}
