/** What `aurora quota get` and `aurora-admin get_quota` do; loaded when one of them runs. */
import { componentProblem } from '../../dsl/key.js';
import { InvalidParameterError } from '../errors.js';
import { formatQuota } from '../quota/format.js';
import type { CommandContext } from './context.js';

/** `cluster/role`; InvalidParameterError saying which rule it breaks. Pure. */
export function parseRoleKey(text: string): { cluster: string; role: string } {
  const parts = text.split('/');
  if (parts.length !== 2) throw new InvalidParameterError(`'${text}' is not a cluster/role, for example devcluster/www-data`);
  const [cluster, role] = parts as [string, string];
  const problem = componentProblem('cluster', cluster) ?? componentProblem('role', role);
  if (problem) throw new InvalidParameterError(`'${text}' is not a valid cluster/role: ${problem}`);
  return { cluster, role };
}

/** Prints a role's quota and use, or with `json` the scheduler's answer. */
export async function printQuota(ctx: CommandContext, cluster: string, role: string, json: boolean): Promise<void> {
  const quota = await ctx.client(cluster).getQuota(role);
  if (json) ctx.json(quota);
  else ctx.outLines(formatQuota(quota));
}
