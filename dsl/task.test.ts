import { describe, expect, it } from 'vitest';
import { compileJob } from './compile.js';
import { GB, Job, MB, Process, Resources, SequentialTask, SimpleTask, Task, Tasks, order, type ProcessDef, type TaskProps } from './index.js';

const compile = (task: ReturnType<typeof Task>) => {
  const r = compileJob(Job({ cluster: 'c', role: 'r', environment: 'test', task }));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.spec.task;
};

describe('SimpleTask', () => {
  it("is one process named like the task, with Aurora's resources", () => {
    const t = compile(SimpleTask('hello', 'echo hi'));
    expect(t.name).toBe('hello');
    expect(t.processes.map((p) => [p.name, p.cmdline])).toEqual([['hello', 'echo hi']]);
    expect(t.resources).toEqual({ cpu: 1, ramMb: 1024, diskMb: 1024, gpu: 0 });
  });
});

describe('Tasks', () => {
  const a = Task({ name: 'a', processes: [Process({ name: 'a1', cmdline: 'x' }), Process({ name: 'a2', cmdline: 'x' })], resources: Resources({ cpu: 1, ram: 128 * MB, disk: 1 * GB }), finalizationWait: 10 });
  const b = Task({ name: 'b', processes: [Process({ name: 'b1', cmdline: 'x' }), Process({ name: 'bf', cmdline: 'x', final: true })], resources: Resources({ cpu: 2, ram: 64 * MB, disk: 1 * GB }), finalizationWait: 20 });

  it('combine runs processes side by side with summed resources', () => {
    const t = compile(Tasks.combine(a, b));
    expect(t.name).toBe('a');
    expect(t.processes.map((p) => p.name)).toEqual(['a1', 'a2', 'b1', 'bf']);
    expect(t.constraints).toEqual([]);
    expect(t.resources).toEqual({ cpu: 3, ramMb: 192, diskMb: 2048, gpu: 0 });
    expect(t.finalizationWaitSecs).toBe(20);
  });

  it('concat runs each task after the one before, with the largest resources', () => {
    const t = compile(Tasks.concat(a, b));
    expect(t.constraints).toEqual([{ order: ['a1', 'b1'] }, { order: ['a2', 'b1'] }]);
    expect(t.resources).toEqual({ cpu: 2, ramMb: 128, diskMb: 1024, gpu: 0 });
    expect(t.finalizationWaitSecs).toBe(30);
  });
});

describe('order and SequentialTask', () => {
  it('orders by process or name; SequentialTask leaves final processes out of the chain', () => {
    const p = Process({ name: 'p', cmdline: 'x' });
    expect(order(p, 'q').map((c) => c.order)).toEqual([['p', 'q']]);
    const t = compile(SequentialTask({ processes: [p, Process({ name: 'q', cmdline: 'x' }), Process({ name: 'z', cmdline: 'x', final: true })], resources: Resources({ cpu: 1, ram: MB, disk: MB }) }));
    expect(t.constraints).toEqual([{ order: ['p', 'q'] }]);
  });

  it("returns a list, as Aurora's: alone, joined with spreads, or in a list as before (nested lists flattened)", () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => Process({ name, cmdline: 'x' })) as [ProcessDef, ProcessDef, ProcessDef, ProcessDef];
    const resources = Resources({ cpu: 1, ram: MB, disk: MB });
    const orders = (constraints: TaskProps['constraints']) => compile(Task({ processes: [a, b, c, d], constraints, resources })).constraints;
    expect(orders(order(a, b))).toEqual([{ order: ['a', 'b'] }]);
    expect(orders([...order(a, b), ...order(c, d)])).toEqual([{ order: ['a', 'b'] }, { order: ['c', 'd'] }]);
    expect(orders([order(a, b), order(c, d)])).toEqual([{ order: ['a', 'b'] }, { order: ['c', 'd'] }]);
    expect(orders([order(a, b, c), ...order(c, d)])).toEqual([{ order: ['a', 'b', 'c'] }, { order: ['c', 'd'] }]);
    // The combinators and SequentialTask take every form too.
    const seq = compile(SequentialTask({ processes: [a, b, c, d], constraints: [order(d, c)], resources }));
    expect(seq.constraints).toEqual([{ order: ['a', 'b', 'c', 'd'] }, { order: ['d', 'c'] }]);
    const t1 = Task({ processes: [a, b], constraints: order(a, b), resources });
    const t2 = Task({ processes: [c, d], constraints: [order(c, d)], resources });
    expect(compile(Tasks.combine(t1, t2)).constraints).toEqual([{ order: ['a', 'b'] }, { order: ['c', 'd'] }]);
  });

  it('refuses to add up templated resources in Tasks.combine, saying why', () => {
    const p = Process({ name: 'p', cmdline: 'x' });
    const t1 = Task({ processes: [p], resources: Resources({ cpu: '{{profile.cpu}}', ram: MB, disk: MB }) });
    expect(() => Tasks.combine(t1, t1)).toThrow(/Tasks\.combine\(\) cannot add up cpu '\{\{profile\.cpu\}\}'/);
  });
});
