import type { GroupNeeds } from './group-needs.js';
import type { HostScorer } from './score.js';

/** Picks hosts for the tasks of one group, one after another. */
export interface HostChooser {
  /** The host for the group's next task, or -1 when no host fits it. */
  choose(): number;
  /** The task was held on `host` (the one `choose` returned): account for what changed. */
  placed(host: number): void;
}

/** Per-host scratch space shared by the groups of one placement call. */
export class HeapScratch {
  readonly heap: Int32Array;
  readonly jobTasks: Int32Array;
  readonly policy: Float64Array;

  constructor(hosts: number) {
    this.heap = new Int32Array(hosts);
    this.jobTasks = new Int32Array(hosts);
    this.policy = new Float64Array(hosts);
  }
}

/**
 * Exhaustive placement: every eligible host is checked once per group, and the feasible ones go
 * into a heap by score. Placing a task changes only the chosen host (its job count and free
 * resources, so its score only gets worse and it sinks, or it no longer fits and leaves) and the
 * limit counts of hosts sharing its attribute values: those are re-checked lazily when they come
 * to the top. Other hosts' scores cannot change within a group, so the heap stays valid and each
 * task after the first costs O(log hosts).
 */
export class ExhaustiveChooser implements HostChooser {
  private size = 0;

  constructor(
    private readonly needs: GroupNeeds,
    private readonly scorer: HostScorer,
    private readonly scratch: HeapScratch,
  ) {
    const { heap, jobTasks, policy } = scratch;
    for (const host of needs.eligible) {
      if (!needs.fits(host)) continue;
      jobTasks[host] = 0;
      policy[host] = scorer.policyScore(host);
      heap[this.size++] = host;
    }
    // Only hosts that hold the job's tasks have a count; the rest were set to 0 above.
    for (const [host, count] of needs.tally.onHost) jobTasks[host] = count;
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
