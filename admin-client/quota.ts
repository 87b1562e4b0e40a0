/** `aurora-admin set_quota|increase_quota`: loaded when one of them runs. */
import type { ResourceAmounts } from '../scheduler/api/quota-api.js';
import type { CommandContext } from '../client/cli/context.js';
import { componentProblem } from '../dsl/key.js';
import { InvalidParameterError } from '../client/errors.js';
import { resourceSummary } from '../client/quota/format.js';
import { DataSizeError, parseDataSize } from '../scheduler/core/quota.js';

export interface QuotaArgs {
  readonly role: string;
  readonly cpu: string;
  readonly ram: string;
  readonly disk: string;
  readonly gpu: number;
}

/** MiB of a size such as 4096MB or 2GB, as Aurora's parse_data reads it (scheduler/core/quota.ts). */
function megabytes(what: string, text: string): number {
  try {
    return parseDataSize(text);
  } catch (err) {
    if (err instanceof DataSizeError) throw new InvalidParameterError(`${what} ${err.message}`);
    throw err;
  }
}

/**
 * The resources of `set_quota ROLE CPU RAM DISK` (Aurora's arguments: cpus as a number, ram and
 * disk as sizes such as 4096MB or 2GB) and `--gpu`; InvalidParameterError naming the bad one. Pure.
 */
export function quotaAmounts(a: QuotaArgs): ResourceAmounts {
  const roleProblem = componentProblem('role', a.role);
  if (roleProblem) throw new InvalidParameterError(`'${a.role}' is not a role: ${roleProblem}`);
  const cpu = a.cpu.trim() === '' ? NaN : Number(a.cpu);
  if (!Number.isFinite(cpu) || cpu < 0) throw new InvalidParameterError(`CPU '${a.cpu}' is not a number of cpus (0 or more, such as 4 or 0.5)`);
  const ramMb = megabytes('RAM', a.ram);
  const diskMb = megabytes('DISK', a.disk);
  if (!Number.isInteger(a.gpu) || a.gpu < 0) throw new InvalidParameterError(`--gpu must be a whole number, 0 or more, not ${a.gpu}`);
  return { cpu, ramMb, diskMb, gpu: a.gpu };
}

export async function setQuota(ctx: CommandContext, cluster: string, a: QuotaArgs, json: boolean): Promise<void> {
  const quota = quotaAmounts(a);
  const client = ctx.client(cluster);
  const say = (line: string): void => (json ? ctx.err(line) : ctx.out(line));
  say(`Setting quota for ${a.role} to ${resourceSummary(quota)}`);
  const res = await client.setQuota(a.role, quota);
  say('Response from scheduler: OK');
  if (json) ctx.json(res);
}

export async function increaseQuota(ctx: CommandContext, cluster: string, a: QuotaArgs, json: boolean): Promise<void> {
  const delta = quotaAmounts(a);
  const client = ctx.client(cluster);
  const say = (line: string): void => (json ? ctx.err(line) : ctx.out(line));
  say(`Increasing quota for ${a.role} by ${resourceSummary(delta)}`);
  const res = await client.increaseQuota(a.role, delta);
  say('Response from scheduler: OK');
  if (json) ctx.json(res);
  else ctx.out(`New quota for ${a.role}: ${resourceSummary(res.quota)}`);
}
