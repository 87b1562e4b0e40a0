import { bindCmdline, type BindingContext } from './bindings.js';

/**
 * The bindings of a command a user runs in a task (`aurora task run`, `aurora task ssh
 * --command`), as Aurora's client substituted them: Thermos' `{{thermos.ports[NAME]}}`,
 * `{{mesos.instance}}`, `{{mesos.hostname}}`, `{{thermos.task_id}}` (bindings.ts, the ones a
 * task's processes get), and the older `%port:NAME%`, `%shard_id%`, `%task_id%` and `%host%` of
 * Aurora's first client. Pure.
 */

export interface SubstitutedCommand {
  readonly command: string;
  /** Bindings with no value in this task, as written (`{{thermos.ports[admin]}}`, `%port:admin%`). */
  readonly unbound: readonly string[];
}

const LEGACY = /%(port:[\w\-.]+|shard_id|task_id|host)%/g;

export function substituteTaskCommand(command: string, ctx: Omit<BindingContext, 'sandbox'>): SubstitutedCommand {
  const thermos = bindCmdline(command, { ...ctx, sandbox: '' });
  // Only the executor's namespaces count: `{{.Names}}` of a docker format is the command's own text.
  const unbound = thermos.unbound.filter((t) => /^\{\{\s*(thermos|mesos)\./.test(t));
  const bound = thermos.cmdline.replace(LEGACY, (whole, name: string) => {
    if (name === 'shard_id') return String(ctx.instance);
    if (name === 'task_id') return ctx.taskId;
    if (name === 'host') return ctx.hostname;
    const port = ctx.ports[name.slice('port:'.length)];
    if (port === undefined) {
      unbound.push(whole);
      return whole;
    }
    return String(port);
  });
  return { command: bound, unbound };
}

/** Why a command cannot run in the task, naming what has no value and the ports it has; null when it can. */
export function unboundProblem(unbound: readonly string[], ports: Readonly<Record<string, number>>): string | null {
  if (unbound.length === 0) return null;
  const names = Object.keys(ports).sort();
  const has = names.length > 0 ? `its ports are ${names.join(', ')}` : 'it has no ports';
  return `the command uses ${[...new Set(unbound)].join(', ')}, which this task has no value for (${has})`;
}
