import {
  compileSchedule,
  latestAtOrBefore,
  localMinute,
  nextAfter,
  type CompiledSchedule,
  type CronSchedule,
} from './schedule.js';

/**
 * Which ticks of a cron job are due, as Aurora's CronJobManager decides it: the latest schedule
 * time runs if the scheduler is (nearly) on time; ticks it slept through are missed, never run
 * late, and only reported. Pure: `now` is given.
 */

/** A tick more than a minute late counts as missed: the scheduler was down. */
export const DEFAULT_GRACE_MS = 60_000;
/** Missed ticks listed one by one; the rest are only counted. */
export const DEFAULT_MAX_MISSED = 10;
/**
 * Bound on the croner searches that counting missed ticks may make. Counting costs one search
 * per day the schedule runs on (plus one per tick before a DST change on the day of one), so
 * this is years of downtime; past it `missedCount` is a lower bound.
 */
export const MAX_COUNT_STEPS = 2_000;

export interface DueTicks {
  /** The latest schedule time in (lastTickAt, now] if it is recent enough to run (now - t <= graceMs); null otherwise. */
  readonly run: number | null;
  /** Earlier schedule times in (lastTickAt, now] that are not run (the scheduler was down), newest first, at most maxMissed. */
  readonly missed: readonly number[];
  /** How many missed ticks there were in all (missed may be truncated). */
  readonly missedCount: number;
  /** The schedule time after now: when to look again. */
  readonly next: number | null;
}

/** Counts croner searches, so tests can bound the work without a clock. */
export interface WorkCounter {
  steps: number;
}

export interface DueTicksOptions {
  /** How late the latest tick may be and still run; default DEFAULT_GRACE_MS. */
  readonly graceMs?: number;
  /** At most this many missed ticks are listed; default DEFAULT_MAX_MISSED. */
  readonly maxMissed?: number;
  /** Incremented once per croner search (tests). */
  readonly work?: WorkCounter;
}

/**
 * The ticks of `schedule` in (lastTickAt, now]: the one to run, the ones missed, and when to
 * look again (`next`: the first schedule time after both now and lastTickAt, so a tick already
 * acted on is never due again even if the clock stepped back).
 *
 * Cheap whatever the gap: the run and listed missed ticks come from walking back from now
 * (maxMissed + 1 searches), and the rest are counted a day at a time, never a tick at a time
 * (see MAX_COUNT_STEPS). Throws an Error when croner cannot read the schedule or the zone is
 * unknown, as nextRuns does.
 */
export function dueTicks(schedule: CronSchedule, lastTickAt: number, now: number, opts: DueTicksOptions = {}): DueTicks {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const maxMissed = opts.maxMissed ?? DEFAULT_MAX_MISSED;
  if (!(graceMs >= 0)) throw new RangeError(`graceMs must be 0 or more, got ${graceMs}`);
  if (!Number.isInteger(maxMissed) || maxMissed < 0) throw new RangeError(`maxMissed must be a whole number 0 or more, got ${maxMissed}`);
  const work = opts.work ?? { steps: 0 };
  const compiled = compileSchedule(schedule);

  work.steps++;
  const next = nextAfter(compiled, Math.max(now, lastTickAt));
  if (now <= lastTickAt) return { run: null, missed: [], missedCount: 0, next };

  // Newest first, one more than can be listed: the latest may run, the rest are missed.
  const recent: number[] = [];
  let cursor = now;
  while (recent.length < maxMissed + 1) {
    work.steps++;
    const t = latestAtOrBefore(compiled, cursor);
    if (t === null || t <= lastTickAt) break;
    recent.push(t);
    cursor = t - 1;
  }
  const latest = recent[0];
  if (latest === undefined) return { run: null, missed: [], missedCount: 0, next };

  const run = now - latest <= graceMs ? latest : null;
  const notRun = run === null ? recent : recent.slice(1);
  let total = recent.length;
  const oldest = recent[recent.length - 1] ?? latest;
  // The walk stopped before reaching lastTickAt: count what lies between without listing it.
  if (recent.length === maxMissed + 1) total += countTicks(compiled, lastTickAt, oldest - 1, work);
  return { run, missed: notRun.slice(0, maxMissed), missedCount: total - (run === null ? 0 : 1), next };
}

/** Index of the first element of ascending `xs` greater than `x`. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] ?? Infinity) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first whole second in (from, to] where the zone's UTC offset is no longer `offsetMs`, or
 * null if it still is at `to` (offsets change at most once within a day).
 */
function offsetChange(compiled: CompiledSchedule, from: number, to: number, offsetMs: number): number | null {
  if (localMinute(compiled, to).offsetMs === offsetMs) return null;
  let lo = from;
  let hi = to;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (localMinute(compiled, mid).offsetMs === offsetMs) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * How many schedule times are in (after, until]. A croner search finds the next tick; the rest
 * of its day is counted from the schedule's minutes, which is exact while the UTC offset holds.
 * At a DST change the count stops there and a search resumes after it, as croner decides which
 * wall-clock times run then. So the work is about one search per day the schedule runs on.
 * Past MAX_COUNT_STEPS searches it answers what it has counted.
 * @internal exported for tests.
 */
export function countTicks(compiled: CompiledSchedule, after: number, until: number, work: WorkCounter = { steps: 0 }): number {
  const minutes = compiled.minutesOfDay;
  const lastMinute = minutes[minutes.length - 1] ?? 0;
  let count = 0;
  let cursor = after;
  for (let steps = 0; steps < MAX_COUNT_STEPS; steps++) {
    work.steps++;
    const t = nextAfter(compiled, cursor);
    if (t === null || t > until) return count;
    count++;
    cursor = t;
    const { minuteOfDay, offsetMs } = localMinute(compiled, t);
    // A tick moved out of a DST gap is not at one of the schedule's minutes; take it alone.
    if (!compiled.atMinute[minuteOfDay]) continue;
    const laterIndex = upperBound(minutes, minuteOfDay);
    if (laterIndex === minutes.length) continue;
    const dayLast = t + (lastMinute - minuteOfDay) * 60_000;
    const changeAt = offsetChange(compiled, t, dayLast, offsetMs);
    // Until the change (if any) every later minute of the schedule that day is a tick.
    const end = Math.min(until, changeAt === null ? dayLast : changeAt - 1);
    count += upperBound(minutes, minuteOfDay + Math.floor((end - t) / 60_000)) - laterIndex;
    if (end === until) return count;
    cursor = end;
  }
  return count;
}
