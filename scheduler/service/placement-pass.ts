import type { JobSpec } from '../../dsl/jobspec.js';
import type { ScheduledTask } from '../api/task.js';
import { placeGroups, type PlacementGroup, type PlacementOptions, type PlacementResult } from '../core/placement/index.js';
import type { ClusterState, PendingGroup } from '../state/cluster-state.js';

/**
 * Choosing the pending work of one placement pass: groups of PENDING tasks (one job, one spec)
 * in priority order, up to a batch of tasks, skipping groups that did not fit and have nothing
 * new to try (capacity has not grown since). The decision itself is the pure placement core.
 */

export interface PlacementSettings {
  readonly mode: PlacementOptions['mode'];
  /** sampled: feasible hosts looked at per task. @default 10 */
  readonly sampleSize: number;
  readonly policy: 'spread' | 'binpack';
  /** The most tasks one pass places; more passes follow at once. */
  readonly batchSize: number;
}

export const DEFAULT_PLACEMENT: PlacementSettings = { mode: 'sampled', sampleSize: 10, policy: 'spread', batchSize: 2000 };

export interface PassPlan {
  readonly groups: readonly PlacementGroup[];
  /** The pending groups behind each placement group, by job path and spec hash. */
  readonly sources: readonly PendingGroup[];
  /** Whether pending groups were left out because the batch was full. */
  readonly more: boolean;
}

export interface BlockedGroups {
  /** The capacity epoch at which a group last failed to fit, by `jobPath specHash`. */
  readonly epochs: Map<string, number>;
}

export const groupId = (g: Pick<PendingGroup, 'jobPath' | 'specHash'>) => `${g.jobPath} ${g.specHash}`;

/** Production before non-production, higher priority first, then the longest waiting. */
function importance(spec: JobSpec, oldest: number): [number, number, number] {
  return [spec.production ? 0 : 1, -spec.priority, oldest];
}

export function planPass(state: ClusterState, blocked: BlockedGroups, batchSize: number): PassPlan {
  const epoch = state.capacityEpoch;
  const candidates: { group: PendingGroup; spec: JobSpec; rank: [number, number, number] }[] = [];
  for (const group of state.pendingGroups()) {
    if (blocked.epochs.get(groupId(group)) === epoch) continue;
    const spec = state.spec(group.specHash);
    if (!spec) continue;
    const first = state.task(group.taskIds.values().next().value as string);
    candidates.push({ group, spec, rank: importance(spec, first?.events[0]?.at ?? 0) });
  }
  candidates.sort(
    (a, b) =>
      a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.rank[2] - b.rank[2] || (a.group.jobPath < b.group.jobPath ? -1 : a.group.jobPath > b.group.jobPath ? 1 : 0),
  );
  const groups: PlacementGroup[] = [];
  const sources: PendingGroup[] = [];
  let room = batchSize;
  let more = false;
  for (const { group, spec } of candidates) {
    if (room <= 0) {
      more = true;
      break;
    }
    const tasks: ScheduledTask[] = [];
    for (const id of group.taskIds) {
      const t = state.task(id);
      if (t) tasks.push(t);
    }
    tasks.sort((a, b) => a.instance - b.instance);
    const taken = tasks.slice(0, room);
    if (taken.length < tasks.length) more = true;
    room -= taken.length;
    groups.push({
      jobKey: group.jobPath,
      // Placement holds what the task will hold: its resources and the executor allowance.
      resources: state.effectiveResources(spec),
      requested: spec.task.resources,
      portNames: spec.ports,
      constraints: spec.constraints,
      taskIds: taken.map((t) => t.taskId),
    });
    sources.push(group);
  }
  return { groups, sources, more };
}

export function runPlacement(state: ClusterState, plan: PassPlan, settings: PlacementSettings, seed: number): PlacementResult {
  return placeGroups(state.pool, plan.groups, { mode: settings.mode, sampleSize: settings.sampleSize, policy: settings.policy, seed });
}
