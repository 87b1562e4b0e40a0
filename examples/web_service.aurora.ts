// A web service: three instances of a tiny HTTP server on a port the agent assigns (named
// `http`), health-checked over HTTP and rolled out one instance at a time.
//   aurora job inspect devcluster/www-data/prod/web examples/web_service.aurora.ts
import { HealthCheckConfig, HttpHealthChecker, MB, Process, Resources, Service, Task, UpdateConfig, thermos } from '@aurora/dsl';

// `thermos.ports.http` is '{{thermos.ports[http]}}': the agent binds it to the assigned port, and
// naming it here is what requests the port.
const server = Process({
  name: 'server',
  // python3 ships with Debian; http.server serves the sandbox, where `health` answers `ok`.
  cmdline: `echo ok > health && exec python3 -m http.server ${thermos.ports.http} --bind 0.0.0.0`,
});

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'web',
    instances: 3,
    contact: 'web-team@example.com',
    task: Task({
      processes: [server],
      resources: Resources({ cpu: 0.25, ram: 64 * MB, disk: 64 * MB }),
    }),
    healthCheckConfig: HealthCheckConfig({
      healthChecker: HttpHealthChecker({ port: 'http', endpoint: '/health', expectedResponse: 'ok' }),
      initialIntervalSecs: 10,
      intervalSecs: 5,
      maxConsecutiveFailures: 2,
    }),
    updateConfig: UpdateConfig({ batchSize: 1, watchSecs: 30, maxTotalFailures: 1 }),
    // On a real cluster you would spread the instances with `constraints: { host: 'limit:1' }`;
    // the devcluster has one host, so this example leaves that out.
  }),
];
