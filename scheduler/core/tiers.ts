import type { JobSpec } from '../../dsl/jobspec.js';

/**
 * Aurora's tiers (its default tiers.json). A tier says whether a job's tasks may be preempted and
 * whether they run on revocable resources; the production flag, which decides what counts
 * against a role's quota, follows from the tier:
 *
 * - `preferred`: production; counts against quota; preempted only by a production task of the
 *   same role with higher priority (see preemption.ts), never by another role's;
 * - `preemptible` (the default): may be preempted by production tasks, and by tasks of its own
 *   role with higher priority;
 * - `revocable`: preemptible too, and its cpu is not counted as room when it is preempted.
 */

/** A tier name. */
export type Tier = NonNullable<JobSpec['tier']>;

/** What a tier means (Aurora's TierInfo). */
export interface TierInfo {
  readonly preemptible: boolean;
  readonly revocable: boolean;
  /** Neither preemptible nor revocable: counts against quota. */
  readonly production: boolean;
}

export const TIERS: Readonly<Record<Tier, TierInfo>> = {
  preferred: { preemptible: false, revocable: false, production: true },
  preemptible: { preemptible: true, revocable: false, production: false },
  revocable: { preemptible: true, revocable: true, production: false },
};

/** The tier of a job that names none and is not production (Aurora's tiers.json `default`). */
export const DEFAULT_TIER: Tier = 'preemptible';

/** A job's tier and production flag, or why they contradict each other. */
export type TierResolution =
  | { readonly ok: true; readonly tier: Tier; readonly production: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * Resolves a job's tier from its `production` and `tier` fields: `production: true` without a
 * tier is `preferred`, neither is `preemptible`; a tier that contradicts `production` is refused
 * with what is wrong and how to fix it.
 */
export function resolveTier(spec: { readonly production: boolean; readonly tier: Tier | null }): TierResolution {
  const { production, tier } = spec;
  if (tier === null) return { ok: true, tier: production ? 'preferred' : DEFAULT_TIER, production };
  if (TIERS[tier].production === production) return { ok: true, tier, production };
  if (production) {
    return {
      ok: false,
      message:
        `production: true needs the tier preferred, but the job's tier is ${tier}: ` +
        `set tier: 'preferred' (or leave tier out), or set production: false to run in the ${tier} tier`,
    };
  }
  return {
    ok: false,
    message:
      `the tier preferred is for production jobs, but the job says production: false: ` +
      `set production: true (its tasks then count against the role's quota), or choose tier 'preemptible'`,
  };
}
