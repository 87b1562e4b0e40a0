import { lstat, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runningRuns, type TaskRunState } from '../core/checkpoint.js';
import { RESOURCE_SAMPLE_FILE, type ProcessUsage, type ResourceSample } from '../core/resource-sample.js';
import { coresUsed, limitViolation, sumUsage, treePids } from '../core/resource-usage.js';
import type { TaskCgroup } from './cgroups.js';
import { PAGE_SIZE, scanProcs, TICKS_PER_SECOND } from './proc.js';

/**
 * Samples the cpu, memory and disk use of every live task every few seconds: one pass over
 * /proc for all tasks, the process tree of each run (its process group and every descendant),
 * and a walk of each sandbox. Writes `<sandbox>/.resources.json` and kills a task over its
 * limits: over its ram only when no cgroup enforces it (the monitor path), over its disk always.
 */

export interface MonitoredTask {
  readonly sandbox: string;
  readonly state: TaskRunState;
  readonly cgroup: TaskCgroup | null;
  /** Kills the task for a failure; it ends FAILED with `reason`. */
  fail(reason: string): void;
}

export interface ResourceMonitorOptions {
  readonly intervalMs: number;
  readonly tasks: () => Iterable<MonitoredTask>;
  readonly log: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Bytes a directory tree holds on disk (allocated blocks, like du); symlinks are not followed. */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    let entries: string[];
    try {
      entries = await readdir(d);
    } catch {
      continue;
    }
    for (const name of entries) {
      const path = join(d, name);
      try {
        const st = await lstat(path);
        total += st.blocks * 512;
        if (st.isDirectory()) stack.push(path);
      } catch {
        // removed meanwhile
      }
    }
  }
  return total;
}

export class ResourceMonitor {
  private timer: NodeJS.Timeout | null = null;
  private sampling: Promise<void> | null = null;
  /** Cpu ticks at the last sample, by task and by `task/process`. */
  private readonly last = new Map<string, { at: number; ticks: number }>();

  constructor(private readonly options: ResourceMonitorOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), this.options.intervalMs);
    this.timer.unref();
    void this.sample();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sampling;
  }

  /** One sample of every live task (a sample still under way is awaited, not doubled). */
  sample(): Promise<void> {
    this.sampling ??= this.sampleAll().finally(() => (this.sampling = null));
    return this.sampling;
  }

  private async sampleAll(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const live = [...this.options.tasks()].filter((t) => t.state.state === 'RUNNING' || t.state.state === 'STARTING');
    const liveIds = new Set(live.map((t) => t.state.taskId));
    for (const key of this.last.keys()) if (!liveIds.has(key.split('/')[0] as string)) this.last.delete(key);
    if (live.length === 0) return;
    const procs = scanProcs();
    for (const task of live) {
      try {
        await this.sampleTask(task, procs, now);
      } catch (err) {
        this.options.log(`task ${task.state.taskId}: resource sample failed: ${(err as Error).message}`);
      }
    }
  }

  private cores(key: string, ticks: number, now: number): number {
    const prev = this.last.get(key);
    this.last.set(key, { at: now, ticks });
    return prev ? coresUsed(prev.ticks, ticks, now - prev.at, TICKS_PER_SECOND) : 0;
  }

  private async sampleTask(task: MonitoredTask, procs: ReturnType<typeof scanProcs>, now: number): Promise<void> {
    const { taskId } = task.state;
    const processes: Record<string, ProcessUsage> = {};
    const all = new Set<number>();
    for (const { process, run } of runningRuns(task.state)) {
      const pids = treePids(procs, [run.pgid]);
      // Anything that got away from the group but is still in the task's cgroup counts too.
      if (task.cgroup) for (const pid of task.cgroup.pids()) if (procs.has(pid)) pids.add(pid);
      for (const pid of pids) all.add(pid);
      const usage = sumUsage(procs, pids, PAGE_SIZE);
      processes[process] = { rssBytes: usage.rssBytes, cpu: this.cores(`${taskId}/${process}/${run.run}`, usage.cpuTicks, now) };
    }
    const total = sumUsage(procs, all, PAGE_SIZE);
    const diskBytes = await diskUsage(task.sandbox);
    const sample: ResourceSample = {
      at: now,
      cpu: Object.values(processes).reduce((s, p) => s + p.cpu, 0),
      rssBytes: total.rssBytes,
      diskBytes,
      processes,
      enforcement: task.cgroup?.enforcement ?? 'monitor',
    };
    const file = join(task.sandbox, RESOURCE_SAMPLE_FILE);
    await writeFile(`${file}.tmp`, JSON.stringify(sample));
    await rename(`${file}.tmp`, file);
    if (task.state.killRequested) return;
    const { assignment } = task.state;
    // With a cgroup the kernel holds the memory limit (the runner reports its OOM kills). The
    // limits are the task's resources and the executor allowance of its launch.
    const violation = limitViolation(assignment.job.task.resources, { rssBytes: task.cgroup ? 0 : total.rssBytes, diskBytes }, assignment.allowance);
    if (violation) {
      this.options.log(`task ${taskId}: ${violation}; killing it`);
      task.fail(violation);
    }
  }
}
