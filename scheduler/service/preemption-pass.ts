import type { ScheduledTask, TaskState } from '../api/task.js';
import { hostMeetsConstraints } from '../core/placement/index.js';
import { findPreemption, type PossibleVictim, type PreemptionHost } from '../core/preemption.js';
import { resolveTier, type Tier } from '../core/tiers.js';
import type { ClusterState } from '../state/cluster-state.js';
import { jobPath } from '../storage/storage.js';

/**
 * Choosing preemptions for pending tasks that fit nowhere: the hosts each could run on, what
 * runs there, and the pure decision of scheduler/core/preemption.ts. The scheduler then moves the
 * victims to PREEMPTING (their agents kill them, and services among them are replaced).
 */

/** Tasks that may be chosen as victims: running or about to, not already being ended. */
const VICTIM_STATES: ReadonlySet<TaskState> = new Set(['ASSIGNED', 'STARTING', 'RUNNING']);

export interface PreemptionChoice {
  readonly pending: ScheduledTask;
  readonly agentId: string;
  readonly victims: readonly ScheduledTask[];
}

export interface PreemptionSettings {
  /** A pending task waits this long before it may preempt (Aurora's -preemption_delay). */
  readonly delayMs: number;
  /** The most pending tasks given room in one pass: preemption is a slow path, kept bounded. */
  readonly maxPerPass: number;
}

/** Aurora's 3 minutes, and a bound on the work of one pass. */
export const DEFAULT_PREEMPTION: PreemptionSettings = { delayMs: 180_000, maxPerPass: 10 };

function tierOf(state: ClusterState, task: ScheduledTask): Tier | null {
  const spec = state.spec(task.specHash);
  if (!spec) return null;
  const resolved = resolveTier(spec);
  return resolved.ok ? resolved.tier : null;
}

/** When the task last became PENDING. */
function pendingSince(task: ScheduledTask): number {
  for (let i = task.events.length - 1; i >= 0; i--) if (task.events[i]!.state === 'PENDING') return task.events[i]!.at;
  return task.events[0]?.at ?? 0;
}

/**
 * Preemptions for unplaced tasks that have waited long enough and have none under way
 * (`underWay`), most important first, at most `maxPerPass`. A victim is chosen once per pass.
 */
export function choosePreemptions(
  state: ClusterState,
  unplaced: readonly ScheduledTask[],
  now: number,
  settings: PreemptionSettings,
  underWay: ReadonlySet<string>,
): PreemptionChoice[] {
  const choices: PreemptionChoice[] = [];
  const taken = new Set<string>();
  for (const pending of unplaced) {
    if (choices.length >= settings.maxPerPass) break;
    if (underWay.has(pending.taskId) || now - pendingSince(pending) < settings.delayMs) continue;
    const spec = state.spec(pending.specHash);
    const tier = tierOf(state, pending);
    // The lowest tier preempts nothing.
    if (!spec || !tier || tier === 'revocable') continue;
    const job = { jobKey: jobPath(pending.jobKey), constraints: spec.constraints };
    const hosts: PreemptionHost[] = [];
    for (const agent of state.agents()) {
      if (!hostMeetsConstraints(state.pool, agent.agentId, job)) continue;
      const free = state.pool.freeResources(agent.agentId);
      const index = state.pool.indexOf(agent.agentId);
      if (!free || index === undefined) continue;
      const tasks: PossibleVictim[] = [];
      for (const id of state.tasksOnAgent(agent.agentId)) {
        const t = state.task(id);
        if (!t || !VICTIM_STATES.has(t.state) || taken.has(id)) continue;
        const victimSpec = state.spec(t.specHash);
        const victimTier = tierOf(state, t);
        if (!victimSpec || !victimTier) continue;
        tasks.push({
          taskId: id,
          role: t.jobKey.role,
          jobKey: jobPath(t.jobKey),
          tier: victimTier,
          priority: victimSpec.priority,
          // What the victim holds on the host, as placement counts it: killing it frees that.
          resources: state.effectiveResources(victimSpec),
          portCount: new Set(Object.values(t.ports)).size,
        });
      }
      if (tasks.length > 0) hosts.push({ agentId: agent.agentId, free, freePorts: state.pool.columns.freePorts[index] ?? 0, tasks });
    }
    const proposal = findPreemption(
      { role: pending.jobKey.role, jobKey: job.jobKey, tier, priority: spec.priority, resources: state.effectiveResources(spec), portCount: spec.ports.length },
      hosts,
    );
    if (!proposal || proposal.victims.length === 0) continue;
    const victims = proposal.victims.map((id) => state.task(id) as ScheduledTask);
    for (const id of proposal.victims) taken.add(id);
    choices.push({ pending, agentId: proposal.agentId, victims });
  }
  return choices;
}
