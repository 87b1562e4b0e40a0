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
 * The croner options every schedule is read with.
 *
 * - `domAndDow: false`: a day matches when its day of month OR its day of week does (when both
 *   are restricted), as in Vixie cron and Aurora.
 * - `fixedTimeRule: 'no-wildcard'`: across a DST change, a schedule whose minute and hour have no
 *   `*` and no step (`30 2 * * *`, `0 1,13 * * *`) is a fixed-time job: a time in the skipped
 *   hour runs at the first time after it, a repeated time runs once. Other schedules
 *   (`*\/15 * * * *`) run at every wall-clock time that exists: none in the skipped hour, both
 *   occurrences of a repeated one. Croner's default counts only single values as fixed, which
 *   would run `0 1,13 * * *` twice when clocks fall back; Vixie cron runs it once.
 */
export const CRON_OPTIONS = {
  mode: '5-part',
  domAndDow: false,
  fixedTimeRule: 'no-wildcard',
} as const satisfies CronOptions;

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** What the field takes, for messages. */
  readonly values: string;
  /** Names the field takes (besides croner's L/W letters). */
  readonly names: readonly string[];
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59, values: '0-59', names: [] },
  { name: 'hour', min: 0, max: 23, values: '0-23', names: [] },
  { name: 'day-of-month', min: 1, max: 31, values: '1-31 (or L, the last day)', names: [] },
  { name: 'month', min: 1, max: 12, values: '1-12 or JAN-DEC', names: MONTH_NAMES },
  { name: 'day-of-week', min: 0, max: 7, values: '0-7 (0 and 7 are Sunday) or SUN-SAT', names: DAY_NAMES },
];

const FIVE_FIELDS = "a cron schedule has 5 fields: minute hour day-of-month month day-of-week, e.g. '0 * * * *' (hourly)";

/** Croner's nicknames, spelled out in the message that refuses them. */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Croner's reason without its prefix (its field numbers count a seconds field, so they mislead). */
function cronerReason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e))
    .replace(/^CronPattern:\s*/, '')
    .replace(/^configuration entry \S+ \(([^)]*)\)/, "'$1'")
    .replace(/^Syntax error,\s*/, '')
    .replace(/, Type: \w+\.?$/, '')
    .replace(/\.$/, '');
}

function parseError(pattern: string): unknown {
  try {
    new CronPattern(pattern, undefined, CRON_OPTIONS);
    return null;
  } catch (e) {
    return e;
  }
}

/** What is wrong with one field, in words; null when the cause is not a name or a number. */
function fieldProblem(field: Field, text: string): string | null {
  for (const word of text.toUpperCase().match(/[A-Z]+/g) ?? []) {
    if (field.names.includes(word) || /^(L|W|LW)$/.test(word)) continue;
    const elsewhere =
      MONTH_NAMES.includes(word) ? ' (month names belong in the 4th field)' : DAY_NAMES.includes(word) ? ' (day names belong in the 5th field)' : '';
    return `unknown name '${word}' in the ${field.name} field '${text}'${elsewhere}; it takes ${field.values}`;
  }
  // Numbers after '/' are steps and after '#' the nth weekday; croner's own message covers them.
  for (const value of text.replace(/[/#]\d+/g, '').match(/\d+/g) ?? []) {
    const n = Number(value);
    if (n < field.min || n > field.max) return `${value} is out of range in the ${field.name} field '${text}'; it takes ${field.values}`;
  }
  return null;
}

/**
 * What is wrong with a cron schedule, for the person who wrote it: which field, what it holds
 * and what it takes; null when it is valid. Valid is what croner parses as five fields
 * (croner's L, W, # and ? are allowed) and some date matches; croner's `@daily` nicknames are
 * refused with the five fields to write instead. Pure.
 */
export function cronScheduleProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return `the cron schedule is empty; ${FIVE_FIELDS}`;
  if (trimmed.startsWith('@')) {
    const spelled = NICKNAMES[trimmed.toLowerCase()];
    return spelled !== undefined
      ? `nicknames such as '${trimmed}' are not supported; write the 5 fields instead: '${spelled}'`
      : `'${trimmed}' is not a cron schedule; ${FIVE_FIELDS}`;
  }
  const fields = trimmed.split(/\s+/);
  // Croner's and Quartz's longer forms put seconds first (and a year last).
  if (fields.length === 6) {
    return `'${trimmed}' has 6 fields: a seconds field is not supported (cron jobs run at most once a minute); drop it: '${fields.slice(1).join(' ')}'`;
  }
  if (fields.length === 7) {
    return `'${trimmed}' has 7 fields: seconds and year fields are not supported (cron jobs run at most once a minute); drop them: '${fields.slice(1, 6).join(' ')}'`;
  }
  if (fields.length !== FIELDS.length) {
    return `'${trimmed}' has ${fields.length} field${fields.length === 1 ? '' : 's'}; ${FIVE_FIELDS}`;
  }
  // One field at a time with '*' elsewhere, so the message names the field at fault.
  for (const [i, field] of FIELDS.entries()) {
    const value = fields[i] ?? '';
    const alone = FIELDS.map((_, j) => (j === i ? value : '*')).join(' ');
    const e = parseError(alone);
    if (e === null) continue;
    return fieldProblem(field, value) ?? `the ${field.name} field '${value}' is not valid (${cronerReason(e)}); it takes ${field.values}`;
  }
  const normalized = fields.join(' ');
  const e = parseError(normalized);
  if (e !== null) return `'${trimmed}' is not valid: ${cronerReason(e)}`;
  // A fixed start keeps this pure; croner searches far enough for every date to recur (29 February).
  const probe = new Cron(normalized, { ...CRON_OPTIONS, timezone: 'UTC' });
  if (probe.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) {
    return `'${trimmed}' never runs: no date has that day of the month in those months (as 30 February); pick a day those months have`;
  }
  return null;
}

/** Suggestions for a zone name Intl does not know: zones whose city part is the name. */
function zoneSuggestions(zone: string): string[] {
  const city = zone.trim().replace(/\s+/g, '_').toLowerCase();
  if (city === '') return [];
  return Intl.supportedValuesOf('timeZone').filter((z) => z.toLowerCase().endsWith(`/${city}`)).slice(0, 3);
}

/**
 * What is wrong with an IANA time zone name (`UTC`, `Europe/Berlin`), as Intl (and so croner)
 * reads it; null when it is one. UTC offsets such as `+01:00` are refused: they do not follow
 * daylight saving time, and older engines do not take them. Pure.
 */
export function timezoneProblem(zone: string): string | null {
  const example = "an IANA time zone name such as 'UTC', 'Europe/Berlin' or 'America/New_York'";
  if (zone.trim() === '') return `the time zone is empty; use ${example}`;
  if (/^[+-]\d/.test(zone.trim())) return `'${zone}' is a UTC offset, which does not follow daylight saving time; use ${example}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    const suggestions = zoneSuggestions(zone);
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?` : `; use ${example}`;
    return `'${zone}' is not a known time zone${hint}`;
  }
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
