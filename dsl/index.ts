/**
 * The configuration language of `*.aurora.ts` files. Configs import it as
 * `import { Job, Process, ... } from '@aurora/dsl'`; the client resolves that specifier to this module.
 */
export { KB, MB, GB, TB } from './units.js';
export { Process, type ProcessProps, type ProcessDef } from './process.js';
export { Resources, type ResourcesProps, type ResourcesDef } from './resources.js';
export { Task, SequentialTask, order, type TaskProps, type TaskDef, type OrderDef } from './task.js';
export { Job, Service, type JobProps, type JobDef } from './job.js';
