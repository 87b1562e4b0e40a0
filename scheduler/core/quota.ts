import type { ResourcesSpec } from '../../dsl/jobspec.js';
import type { ResourceAmounts } from '../api/quota-api.js';
import { fromUnits, toUnits } from './placement/resource-units.js';

/**
 * Production quota per role, as in Aurora: a role's production jobs may together hold at most its
 * quota of cpu, ram, disk and gpu. What counts is the role's active production tasks, the
 * instances its active updates add, and its production cron templates; non-production jobs are
 * not limited. Sums are counted in integer millionths (as placement does), so 0.1 + 0.2 cpu fits
 * a quota of 0.3 exactly.
 */

/** The resources a quota limits. */
export type QuotaResource = 'cpu' | 'ram' | 'disk' | 'gpu';

/** Nothing of anything. */
export const NO_RESOURCES: ResourceAmounts = Object.freeze({ cpu: 0, ramMb: 0, diskMb: 0, gpu: 0 });

const FIELDS: readonly { readonly resource: QuotaResource; readonly field: keyof ResourceAmounts; readonly unit: string }[] = [
  { resource: 'cpu', field: 'cpu', unit: '' },
  { resource: 'ram', field: 'ramMb', unit: ' MiB' },
  { resource: 'disk', field: 'diskMb', unit: ' MiB' },
  { resource: 'gpu', field: 'gpu', unit: '' },
];

/** The sum of amounts, exact to a millionth (a cpu share sum does not drift). */
export function addAmounts(...amounts: readonly ResourceAmounts[]): ResourceAmounts {
  const sum = (field: keyof ResourceAmounts) => fromUnits(amounts.reduce((n, a) => n + toUnits(a[field]), 0));
  return { cpu: sum('cpu'), ramMb: sum('ramMb'), diskMb: sum('diskMb'), gpu: sum('gpu') };
}

/** What `instances` tasks with these resources hold (a JobSpec's `task.resources` × instances). */
export function scaleAmounts(resources: ResourcesSpec | ResourceAmounts, instances: number): ResourceAmounts {
  const times = (amount: number) => fromUnits(toUnits(amount) * instances);
  return { cpu: times(resources.cpu), ramMb: times(resources.ramMb), diskMb: times(resources.diskMb), gpu: times(resources.gpu) };
}

/**
 * Whether a job's tasks count against its role's quota: production jobs do, except those on
 * dedicated hosts (Aurora's quota covers the shared pool; a `dedicated` constraint means the
 * role brings its own machines).
 */
export function countsAgainstQuota(job: { readonly production: boolean; readonly constraints: Readonly<Record<string, string>> }): boolean {
  return job.production && job.constraints['dedicated'] === undefined;
}

/** One resource a request does not fit in, in its own units (cpus, MiB, gpus). */
export interface QuotaShortfall {
  readonly resource: QuotaResource;
  readonly needed: number;
  readonly inUse: number;
  readonly allowed: number;
}

/** What checkQuota is given; every amount is the role's. */
export interface QuotaCheckInput {
  /** For the message. */
  readonly role?: string;
  readonly quota: ResourceAmounts;
  /** Active (not ended) production tasks, except those of cron jobs, which `cronTemplates` counts. */
  readonly activeProduction: ResourceAmounts;
  /** What active updates add beyond the tasks they replace. */
  readonly updateAdds: ResourceAmounts;
  /** Production cron templates × their instances. */
  readonly cronTemplates: ResourceAmounts;
  /** What the operation asks for on top (a new job's tasks, added instances, an update's growth). */
  readonly request: ResourceAmounts;
}

export type QuotaCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly shortfalls: readonly QuotaShortfall[]; readonly message: string };

/**
 * Whether a request fits in the role's quota beside what is in use: for each resource, in use
 * plus needed at most allowed. A resource the request does not add to never fails it (a quota
 * lowered below what runs does not block a job that needs none of that resource; Aurora would
 * refuse it). The message names each short resource with what is needed, in use and allowed:
 * "Insufficient quota for role www-data: cpu needed 4, in use 10, allowed 12".
 */
export function checkQuota(input: QuotaCheckInput): QuotaCheck {
  const shortfalls: QuotaShortfall[] = [];
  for (const { resource, field } of FIELDS) {
    const needed = toUnits(input.request[field]);
    if (needed <= 0) continue;
    const inUse = toUnits(input.activeProduction[field]) + toUnits(input.updateAdds[field]) + toUnits(input.cronTemplates[field]);
    const allowed = toUnits(input.quota[field]);
    if (inUse + needed > allowed) shortfalls.push({ resource, needed: fromUnits(needed), inUse: fromUnits(inUse), allowed: fromUnits(allowed) });
  }
  if (shortfalls.length === 0) return { ok: true };
  const clauses = shortfalls.map((s) => {
    const unit = FIELDS.find((f) => f.resource === s.resource)!.unit;
    const show = (n: number) => `${formatAmount(n)}${unit}`;
    return `${s.resource} needed ${show(s.needed)}, in use ${show(s.inUse)}, allowed ${show(s.allowed)}`;
  });
  const whose = input.role === undefined ? '' : ` for role ${input.role}`;
  return { ok: false, shortfalls, message: `Insufficient quota${whose}: ${clauses.join('; ')}` };
}

/** At most six decimals (millionths), no trailing zeros. */
function formatAmount(n: number): string {
  return String(Number(n.toFixed(6)));
}

/** A data size that parseDataSize cannot read; the message says why and what to write. */
export class DataSizeError extends Error {
  override readonly name = 'DataSizeError';
}

const BYTES_PER_UNIT: Readonly<Record<string, number>> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const MIB = 1024 ** 2;

/**
 * Reads a size as `aurora-admin set_quota` does (Aurora's parse_data from twitter.common): a
 * whole number with an optional unit k, kb, m, mb, g, gb, t or tb in any case (binary: 1k is
 * 1024 bytes); a number without a unit is bytes. Returns whole MiB, truncated as Aurora's
 * `int(...as_(Data.MB))` does (1500k is 1 MiB). Throws a DataSizeError for anything else, and
 * for a size above 0 that is less than 1 MiB (Aurora would silently set 0: `4096` is 4096 bytes,
 * where `4096m` was meant).
 */
export function parseDataSize(text: string): number {
  const trimmed = text.trim();
  const match = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/i.exec(trimmed);
  if (!match) throw new DataSizeError(`${JSON.stringify(text)} is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)`);
  const [, sign, digits, rawUnit] = match as unknown as [string, string, string, string];
  const unit = rawUnit.toLowerCase().replace(/b$/, '');
  if (rawUnit !== '' && (unit === '' || !(unit in BYTES_PER_UNIT) || rawUnit.length > 2)) {
    throw new DataSizeError(`${JSON.stringify(trimmed)} has the unknown unit ${JSON.stringify(rawUnit)}: use k, kb, m, mb, g, gb, t or tb (or none, for bytes)`);
  }
  if (sign === '-') throw new DataSizeError(`${JSON.stringify(trimmed)} is negative: a size is 0 or more`);
  const bytesPerUnit = unit === '' ? 1 : BYTES_PER_UNIT[unit]!;
  if (digits.includes('.')) {
    const value = Number(digits);
    const smaller = Object.entries(BYTES_PER_UNIT).reverse().find(([, bytes]) => bytes < bytesPerUnit && Number.isInteger((value * bytesPerUnit) / bytes));
    const hint = smaller ? `: write ${(value * bytesPerUnit) / smaller[1]}${smaller[0]}` : '';
    throw new DataSizeError(`${JSON.stringify(trimmed)} is not a whole number; sizes are whole numbers of their unit, as in Aurora${hint}`);
  }
  const amount = Number(digits);
  const bytes = amount * bytesPerUnit;
  if (!Number.isSafeInteger(bytes)) throw new DataSizeError(`${JSON.stringify(trimmed)} is too large`);
  const mib = Math.floor(bytes / MIB);
  if (mib === 0 && bytes > 0) {
    const bare = unit === '' ? ` (a number without a unit is bytes, as in Aurora): write ${digits}m for MiB` : '';
    throw new DataSizeError(`${JSON.stringify(trimmed)} is less than 1 MiB${bare}`);
  }
  return mib;
}
