import { describe, expect, it } from 'vitest';
import { resolveTier, TIERS, type Tier } from './tiers.js';

describe('resolveTier', () => {
  const table: [boolean, Tier | null, ReturnType<typeof resolveTier>][] = [
    [true, null, { ok: true, tier: 'preferred', production: true }],
    [false, null, { ok: true, tier: 'preemptible', production: false }],
    [true, 'preferred', { ok: true, tier: 'preferred', production: true }],
    [false, 'preemptible', { ok: true, tier: 'preemptible', production: false }],
    [false, 'revocable', { ok: true, tier: 'revocable', production: false }],
    [
      true,
      'preemptible',
      {
        ok: false,
        message:
          "production: true needs the tier preferred, but the job's tier is preemptible: set tier: 'preferred' (or leave tier out), or set production: false to run in the preemptible tier",
      },
    ],
    [
      true,
      'revocable',
      {
        ok: false,
        message:
          "production: true needs the tier preferred, but the job's tier is revocable: set tier: 'preferred' (or leave tier out), or set production: false to run in the revocable tier",
      },
    ],
    [
      false,
      'preferred',
      {
        ok: false,
        message:
          "the tier preferred is for production jobs, but the job says production: false: set production: true (its tasks then count against the role's quota), or choose tier 'preemptible'",
      },
    ],
  ];
  it.each(table)('production %s, tier %s: %o', (production, tier, expected) => {
    expect(resolveTier({ production, tier })).toEqual(expected);
  });
});

describe('TIERS', () => {
  it("matches Aurora's default tiers.json", () => {
    expect(TIERS).toEqual({
      preferred: { preemptible: false, revocable: false, production: true },
      preemptible: { preemptible: true, revocable: false, production: false },
      revocable: { preemptible: true, revocable: true, production: false },
    });
  });
});
