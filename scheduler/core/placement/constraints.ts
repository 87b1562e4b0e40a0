import { DEDICATED_ATTRIBUTE } from './dedicated.js';

/**
 * Job constraints as Aurora writes them: attribute name to a value (`r1`), any of several values
 * (`r1,r2`), none of them (`!r1`, `!r1,r2`), or a limit of instances of the job per value of the
 * attribute (`limit:1`). Parsed once per placement group. `dedicated` is a value constraint that
 * also decides which hosts the job may use at all (dedicated.ts).
 */

/** `rack = r1,r2` or, negated, `rack != r1,r2`. */
export interface ValueConstraint {
  readonly kind: 'value';
  readonly attribute: string;
  /** As written (`!r1,r2`), for the pending reason. */
  readonly wanted: string;
  readonly negated: boolean;
  readonly values: ReadonlySet<string>;
}

/** At most `limit` tasks of the job on hosts that share one value of `attribute`. */
export interface LimitConstraint {
  readonly kind: 'limit';
  readonly attribute: string;
  readonly limit: number;
}

/** One constraint of a job, parsed. */
export type Constraint = ValueConstraint | LimitConstraint;

/** A job's constraints, parsed once per placement group. */
export interface ParsedConstraints {
  /** Every constraint in attribute-name order: the order vetoes are checked and reported in. */
  readonly all: readonly Constraint[];
  readonly values: readonly ValueConstraint[];
  readonly limits: readonly LimitConstraint[];
  /** Identifies the value constraints, so hosts that meet them can be cached per signature. */
  readonly valueSignature: string;
  /**
   * The job's `dedicated` constraint as written, or null: a job without one is kept off every
   * host that has a `dedicated` attribute.
   */
  readonly dedicated: string | null;
}

const LIMIT = /^limit:(\d+)$/;

/** Code-unit order, not locale order, so results do not depend on the machine's locale. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parsed constraints by the (immutable) record they came from: jobs are placed again and again. */
const parsedByRecord = new WeakMap<object, ParsedConstraints>();

/** Parses `{ rack: 'r1,r2', host: 'limit:1' }`; a value that is not `limit:<digits>` is a value constraint. */
export function parseConstraints(constraints: Readonly<Record<string, string>>): ParsedConstraints {
  let parsed = parsedByRecord.get(constraints);
  if (!parsed) {
    parsed = parse(constraints);
    parsedByRecord.set(constraints, parsed);
  }
  return parsed;
}

function parse(constraints: Readonly<Record<string, string>>): ParsedConstraints {
  const all: Constraint[] = [];
  for (const attribute of Object.keys(constraints).sort(byCodeUnits)) {
    const wanted = constraints[attribute] as string;
    const limit = LIMIT.exec(wanted);
    if (limit) {
      all.push({ kind: 'limit', attribute, limit: Number(limit[1]) });
      continue;
    }
    const negated = wanted.startsWith('!');
    const values = new Set((negated ? wanted.slice(1) : wanted).split(',').map((v) => v.trim()));
    all.push({ kind: 'value', attribute, wanted, negated, values });
  }
  const values = all.filter((c): c is ValueConstraint => c.kind === 'value');
  const limits = all.filter((c): c is LimitConstraint => c.kind === 'limit');
  return { all, values, limits, valueSignature: signatureOf(values), dedicated: constraints[DEDICATED_ATTRIBUTE] ?? null };
}

/** Identifies a list of value constraints (for caching the hosts that meet them). */
export function signatureOf(values: readonly ValueConstraint[]): string {
  return JSON.stringify(values.map((c) => [c.attribute, c.wanted]));
}

/** A host without the attribute does not meet `v` but does meet `!v`. */
export function meetsValueConstraint(constraint: ValueConstraint, hostValue: string | undefined): boolean {
  const matches = hostValue !== undefined && constraint.values.has(hostValue);
  return matches !== constraint.negated;
}
