import type { HostChooser } from './chooser.js';
import type { GroupNeeds } from './group-needs.js';
import { randomWalk, type Random } from './prng.js';
import type { HostScorer } from './score.js';

/**
 * Sampled placement, after Nomad's limit iterator: visit the group's eligible hosts in a seeded
 * pseudo-random order, stop after `sampleSize` feasible ones and take the best score. The visit
 * order is a queue shared by all tasks of the group:
 *
 * - a host found infeasible is dropped: within one group capacity only shrinks and limit counts
 *   only grow, so it stays infeasible for the rest of the group;
 * - the sampled hosts that were not chosen go back to the front, still feasible candidates;
 * - the chosen host goes to the back, so instances spread instead of piling on the first hosts.
 *
 * Hosts are taken from the front, then from the not yet visited rest of the walk, then from the
 * back, until the queue is empty: so a task is unplaced only when no eligible host fits.
 */
export class SampledChooser implements HostChooser {
  /** Survivors of the last sample, the next candidate on top. */
  private readonly front: number[] = [];
  /** Chosen hosts, to be visited again once everything else has been. */
  private back: number[] = [];
  private backHead = 0;
  private readonly sample: number[] = [];
  private visited = 0;
  private position: number;
  private readonly stride: number;

  constructor(
    private readonly needs: GroupNeeds,
    private readonly scorer: HostScorer,
    random: Random,
    private readonly sampleSize: number,
  ) {
    const walk = randomWalk(random, needs.eligible.length);
    this.position = walk.start;
    this.stride = walk.stride;
  }

  choose(): number {
    const { needs, sample, scorer } = this;
    sample.length = 0;
    while (sample.length < this.sampleSize) {
      const host = this.nextCandidate();
      if (host < 0) break;
      if (needs.fits(host)) sample.push(host);
    }
    if (sample.length === 0) return -1;
    let best = sample[0]!;
    let bestJobTasks = scorer.jobTasks(needs.tally, best);
    let bestScore = scorer.policyScore(best);
    for (let i = 1; i < sample.length; i++) {
      const host = sample[i]!;
      const jobTasks = scorer.jobTasks(needs.tally, host);
      // More of the job's tasks always loses: no need for its policy score.
      if (jobTasks > bestJobTasks) continue;
      const score = scorer.policyScore(host);
      if (scorer.better(host, jobTasks, score, best, bestJobTasks, bestScore)) {
        best = host;
        bestJobTasks = jobTasks;
        bestScore = score;
      }
    }
    for (let i = sample.length - 1; i >= 0; i--) if (sample[i] !== best) this.front.push(sample[i]!);
    this.back.push(best);
    return best;
  }

  placed(): void {
    // The chosen host is already at the back of the queue; it is re-checked when it comes up.
  }

  private nextCandidate(): number {
    if (this.front.length > 0) return this.front.pop()!;
    const eligible = this.needs.eligible;
    if (this.visited < eligible.length) {
      const host = eligible[this.position]!;
      this.visited++;
      this.position += this.stride;
      if (this.position >= eligible.length) this.position -= eligible.length;
      return host;
    }
    if (this.backHead < this.back.length) {
      const host = this.back[this.backHead++]!;
      if (this.backHead > 1024 && this.backHead * 2 > this.back.length) {
        this.back = this.back.slice(this.backHead);
        this.backHead = 0;
      }
      return host;
    }
    return -1;
  }
}
