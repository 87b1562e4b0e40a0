import type { ResourcesSpec } from '../../../dsl/jobspec.js';
import { AttributeIndex, NO_VALUE } from './attribute-index.js';
import { byCodeUnits, type ValueConstraint } from './constraints.js';
import { DEDICATED_ATTRIBUTE } from './dedicated.js';
import { HostPorts, type PortRange } from './ports.js';
import { fromUnits, resourceUnits, toUnits, type ResourceUnits } from './resource-units.js';

/** One agent as placement sees it. */
export interface HostSpec {
  readonly agentId: string;
  readonly host: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly resources: { readonly cpu: number; readonly ramMb: number; readonly diskMb: number; readonly gpu: number };
  readonly portRange: PortRange;
  /** null when the host takes new tasks; otherwise the word for why not ('LOST', later 'DRAINING', ...). */
  readonly unavailable: string | null;
}

/** What one task holds on a host. */
export interface Holding {
  /** `role/environment/name`: spreading and `limit:` constraints count tasks of the same job. */
  readonly jobKey: string;
  readonly resources: ResourcesSpec;
  readonly ports: readonly number[];
}

/** Tasks of one job: per host, and per attribute value (for `limit:` constraints in O(1)). */
export interface JobTally {
  readonly jobKey: string;
  /** Host index to the job's tasks there. */
  readonly onHost: Map<number, number>;
  /** Attribute value id (see HostPool.attributeColumn) to the job's tasks on hosts with that value. */
  readonly byValue: Map<number, number>;
  tasks: number;
}

/**
 * Per-host figures as typed arrays indexed by host index, for placement's inner loops. Read
 * only; they change through the pool's methods, and are replaced when the pool grows.
 */
export interface HostColumns {
  readonly freeCpu: Float64Array;
  readonly freeRam: Float64Array;
  readonly freeDisk: Float64Array;
  readonly freeGpu: Float64Array;
  readonly totalCpu: Float64Array;
  readonly totalRam: Float64Array;
  readonly freePorts: Int32Array;
  readonly taskCount: Int32Array;
}

/** A readable copy of the pool's state, for tests and the UI: equal snapshots, equal pools. */
export interface PoolSnapshot {
  readonly hosts: readonly {
    readonly agentId: string;
    readonly unavailable: string | null;
    readonly free: { readonly cpu: number; readonly ramMb: number; readonly diskMb: number; readonly gpu: number };
    readonly freePorts: number;
    readonly heldPorts: readonly number[];
    readonly taskCount: number;
    readonly jobs: Readonly<Record<string, number>>;
  }[];
  /** jobKey to `attribute=value` to the job's tasks on hosts with that value. */
  readonly jobsByAttribute: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Holdings on agents not upserted yet. */
  readonly waiting: number;
}

interface HostRecord {
  spec: HostSpec;
  readonly ports: HostPorts;
}

/**
 * Every agent's capacity, kept up to date incrementally as tasks are assigned and end, so that
 * placement costs what the pending work needs rather than a rescan of the cluster. Pure data:
 * no I/O, no clock, no randomness. Hosts are numbered in the order they were first upserted;
 * per-host figures live in typed arrays indexed by that number.
 */
export class HostPool {
  private readonly records: HostRecord[] = [];
  private readonly indexByAgentId = new Map<string, number>();
  private readonly tallies = new Map<string, JobTally>();
  /** Holdings on agents not known yet: state may load tasks before their agents. */
  private readonly waiting = new Map<string, Holding[]>();
  private readonly attributes = new AttributeIndex();
  /** Agent ids by host index (a flat array: placement names the chosen host for every task). */
  private readonly agentIds: string[] = [];
  private cols: HostColumns & { readonly totalDisk: Float64Array; readonly totalGpu: Float64Array };
  /** 1 where the host takes new tasks. */
  private available = new Uint8Array(0);
  /** 1 where the host has a `dedicated` attribute. */
  private dedicated = new Uint8Array(0);
  /** Derived from host names; dropped when a host is added. */
  private rankByName: Int32Array | null = null;

  constructor() {
    this.cols = allocate(0);
  }

  /** Number of hosts (available or not). */
  get size(): number {
    return this.records.length;
  }

  /** Adds a host, or changes its resources, attributes or status keeping what is held on it. */
  upsertHost(spec: HostSpec): void {
    const known = this.indexByAgentId.get(spec.agentId);
    if (known === undefined) this.addHost(spec);
    else this.changeHost(known, spec);
  }

  /** A task now holds resources on the agent (remembered until the agent is upserted, if unknown). */
  hold(agentId: string, holding: Holding): void {
    const index = this.indexByAgentId.get(agentId);
    if (index === undefined) {
      const list = this.waiting.get(agentId) ?? [];
      list.push(holding);
      this.waiting.set(agentId, list);
      return;
    }
    this.holdAt(index, this.tally(holding.jobKey), resourceUnits(holding.resources), holding.ports, 1, false);
  }

  /** Exactly undoes one `hold(agentId, holding)` with an equal holding. */
  release(agentId: string, holding: Holding): void {
    const index = this.indexByAgentId.get(agentId);
    if (index === undefined) {
      const list = this.waiting.get(agentId);
      const at = list?.findIndex((h) => h === holding || sameHolding(h, holding)) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
      if (list?.length === 0) this.waiting.delete(agentId);
      return;
    }
    this.holdAt(index, this.tally(holding.jobKey), resourceUnits(holding.resources), holding.ports, -1, true);
  }

  /**
   * Holds (sign 1) or releases (sign -1) resources, ports and counts on the host at `index`.
   * O(ports + counted attributes). Placement calls this directly with precomputed units and
   * does not prune: its tentative holds are undone and mostly redone at once by the caller, and
   * keeping the zero counts spares the maps a delete and a re-insert each time.
   */
  holdAt(index: number, tally: JobTally, units: ResourceUnits, ports: readonly number[], sign: 1 | -1, prune: boolean): void {
    const cols = this.cols;
    cols.freeCpu[index]! -= sign * units.cpu;
    cols.freeRam[index]! -= sign * units.ram;
    cols.freeDisk[index]! -= sign * units.disk;
    cols.freeGpu[index]! -= sign * units.gpu;
    cols.taskCount[index]! += sign;
    const record = this.records[index]!;
    if (ports.length > 0) {
      for (const port of ports) sign > 0 ? record.ports.claim(port) : record.ports.unclaim(port);
      cols.freePorts[index] = record.ports.free;
    }
    tally.tasks += sign;
    bump(tally.onHost, index, sign, prune);
    const counted = this.attributes.columns;
    for (let k = 0; k < counted.length; k++) {
      const id = counted[k]![index]!;
      if (id !== NO_VALUE) bump(tally.byValue, id, sign, prune);
    }
    if (prune && tally.tasks === 0) this.tallies.delete(tally.jobKey);
  }

  // ---- reads, by agent id for callers and by host index for placement's inner loops ----

  /** The host's index, or undefined for an unknown agent. */
  indexOf(agentId: string): number | undefined {
    return this.indexByAgentId.get(agentId);
  }

  /** What the host at `index` was last upserted with. */
  spec(index: number): HostSpec {
    return this.records[index]!.spec;
  }

  /** The agent id of the host at `index`. */
  agentId(index: number): string {
    return this.agentIds[index]!;
  }

  /** The value of an attribute on a host (`host` is its host name unless set explicitly). */
  attribute(index: number, name: string): string | undefined {
    return this.attributes.get(index, name);
  }

  /** Whether the host at `index` takes new tasks. */
  isAvailable(index: number): boolean {
    return this.available[index] === 1;
  }

  /** Free resources of an agent, in the spec's units; undefined for an unknown agent. */
  freeResources(agentId: string): { cpu: number; ramMb: number; diskMb: number; gpu: number } | undefined {
    const i = this.indexByAgentId.get(agentId);
    if (i === undefined) return undefined;
    const c = this.cols;
    return { cpu: fromUnits(c.freeCpu[i]!), ramMb: fromUnits(c.freeRam[i]!), diskMb: fromUnits(c.freeDisk[i]!), gpu: fromUnits(c.freeGpu[i]!) };
  }

  /** Tasks of `jobKey` on the agent. */
  jobTasksOn(agentId: string, jobKey: string): number {
    const i = this.indexByAgentId.get(agentId);
    return i === undefined ? 0 : (this.tallies.get(jobKey)?.onHost.get(i) ?? 0);
  }

  /** Tasks of `jobKey` on hosts whose `attribute` is `value` (what `limit:` constraints count). */
  jobTasksWith(jobKey: string, attribute: string, value: string): number {
    this.countAttribute(attribute);
    const id = this.attributes.knownValueId(attribute, value);
    return id === undefined ? 0 : (this.tallies.get(jobKey)?.byValue.get(id) ?? 0);
  }

  /** The lowest `count` free ports of the host's range. */
  lowestFreePorts(index: number, count: number): number[] {
    return this.records[index]!.ports.lowestFree(count);
  }

  /** Per-host typed arrays for placement's inner loops. */
  get columns(): HostColumns {
    return this.cols;
  }

  /** The job's counts, created empty if the job holds nothing yet. */
  tally(jobKey: string): JobTally {
    let tally = this.tallies.get(jobKey);
    if (!tally) {
      tally = { jobKey, onHost: new Map(), byValue: new Map(), tasks: 0 };
      this.tallies.set(jobKey, tally);
    }
    return tally;
  }

  /** Forgets a job's counts if it holds nothing (placement drops the tallies its rollback emptied). */
  dropIfEmpty(tally: JobTally): void {
    if (tally.tasks === 0 && this.tallies.get(tally.jobKey) === tally) this.tallies.delete(tally.jobKey);
  }

  /**
   * Per host index, the id of its value of `attribute` (-1 when it has none); ids key
   * JobTally.byValue. Starts counting the attribute (see countAttribute). Kept up to date as
   * hosts change; replaced when the pool grows.
   */
  attributeColumn(attribute: string): Int32Array {
    const { column, created } = this.attributes.column(attribute);
    if (created) {
      // Count what is already held, once, from the per-host job counts.
      for (const tally of this.tallies.values()) {
        for (const [host, tasks] of tally.onHost) if (column[host] !== NO_VALUE && tasks !== 0) bump(tally.byValue, column[host]!, tasks, true);
      }
    }
    return column;
  }

  /**
   * From now on, count every job's tasks per value of `attribute`. Only attributes that some
   * `limit:` constraint (or a reader) asked about are counted, so a hold costs O(ports + limited
   * attributes) however many attributes hosts carry.
   */
  countAttribute(attribute: string): void {
    this.attributeColumn(attribute);
  }

  /**
   * Available hosts that meet every value constraint, ascending by index; cached per signature.
   * With `excludeDedicated` (a job without a `dedicated` constraint), hosts that have a
   * `dedicated` attribute are left out.
   */
  eligibleHosts(constraints: readonly ValueConstraint[], signature: string, excludeDedicated: boolean): Int32Array {
    return this.attributes.eligible(constraints, signature, this.available, excludeDedicated);
  }

  /** Whether the host at `index` has a `dedicated` attribute (takes only jobs that ask for it). */
  isDedicated(index: number): boolean {
    return this.dedicated[index] === 1;
  }

  /** Per host index, its position in (host name, agent id) order: the deterministic tie-break. */
  nameRank(): Int32Array {
    if (!this.rankByName) {
      const order = [...this.records.keys()].sort(
        (a, b) => byCodeUnits(this.records[a]!.spec.host, this.records[b]!.spec.host) || byCodeUnits(this.records[a]!.spec.agentId, this.records[b]!.spec.agentId),
      );
      const rank = new Int32Array(this.size);
      order.forEach((host, position) => (rank[host] = position));
      this.rankByName = rank;
    }
    return this.rankByName;
  }

  /** Everything the pool holds, as plain data (O(hosts + counts)): for tests and the UI. */
  snapshot(): PoolSnapshot {
    const c = this.cols;
    const tallies = [...this.tallies.values()].sort((a, b) => byCodeUnits(a.jobKey, b.jobKey));
    const hosts = this.records.map((r, i) => ({
      agentId: r.spec.agentId,
      unavailable: r.spec.unavailable,
      free: { cpu: fromUnits(c.freeCpu[i]!), ramMb: fromUnits(c.freeRam[i]!), diskMb: fromUnits(c.freeDisk[i]!), gpu: fromUnits(c.freeGpu[i]!) },
      freePorts: c.freePorts[i]!,
      heldPorts: r.ports.held(),
      taskCount: c.taskCount[i]!,
      jobs: Object.fromEntries(tallies.flatMap((t) => (t.onHost.get(i) ? [[t.jobKey, t.onHost.get(i)!] as const] : []))),
    }));
    const jobsByAttribute: Record<string, Record<string, number>> = {};
    for (const tally of tallies) {
      const counts = [...tally.byValue].filter(([, n]) => n !== 0).map(([id, n]) => [this.attributes.valueName(id), n] as const);
      if (counts.length > 0) jobsByAttribute[tally.jobKey] = Object.fromEntries(counts.sort(([a], [b]) => byCodeUnits(a, b)));
    }
    let waiting = 0;
    for (const list of this.waiting.values()) waiting += list.length;
    return { hosts, jobsByAttribute, waiting };
  }

  // ---- maintenance ----

  private addHost(spec: HostSpec): void {
    const index = this.records.length;
    if (index >= this.cols.freeCpu.length) this.grow(Math.max(16, index * 2));
    const record: HostRecord = { spec, ports: new HostPorts(spec.portRange) };
    this.records.push(record);
    this.agentIds.push(spec.agentId);
    this.indexByAgentId.set(spec.agentId, index);
    this.cols.freePorts[index] = record.ports.free;
    this.setResources(index, spec.resources);
    this.available[index] = spec.unavailable === null ? 1 : 0;
    this.dedicated[index] = spec.attributes[DEDICATED_ATTRIBUTE] === undefined ? 0 : 1;
    this.attributes.set(index, attributesOf(spec));
    this.rankByName = null;
    const waiting = this.waiting.get(spec.agentId);
    if (waiting) {
      this.waiting.delete(spec.agentId);
      for (const holding of waiting) this.hold(spec.agentId, holding);
    }
  }

  private changeHost(index: number, spec: HostSpec): void {
    const record = this.records[index]!;
    const before = record.spec;
    record.spec = spec;
    this.setResources(index, spec.resources);
    if (before.portRange.begin !== spec.portRange.begin || before.portRange.end !== spec.portRange.end) {
      record.ports.setRange(spec.portRange);
      this.cols.freePorts[index] = record.ports.free;
    }
    if (before.host !== spec.host || !sameAttributes(before.attributes, spec.attributes)) {
      // Move the limit counts of every job on the host from its old values to its new ones (rare:
      // a scan of the jobs is fine here).
      const onHost = [...this.tallies.values()].map((t) => [t, t.onHost.get(index) ?? 0] as const).filter(([, n]) => n !== 0);
      const countedIds = () => this.attributes.columns.map((column) => column[index]!).filter((id) => id !== NO_VALUE);
      for (const [tally, tasks] of onHost) for (const id of countedIds()) bump(tally.byValue, id, -tasks, true);
      this.attributes.set(index, attributesOf(spec));
      this.dedicated[index] = spec.attributes[DEDICATED_ATTRIBUTE] === undefined ? 0 : 1;
      for (const [tally, tasks] of onHost) for (const id of countedIds()) bump(tally.byValue, id, tasks, true);
      if (before.host !== spec.host) this.rankByName = null;
    }
    if (before.unavailable !== spec.unavailable) {
      this.available[index] = spec.unavailable === null ? 1 : 0;
      this.attributes.changed();
    }
  }

  /** Sets totals and shifts free by the change, so what is held stays held. */
  private setResources(index: number, resources: HostSpec['resources']): void {
    const c = this.cols;
    const set = (total: Float64Array, free: Float64Array, amount: number) => {
      const units = toUnits(amount);
      free[index]! += units - total[index]!;
      total[index] = units;
    };
    set(c.totalCpu, c.freeCpu, resources.cpu);
    set(c.totalRam, c.freeRam, resources.ramMb);
    set(c.totalDisk, c.freeDisk, resources.diskMb);
    set(c.totalGpu, c.freeGpu, resources.gpu);
  }

  private grow(capacity: number): void {
    const next = allocate(capacity);
    for (const key of Object.keys(next) as (keyof typeof next)[]) next[key].set(this.cols[key] as never);
    this.cols = next;
    const available = new Uint8Array(capacity);
    available.set(this.available);
    this.available = available;
    const dedicated = new Uint8Array(capacity);
    dedicated.set(this.dedicated);
    this.dedicated = dedicated;
    this.attributes.grow(capacity);
  }
}

function allocate(capacity: number) {
  return {
    freeCpu: new Float64Array(capacity),
    freeRam: new Float64Array(capacity),
    freeDisk: new Float64Array(capacity),
    freeGpu: new Float64Array(capacity),
    totalCpu: new Float64Array(capacity),
    totalRam: new Float64Array(capacity),
    totalDisk: new Float64Array(capacity),
    totalGpu: new Float64Array(capacity),
    freePorts: new Int32Array(capacity),
    taskCount: new Int32Array(capacity),
  };
}

/** Adds `by` to a count; with `prune`, drops it at zero so that a hold and its release leave no trace. */
function bump<K>(counts: Map<K, number>, key: K, by: number, prune: boolean): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0 && prune) counts.delete(key);
  else counts.set(key, n);
}

/** `host` is an attribute every host has, as in Aurora: its host name unless set explicitly. */
function attributesOf(spec: HostSpec): ReadonlyMap<string, string> {
  return new Map([['host', spec.host], ...Object.entries(spec.attributes)]);
}

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function sameHolding(a: Holding, b: Holding): boolean {
  const r = a.resources;
  const s = b.resources;
  return (
    a.jobKey === b.jobKey &&
    r.cpu === s.cpu &&
    r.ramMb === s.ramMb &&
    r.diskMb === s.diskMb &&
    r.gpu === s.gpu &&
    a.ports.length === b.ports.length &&
    a.ports.every((p, i) => p === b.ports[i])
  );
}
