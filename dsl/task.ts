import type { ProcessDef } from './process.js';
import type { ResourcesDef } from './resources.js';

/** An ordering constraint: each process starts only after the one before it succeeded. */
export interface OrderDef {
  readonly order: readonly string[];
}

/** `order(install, run)`: run `install` to success before `run` starts. Accepts processes or names. */
export function order(...processes: ReadonlyArray<ProcessDef | string>): OrderDef {
  return Object.freeze({ order: processes.map((p) => (typeof p === 'string' ? p : p.name)) });
}

/** Props of a {@link Task}: the processes one instance runs, and what it reserves. */
export interface TaskProps {
  /**
   * Name of the task.
   * @default the name of the first process
   */
  readonly name?: string;
  /** The processes the executor runs in this task's sandbox. */
  readonly processes: readonly ProcessDef[];
  /**
   * Ordering constraints between processes, made with {@link order}.
   * @default [] (every process starts at once)
   */
  readonly constraints?: readonly OrderDef[];
  /** What one instance reserves on its host. */
  readonly resources: ResourcesDef;
  /**
   * How many processes may fail before the task fails.
   * @default 1
   */
  readonly maxFailures?: number;
  /**
   * How many processes may run at once; 0 means no limit.
   * @default 0
   */
  readonly maxConcurrency?: number;
  /**
   * Seconds the final processes get to run once the task ends.
   * @default 30
   */
  readonly finalizationWait?: number;
}

export interface TaskDef extends TaskProps {
  readonly kind: 'Task';
}

/** A task: `Task({ processes: [a, b], constraints: [order(a, b)], resources })`. */
export function Task(props: TaskProps): TaskDef {
  return Object.freeze({ ...props, kind: 'Task' as const });
}

/** A task whose processes run one after another, in the order given. */
export function SequentialTask(props: TaskProps): TaskDef {
  const sequence = props.processes.filter((p) => !p.final);
  const constraints = sequence.length > 1 ? [order(...sequence), ...(props.constraints ?? [])] : props.constraints;
  return Task({ ...props, ...(constraints ? { constraints } : {}) });
}
