import { createHash } from 'node:crypto';
import { z } from 'zod';
import { JobKeySchema } from './job-key.js';

/**
 * The compiled, fully client-bound job: the one wire contract every part consumes.
 * Executor-time templates (`{{thermos.ports[http]}}`, `{{mesos.instance}}`, ...) stay in the strings.
 */

const nonNegativeInt = z.number().int().nonnegative();

export const ProcessSpecSchema = z
  .object({
    name: z.string().regex(/^[\w\-.]+$/, "process names may only contain letters, digits, '_', '-' and '.'"),
    cmdline: z.string().min(1, 'cmdline must not be empty'),
    /** 0 means retry forever. */
    maxFailures: nonNegativeInt,
    daemon: z.boolean(),
    ephemeral: z.boolean(),
    minDurationSecs: z.number().nonnegative(),
    final: z.boolean(),
  })
  .strict();
export type ProcessSpec = z.infer<typeof ProcessSpecSchema>;

export const OrderConstraintSchema = z.object({ order: z.array(z.string()).min(2) }).strict();
export type OrderConstraint = z.infer<typeof OrderConstraintSchema>;

export const ResourcesSpecSchema = z
  .object({
    cpu: z.number().positive('cpu must be more than 0'),
    ramMb: z.number().int().positive('ram must be at least 1 MiB'),
    diskMb: z.number().int().positive('disk must be at least 1 MiB'),
    gpu: nonNegativeInt,
  })
  .strict();
export type ResourcesSpec = z.infer<typeof ResourcesSpecSchema>;

export const TaskSpecSchema = z
  .object({
    name: z.string().min(1),
    processes: z.array(ProcessSpecSchema).min(1, 'a task needs at least one process'),
    constraints: z.array(OrderConstraintSchema),
    resources: ResourcesSpecSchema,
    maxFailures: nonNegativeInt,
    /** 0 means no limit. */
    maxConcurrency: nonNegativeInt,
    finalizationWaitSecs: z.number().nonnegative(),
  })
  .strict()
  .superRefine((task, ctx) => {
    const seen = new Set<string>();
    task.processes.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({ code: 'custom', path: ['processes', i, 'name'], message: `process name '${p.name}' is used twice` });
      }
      seen.add(p.name);
    });
    task.constraints.forEach((c, i) =>
      c.order.forEach((name, j) => {
        if (!seen.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['constraints', i, 'order', j],
            message: `order names process '${name}', which the task does not have`,
          });
        }
      }),
    );
  });
export type TaskSpec = z.infer<typeof TaskSpecSchema>;

export const CronCollisionPolicySchema = z.enum(['KILL_EXISTING', 'CANCEL_NEW']);

export const JobSpecSchema = z
  .object({
    key: JobKeySchema,
    instances: z.number().int().min(1, 'instances must be at least 1'),
    service: z.boolean(),
    cronSchedule: z.string().nullable(),
    cronCollisionPolicy: CronCollisionPolicySchema,
    production: z.boolean(),
    tier: z.string().nullable(),
    priority: z.number().int(),
    maxTaskFailures: z.number().int().min(-1),
    /** Attribute name to a value, a negated value (`!r1`) or a limit (`limit:1`). */
    constraints: z.record(z.string(), z.string()),
    contact: z.string().nullable(),
    metadata: z.array(z.object({ key: z.string(), value: z.string() }).strict()),
    /** Named ports the task uses (from `{{thermos.ports[name]}}`), sorted. */
    ports: z.array(z.string()),
    task: TaskSpecSchema,
  })
  .strict();
export type JobSpec = z.infer<typeof JobSpecSchema>;

/** JSON with object keys sorted at every level, so equal specs print and hash equally. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** A short content hash that identifies a config version. */
export function specHash(spec: JobSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 16);
}
