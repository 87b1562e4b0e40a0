import { describe, expect, it } from 'vitest';
import { substituteTaskCommand, unboundProblem } from './task-command.js';

const ctx = { taskId: 'www-data-prod-hello-0-abc', instance: 3, hostname: 'host7', ports: { http: 31001, 'admin-port': 31002 } };

describe('substituteTaskCommand', () => {
  it.each([
    ['curl localhost:{{thermos.ports[http]}}/vars', 'curl localhost:31001/vars'],
    ['echo {{mesos.instance}} {{ mesos.hostname }} {{thermos.task_id}}', 'echo 3 host7 www-data-prod-hello-0-abc'],
    ['curl localhost:%port:http%/ -H x:%port:admin-port%', 'curl localhost:31001/ -H x:31002'],
    ['echo %shard_id% %task_id% %host%', 'echo 3 www-data-prod-hello-0-abc host7'],
    // Text that is no binding stays as it is.
    ["docker ps --format '{{.Names}}'; date +%s%%", "docker ps --format '{{.Names}}'; date +%s%%"],
    ['echo 100%', 'echo 100%'],
  ])('%s', (command, expected) => {
    expect(substituteTaskCommand(command, ctx)).toEqual({ command: expected, unbound: [] });
  });

  it('names the bindings this task has no value for, and leaves them', () => {
    expect(substituteTaskCommand('curl :{{thermos.ports[admin]}} :%port:admin% {{mesos.nope}}', ctx)).toEqual({
      command: 'curl :{{thermos.ports[admin]}} :%port:admin% {{mesos.nope}}',
      unbound: ['{{thermos.ports[admin]}}', '{{mesos.nope}}', '%port:admin%'],
    });
  });
});

describe('unboundProblem', () => {
  it('is null when everything is bound', () => expect(unboundProblem([], {})).toBeNull());
  it('names what is missing once, and the ports the task has', () => {
    expect(unboundProblem(['%port:a%', '%port:a%'], { http: 1, admin: 2 })).toBe('the command uses %port:a%, which this task has no value for (its ports are admin, http)');
    expect(unboundProblem(['{{thermos.ports[a]}}'], {})).toBe('the command uses {{thermos.ports[a]}}, which this task has no value for (it has no ports)');
  });
});
