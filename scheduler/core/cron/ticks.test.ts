import { describe, expect, it } from 'vitest';
import { nextRuns, type CronSchedule } from './schedule.js';
import { dueTicks, MAX_COUNT_STEPS, type WorkCounter } from './ticks.js';

const ms = (iso: string): number => Date.parse(iso);
const isos = (times: readonly number[]): string[] => times.map((t) => new Date(t).toISOString());
const utc = (text: string): CronSchedule => ({ text, timezone: 'UTC' });

describe('dueTicks', () => {
  it('has nothing due between ticks, and says when the next one is', () => {
    expect(dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T12:00:30Z'))).toEqual({
      run: null,
      missed: [],
      missedCount: 0,
      next: ms('2026-01-01T12:01:00Z'),
    });
  });

  it('runs the tick that just came', () => {
    expect(dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T12:01:05Z'))).toEqual({
      run: ms('2026-01-01T12:01:00Z'),
      missed: [],
      missedCount: 0,
      next: ms('2026-01-01T12:02:00Z'),
    });
  });

  it('runs only the latest tick after a short outage; the earlier ones are missed, newest first', () => {
    const due = dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T12:05:00Z'));
    expect(due.run).toBe(ms('2026-01-01T12:05:00Z'));
    expect(isos(due.missed)).toEqual(['2026-01-01T12:04:00.000Z', '2026-01-01T12:03:00.000Z', '2026-01-01T12:02:00.000Z', '2026-01-01T12:01:00.000Z']);
    expect(due.missedCount).toBe(4);
    expect(due.next).toBe(ms('2026-01-01T12:06:00Z'));
  });

  // [now after the 12:00 tick, runs?]
  it.each([
    [0, true],
    [60_000, true],
    [60_001, false],
  ])('with the default grace of a minute, a tick %d ms late runs: %s', (late, runs) => {
    const due = dueTicks(utc('0 * * * *'), ms('2026-01-01T11:00:00Z'), ms('2026-01-01T12:00:00Z') + late);
    expect(due.run).toBe(runs ? ms('2026-01-01T12:00:00Z') : null);
    expect(due.missed).toEqual(runs ? [] : [ms('2026-01-01T12:00:00Z')]);
    expect(due.missedCount).toBe(runs ? 0 : 1);
  });

  it('takes the grace it is given', () => {
    const due = dueTicks(utc('0 * * * *'), ms('2026-01-01T11:00:00Z'), ms('2026-01-01T12:04:00Z'), { graceMs: 5 * 60_000 });
    expect(due.run).toBe(ms('2026-01-01T12:00:00Z'));
  });

  it('runs nothing when even the latest tick is too late: the scheduler was down', () => {
    const due = dueTicks(utc('0 * * * *'), ms('2026-01-01T09:00:00Z'), ms('2026-01-01T12:30:00Z'));
    expect(due).toEqual({
      run: null,
      missed: [ms('2026-01-01T12:00:00Z'), ms('2026-01-01T11:00:00Z'), ms('2026-01-01T10:00:00Z')],
      missedCount: 3,
      next: ms('2026-01-01T13:00:00Z'),
    });
  });

  it('lists at most maxMissed missed ticks and counts them all', () => {
    const due = dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T13:00:10Z'));
    expect(due.run).toBe(ms('2026-01-01T13:00:00Z'));
    expect(due.missed).toHaveLength(10);
    expect(isos([due.missed[0]!, due.missed[9]!])).toEqual(['2026-01-01T12:59:00.000Z', '2026-01-01T12:50:00.000Z']);
    expect(due.missedCount).toBe(59);

    const three = dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T13:00:10Z'), { maxMissed: 3 });
    expect(isos(three.missed)).toEqual(['2026-01-01T12:59:00.000Z', '2026-01-01T12:58:00.000Z', '2026-01-01T12:57:00.000Z']);
    expect(three.missedCount).toBe(59);

    const none = dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T13:00:10Z'), { maxMissed: 0 });
    expect(none).toMatchObject({ run: ms('2026-01-01T13:00:00Z'), missed: [], missedCount: 59 });
  });

  it('never makes a tick at or before lastTickAt due again, even when the clock is behind it', () => {
    const lastTickAt = ms('2026-01-01T12:05:00Z');
    expect(dueTicks(utc('* * * * *'), lastTickAt, lastTickAt)).toEqual({ run: null, missed: [], missedCount: 0, next: ms('2026-01-01T12:06:00Z') });
    expect(dueTicks(utc('* * * * *'), lastTickAt, ms('2026-01-01T12:01:30Z'))).toEqual({ run: null, missed: [], missedCount: 0, next: ms('2026-01-01T12:06:00Z') });
  });

  it('reads the schedule in its zone: 09:00 daily in Berlin vs UTC over two weeks and a DST change', () => {
    const berlin = dueTicks({ text: '0 9 * * *', timezone: 'Europe/Berlin' }, ms('2026-03-20T08:00:00Z'), ms('2026-04-05T12:00:00Z'));
    expect(berlin.run).toBeNull();
    expect(berlin.missedCount).toBe(16);
    expect(isos(berlin.missed.slice(6))).toEqual(['2026-03-30T07:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-28T08:00:00.000Z', '2026-03-27T08:00:00.000Z']);
    expect(berlin.next).toBe(ms('2026-04-06T07:00:00Z'));

    const inUtc = dueTicks(utc('0 9 * * *'), ms('2026-03-20T09:00:00Z'), ms('2026-04-05T09:00:30Z'));
    expect(inUtc.run).toBe(ms('2026-04-05T09:00:00Z'));
    expect(inUtc.missedCount).toBe(15);
    expect(inUtc.next).toBe(ms('2026-04-06T09:00:00Z'));
  });

  // [what, schedule, lastTickAt, now, ticks in (lastTickAt, now]]
  it.each([
    ['every half hour on the New York day that falls back (25 hours)', '*/30 * * * *', '2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 50],
    ['every half hour on the New York day that springs forward (23 hours)', '*/30 * * * *', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 46],
    ['02:30 daily across spring forward: moved to 03:00 that day, not lost', '30 2 * * *', '2026-03-01T12:00:00Z', '2026-03-15T12:00:00Z', 14],
    ['01:00 and 13:00 daily across fall back: 01:00 once', '0 1,13 * * *', '2026-10-30T00:00:00Z', '2026-11-03T00:00:00Z', 8],
  ])('counts %s', (_what, text, lastTickAt, now, ticks) => {
    const due = dueTicks({ text, timezone: 'America/New_York' }, ms(lastTickAt), ms(now), { maxMissed: 0, graceMs: 0 });
    expect(due.missedCount + (due.run === null ? 0 : 1)).toBe(ticks);
  });

  describe('counts what croner enumerates, around DST changes and month ends', () => {
    const schedules = ['* * * * *', '*/15 9-17 * * 1-5', '0 0 1 * *', '30 2 * * *', '0,30 0-3 * * *', '0 0 13 * 5', '*/7 */3 * * *', '59 23 * * *', '0 0 * * *', '30 0 * * *', '0 0 L * *'];
    // [zone, a DST change (or none) in it]; Lord Howe moves by half an hour, Santiago at midnight.
    const changes: [string, string][] = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Europe/Berlin', '2026-03-29T01:00:00Z'],
      ['Europe/Berlin', '2026-10-25T01:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['America/Santiago', '2026-04-05T03:00:00Z'],
      ['America/Santiago', '2026-09-06T04:00:00Z'],
      ['Asia/Kolkata', '2026-02-28T12:00:00Z'],
      ['UTC', '2026-02-28T12:00:00Z'],
    ];
    const cases = changes.flatMap(([timezone, at]) => schedules.map((text) => [text, timezone, at] as const));
    it.each(cases)('%s in %s around %s', (text, timezone, at) => {
      // Odd offsets, so neither end falls on a tick.
      const lastTickAt = ms(at) - 86_400_000 + 17_123;
      const now = ms(at) + 86_400_000 + 29_456;
      const enumerated: number[] = [];
      for (let t = nextRuns({ text, timezone }, lastTickAt, 1)[0]; t !== undefined && t <= now; t = nextRuns({ text, timezone }, t, 1)[0]) {
        enumerated.push(t);
      }
      for (const maxMissed of [0, 3]) {
        const due = dueTicks({ text, timezone }, lastTickAt, now, { maxMissed, graceMs: 0 });
        expect(due.missedCount).toBe(enumerated.length);
        expect(due.missed).toEqual(enumerated.slice(-maxMissed || enumerated.length).reverse().slice(0, maxMissed));
      }
    });
  });

  describe('stays cheap after a long outage', () => {
    // Every minute has a tick, so the count is the minutes elapsed, DST or not.
    it.each(['UTC', 'America/New_York', 'Europe/Berlin'])('a year of every minute in %s', (timezone) => {
      const work: WorkCounter = { steps: 0 };
      const lastTickAt = ms('2025-03-01T00:00:00Z');
      const now = ms('2026-03-01T00:00:10Z');
      const due = dueTicks({ text: '* * * * *', timezone }, lastTickAt, now, { work });
      expect(due.run).toBe(ms('2026-03-01T00:00:00Z'));
      expect(due.missed).toHaveLength(10);
      expect(due.missedCount).toBe(365 * 1440 - 1);
      // About one croner search per day (and 11 to walk back from now), not one per minute.
      expect(work.steps).toBeLessThan(400);
    });

    it('gives up counting after MAX_COUNT_STEPS searches, answering a lower bound', () => {
      const work: WorkCounter = { steps: 0 };
      const due = dueTicks(utc('* * * * *'), 0, ms('2026-01-01T00:00:30Z'), { work });
      expect(due.run).toBe(ms('2026-01-01T00:00:00Z'));
      expect(due.missed).toHaveLength(10);
      expect(due.missedCount).toBeGreaterThan(MAX_COUNT_STEPS * 1440 - 1440);
      expect(due.missedCount).toBeLessThan((ms('2026-01-01T00:00:00Z') / 60_000) - 1);
      expect(work.steps).toBeLessThanOrEqual(MAX_COUNT_STEPS + 12);
    });

    it('a minute late is a handful of searches', () => {
      const work: WorkCounter = { steps: 0 };
      dueTicks(utc('* * * * *'), ms('2026-01-01T12:00:00Z'), ms('2026-01-01T12:01:05Z'), { work });
      expect(work.steps).toBeLessThanOrEqual(3);
    });
  });

  it('refuses options that make no sense', () => {
    expect(() => dueTicks(utc('* * * * *'), 0, 1, { graceMs: -1 })).toThrow(RangeError);
    expect(() => dueTicks(utc('* * * * *'), 0, 1, { maxMissed: 1.5 })).toThrow(RangeError);
  });
});
