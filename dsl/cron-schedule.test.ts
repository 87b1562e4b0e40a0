import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { CRON_OPTIONS, cronScheduleProblem, timeZoneProblem } from './cron-schedule.js';

describe('cronScheduleProblem', () => {
  it.each(['*/15 * * * *', '0 2 * * *', '30 9-17 * * MON-FRI', '0 0 1,15 * *', '0 0 * JAN,JUL SUN', '0 0 * * 7', '0 0 29 2 *', ' 5 4 * * * '])(
    'admits %j',
    (schedule) => expect(cronScheduleProblem(schedule)).toBeNull(),
  );

  it('names the field at fault, not croner’s numbering of it', () => {
    expect(cronScheduleProblem('0 0 * 0 *')).toBe("the month field '0' is out of range: months are 1-12 or JAN-DEC");
    expect(cronScheduleProblem('0 5-1 * * *')).toMatch(/^the hour field '5-1' is not valid \(From value is larger than to value: '5-1'\)/);
  });

  it('is what croner runs: CRON_OPTIONS parse five fields and nothing else', () => {
    expect(new Cron('30 2 * * *', { ...CRON_OPTIONS, paused: true, timezone: 'UTC' }).nextRun(new Date(Date.UTC(2030, 0, 1)))?.toISOString()).toBe(
      '2030-01-01T02:30:00.000Z',
    );
    expect(() => new Cron('0 30 2 * * *', { ...CRON_OPTIONS, paused: true })).toThrow();
  });
});

describe('timeZoneProblem', () => {
  it.each(['UTC', 'Europe/Amsterdam', 'America/New_York', 'Etc/GMT+5'])('admits %s', (zone) => expect(timeZoneProblem(zone)).toBeNull());
  it.each(['Mars/Olympus', '', 'GMT+25', '+02:00'])('refuses %j', (zone) => expect(timeZoneProblem(zone)).not.toBeNull());
});
