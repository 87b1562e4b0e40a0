import type { ResourcesSpec } from '../../../dsl/jobspec.js';
import type { HostChooser } from './chooser.js';
import { ExhaustiveChooser, HeapScratch } from './exhaustive.js';
import { GroupNeeds } from './group-needs.js';
import type { HostPool, JobTally } from './host-pool.js';
import { resourceUnits, type ResourceUnits } from './resource-units.js';
import { seededRandom } from './prng.js';
import { explainUnplaced } from './reasons.js';
import { SampledChooser } from './sampled.js';
import { HostScorer, type PlacementPolicy } from './score.js';

/**
 * Placement: which host runs each pending task. Pure and deterministic under a seed; the pool is
 * used for tentative holds while placing and left exactly as it was.
 */

/** Instances of one job that share one spec (Aurora's task group). */
export interface PlacementGroup {
  /** `role/environment/name`. */
  readonly jobKey: string;
  /** What each task holds on its host: its effective resources (core/effective-resources.ts). */
  readonly resources: ResourcesSpec;
  /**
   * What each task asked for, where `resources` adds the executor allowance to it: a pending
   * reason then says both. @default resources
   */
  readonly requested?: ResourcesSpec;
  /** Named ports each task needs, given ports in this order. */
  readonly portNames: readonly string[];
  /** Attribute name to `v`, `v1,v2`, `!v`, `!v1,v2` or `limit:N`. */
  readonly constraints: Readonly<Record<string, string>>;
  /** Tasks to place, most important first. */
  readonly taskIds: readonly string[];
}

/** How to choose among the hosts that fit. */
export interface PlacementOptions {
  /** sampled: best of a few random feasible hosts; exhaustive: best of all. */
  readonly mode: 'sampled' | 'exhaustive';
  /** sampled: stop after this many feasible hosts. @default 10 */
  readonly sampleSize?: number;
  /** After spreading a job's instances: prefer emptier hosts (spread) or fuller ones (binpack). @default 'spread' */
  readonly policy?: PlacementPolicy;
  /** The only source of randomness: same pool, groups and options, same result. */
  readonly seed: number;
}

/** A task placed on an agent, with the ports it was given by name. */
export interface Assignment {
  readonly taskId: string;
  readonly agentId: string;
  readonly ports: Readonly<Record<string, number>>;
}

/** A task that fits nowhere now, and why. */
export interface Unplaced {
  readonly taskId: string;
  /** In words, for `aurora job status` and the web UI. */
  readonly reason: string;
}

/** Every task of the groups, either assigned or unplaced, in the order placed. */
export interface PlacementResult {
  readonly assignments: readonly Assignment[];
  readonly unplaced: readonly Unplaced[];
}

const NO_PORTS: readonly number[] = [];
const NO_NAMED_PORTS: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Places the groups in the order given, and each group's tasks in order. Later tasks see the
 * capacity earlier ones took (held tentatively on the pool, released before returning: the
 * caller applies the assignments through its own state, e.g. with `applyPlacement`). A task that
 * fits nowhere gets the reason from one counting pass over all hosts; the group's later tasks
 * share it, since within a group capacity only shrinks.
 */
export function placeGroups(pool: HostPool, groups: readonly PlacementGroup[], options: PlacementOptions): PlacementResult {
  const random = seededRandom(options.seed);
  const sampleSize = Math.max(1, Math.floor(options.sampleSize ?? 10));
  const scorer = new HostScorer(pool, options.policy ?? 'spread');
  const scratch = options.mode === 'exhaustive' ? HeapScratch.forPool(pool, pool.size) : null;
  const assignments: Assignment[] = [];
  const unplaced: Unplaced[] = [];
  const heldHosts: number[] = [];
  const heldPorts: (readonly number[])[] = [];
  const heldNeeds: GroupNeeds[] = [];
  const allNeeds: GroupNeeds[] = [];
  try {
    for (const group of groups) {
      if (group.taskIds.length === 0) continue;
      const needs = new GroupNeeds(pool, group);
      allNeeds.push(needs);
      const chooser: HostChooser = scratch ? ExhaustiveChooser.for(needs, scorer, scratch, group.taskIds.length) : new SampledChooser(needs, scorer, random, sampleSize);
      const portCount = needs.portNames.length;
      for (let t = 0; t < group.taskIds.length; t++) {
        const host = chooser.choose();
        if (host < 0) {
          const reason = explainUnplaced(pool, needs);
          for (let rest = t; rest < group.taskIds.length; rest++) unplaced.push({ taskId: group.taskIds[rest]!, reason });
          break;
        }
        const ports = portCount > 0 ? pool.lowestFreePorts(host, portCount) : NO_PORTS;
        pool.holdAt(host, needs.tally, needs.units, ports, 1, false);
        heldHosts.push(host);
        heldPorts.push(ports);
        heldNeeds.push(needs);
        chooser.placed(host);
        let named = NO_NAMED_PORTS;
        if (portCount > 0) {
          const record: Record<string, number> = {};
          for (let p = 0; p < portCount; p++) record[needs.portNames[p]!] = ports[p]!;
          named = record;
        }
        assignments.push({ taskId: group.taskIds[t]!, agentId: pool.agentId(host), ports: named });
      }
    }
  } finally {
    for (let i = heldHosts.length - 1; i >= 0; i--) {
      const needs = heldNeeds[i]!;
      pool.holdAt(heldHosts[i]!, needs.tally, needs.units, heldPorts[i]!, -1, false);
    }
    // Jobs that held nothing before this call leave no counts behind.
    for (const needs of allNeeds) pool.dropIfEmpty(needs.tally);
  }
  return { assignments, unplaced };
}

/**
 * Holds every assignment of a result on the pool, as the scheduler's state will once it records
 * them (the benchmark and tests apply a batch before placing the next). Assignments are found
 * in their groups by walking both in order, as placeGroups returns them; a map is built only if
 * the caller reordered them.
 */
export function applyPlacement(pool: HostPool, groups: readonly PlacementGroup[], result: PlacementResult): void {
  let groupAt = 0;
  let taskAt = 0;
  let groupOf: Map<string, PlacementGroup> | null = null;
  const findGroup = (taskId: string): PlacementGroup | undefined => {
    if (!groupOf) {
      for (; groupAt < groups.length; groupAt++, taskAt = 0) {
        const taskIds = groups[groupAt]!.taskIds;
        while (taskAt < taskIds.length) if (taskIds[taskAt++] === taskId) return groups[groupAt];
      }
      groupOf = new Map();
      for (const group of groups) for (const id of group.taskIds) groupOf.set(id, group);
    }
    return groupOf.get(taskId);
  };
  let lastGroup: PlacementGroup | null = null;
  let tally: JobTally | null = null;
  let units: ResourceUnits | null = null;
  for (const assignment of result.assignments) {
    const group = findGroup(assignment.taskId);
    if (!group) continue;
    const ports = Object.values(assignment.ports);
    const host = pool.indexOf(assignment.agentId);
    if (host === undefined) {
      pool.hold(assignment.agentId, { jobKey: group.jobKey, resources: group.resources, ports });
      continue;
    }
    if (group !== lastGroup || !tally || !units) {
      lastGroup = group;
      tally = pool.tally(group.jobKey);
      units = resourceUnits(group.resources);
    }
    pool.holdAt(host, tally, units, ports, 1, false);
  }
}
