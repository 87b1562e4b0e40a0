import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourcesSpec } from '../../dsl/jobspec.js';
import type { SetupStep } from '../core/spawn-protocol.js';
import { cgroupLimits } from '../core/resource-usage.js';
import type { UnixUser } from './users.js';

/**
 * Per-task cgroups (v1 and v2): a memory cgroup whose limit is the task's ram and a cpu cgroup
 * with shares/weight and a CFS quota from its cpu. Task cgroups are made under the agent's own
 * cgroup (`<its cgroup>/aurora/<taskId>`), so a contained agent keeps its tasks contained too.
 * The process wrapper moves itself in before it starts the command (see process-launcher.ts),
 * so nothing the command forks escapes.
 */

export type CgroupVersion = 'v1' | 'v2';

export interface CgroupSupport {
  readonly version: CgroupVersion;
  /** Directory under which task memory cgroups are made (v2: the one directory for every controller). */
  readonly memoryBase: string;
  /** v1: directory for task cpu cgroups, null when the cpu controller is not usable. */
  readonly cpuBase: string | null;
}

/** The agent's own path in a hierarchy, from /proc/self/cgroup text. Pure. */
export function ownCgroupPath(procSelfCgroup: string, controller: string | null): string | null {
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined || controllers === undefined) continue;
    if (controller === null ? controllers === '' : controllers.split(',').includes(controller)) return path;
  }
  return null;
}

function probe(base: string): boolean {
  try {
    mkdirSync(base, { recursive: true });
    const dir = join(base, `.probe-${process.pid}`);
    mkdirSync(dir);
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** What this host allows; null when neither cgroup version can be used (then the monitor enforces). */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupSupport | null {
  if (process.platform !== 'linux') return null;
  let self = '';
  try {
    self = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return null;
  }
  if (existsSync(join(root, 'memory', 'memory.limit_in_bytes'))) {
    const memPath = ownCgroupPath(self, 'memory') ?? '/';
    const memoryBase = join(root, 'memory', memPath, 'aurora');
    if (!probe(memoryBase)) return null;
    const cpuMount = ['cpu', 'cpu,cpuacct'].map((m) => join(root, m)).find((m) => existsSync(join(m, 'cpu.shares')));
    let cpuBase: string | null = null;
    if (cpuMount) {
      const candidate = join(cpuMount, ownCgroupPath(self, 'cpu') ?? '/', 'aurora');
      if (probe(candidate)) cpuBase = candidate;
    }
    return { version: 'v1', memoryBase, cpuBase };
  }
  if (existsSync(join(root, 'cgroup.controllers'))) {
    const own = join(root, ownCgroupPath(self, null) ?? '/');
    const memoryBase = join(own, 'aurora');
    try {
      // v2 allows controllers in children only of cgroups without processes of their own.
      mkdirSync(memoryBase, { recursive: true });
      writeFileSync(join(own, 'cgroup.subtree_control'), '+memory +cpu');
      writeFileSync(join(memoryBase, 'cgroup.subtree_control'), '+memory +cpu');
    } catch {
      return null;
    }
    return probe(memoryBase) ? { version: 'v2', memoryBase, cpuBase: null } : null;
  }
  return null;
}

function readNumber(path: string): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** `oom_kill 3` out of memory.oom_control (v1) or memory.events (v2). Pure. */
export function parseOomKills(text: string): number {
  const m = /^oom_kill\s+(\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** One task's cgroups. Every method tolerates a cgroup that is already gone. */
export class TaskCgroup {
  readonly dirs: readonly string[];

  constructor(
    readonly support: CgroupSupport,
    readonly taskId: string,
  ) {
    this.dirs = [join(support.memoryBase, taskId), ...(support.cpuBase ? [join(support.cpuBase, taskId)] : [])];
  }

  get enforcement(): 'cgroup-v1' | 'cgroup-v2' {
    return this.support.version === 'v1' ? 'cgroup-v1' : 'cgroup-v2';
  }

  private get memoryDir(): string {
    return this.dirs[0] as string;
  }

  /** The files (in the order to write them) that hold the limits of `resources`. */
  private limitFiles(resources: ResourcesSpec): [string, string][] {
    const limits = cgroupLimits(resources);
    if (this.support.version === 'v1') {
      const cpuDir = this.dirs[1];
      return [
        [join(this.memoryDir, 'memory.limit_in_bytes'), String(limits.memoryBytes)],
        ...(cpuDir
          ? ([
              [join(cpuDir, 'cpu.shares'), String(limits.cpuShares)],
              [join(cpuDir, 'cpu.cfs_period_us'), String(limits.cpuPeriodUs)],
              [join(cpuDir, 'cpu.cfs_quota_us'), String(limits.cpuQuotaUs)],
            ] as [string, string][])
          : []),
      ];
    }
    return [
      [join(this.memoryDir, 'memory.max'), String(limits.memoryBytes)],
      [join(this.memoryDir, 'memory.swap.max'), '0'],
      [join(this.memoryDir, 'cpu.weight'), String(limits.cpuWeight)],
      [join(this.memoryDir, 'cpu.max'), `${limits.cpuQuotaUs} ${limits.cpuPeriodUs}`],
    ];
  }

  /**
   * What `create` does, as steps the spawn helper (or runSetup) takes: the directories, the
   * limits in the order to write them, and the procs files given to `owner`.
   */
  setupSteps(resources: ResourcesSpec, owner: UnixUser | null): SetupStep[] {
    return [
      ...this.dirs.map((dir) => ({ mkdir: dir })),
      ...this.limitFiles(resources).map(([file, value]) => ({ write: file, value })),
      ...(owner ? this.procsFiles().map((f) => ({ chown: f, uid: owner.uid, gid: owner.gid })) : []),
    ];
  }

  /** The files a process writes its pid to in order to join. */
  procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** Moves a process in (the agent's sweep for anything that got away); false if it could not. */
  addPid(pid: number): boolean {
    let ok = true;
    for (const f of this.procsFiles()) {
      try {
        writeFileSync(f, String(pid));
      } catch {
        ok = false;
      }
    }
    return ok;
  }

  /** The pids inside (of the memory cgroup). */
  pids(): number[] {
    try {
      return readFileSync(join(this.memoryDir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** How many processes the kernel killed for the memory limit so far. */
  oomKills(): number {
    try {
      const file = this.support.version === 'v1' ? 'memory.oom_control' : 'memory.events';
      return parseOomKills(readFileSync(join(this.memoryDir, file), 'utf8'));
    } catch {
      return 0;
    }
  }

  /** The most memory the task used (the kernel's count, page cache included). */
  peakBytes(): number | null {
    return readNumber(join(this.memoryDir, this.support.version === 'v1' ? 'memory.max_usage_in_bytes' : 'memory.peak'));
  }

  /** Removes the cgroups; false while processes remain in them. */
  destroy(): boolean {
    let ok = true;
    for (const dir of [...this.dirs].reverse()) {
      try {
        rmdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ok = false;
      }
    }
    return ok;
  }
}
