import { compileJob } from '../compile.js';
import { Job, MB, Process, Resources, Task } from '../index.js';
import type { JobSpec } from '../jobspec.js';

/**
 * A small valid JobSpec compiled from real DSL objects, so test fixtures across the parts get
 * Aurora's defaults from the one place that resolves them (dsl/compile.ts) instead of copies.
 */
export function sampleJobSpec(): JobSpec {
  const result = compileJob(
    Job({
      cluster: 'devcluster',
      role: 'www-data',
      environment: 'prod',
      name: 'hello',
      task: Task({
        processes: [Process({ name: 'hello', cmdline: 'echo hello' })],
        resources: Resources({ cpu: 0.5, ram: 128 * MB, disk: 128 * MB }),
      }),
    }),
  );
  if (!result.ok) throw new Error(`the sample job does not compile: ${JSON.stringify(result.issues)}`);
  return result.spec;
}
