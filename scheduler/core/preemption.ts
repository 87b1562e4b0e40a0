import type { ResourcesSpec } from '../../dsl/jobspec.js';
import { byCodeUnits } from './placement/constraints.js';
import { toUnits } from './placement/resource-units.js';
import type { Tier } from './tiers.js';

/**
 * Preemption, after Aurora's PreemptionVictimFilter: a pending task that fits nowhere (and has
 * waited long enough, which the caller decides) may have tasks killed on one host to make room.
 * Pure: which tasks, on which host, from plain data.
 *
 * Who may preempt whom (mayPreempt), tiers ranked preferred > preemptible > revocable:
 * - a task preempts tasks of a lower tier, of any role;
 * - within one tier, only tasks of its own role with a strictly lower priority;
 * - preferred (production) tasks are never preempted.
 * Aurora differs in two places: it lets a preferred task preempt a preferred task of its own role
 * with lower priority, and it treats preemptible and revocable as one class (so a preemptible
 * task preempts a revocable one only within its role). Here production work is never killed, and
 * revocable work is the first to go for anything above it.
 *
 * Room: a revocable victim's cpu does not count toward the room it makes (as in Aurora: revocable
 * tasks run on cpu the host lends, which preempting them does not free); its ram, disk, gpus and
 * ports do. Resources here are what tasks hold on their hosts, the executor allowance included
 * (core/effective-resources.ts), as placement counts them: a victim frees what it holds.
 */

/** A task as preemption sees it: who owns it and what it holds. */
export interface PreemptionSubject {
  readonly role: string;
  /** `role/environment/name`. */
  readonly jobKey: string;
  /** The resolved tier (tiers.ts); `preferred` is production. */
  readonly tier: Tier;
  readonly priority: number;
  /** Its effective resources: what it holds (a victim) or needs (the pending task) on a host. */
  readonly resources: ResourcesSpec;
}

/** The pending task looking for room. */
export interface PendingForPreemption extends PreemptionSubject {
  /** How many ports it needs. */
  readonly portCount: number;
}

/** A task running (or assigned) on a candidate host. */
export interface PossibleVictim extends PreemptionSubject {
  readonly taskId: string;
  /** How many ports it holds. */
  readonly portCount: number;
}

/** A host where the pending task could run: what is free now and what runs there. */
export interface PreemptionHost {
  readonly agentId: string;
  readonly free: { readonly cpu: number; readonly ramMb: number; readonly diskMb: number; readonly gpu: number };
  readonly freePorts: number;
  readonly tasks: readonly PossibleVictim[];
}

/** The host to run the pending task on once the victims are killed. */
export interface PreemptionProposal {
  readonly agentId: string;
  /** Task ids, in code-unit order; empty if the host already has room. */
  readonly victims: readonly string[];
}

const TIER_RANK: Readonly<Record<Tier, number>> = { preferred: 2, preemptible: 1, revocable: 0 };

/** Whether `pending` may have `victim` killed to make room for itself (see the rules above). */
export function mayPreempt(pending: PreemptionSubject, victim: PreemptionSubject): boolean {
  if (victim.tier === 'preferred') return false;
  const p = TIER_RANK[pending.tier];
  const v = TIER_RANK[victim.tier];
  if (p !== v) return p > v;
  return pending.role === victim.role && pending.priority > victim.priority;
}

/** Amounts in integer millionths (ports as a count): cpu, ram, disk, gpu, ports. */
type Vector = readonly [number, number, number, number, number];
const DIMENSIONS = 5;

interface Candidate {
  readonly taskId: string;
  readonly gain: Vector;
  readonly rank: number;
  readonly priority: number;
}

/**
 * The host and victims that make room for `pending` with the fewest tasks killed, or null if no
 * host can. Hosts that fail the task's constraints are skipped (`passesConstraints`, or the
 * caller passes only hosts that pass). On each host the choice is greedy: among the tasks the
 * pending one may preempt, take next the one that closes most of what is still short (the sum,
 * over the short resources, of the share of each shortfall it frees), then drop any chosen victim
 * the room does not need after all. Ties go to the less important victim (lower tier, then lower priority, then task
 * id), and between hosts with as few victims to the agent id first in code-unit order, so the
 * answer depends only on the input.
 */
export function findPreemption(
  pending: PendingForPreemption,
  hosts: readonly PreemptionHost[],
  options: { readonly passesConstraints?: (agentId: string) => boolean } = {},
): PreemptionProposal | null {
  const need: Vector = [toUnits(pending.resources.cpu), toUnits(pending.resources.ramMb), toUnits(pending.resources.diskMb), toUnits(pending.resources.gpu), pending.portCount];
  let best: PreemptionProposal | null = null;
  for (const host of hosts) {
    if (options.passesConstraints && !options.passesConstraints(host.agentId)) continue;
    const victims = victimsOn(pending, need, host);
    if (victims === null) continue;
    if (best === null || victims.length < best.victims.length || (victims.length === best.victims.length && byCodeUnits(host.agentId, best.agentId) < 0)) {
      best = { agentId: host.agentId, victims };
    }
  }
  return best;
}

/** The fewest victims the greedy choice finds on one host, or null if killing every candidate is not enough. */
function victimsOn(pending: PendingForPreemption, need: Vector, host: PreemptionHost): string[] | null {
  const free: Vector = [toUnits(host.free.cpu), toUnits(host.free.ramMb), toUnits(host.free.diskMb), toUnits(host.free.gpu), host.freePorts];
  const short = need.map((n, d) => Math.max(0, n - free[d]!));
  if (short.every((s) => s === 0)) return [];

  const candidates: Candidate[] = [];
  const reachable = [...free];
  for (const task of host.tasks) {
    if (!mayPreempt(pending, task)) continue;
    const gain: Vector = [
      task.tier === 'revocable' ? 0 : toUnits(task.resources.cpu),
      toUnits(task.resources.ramMb),
      toUnits(task.resources.diskMb),
      toUnits(task.resources.gpu),
      task.portCount,
    ];
    candidates.push({ taskId: task.taskId, gain, rank: TIER_RANK[task.tier], priority: task.priority });
    for (let d = 0; d < DIMENSIONS; d++) reachable[d]! += gain[d]!;
  }
  if (need.some((n, d) => reachable[d]! < n)) return null;

  const chosen: Candidate[] = [];
  const remaining = [...candidates];
  while (short.some((s) => s > 0)) {
    let bestAt = -1;
    let bestCover = 0;
    for (let i = 0; i < remaining.length; i++) {
      const c = remaining[i]!;
      let cover = 0;
      for (let d = 0; d < DIMENSIONS; d++) if (short[d]! > 0) cover += Math.min(c.gain[d]!, short[d]!) / short[d]!;
      if (cover <= 0) continue;
      if (bestAt < 0 || cover > bestCover || (cover === bestCover && lessImportant(c, remaining[bestAt]!))) {
        bestAt = i;
        bestCover = cover;
      }
    }
    // Unreachable: every candidate together covers the need (checked above).
    if (bestAt < 0) return null;
    const [taken] = remaining.splice(bestAt, 1);
    chosen.push(taken!);
    for (let d = 0; d < DIMENSIONS; d++) short[d] = Math.max(0, short[d]! - taken!.gain[d]!);
  }

  // A victim chosen early for one resource may be unneeded once later ones freed enough of it.
  const room = [...free];
  for (const c of chosen) for (let d = 0; d < DIMENSIONS; d++) room[d]! += c.gain[d]!;
  for (let i = chosen.length - 1; i >= 0; i--) {
    const c = chosen[i]!;
    if (need.every((n, d) => room[d]! - c.gain[d]! >= n)) {
      for (let d = 0; d < DIMENSIONS; d++) room[d]! -= c.gain[d]!;
      chosen.splice(i, 1);
    }
  }
  return chosen.map((c) => c.taskId).sort(byCodeUnits);
}

/** Lower tier, then lower priority, then task id: the victim to prefer among equals. */
function lessImportant(a: Candidate, b: Candidate): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  if (a.priority !== b.priority) return a.priority < b.priority;
  return byCodeUnits(a.taskId, b.taskId) < 0;
}
