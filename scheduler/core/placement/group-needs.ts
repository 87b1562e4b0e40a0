import type { ResourcesSpec } from '../../../dsl/jobspec.js';
import { parseConstraints, type ParsedConstraints } from './constraints.js';
import type { HostColumns, HostPool, JobTally } from './host-pool.js';
import { resourceUnits, type ResourceUnits } from './resource-units.js';

/** The part of a placement group that decides where its tasks fit. */
export interface GroupSpec {
  readonly jobKey: string;
  /** What each task holds: its effective resources. */
  readonly resources: ResourcesSpec;
  /** What each task asked for, when it differs from `resources` (for pending reasons). */
  readonly requested?: ResourcesSpec;
  readonly portNames: readonly string[];
  readonly constraints: Readonly<Record<string, string>>;
}

/**
 * What one group's tasks need, resolved against the pool once per group: resources in units,
 * parsed constraints, the hosts that meet its value constraints, and the columns its limit
 * constraints read. Its checks are the inner loop of placement, so they read typed arrays only.
 */
export class GroupNeeds {
  readonly jobKey: string;
  readonly resources: ResourcesSpec;
  /** What each task asked for; `resources` less the executor allowance. */
  readonly requested: ResourcesSpec;
  readonly units: ResourceUnits;
  /** Distinct port names in the order they are given ports. */
  readonly portNames: readonly string[];
  readonly constraints: ParsedConstraints;
  /** Available hosts that meet every value constraint, ascending by index. */
  readonly eligible: Int32Array;
  /** The job's counts per host and per attribute value; they grow as its tasks are placed. */
  readonly tally: JobTally;
  private readonly columns: HostColumns;
  private readonly limitValues: readonly Int32Array[];
  private readonly limitMax: readonly number[];

  constructor(pool: HostPool, group: GroupSpec) {
    this.jobKey = group.jobKey;
    this.resources = group.resources;
    this.requested = group.requested ?? group.resources;
    this.units = resourceUnits(group.resources);
    this.portNames = [...new Set(group.portNames)];
    this.constraints = parseConstraints(group.constraints);
    this.eligible = pool.eligibleHosts(this.constraints.values, this.constraints.valueSignature, this.excludesDedicated);
    this.tally = pool.tally(group.jobKey);
    this.columns = pool.columns;
    this.limitValues = this.constraints.limits.map((c) => pool.attributeColumn(c.attribute));
    this.limitMax = this.constraints.limits.map((c) => c.limit);
  }

  /** The job asks for no dedicated hosts, so it may use none (dedicated.ts). */
  get excludesDedicated(): boolean {
    return this.constraints.dedicated === null;
  }

  get hasLimits(): boolean {
    return this.limitMax.length > 0;
  }

  /** Enough free cpu, ram, disk, gpu and ports on the host. */
  fitsCapacity(host: number): boolean {
    const c = this.columns;
    const u = this.units;
    return (
      c.freeCpu[host]! >= u.cpu &&
      c.freeRam[host]! >= u.ram &&
      c.freeDisk[host]! >= u.disk &&
      c.freeGpu[host]! >= u.gpu &&
      c.freePorts[host]! >= this.portNames.length
    );
  }

  /** No limit constraint of the group is reached on the host. */
  withinLimits(host: number): boolean {
    for (let i = 0; i < this.limitMax.length; i++) if (this.limitReached(i, host)) return false;
    return true;
  }

  /** Capacity and limits; value constraints and availability are settled by `eligible`. */
  fits(host: number): boolean {
    return this.fitsCapacity(host) && this.withinLimits(host);
  }

  /**
   * The i-th limit constraint is reached on the host: the job already has `limit` tasks on hosts
   * with the host's value of the attribute. A host without the attribute fails a limit.
   */
  limitReached(i: number, host: number): boolean {
    const value = this.limitValues[i]![host]!;
    return value < 0 || (this.tally.byValue.get(value) ?? 0) >= this.limitMax[i]!;
  }
}
