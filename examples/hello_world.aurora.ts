// The hello world of Aurora's tutorial: a service that says hello every few seconds.
//   aurora job create devcluster/www-data/prod/hello examples/hello_world.aurora.ts
import { Process, Resources, Service, Task, MB } from '@aurora/dsl';

const hello = Process({
  name: 'hello',
  cmdline: 'while true; do echo "hello world from {{role}}/{{environment}}/{{name}}"; sleep 5; done',
});

const task = Task({
  processes: [hello],
  resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }),
});

export const jobs = [
  Service({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'hello',
    task,
  }),
];
