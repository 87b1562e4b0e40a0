import { z } from 'zod';

/** Request and response bodies of the scheduler's quota routes (`aurora quota get`, `aurora-admin set_quota`). */

/** An amount of each resource: cpus, MiB of ram and disk, gpus. */
export const ResourceAmountsSchema = z
  .object({
    cpu: z.number().nonnegative(),
    ramMb: z.number().int().nonnegative(),
    diskMb: z.number().int().nonnegative(),
    gpu: z.number().int().nonnegative(),
  })
  .strict();
export type ResourceAmounts = z.infer<typeof ResourceAmountsSchema>;

export const GetQuotaResponseSchema = z
  .object({
    role: z.string(),
    /** What the role's production jobs may hold at most. */
    quota: ResourceAmountsSchema,
    /**
     * What counts against the quota: the role's active production tasks, the instances its
     * active updates add, and its production cron templates.
     */
    prodUse: ResourceAmountsSchema,
    /** What the role's non-production tasks hold (not limited by quota). */
    nonProdUse: ResourceAmountsSchema,
  })
  .strict();
export type GetQuotaResponse = z.infer<typeof GetQuotaResponseSchema>;

/** `aurora-admin set_quota`: the role's quota becomes this. */
export const SetQuotaRequestSchema = z.object({ quota: ResourceAmountsSchema }).strict();
export type SetQuotaRequest = z.infer<typeof SetQuotaRequestSchema>;

/** `aurora-admin increase_quota`: the role's quota grows by this (in one step on the scheduler). */
export const IncreaseQuotaRequestSchema = z.object({ delta: ResourceAmountsSchema }).strict();
export type IncreaseQuotaRequest = z.infer<typeof IncreaseQuotaRequestSchema>;
