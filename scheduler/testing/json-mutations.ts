/**
 * Variants of a JSON value for holding a fast check to zod's verdicts: every place removed,
 * replaced by values that break one rule or another, or given an extra key.
 */

/** Replacement values that break one rule or another: types, ranges, patterns, enums, shapes. */
const ODD_VALUES: unknown[] = [null, '', '.', '..', 'x', 'has space', 'RUNNING', 'NOPE', -1, 0, 1.5, 2 ** 60, true, {}, [], [1], { x: 1 }];

/** Every variant of `value` with one place changed: removed, replaced, or given an extra key. */
export function* mutations(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      for (const m of mutations(value[i])) yield value.map((v, j) => (j === i ? m : v));
    }
    for (const odd of ODD_VALUES) yield [...value, odd];
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const { [k]: _dropped, ...rest } = obj;
      yield rest;
      for (const odd of ODD_VALUES) yield { ...obj, [k]: odd };
      for (const m of mutations(obj[k])) yield { ...obj, [k]: m };
    }
    yield { ...obj, unexpected: 1 };
    yield { ...obj, PENDING: 1 };
    return;
  }
  for (const odd of ODD_VALUES) yield odd;
}
