import { Cron, CronDate, CronPattern, type CronOptions } from 'croner';

/**
 * Cron schedules as the scheduler reads them: Aurora's five fields (minute hour day-of-month
 * month day-of-week) in an IANA time zone, with croner doing the calendar work. Pure: no clock;
 * every time is given and answered in epoch milliseconds.
 */

/**
 * A 5-field cron schedule read in an IANA time zone (croner underneath; legacy Vixie OR
 * semantics of day-of-month/day-of-week, as Aurora's cron).
 */
export interface CronSchedule {
  /** Five fields: minute hour day-of-month month day-of-week, e.g. `*\/15 9-17 * * 1-5`. */
  readonly text: string;
  /** IANA zone the fields are read in, e.g. `UTC`, `Europe/Berlin`. */
  readonly timezone: string;
}

/**
 * The options every schedule is read with, and the checks of a schedule and a zone: one rule
 * for the config compiler and the scheduler (dsl/cron-schedule.ts), so what is admitted runs.
 */
export { CRON_OPTIONS, cronScheduleProblem, timezoneProblem } from '../../../dsl/cron-schedule.js';
import { CRON_OPTIONS, cronScheduleProblem, timezoneProblem } from '../../../dsl/cron-schedule.js';

/** Croner's reason without its prefix (its field numbers count a seconds field, so they mislead). */
function cronerReason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e))
    .replace(/^CronPattern:\s*/, '')
    .replace(/^configuration entry \S+ \(([^)]*)\)/, "'$1'")
    .replace(/^Syntax error,\s*/, '')
    .replace(/, Type: \w+\.?$/, '')
    .replace(/\.$/, '');
}

/**
 * A schedule parsed for the work of nextRuns and dueTicks.
 * @internal shared with ticks.ts; not part of the API.
 */
export interface CompiledSchedule {
  readonly cron: Cron;
  readonly timezone: string;
  /** Local minutes of the day (hour * 60 + minute) the schedule runs at, ascending. */
  readonly minutesOfDay: readonly number[];
  /** Whether `minutesOfDay` holds a minute, by minute of the day. */
  readonly atMinute: readonly boolean[];
}

// Parsing costs more than a lookup and the scheduler asks about the same few schedules every
// tick; the bound keeps a churn of schedules from growing it without end.
const COMPILED_CACHE_LIMIT = 1_000;
const compiledCache = new Map<string, CompiledSchedule>();

/**
 * Parses a schedule (cached). Throws an Error saying what is wrong if croner cannot read it or
 * the zone is unknown.
 * @internal shared with ticks.ts; not part of the API.
 */
export function compileSchedule(schedule: CronSchedule): CompiledSchedule {
  const text = schedule.text.trim().split(/\s+/).join(' ');
  const key = `${schedule.timezone}\n${text}`;
  const cached = compiledCache.get(key);
  if (cached !== undefined) return cached;
  const zoneProblem = timezoneProblem(schedule.timezone);
  if (zoneProblem !== null) throw new Error(`invalid cron time zone: ${zoneProblem}`);
  let cron: Cron;
  let pattern: CronPattern;
  try {
    // No callback, so croner sets no timer: the object only answers questions.
    cron = new Cron(text, { ...CRON_OPTIONS, timezone: schedule.timezone });
    pattern = new CronPattern(text, schedule.timezone, CRON_OPTIONS);
  } catch (e) {
    throw new Error(`invalid cron schedule: ${cronScheduleProblem(schedule.text) ?? cronerReason(e)}`);
  }
  const minutesOfDay: number[] = [];
  const atMinute: boolean[] = new Array<boolean>(24 * 60).fill(false);
  for (let h = 0; h < 24; h++) {
    if (!pattern.hour[h]) continue;
    for (let m = 0; m < 60; m++) {
      if (!pattern.minute[m]) continue;
      minutesOfDay.push(h * 60 + m);
      atMinute[h * 60 + m] = true;
    }
  }
  const compiled: CompiledSchedule = { cron, timezone: schedule.timezone, minutesOfDay, atMinute };
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(key, compiled);
  return compiled;
}

/**
 * The first schedule time strictly after `after`, or null if there is none.
 * @internal shared with ticks.ts; not part of the API.
 */
export function nextAfter(compiled: CompiledSchedule, after: number): number | null {
  const next = compiled.cron.nextRun(new Date(after));
  if (next === null) return null;
  const t = next.getTime();
  // Croner answers strictly later; the guard keeps a surprise from looping a caller.
  return t > after ? t : null;
}

/**
 * The latest schedule time at or before `atOrBefore`, or null if there is none.
 * @internal shared with ticks.ts; not part of the API.
 */
export function latestAtOrBefore(compiled: CompiledSchedule, atOrBefore: number): number | null {
  // Croner's previous runs are strictly before the reference; ticks fall on whole minutes.
  const [previous] = compiled.cron.previousRuns(1, new Date(atOrBefore + 1));
  if (previous === undefined) return null;
  const t = previous.getTime();
  return t <= atOrBefore ? t : null;
}

/**
 * Local wall-clock minute of the day at `t` in the compiled zone, and the zone's UTC offset
 * there (ms), for counting ticks without visiting each.
 * @internal shared with ticks.ts; not part of the API.
 */
export function localMinute(compiled: CompiledSchedule, t: number): { readonly minuteOfDay: number; readonly offsetMs: number } {
  const d = new CronDate(new Date(t), compiled.timezone);
  const wholeSecond = t - (((t % 1000) + 1000) % 1000);
  const offsetMs = Date.UTC(d.year, d.month, d.day, d.hour, d.minute, d.second) - wholeSecond;
  return { minuteOfDay: d.hour * 60 + d.minute, offsetMs };
}

/**
 * Schedule times strictly after `after`, at most `count`, ascending (epoch ms). Fewer when the
 * schedule ends (croner searches up to the year 9999), none for one that never runs. Throws an
 * Error saying what is wrong when croner cannot read the schedule or the zone is unknown; check
 * them first with cronScheduleProblem and timezoneProblem, which are stricter (no nicknames).
 */
export function nextRuns(schedule: CronSchedule, after: number, count: number): number[] {
  const runs: number[] = [];
  if (count <= 0) return runs;
  const compiled = compileSchedule(schedule);
  let cursor = after;
  while (runs.length < count) {
    const t = nextAfter(compiled, cursor);
    if (t === null) break;
    runs.push(t);
    cursor = t;
  }
  return runs;
}
