import { describe, expect, it } from 'vitest';
import { nextRuns } from './schedule.js';

const ms = (iso: string): number => Date.parse(iso);
const isos = (times: readonly number[]): string[] => times.map((t) => new Date(t).toISOString());

describe('nextRuns', () => {
  // [what, schedule, zone, after, expected] with expected in UTC.
  const table: [string, string, string, string, string[]][] = [
    ['every minute, strictly after a tick', '* * * * *', 'UTC', '2026-01-01T00:00:00.000Z', ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:03:00.000Z']],
    ['every minute, from within a minute', '* * * * *', 'UTC', '2026-01-01T00:00:59.999Z', ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']],
    // 2 January 2026 is a Friday.
    ['office hours skip the weekend', '*/15 9-17 * * 1-5', 'UTC', '2026-01-02T17:40:00Z', ['2026-01-02T17:45:00.000Z', '2026-01-05T09:00:00.000Z', '2026-01-05T09:15:00.000Z']],
    ['office hours in Berlin (UTC+1 in winter)', '*/15 9-17 * * 1-5', 'Europe/Berlin', '2026-01-02T16:40:00Z', ['2026-01-02T16:45:00.000Z', '2026-01-05T08:00:00.000Z']],
    ['monthly', '0 0 1 * *', 'UTC', '2026-01-15T00:00:00Z', ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-04-01T00:00:00.000Z']],
    ['monthly in Berlin is the evening before in UTC', '0 0 1 * *', 'Europe/Berlin', '2026-01-15T00:00:00Z', ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']],
    ['09:00 in UTC', '0 9 * * *', 'UTC', '2026-07-01T00:00:00Z', ['2026-07-01T09:00:00.000Z']],
    ['09:00 in Berlin in summer (UTC+2)', '0 9 * * *', 'Europe/Berlin', '2026-07-01T00:00:00Z', ['2026-07-01T07:00:00.000Z']],
    ['09:00 in Berlin across its spring change (29 March 2026)', '0 9 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']],
    // Vixie OR: both fields restricted, so the 13th OR any Friday.
    ['day of month OR day of week', '0 0 13 * 5', 'UTC', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z', '2026-01-13T00:00:00.000Z', '2026-01-16T00:00:00.000Z', '2026-01-23T00:00:00.000Z']],
    ['day of month alone when day of week is *', '0 0 13 * *', 'UTC', '2026-01-01T00:00:00Z', ['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']],
    ['day of week alone when day of month is *', '0 0 * * FRI', 'UTC', '2026-01-01T00:00:00Z', ['2026-01-02T00:00:00.000Z', '2026-01-09T00:00:00.000Z']],
    ['7 is Sunday too', '0 0 * * 7', 'UTC', '2026-01-01T00:00:00Z', ['2026-01-04T00:00:00.000Z']],
    ['leap day', '0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', ['2028-02-29T00:00:00.000Z']],
    // New York springs forward at 02:00 EST (07:00Z) on 8 March 2026: 02:00-02:59 does not exist.
    ['a fixed time in the skipped hour runs at 03:00 EDT', '30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', ['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']],
    ['a list of fixed times is fixed too', '30 2,14 * * *', 'America/New_York', '2026-03-08T00:00:00Z', ['2026-03-08T07:00:00.000Z', '2026-03-08T18:30:00.000Z']],
    ['an interval skips the missing hour', '*/30 * * * *', 'America/New_York', '2026-03-08T06:10:00Z', ['2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']],
    // New York falls back at 02:00 EDT (06:00Z) on 1 November 2026: 01:00-01:59 happens twice.
    ['a fixed time in the repeated hour runs once', '30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']],
    ['a list of fixed times runs once in the repeated hour', '0 1,13 * * *', 'America/New_York', '2026-11-01T00:00:00Z', ['2026-11-01T05:00:00.000Z', '2026-11-01T18:00:00.000Z', '2026-11-02T06:00:00.000Z']],
    ['an interval runs in both occurrences of the repeated hour', '*/30 * * * *', 'America/New_York', '2026-11-01T04:50:00Z', ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-01T07:00:00.000Z']],
    ['whitespace around and between fields', '  0   0 1 *   * ', 'UTC', '2026-01-15T00:00:00Z', ['2026-02-01T00:00:00.000Z']],
  ];
  it.each(table)('%s: %s in %s after %s', (_what, text, timezone, after, expected) => {
    expect(isos(nextRuns({ text, timezone }, ms(after), expected.length))).toEqual(expected);
  });

  it('answers nothing for a count of 0 and nothing for a schedule that never comes', () => {
    expect(nextRuns({ text: '* * * * *', timezone: 'UTC' }, 0, 0)).toEqual([]);
    expect(nextRuns({ text: '0 0 30 2 *', timezone: 'UTC' }, ms('2026-01-01T00:00:00Z'), 3)).toEqual([]);
  });

  it('throws saying what is wrong with an invalid schedule or zone', () => {
    expect(() => nextRuns({ text: '61 * * * *', timezone: 'UTC' }, 0, 1)).toThrow(/the minute field '61' is out of range/);
    expect(() => nextRuns({ text: '* * * * *', timezone: 'Mars/Olympus' }, 0, 1)).toThrow(/'Mars\/Olympus' is not a known time zone/);
  });
});
