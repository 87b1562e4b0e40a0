/** `aurora job inspect` and `aurora job diff`; loaded when one of them runs. */
import { canonicalJson } from '../../dsl/canonical-json.js';
import { formatJobKey } from '../../dsl/key.js';
import { parseBindings } from '../config/bindings.js';
import { ApiCallError } from '../errors.js';
import { compileSpec, parseKeyForCluster, submittableSpec } from './compile-spec.js';
import type { CommandContext } from './context.js';
import { formatInspect, specHashOf } from './inspect-format.js';
import { unifiedDiff } from './text-diff.js';

export interface InspectArgs {
  readonly jobkey: string;
  readonly config: string;
  readonly bind: readonly string[];
  readonly json: boolean;
}

/** Prints the compiled spec of a job: canonical JSON with --json, readable otherwise. */
export async function inspectJob(ctx: CommandContext, a: InspectArgs): Promise<void> {
  const { key, extraEnvironments } = await parseKeyForCluster(ctx, a.jobkey);
  const spec = await compileSpec(ctx, a.config, key, parseBindings(a.bind), extraEnvironments);
  if (a.json) ctx.out(canonicalJson(spec, 2));
  else for (const line of formatInspect(spec)) ctx.out(line);
}

export interface DiffArgs extends InspectArgs {}

/**
 * Compares the spec a config compiles to with the one the scheduler runs for the job, as a
 * unified diff of canonical JSON (`-` the scheduler's, `+` the config's). Exits 0 either way.
 */
export async function diffJob(ctx: CommandContext, a: DiffArgs): Promise<void> {
  const { key, extraEnvironments } = await parseKeyForCluster(ctx, a.jobkey);
  const client = ctx.client(key.cluster);
  const local = await submittableSpec(ctx, a.config, key, parseBindings(a.bind), extraEnvironments);
  let remote;
  try {
    remote = (await client.getJob(key)).spec;
  } catch (err) {
    if (err instanceof ApiCallError && err.code === 'JOB_NOT_FOUND') {
      throw new ApiCallError(
        err.code,
        `Job ${formatJobKey(key)} does not exist on the scheduler, so there is nothing to diff against; create it with "aurora job create"`,
        err.status,
        { cause: err },
      );
    }
    throw err;
  }
  const lines = unifiedDiff(canonicalJson(remote, 2), canonicalJson(local, 2), {
    before: `scheduler ${formatJobKey(key)} (config ${specHashOf(remote)})`,
    after: `${a.config} (config ${specHashOf(local)})`,
  });
  if (a.json) {
    ctx.json({ job: formatJobKey(key), differs: lines.length > 0, scheduler: specHashOf(remote), config: specHashOf(local), diff: lines });
    return;
  }
  if (lines.length === 0) ctx.out(`no differences: ${a.config} compiles to the spec the scheduler runs for ${formatJobKey(key)}`);
  else for (const line of lines) ctx.out(line);
}
