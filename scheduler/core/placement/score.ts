import type { HostColumns, HostPool, JobTally } from './host-pool.js';

/** After spreading a job's instances: prefer emptier hosts (spread) or fuller ones (binpack). */
export type PlacementPolicy = 'spread' | 'binpack';

/**
 * How good a feasible host is for the next task of a job, lower first: fewest tasks of the same
 * job on the host (so one lost host does not take a whole service), then the policy, then the
 * host's rank in (host name, agent id) order so that equal scores are decided the same way.
 */
export class HostScorer {
  private readonly columns: HostColumns;
  private readonly rank: Int32Array;
  /** -1 for spread (more free is better), 1 for binpack (less free is better). */
  private readonly direction: number;

  constructor(pool: HostPool, policy: PlacementPolicy) {
    this.columns = pool.columns;
    this.rank = pool.nameRank();
    this.direction = policy === 'spread' ? -1 : 1;
  }

  jobTasks(tally: JobTally, host: number): number {
    return tally.onHost.get(host) ?? 0;
  }

  /** The policy's part of the score: free fractions of cpu and ram, signed by the policy. */
  policyScore(host: number): number {
    const c = this.columns;
    const cpu = c.totalCpu[host]!;
    const ram = c.totalRam[host]!;
    const free = (cpu > 0 ? c.freeCpu[host]! / cpu : 0) + (ram > 0 ? c.freeRam[host]! / ram : 0);
    return this.direction * free;
  }

  /** Whether host a (job tasks ja, policy score pa) scores better than host b. */
  better(a: number, ja: number, pa: number, b: number, jb: number, pb: number): boolean {
    if (ja !== jb) return ja < jb;
    if (pa !== pb) return pa < pb;
    return this.rank[a]! < this.rank[b]!;
  }
}
