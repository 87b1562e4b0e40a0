import type { HostChooser } from './chooser.js';
import type { GroupNeeds } from './group-needs.js';
import type { HostScorer } from './score.js';

/**
 * Per-host scratch space for the heap. Every entry a group reads is written by that group first,
 * so one scratch serves every group and every call on the same pool (kept per pool, not
 * allocated and zeroed per call).
 */
export class HeapScratch {
  readonly heap: Int32Array;
  readonly jobTasks: Int32Array;
  readonly policy: Float64Array;
  /** All zero between uses: a user sets the entries it needs and resets them after. */
  readonly zeroed: Int32Array;

  private constructor(hosts: number) {
    this.heap = new Int32Array(hosts);
    this.jobTasks = new Int32Array(hosts);
    this.policy = new Float64Array(hosts);
    this.zeroed = new Int32Array(hosts);
  }

  private static readonly ofPool = new WeakMap<object, HeapScratch>();

  /** Scratch for a pool of `hosts` hosts, reused while the pool does not grow. */
  static forPool(pool: object, hosts: number): HeapScratch {
    let scratch = HeapScratch.ofPool.get(pool);
    if (!scratch || scratch.heap.length < hosts) {
      scratch = new HeapScratch(hosts);
      HeapScratch.ofPool.set(pool, scratch);
    }
    return scratch;
  }
}

/**
 * Exhaustive placement: every eligible host is checked once per group, and those with room go
 * into a heap by score; limits are checked when a host comes to the top (a host failing one is
 * dropped: within a group, limit counts only grow). Placing a task changes only the chosen host
 * (its job count and free resources, so its score only gets worse and it sinks, or it no longer
 * has room and leaves) and the limit counts of hosts sharing its attribute values, which the
 * check at the top catches. Other hosts' scores cannot change within a group, so the heap stays
 * valid and each task after the first costs O(log hosts).
 */
export class ExhaustiveChooser implements HostChooser {
  /** A group of one task needs no heap: one pass keeps the best host. */
  static for(needs: GroupNeeds, scorer: HostScorer, scratch: HeapScratch, tasks: number): HostChooser {
    return tasks === 1 ? new SingleTaskChooser(needs, scorer, scratch) : new ExhaustiveChooser(needs, scorer, scratch);
  }

  private size = 0;

  constructor(
    private readonly needs: GroupNeeds,
    private readonly scorer: HostScorer,
    private readonly scratch: HeapScratch,
  ) {
    this.size = collectFeasible(needs, scorer, scratch);
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  choose(): number {
    while (this.size > 0) {
      const top = this.scratch.heap[0]!;
      if (!this.needs.hasLimits || this.needs.withinLimits(top)) return top;
      this.removeTop();
    }
    return -1;
  }

  placed(host: number): void {
    const { jobTasks, policy } = this.scratch;
    jobTasks[host]!++;
    policy[host] = this.scorer.policyScore(host);
    if (this.needs.fitsCapacity(host)) this.siftDown(0);
    else this.removeTop();
  }

  private removeTop(): void {
    const heap = this.scratch.heap;
    heap[0] = heap[--this.size]!;
    this.siftDown(0);
  }

  private less(a: number, b: number): boolean {
    const { jobTasks, policy } = this.scratch;
    return this.scorer.better(a, jobTasks[a]!, policy[a]!, b, jobTasks[b]!, policy[b]!);
  }

  private siftDown(from: number): void {
    const heap = this.scratch.heap;
    const size = this.size;
    let at = from;
    const host = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && this.less(heap[child + 1]!, heap[child]!)) child++;
      if (!this.less(heap[child]!, host)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = host;
  }
}

/**
 * The scan: every eligible host with room goes into the heap array with its score. Limits are
 * left to `choose`, which checks the top of the heap: a limit check is a map lookup, and most
 * hosts never reach the top. A plain function with indexed loops, so V8 keeps it optimized.
 */
function collectFeasible(needs: GroupNeeds, scorer: HostScorer, scratch: HeapScratch): number {
  const { heap, jobTasks, policy } = scratch;
  const eligible = needs.eligible;
  let size = 0;
  for (let i = 0; i < eligible.length; i++) {
    const host = eligible[i]!;
    if (!needs.fitsCapacity(host)) continue;
    jobTasks[host] = 0;
    policy[host] = scorer.policyScore(host);
    heap[size++] = host;
  }
  // Only hosts that hold the job's tasks have a count; the rest were set to 0 above.
  needs.tally.onHost.forEach((count, host) => (jobTasks[host] = count));
  return size;
}

/**
 * Exhaustive placement of a group of one task: one pass over the eligible hosts keeps the best
 * that fits, checking limits only for a host that would beat the best so far.
 */
class SingleTaskChooser implements HostChooser {
  private readonly best: number;

  constructor(needs: GroupNeeds, scorer: HostScorer, scratch: HeapScratch) {
    const eligible = needs.eligible;
    // The job's task counts by host, in an array rather than a map lookup per host.
    const jobTasksOf = scratch.zeroed;
    needs.tally.onHost.forEach((count, host) => (jobTasksOf[host] = count));
    let best = -1;
    let bestJobTasks = 0;
    let bestScore = 0;
    for (let i = 0; i < eligible.length; i++) {
      const host = eligible[i]!;
      if (!needs.fitsCapacity(host)) continue;
      const jobTasks = jobTasksOf[host]!;
      if (best >= 0 && jobTasks > bestJobTasks) continue;
      const score = scorer.policyScore(host);
      if (best >= 0 && !scorer.better(host, jobTasks, score, best, bestJobTasks, bestScore)) continue;
      if (!needs.withinLimits(host)) continue;
      best = host;
      bestJobTasks = jobTasks;
      bestScore = score;
    }
    needs.tally.onHost.forEach((_, host) => (jobTasksOf[host] = 0));
    this.best = best;
  }

  choose(): number {
    return this.best;
  }

  placed(): void {
    // One task: nothing comes after it.
  }
}
