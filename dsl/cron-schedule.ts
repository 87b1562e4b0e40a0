import { Cron, CronPattern, type CronOptions } from 'croner';

/**
 * Cron schedules and their time zones, as the JobSpec admits them and the scheduler reads them:
 * Aurora's five fields (minute hour day-of-month month day-of-week), parsed by croner. The
 * scheduler builds its croner jobs with CRON_OPTIONS, so what is admitted is what runs.
 */

/** The croner options a schedule is parsed with, here and in the scheduler. */
export const CRON_OPTIONS = { mode: '5-part' } as const satisfies CronOptions;

const FIELDS = [
  { name: 'minute', values: 'minutes are 0-59' },
  { name: 'hour', values: 'hours are 0-23' },
  { name: 'day-of-month', values: 'days of the month are 1-31' },
  { name: 'month', values: 'months are 1-12 or JAN-DEC' },
  { name: 'day-of-week', values: 'days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT' },
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
  if (fields.length !== FIELDS.length) {
    const extra = fields.length === 6 ? ' (a seconds field is not supported)' : fields.length === 7 ? ' (seconds and year fields are not supported)' : '';
    return `the schedule has ${fields.length} field${fields.length === 1 ? '' : 's'}${extra}; ${FIVE_FIELDS}`;
  }
  // One field at a time, the others '*', so the message names the field at fault.
  for (const [i, field] of FIELDS.entries()) {
    const alone = FIELDS.map((_, j) => (j === i ? fields[i] : '*')).join(' ');
    const e = parseError(alone);
    if (e === null) continue;
    // Croner's out-of-range message counts days and months from 0; the allowed values say it better.
    if (e instanceof RangeError) return `the ${field.name} field '${fields[i]}' is out of range: ${field.values}`;
    return `the ${field.name} field '${fields[i]}' is not valid (${cronerReason(e)}): ${field.values}`;
  }
  const e = parseError(trimmed);
  if (e !== null) return `the schedule is not valid: ${cronerReason(e)}`;
  // A fixed start keeps this pure; every possible date recurs within croner's search.
  const next = new Cron(trimmed, { ...CRON_OPTIONS, paused: true, timezone: 'UTC' }).nextRun(new Date(Date.UTC(2000, 0, 1)));
  if (next === null) return 'the schedule never runs: no month of it has that day of the month';
  return null;
}

/**
 * What is wrong with an IANA time zone name (`Europe/Amsterdam`, `UTC`), as Intl (and so croner)
 * reads it; null when it is one. Pure.
 */
export function timeZoneProblem(zone: string): string | null {
  // Newer engines accept UTC offsets as zones; an offset does not follow daylight saving time.
  if (/^[+-]\d/.test(zone.trim())) return `'${zone}' is a UTC offset, not an IANA time zone such as 'Europe/Amsterdam' or 'UTC'`;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `'${zone}' is not an IANA time zone such as 'Europe/Amsterdam' or 'UTC'`;
  }
}
