import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { CRON_OPTIONS, cronScheduleProblem, timezoneProblem } from './cron-schedule.js';

describe('cronScheduleProblem', () => {
  it.each(['*/15 * * * *', '0 2 * * *', '30 9-17 * * MON-FRI', '0 0 1,15 * *', '0 0 * JAN,JUL SUN', '0 0 * * 7', '0 0 29 2 *', ' 5 4 * * * '])(
    'admits %j',
    (schedule) => expect(cronScheduleProblem(schedule)).toBeNull(),
  );

  it('names the field at fault, not croner’s numbering of it', () => {
    expect(cronScheduleProblem('0 0 * 0 *')).toBe("the month field '0' is out of range: months are 1-12 or JAN-DEC");
    expect(cronScheduleProblem('0 5-1 * * *')).toMatch(/^the hour field '5-1' is not valid \(From value is larger than to value: '5-1'\)/);
    expect(cronScheduleProblem('0 0 * * JAN')).toBe(
      "the day-of-week field 'JAN' has the unknown name 'JAN' (month names go in the 4th field): days of the week are 0-7 (0 and 7 are Sunday) or SUN-SAT",
    );
  });

  it.each(['* * * *', '0 * * * * *', '61 * * * *', '*/0 * * * *', '5-1 * * * *', '@daily', '@reboot', '0 0 30 2 *', 'foo', '0 0 MON * *', ''])(
    'refuses %j',
    (schedule) => expect(cronScheduleProblem(schedule)).not.toBeNull(),
  );

  it('is what croner runs: CRON_OPTIONS parse five fields and nothing else', () => {
    expect(new Cron('30 2 * * *', { ...CRON_OPTIONS, timezone: 'UTC' }).nextRun(new Date(Date.UTC(2030, 0, 1)))?.toISOString()).toBe(
      '2030-01-01T02:30:00.000Z',
    );
    expect(() => new Cron('0 30 2 * * *', CRON_OPTIONS)).toThrow();
  });
});

describe('timezoneProblem', () => {
  it.each(['UTC', 'Europe/Amsterdam', 'America/New_York', 'Etc/GMT+5'])('admits %s', (zone) => expect(timezoneProblem(zone)).toBeNull());
  it.each(['Mars/Olympus', '', 'GMT+25', '+02:00'])('refuses %j', (zone) => expect(timezoneProblem(zone)).not.toBeNull());
  it('suggests the zone of a city', () => {
    expect(timezoneProblem('Amsterdam')).toBe("'Amsterdam' is not a known time zone; did you mean 'Europe/Amsterdam'?");
  });
});
