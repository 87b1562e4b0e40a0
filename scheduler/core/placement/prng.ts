/**
 * A tiny seeded pseudo-random generator (mulberry32). Placement takes all of its randomness from
 * here so that the same pool, groups and seed always give the same result; there is no
 * Math.random in the placement core.
 */

/** Returns numbers in [0, 1), like Math.random, but from a 32-bit seed. */
export type Random = () => number;

/** mulberry32: one 32-bit state word, a few multiplies per number, good spread for sampling. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomBelow(random: Random, n: number): number {
  return Math.floor(random() * n);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * A pseudo-random visiting order of `n` items in O(1) set-up: start anywhere and step by a
 * stride coprime with `n`, which visits every item exactly once before it repeats.
 */
export function randomWalk(random: Random, n: number): { readonly start: number; readonly stride: number } {
  if (n <= 1) return { start: 0, stride: 1 };
  const start = randomBelow(random, n);
  let stride = 1 + randomBelow(random, n - 1);
  // Coprimes are dense (about 6/π² of all numbers), so this ends after a few steps.
  while (gcd(stride, n) !== 1) stride = stride === n - 1 ? 1 : stride + 1;
  return { start, stride };
}
