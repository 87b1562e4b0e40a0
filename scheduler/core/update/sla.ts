import type { SlaPolicySpec } from '../../../dsl/jobspec.js';
import { TERMINAL_STATES } from '../../api/constants.js';
import { MAX_SLA_HOLD_REASON } from '../../api/updates-api.js';
import { coordinatorVerdict, DEFAULT_COORDINATOR_ANSWER_TTL_MS, type CoordinatorAnswers, type CoordinatorQuestion } from '../sla-coordinator.js';
import type { InstanceObservation } from './observation.js';

/**
 * SLA-aware updates (`slaAware`): an update takes a RUNNING instance down only while the rest of
 * the job keeps its SLA policy, as Aurora's SlaManager does for update kills; under a coordinator
 * policy, only once the job's coordinator said yes for that task. A count or percentage policy
 * binds only production jobs of at least `minRequiredInstances` active instances (slaCheckApplies).
 */

export interface SlaInput {
  readonly policy: SlaPolicySpec | null;
  /** The job's instance count, the base of a percentage policy. */
  readonly instanceCount: number;
  /** Whether the job is production (tier preferred): a count or percentage policy binds only production jobs. */
  readonly production: boolean;
  /** The scheduler's --min-required-instances-for-sla-check: smaller jobs are not held by a count or percentage policy. */
  readonly minRequiredInstances: number;
  /** Coordinators' answers so far, by task id (core/sla-coordinator.ts). @default none */
  readonly coordinatorAnswers?: CoordinatorAnswers;
  /** How long a coordinator's answer counts. @default 30 s */
  readonly coordinatorAnswerTtlMs?: number;
}

export interface SlaRequirement {
  /** Instances that must be RUNNING... */
  readonly running: number;
  /** ...each for at least this long. */
  readonly durationMs: number;
}

/**
 * Whether a job's SLA policy is checked before one of its tasks goes down, by a drain or an
 * SLA-aware update alike (Aurora's SlaManager.skipSla): a coordinator policy always is, whatever
 * the job's tier and size; a count or percentage policy only for a production job with at least
 * `minRequiredInstances` active instances (Aurora's -min_required_instances_for_sla_check, 20).
 * Other jobs' tasks go at once. Aurora's -sla_aware_kill_non_prod (check non-production jobs too)
 * has no counterpart here.
 */
export function slaCheckApplies(
  policy: SlaPolicySpec | null,
  production: boolean,
  observed: ReadonlyMap<number, InstanceObservation>,
  minRequiredInstances: number,
): boolean {
  if (policy === null) return false;
  if (policy.kind === 'coordinator') return true;
  return production && activeInstances(observed) >= minRequiredInstances;
}

/** Instances whose task has not ended (Aurora counts the job's active tasks). */
function activeInstances(observed: ReadonlyMap<number, InstanceObservation>): number {
  let active = 0;
  for (const obs of observed.values()) if (!TERMINAL_STATES.has(obs.state)) active += 1;
  return active;
}

/**
 * What a count or percentage policy requires, or null: no policy, or a coordinator policy (only
 * the coordinator can say; see slaAllowsTakeDown).
 */
export function slaRequirement(sla: Pick<SlaInput, 'policy' | 'instanceCount'>): SlaRequirement | null {
  const policy = sla.policy;
  if (policy === null || policy.kind === 'coordinator') return null;
  if (policy.kind === 'count') return { running: policy.count, durationMs: policy.durationSecs * 1000 };
  // The epsilon keeps 50% of 6 at 3 where floating point would say 3.0000000000000004 and round up.
  const running = Math.ceil((policy.percentage * sla.instanceCount) / 100 - 1e-9);
  return { running, durationMs: policy.durationSecs * 1000 };
}

export type SlaVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly wakeAt: number | null;
      /**
       * Why not, for people, at most MAX_SLA_HOLD_REASON characters, and the same words as long
       * as nothing that matters changes (not a countdown), so a held update records it once:
       * `count policy needs 2 other instances RUNNING for 60s, 1 is`,
       * `SLA coordinator http://c/sla said no ({"drain": false})`.
       */
      readonly reason: string;
      /**
       * The only reason is a coordinator's answer not at hand yet (never asked, or asked again as
       * the last answer ran out): a hold keeps the reason it had meanwhile, so it does not flap
       * to `waiting for ... to answer` and back at each question.
       */
      readonly awaitingAnswer?: true;
      /** The coordinator to ask about the candidate's task (a coordinator policy without a usable answer). */
      readonly ask?: CoordinatorQuestion;
    };

/**
 * May the update take `candidate` down now? Yes if, without it and without `goingDown` (what the
 * update takes down at the same moment, which the observations do not show yet), the instances
 * RUNNING for the policy's duration still meet the requirement. Otherwise wait, until the next
 * running instance will have run long enough (wakeAt), or until something changes (null).
 * Under a coordinator policy: yes once the coordinator said yes for the candidate's task;
 * otherwise wait, with the question to ask. Yes at once where the policy does not apply
 * (slaCheckApplies: a count or percentage policy of a small or non-production job).
 */
export function slaAllowsTakeDown(
  sla: SlaInput,
  observed: ReadonlyMap<number, InstanceObservation>,
  candidate: number,
  goingDown: ReadonlySet<number>,
  now: number,
): SlaVerdict {
  if (sla.policy?.kind === 'coordinator') {
    const taskId = observed.get(candidate)?.taskId;
    if (taskId === undefined) return { ok: true };
    const answer = sla.coordinatorAnswers?.get(taskId);
    const verdict = coordinatorVerdict(sla.policy, answer, now, sla.coordinatorAnswerTtlMs ?? DEFAULT_COORDINATOR_ANSWER_TTL_MS);
    if (verdict.ok) return verdict;
    const { coordinatorUrl, statusKey } = sla.policy;
    const ask = verdict.ask ? { ask: { taskId, coordinatorUrl, statusKey, params: {} } } : {};
    if (answer !== undefined && !answer.allowed) {
      // A no stands as the reason while the coordinator is asked again.
      return { ok: false, wakeAt: verdict.wakeAt, reason: bounded(`SLA coordinator ${coordinatorUrl} said no (${answer.detail})`), ...ask };
    }
    return { ok: false, wakeAt: verdict.wakeAt, reason: bounded(`waiting for SLA coordinator ${coordinatorUrl} to answer`), awaitingAnswer: true, ...ask };
  }
  if (!slaCheckApplies(sla.policy, sla.production, observed, sla.minRequiredInstances)) return { ok: true };
  const req = slaRequirement(sla);
  if (req === null) return { ok: true };
  let counted = 0;
  let wakeAt: number | null = null;
  for (const [instance, obs] of observed) {
    if (instance === candidate || goingDown.has(instance)) continue;
    if (obs.state !== 'RUNNING' || obs.runningSince === null) continue;
    const longEnoughAt = obs.runningSince + req.durationMs;
    if (now >= longEnoughAt) counted += 1;
    else wakeAt = wakeAt === null ? longEnoughAt : Math.min(wakeAt, longEnoughAt);
  }
  if (counted >= req.running) return { ok: true };
  return { ok: false, wakeAt, reason: bounded(shortfall(sla, req, counted)) };
}

/** `count policy needs 2 other instances RUNNING for 60s, 1 is`; a percentage policy says what it is a percentage of. */
function shortfall(sla: SlaInput, req: SlaRequirement, counted: number): string {
  const policy = sla.policy;
  const which = policy?.kind === 'percentage' ? `percentage policy (${policy.percentage}% of ${sla.instanceCount})` : 'count policy';
  const others = `${req.running} other instance${req.running === 1 ? '' : 's'}`;
  return `${which} needs ${others} RUNNING for ${req.durationMs / 1000}s, ${counted} ${counted === 1 ? 'is' : 'are'}`;
}

/** A reason cut to MAX_SLA_HOLD_REASON characters (a coordinator URL may be long). */
function bounded(reason: string): string {
  return reason.length > MAX_SLA_HOLD_REASON ? `${reason.slice(0, MAX_SLA_HOLD_REASON - 3)}...` : reason;
}
