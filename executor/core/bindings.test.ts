import { describe, expect, it } from 'vitest';
import { bindCmdline, bindingEnv, type BindingContext } from './bindings.js';

const ctx: BindingContext = {
  taskId: 'www-data-prod-hello-3-x',
  instance: 3,
  hostname: 'agent-7.example.com',
  ports: { http: 31005, 'admin-port': 31006 },
  sandbox: '/var/lib/aurora/sandboxes/www-data-prod-hello-3-x',
};

describe('bindCmdline', () => {
  it('binds ports, instance, host name and task id', () => {
    const bound = bindCmdline(
      'serve --port={{thermos.ports[http]}} --admin={{ thermos.ports[admin-port] }} --shard={{mesos.instance}} --host={{mesos.hostname}} --id={{thermos.task_id}}',
      ctx,
    );
    expect(bound.cmdline).toBe(
      'serve --port=31005 --admin=31006 --shard=3 --host=agent-7.example.com --id=www-data-prod-hello-3-x',
    );
    expect(bound.unbound).toEqual([]);
  });

  it('reports templates it has no value for and leaves them in place', () => {
    const bound = bindCmdline('serve {{thermos.ports[debug]}} {{mesos.nope}}', ctx);
    expect(bound.cmdline).toBe('serve {{thermos.ports[debug]}} {{mesos.nope}}');
    expect(bound.unbound).toEqual(['{{thermos.ports[debug]}}', '{{mesos.nope}}']);
  });
});

describe('bindingEnv', () => {
  it('exports the same values as environment variables', () => {
    expect(bindingEnv(ctx)).toEqual({
      THERMOS_TASK_ID: 'www-data-prod-hello-3-x',
      THERMOS_SANDBOX: ctx.sandbox,
      MESOS_SANDBOX: ctx.sandbox,
      MESOS_INSTANCE: '3',
      MESOS_HOSTNAME: 'agent-7.example.com',
      THERMOS_PORT_ADMIN_PORT: '31006',
      THERMOS_PORT_HTTP: '31005',
    });
  });
});
