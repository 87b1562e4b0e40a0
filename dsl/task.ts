import { make, type Bindable } from './node.js';
import { Process, type ProcessDef } from './process.js';
import { Resources, type ResourcesDef } from './resources.js';
import type { NumberOrTemplate } from './templates.js';
import { GB } from './units.js';

/** An ordering constraint: each process starts only after the one before it succeeded. */
export interface OrderDef extends Bindable {
  readonly kind: 'Order';
  /** Process names, in the order they must run. */
  readonly order: readonly string[];
}

/** One ordering constraint (what {@link order} returns a list of). */
function orderConstraint(processes: ReadonlyArray<ProcessDef | string>): OrderDef {
  return make('Order', { order: processes.map((p) => (typeof p === 'string' ? p : p.name)) });
}

/**
 * `order(install, run)`: run `install` to success before `run` starts. Accepts processes or names.
 * As in Aurora it returns a list (of one constraint), so `constraints: order(a, b)` works, several
 * join with spreads (`[...order(a, b), ...order(c, d)]`), and `[order(a, b)]` still works too.
 */
export function order(...processes: ReadonlyArray<ProcessDef | string>): readonly OrderDef[] {
  return Object.freeze([orderConstraint(processes)]);
}

/** What `constraints` holds: ordering constraints, or lists of them (nested lists are flattened). */
export type OrderConstraints = ReadonlyArray<OrderDef | readonly OrderDef[]>;

/** The constraints of a task as one flat list. */
export function flatConstraints(constraints: OrderConstraints | undefined): OrderDef[] {
  return (constraints ?? []).flatMap((c): OrderDef[] => (Array.isArray(c) ? [...(c as readonly OrderDef[])] : [c as OrderDef]));
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
   * Ordering constraints between processes, made with {@link order}: `order(a, b)`,
   * `[...order(a, b), ...order(c, d)]` or `[order(a, b), order(c, d)]` (nested lists are flattened).
   * @default [] (every process starts at once)
   */
  readonly constraints?: OrderConstraints;
  /** What one instance reserves on its host. */
  readonly resources: ResourcesDef;
  /**
   * How many processes may fail before the task fails.
   * @default 1
   */
  readonly maxFailures?: NumberOrTemplate;
  /**
   * How many processes may run at once; 0 means no limit.
   * @default 0
   */
  readonly maxConcurrency?: NumberOrTemplate;
  /**
   * Seconds the final processes get to run once the task ends.
   * @default 30
   */
  readonly finalizationWait?: NumberOrTemplate;
}

export interface TaskDef extends TaskProps, Bindable {
  readonly kind: 'Task';
}

/** A task: `Task({ processes: [a, b], constraints: order(a, b), resources })`. */
export function Task(props: TaskProps): TaskDef {
  return make('Task', props);
}

/** A task whose processes run one after another, in the order given (final processes excepted). */
export function SequentialTask(props: TaskProps): TaskDef {
  const sequence = props.processes.filter((p) => !p.final);
  const constraints = sequence.length > 1 ? [orderConstraint(sequence), ...flatConstraints(props.constraints)] : props.constraints;
  return make('Task', { ...props, ...(constraints ? { constraints } : {}) });
}

/** Resources of {@link SimpleTask}, as Aurora's: one core, 1 GiB of memory and 1 GiB of disk. */
export const SIMPLE_TASK_RESOURCES = { cpu: 1, ram: 1 * GB, disk: 1 * GB } as const;

/**
 * Aurora's `SimpleTask(name, command)`: a task of one process named like the task, with one core,
 * 1 GiB of memory and 1 GiB of disk.
 */
export function SimpleTask(name: string, cmdline: string): TaskDef {
  return make('Task', {
    name,
    processes: [Process({ name, cmdline })],
    resources: Resources({ ...SIMPLE_TASK_RESOURCES }),
  });
}

function sumOf(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** The numbers of one resource of the tasks; a `{{template}}` cannot be added up before it is bound. */
function numbers(values: readonly NumberOrTemplate[], what: string, field: string): number[] {
  return values.map((v) => {
    if (typeof v === 'number') return v;
    throw new Error(`Tasks.${what}() cannot add up ${field} '${v}': a template is bound only when the job is compiled; give the tasks numeric resources`);
  });
}

function combinedResources(tasks: readonly TaskDef[], pick: (values: number[]) => number, what: string): ResourcesDef {
  const gpus = numbers(tasks.map((t) => t.resources.gpu ?? 0), what, 'gpu');
  return Resources({
    cpu: pick(numbers(tasks.map((t) => t.resources.cpu), what, 'cpu')),
    ram: pick(numbers(tasks.map((t) => t.resources.ram), what, 'ram')),
    disk: pick(numbers(tasks.map((t) => t.resources.disk), what, 'disk')),
    ...(gpus.some((g) => g > 0) ? { gpu: pick(gpus) } : {}),
  });
}

function merged(tasks: readonly TaskDef[], what: string): { head: TaskDef; processes: ProcessDef[]; constraints: OrderDef[] } {
  const head = tasks[0];
  if (!head) throw new Error(`Tasks.${what}() needs at least one task`);
  return {
    head,
    processes: tasks.flatMap((t) => t.processes),
    constraints: tasks.flatMap((t) => flatConstraints(t.constraints)),
  };
}

/** Aurora's task combinators (`Tasks.combine`, `Tasks.concat`). */
export const Tasks = Object.freeze({
  /**
   * Runs the tasks' processes side by side in one task, as Aurora's `Tasks.combine`: the first
   * task's name and settings, every process and ordering constraint, resources summed, the
   * longest finalization wait.
   */
  combine(...tasks: TaskDef[]): TaskDef {
    const { head, processes, constraints } = merged(tasks, 'combine');
    const waits = numbers(tasks.map((t) => t.finalizationWait).filter((w) => w !== undefined), 'combine', 'finalizationWait');
    return make('Task', {
      ...head,
      processes,
      constraints,
      resources: combinedResources(tasks, sumOf, 'combine'),
      ...(waits.length > 0 ? { finalizationWait: Math.max(...waits) } : {}),
    });
  },
  /**
   * Runs the tasks one after another in one task, as Aurora's `Tasks.concat`: every (non-final)
   * process of a task starts after every process of the task before it succeeded. The first task's
   * name and settings, the largest of each resource (only one task runs at a time), the
   * finalization waits summed.
   */
  concat(...tasks: TaskDef[]): TaskDef {
    const { head, processes, constraints } = merged(tasks, 'concat');
    const chain: OrderDef[] = [];
    for (let i = 1; i < tasks.length; i++) {
      const before = (tasks[i - 1] as TaskDef).processes.filter((p) => !p.final);
      const after = (tasks[i] as TaskDef).processes.filter((p) => !p.final);
      for (const a of before) for (const b of after) chain.push(orderConstraint([a, b]));
    }
    const waits = numbers(tasks.map((t) => t.finalizationWait).filter((w) => w !== undefined), 'concat', 'finalizationWait');
    return make('Task', {
      ...head,
      processes,
      constraints: [...constraints, ...chain],
      resources: combinedResources(tasks, (v) => Math.max(...v), 'concat'),
      ...(waits.length > 0 ? { finalizationWait: sumOf(waits) } : {}),
    });
  },
});
