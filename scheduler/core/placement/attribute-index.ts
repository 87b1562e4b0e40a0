import { meetsValueConstraint, type ValueConstraint } from './constraints.js';
import { DEDICATED_ATTRIBUTE } from './dedicated.js';

/** A host's lack of a value in an attribute column. */
export const NO_VALUE = -1;

/**
 * Hosts' attributes, indexed for placement. An index attribute → value → hosts gives the hosts
 * that meet value constraints without a scan (cached per constraint signature until a host
 * changes). For the attributes `limit:` constraints use, a column of each host's value id, by
 * host index: the ids key the per-job counts, so a limit check is two array reads and a lookup.
 */
export class AttributeIndex {
  /** Attribute name to value, per host index (`host` included). */
  private readonly ofHost: ReadonlyMap<string, string>[] = [];
  private readonly hostsByValue = new Map<string, Map<string, Set<number>>>();
  private readonly valueIdByKey = new Map<string, number>();
  private readonly valueNames: string[] = [];
  private readonly columnOf = new Map<string, Int32Array>();
  /** The same columns as a list, for holds to walk. */
  private columnList: Int32Array[] = [];
  private readonly eligibleBySignature = new Map<string, Int32Array>();
  private capacity = 0;

  /** Sets or replaces the attributes of the host at `index` (hosts are added in index order). */
  set(index: number, attributes: ReadonlyMap<string, string>): void {
    for (const [name, value] of this.ofHost[index] ?? []) this.hostsByValue.get(name)?.get(value)?.delete(index);
    this.ofHost[index] = attributes;
    for (const [name, value] of attributes) {
      let byValue = this.hostsByValue.get(name);
      if (!byValue) this.hostsByValue.set(name, (byValue = new Map()));
      let hosts = byValue.get(value);
      if (!hosts) byValue.set(value, (hosts = new Set()));
      hosts.add(index);
    }
    for (const [name, column] of this.columnOf) {
      const value = attributes.get(name);
      column[index] = value === undefined ? NO_VALUE : this.valueId(name, value);
    }
    this.changed();
  }

  get(index: number, name: string): string | undefined {
    return this.ofHost[index]?.get(name);
  }

  /** The value columns kept so far; replaced when the pool grows. */
  get columns(): readonly Int32Array[] {
    return this.columnList;
  }

  /** The attribute's value column, and whether it was just created (nothing counted on it yet). */
  column(attribute: string): { readonly column: Int32Array; readonly created: boolean } {
    const known = this.columnOf.get(attribute);
    if (known) return { column: known, created: false };
    const column = new Int32Array(this.capacity).fill(NO_VALUE);
    for (const [value, hosts] of this.hostsByValue.get(attribute) ?? []) {
      const id = this.valueId(attribute, value);
      for (const host of hosts) column[host] = id;
    }
    this.columnOf.set(attribute, column);
    this.columnList.push(column);
    return { column, created: true };
  }

  /** The id of a value, if any host has had it in a column. */
  knownValueId(attribute: string, value: string): number | undefined {
    return this.valueIdByKey.get(valueKey(attribute, value));
  }

  /** `attribute=value` for an id. */
  valueName(id: number): string {
    return this.valueNames[id]!;
  }

  /**
   * Available hosts that meet every value constraint, ascending by index, leaving out dedicated
   * hosts (those with a `dedicated` attribute) when `excludeDedicated`. Starts from the index of
   * a positive constraint's values when there is one, so `zone = z1` never looks at other zones;
   * only negated constraints alone scan every host (once per signature).
   */
  eligible(constraints: readonly ValueConstraint[], signature: string, available: Uint8Array, excludeDedicated: boolean): Int32Array {
    const key = excludeDedicated ? signature : `dedicated allowed ${signature}`;
    const cached = this.eligibleBySignature.get(key);
    if (cached) return cached;
    const positive = constraints.find((c) => !c.negated);
    let candidates: Iterable<number>;
    if (positive) {
      const byValue = this.hostsByValue.get(positive.attribute);
      const union = new Set<number>();
      for (const value of positive.values) for (const i of byValue?.get(value) ?? []) union.add(i);
      candidates = [...union].sort((a, b) => a - b);
    } else {
      candidates = this.ofHost.keys();
    }
    const eligible: number[] = [];
    for (const i of candidates) {
      if (available[i] !== 1) continue;
      const attributes = this.ofHost[i]!;
      if (excludeDedicated && attributes.has(DEDICATED_ATTRIBUTE)) continue;
      if (constraints.every((c) => meetsValueConstraint(c, attributes.get(c.attribute)))) eligible.push(i);
    }
    const result = Int32Array.from(eligible);
    // Signatures come from jobs' constraints, so they are few; the cap only guards against churn.
    if (this.eligibleBySignature.size >= 4096) this.eligibleBySignature.clear();
    this.eligibleBySignature.set(key, result);
    return result;
  }

  /** Hosts changed attributes or availability: cached eligible lists are stale. */
  changed(): void {
    this.eligibleBySignature.clear();
  }

  grow(capacity: number): void {
    this.capacity = capacity;
    this.columnList = this.columnList.map((column) => {
      const grown = new Int32Array(capacity).fill(NO_VALUE);
      grown.set(column);
      return grown;
    });
    [...this.columnOf.keys()].forEach((name, i) => this.columnOf.set(name, this.columnList[i]!));
  }

  private valueId(name: string, value: string): number {
    const key = valueKey(name, value);
    let id = this.valueIdByKey.get(key);
    if (id === undefined) {
      id = this.valueNames.length;
      this.valueNames.push(`${name}=${value}`);
      this.valueIdByKey.set(key, id);
    }
    return id;
  }
}

function valueKey(name: string, value: string): string {
  return `${name}\u0000${value}`;
}
