import { Cron, CronPattern, type CronOptions } from 'croner';

/**
 * Cron schedules and their time zones, as the JobSpec admits them and the scheduler reads them:
 * Aurora's five fields (minute hour day-of-month month day-of-week), parsed by croner. The
 * scheduler builds its croner jobs with CRON_OPTIONS, so what is admitted is what runs.
 */

/**
 * The croner options a schedule is parsed with, here and in the scheduler.
 *
 * - `domAndDow: false`: when day-of-month and day-of-week are both restricted, a day matches
 *   either (Vixie cron, Aurora).
 * - `fixedTimeRule: 'no-wildcard'`: across a DST change, a schedule whose minute and hour have no
 *   `*` and no step runs once (Vixie cron); croner's default would run `0 1,13 * * *` twice.
 */
export const CRON_OPTIONS = {
  mode: '5-part',
  domAndDow: false,
  fixedTimeRule: 'no-wildcard',
} as const satisfies CronOptions;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS = [
  { name: 'minute', values: 'minutes are 0-59', names: [] },
  { name: 'hour', values: 'hours are 0-23', names: [] },
  { name: 'day-of-month', values: 'days of the month are 1-31 (or L, the last)', names: [] },
  { name: 'month', values: 'months are 1-12 or JAN-DEC', names: MONTH_NAMES },
  { name: 'day-of-week', values: 'days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT', names: DAY_NAMES },
] as const;

const FIVE_FIELDS = 'a cron schedule has 5 fields: minute hour day-of-month month day-of-week';

/** Croner's nicknames, spelled out for the message that refuses them. */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A word in a field that is none of its names (nor croner's L and W), said with where it belongs. */
function unknownName(field: (typeof FIELDS)[number], text: string): string | null {
  for (const word of text.toUpperCase().match(/[A-Z]+/g) ?? []) {
    if ((field.names as readonly string[]).includes(word) || /^(L|W|LW)$/.test(word)) continue;
    const elsewhere = MONTH_NAMES.includes(word) ? ' (month names go in the 4th field)' : DAY_NAMES.includes(word) ? ' (day names go in the 5th field)' : '';
    return `the ${field.name} field '${text}' has the unknown name '${word}'${elsewhere}: ${field.values}`;
  }
  return null;
}

/** Croner's reason without its prefix and its own field numbering (which counts seconds). */
function cronerReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message
    .replace(/^CronPattern:\s*/, '')
    .replace(/^configuration entry \S+ \([^)]*\)\s*/, '')
    .replace(/^Syntax error,\s*/, '')
    .replace(/\.$/, '');
}

/** Whether croner parses `pattern`; the error if not. */
function parseError(pattern: string): unknown {
  try {
    new CronPattern(pattern, undefined, CRON_OPTIONS);
    return null;
  } catch (e) {
    return e;
  }
}

/**
 * What is wrong with a cron schedule, in words for the person who wrote it; null when croner
 * parses it as five fields and some date matches it. Pure.
 */
export function cronScheduleProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return `the schedule is empty; ${FIVE_FIELDS}`;
  if (trimmed.startsWith('@')) {
    const spelled = NICKNAMES[trimmed.toLowerCase()];
    return spelled
      ? `nicknames are not supported; write the 5 fields ('${spelled}' for ${trimmed})`
      : `'${trimmed}' is not a schedule; ${FIVE_FIELDS}`;
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length === 6 || fields.length === 7) {
    const drop = fields.length === 6 ? 'the first (seconds) field' : 'the seconds and year fields';
    return `the schedule has ${fields.length} fields, but cron jobs run at most once a minute and ${FIVE_FIELDS}; drop ${drop}: '${fields.slice(1, 6).join(' ')}'`;
  }
  if (fields.length !== FIELDS.length) return `the schedule has ${fields.length} field${fields.length === 1 ? '' : 's'}; ${FIVE_FIELDS}`;
  // One field at a time, the others '*', so the message names the field at fault.
  for (const [i, field] of FIELDS.entries()) {
    const alone = FIELDS.map((_, j) => (j === i ? fields[i] : '*')).join(' ');
    const e = parseError(alone);
    if (e === null) continue;
    const name = unknownName(field, fields[i] as string);
    if (name !== null) return name;
    // Croner's out-of-range message counts days and months from 0; the allowed values say it better.
    if (e instanceof RangeError) return `the ${field.name} field '${fields[i]}' is out of range: ${field.values}`;
    return `the ${field.name} field '${fields[i]}' is not valid (${cronerReason(e)}): ${field.values}`;
  }
  const e = parseError(trimmed);
  if (e !== null) return `the schedule is not valid: ${cronerReason(e)}`;
  // A fixed start keeps this pure; every possible date recurs within croner's search.
  const next = new Cron(trimmed, { ...CRON_OPTIONS, timezone: 'UTC' }).nextRun(new Date(Date.UTC(2000, 0, 1)));
  if (next === null) return 'the schedule never runs: no date has that day of the month in those months (as 30 February)';
  return null;
}

/** Zones whose city is the name given (`Amsterdam` → `Europe/Amsterdam`), for the message. */
function zoneSuggestions(zone: string): string[] {
  const city = zone.trim().replace(/\s+/g, '_').toLowerCase();
  if (city === '') return [];
  return Intl.supportedValuesOf('timeZone').filter((z) => z.toLowerCase().endsWith(`/${city}`)).slice(0, 3);
}

/**
 * What is wrong with an IANA time zone name (`Europe/Amsterdam`, `UTC`), as Intl (and so croner)
 * reads it; null when it is one. Pure.
 */
export function timezoneProblem(zone: string): string | null {
  const example = "an IANA time zone such as 'Europe/Amsterdam' or 'UTC'";
  if (zone.trim() === '') return `the time zone is empty; use ${example}, or set none for the cluster's`;
  // Newer engines accept UTC offsets as zones; an offset does not follow daylight saving time.
  if (/^[+-]\d/.test(zone.trim())) return `'${zone}' is a UTC offset, which does not follow daylight saving time; use ${example}`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    const suggestions = zoneSuggestions(zone);
    const hint = suggestions.length > 0 ? `; did you mean ${suggestions.map((z) => `'${z}'`).join(' or ')}?` : `; use ${example}`;
    return `'${zone}' is not a known time zone${hint}`;
  }
}
