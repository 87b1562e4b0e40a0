// A batch job whose processes run in order: fetch, then build and test side by side, then
// package once both succeeded; a final process cleans up however the others ended.
//   aurora job inspect devcluster/www-data/devel/pipeline examples/multi_process.aurora.ts
import { Job, MB, Process, Resources, Task, order } from '@aurora/dsl';

const fetch = Process({ name: 'fetch', cmdline: 'mkdir -p src && echo "int main(){return 0;}" > src/main.c' });
const build = Process({ name: 'build', cmdline: 'cp src/main.c build.out' });
const test = Process({ name: 'test', cmdline: 'test -s src/main.c', maxFailures: 3 });
const pkg = Process({ name: 'package', cmdline: 'tar czf release-{{version}}.tgz build.out' });
const cleanup = Process({ name: 'cleanup', cmdline: 'rm -rf src', final: true });

export const jobs = [
  Job({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'devel',
    name: 'pipeline',
    task: Task({
      name: 'pipeline',
      processes: [fetch, build, test, pkg, cleanup],
      constraints: [order(fetch, build, pkg), order(fetch, test, pkg)],
      resources: Resources({ cpu: 0.5, ram: 128 * MB, disk: 256 * MB }),
      maxFailures: 1,
    }),
  }).bind({ version: '1.0.0' }),
];
