// A service in a Docker container: the agent assigns the host port named `http` and maps it to
// port 8000 inside the container.
//   aurora job inspect devcluster/www-data/staging1/hello-docker examples/docker.aurora.ts
import { Docker, MB, Process, Resources, Service, Task } from '@aurora/dsl';

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'staging1',
    name: 'hello-docker',
    instances: 2,
    container: Docker({
      image: 'python:3.12-slim',
      parameters: [{ name: 'env', value: 'PYTHONUNBUFFERED=1' }],
      portMappings: { http: 8000 },
      volumes: [{ containerPath: '/etc/ssl/certs', hostPath: '/etc/ssl/certs' }],
    }),
    task: Task({
      processes: [Process({ name: 'server', cmdline: 'python3 -m http.server 8000' })],
      resources: Resources({ cpu: 0.5, ram: 256 * MB, disk: 512 * MB }),
    }),
  }),
];
