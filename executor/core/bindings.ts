/**
 * Executor-time bindings: the `{{thermos.*}}` and `{{mesos.*}}` templates the client leaves in a
 * job spec, bound when a process starts, and the same values as environment variables. Pure.
 */

export interface BindingContext {
  readonly taskId: string;
  readonly instance: number;
  /** The host name the agent advertises. */
  readonly hostname: string;
  /** Ports the scheduler assigned, by name. */
  readonly ports: Readonly<Record<string, number>>;
  /** Absolute path of the task's sandbox (the processes' working directory). */
  readonly sandbox: string;
}

export interface BoundCmdline {
  readonly cmdline: string;
  /** Templates that have no value here, as written (`{{thermos.ports[admin]}}`). */
  readonly unbound: readonly string[];
}

const TEMPLATE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const PORT = /^thermos\.ports\[\s*([\w\-.]+)\s*\]$/;

/** The value of one executor-time variable, or undefined when it has none. */
function valueOf(name: string, ctx: BindingContext): string | undefined {
  const port = PORT.exec(name);
  if (port) {
    const value = ctx.ports[port[1] as string];
    return value === undefined ? undefined : String(value);
  }
  switch (name) {
    case 'mesos.instance':
      return String(ctx.instance);
    case 'mesos.hostname':
      return ctx.hostname;
    case 'thermos.task_id':
      return ctx.taskId;
    default:
      return undefined;
  }
}

/** Binds `{{thermos.ports[name]}}`, `{{mesos.instance}}`, `{{mesos.hostname}}` and `{{thermos.task_id}}`. */
export function bindCmdline(cmdline: string, ctx: BindingContext): BoundCmdline {
  const unbound: string[] = [];
  const bound = cmdline.replace(TEMPLATE, (whole, raw: string) => {
    const value = valueOf(raw.trim(), ctx);
    if (value === undefined) {
      unbound.push(whole);
      return whole;
    }
    return value;
  });
  return { cmdline: bound, unbound };
}

/** `http` → `THERMOS_PORT_HTTP`, `admin-port` → `THERMOS_PORT_ADMIN_PORT`. */
export function portEnvName(port: string): string {
  return `THERMOS_PORT_${port.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The environment every process of the task gets on top of the agent's. */
export function bindingEnv(ctx: BindingContext): Record<string, string> {
  const env: Record<string, string> = {
    THERMOS_TASK_ID: ctx.taskId,
    THERMOS_SANDBOX: ctx.sandbox,
    MESOS_SANDBOX: ctx.sandbox,
    MESOS_INSTANCE: String(ctx.instance),
    MESOS_HOSTNAME: ctx.hostname,
  };
  for (const [name, port] of Object.entries(ctx.ports).sort(([a], [b]) => a.localeCompare(b))) {
    env[portEnvName(name)] = String(port);
  }
  return env;
}
