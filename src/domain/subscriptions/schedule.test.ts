import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkSchedule,
  firstOccurrence,
  firstOccurrences,
  isOccurrence,
  localTime,
  nextOccurrence,
  occurrencesBetween,
  type Schedule,
} from './schedule.js';

const warsaw = (rrule: string, start = '2027-03-19T09:00'): Schedule => ({ rrule, start, timeZone: 'Europe/Warsaw' });
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('subscription schedules (RRULE in the tenant zone)', () => {
  it('Given a weekly 09:00 Europe/Warsaw delivery across the March DST change, Then it stays 09:00 local (08:00Z, then 07:00Z)', () => {
    const s = warsaw('FREQ=WEEKLY;BYDAY=FR;COUNT=4');
    const dates = firstOccurrences(s, 10);
    assert.deepEqual(iso(dates), [
      '2027-03-19T08:00:00.000Z',
      '2027-03-26T08:00:00.000Z',
      '2027-04-02T07:00:00.000Z',
      '2027-04-09T07:00:00.000Z',
    ]);
    assert.deepEqual(
      dates.map((d) => localTime(d, 'Europe/Warsaw')),
      ['2027-03-19T09:00:00', '2027-03-26T09:00:00', '2027-04-02T09:00:00', '2027-04-09T09:00:00'],
    );
  });

  it('Given a daily schedule across the October change, Then the local hour holds too', () => {
    const dates = firstOccurrences(warsaw('FREQ=DAILY;COUNT=3', '2027-10-30T09:00'), 3);
    assert.deepEqual(iso(dates), ['2027-10-30T07:00:00.000Z', '2027-10-31T08:00:00.000Z', '2027-11-01T08:00:00.000Z']);
  });

  it('Given BYMONTHDAY=31, Then months without a 31st are skipped (RFC 5545), and BYMONTHDAY=-1 takes the last day', () => {
    const dates = firstOccurrences(warsaw('FREQ=MONTHLY;BYMONTHDAY=31;COUNT=4', '2027-01-31T09:00'), 10);
    assert.deepEqual(
      dates.map((d) => localTime(d, 'Europe/Warsaw').slice(0, 10)),
      ['2027-01-31', '2027-03-31', '2027-05-31', '2027-07-31'],
    );
    const last = firstOccurrences(warsaw('FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3', '2027-01-31T09:00'), 10);
    assert.deepEqual(
      last.map((d) => localTime(d, 'Europe/Warsaw').slice(0, 10)),
      ['2027-01-31', '2027-02-28', '2027-03-31'],
    );
  });

  it('Given UNTIL, Then no occurrence is after it; Given COUNT, Then exactly COUNT occur', () => {
    const until = firstOccurrences(warsaw('FREQ=DAILY;UNTIL=20270322T000000Z'), 100);
    assert.deepEqual(
      until.map((d) => localTime(d, 'Europe/Warsaw').slice(0, 10)),
      ['2027-03-19', '2027-03-20', '2027-03-21'],
    );
    assert.equal(firstOccurrences(warsaw('FREQ=MONTHLY;INTERVAL=2;COUNT=5'), 100).length, 5);
    assert.equal(nextOccurrence(warsaw('FREQ=DAILY;COUNT=2'), new Date('2027-03-20T08:00:00Z')), null);
  });

  it('Given the next/between/isOccurrence helpers, Then they agree with the enumeration', () => {
    const s = warsaw('FREQ=WEEKLY;BYDAY=MO,FR');
    const all = firstOccurrences(s, 6);
    assert.equal(firstOccurrence(s)!.toISOString(), all[0]!.toISOString());
    assert.deepEqual(iso(occurrencesBetween(s, all[0]!, all[4]!, 100)), iso(all.slice(1, 5)));
    assert.deepEqual(iso(occurrencesBetween(s, all[0]!, all[5]!, 2)), iso(all.slice(1, 3)));
    assert.equal(isOccurrence(s, all[3]!), true);
    assert.equal(isOccurrence(s, new Date(all[3]!.getTime() + 60_000)), false);
  });

  it('Given a bad schedule, Then each problem names its field', () => {
    const paths = (s: Schedule) => checkSchedule(s).map((e) => e.path);
    assert.deepEqual(paths(warsaw('FREQ=WEEKLY;BYDAY=FR;COUNT=3')), []);
    assert.deepEqual(paths(warsaw('FREQ=HOURLY')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=DAILY;BYHOUR=9')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=DAILY;COUNT=0')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=DAILY;COUNT=2;UNTIL=20270101')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=WEEKLY;BYDAY=XX')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=MONTHLY;BYMONTHDAY=32')), ['/schedule/rrule']);
    assert.deepEqual(paths(warsaw('FREQ=DAILY', '2027-02-30T09:00')), ['/schedule/start']);
    assert.deepEqual(paths({ rrule: 'FREQ=DAILY', start: '2027-02-01T09:00', timeZone: 'Mars/Olympus' }), [
      '/schedule/timeZone',
    ]);
  });

  it('Property: occurrences are strictly increasing, at most COUNT, never before the start, and all within UNTIL', () => {
    const freq = fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY');
    const days = fc.uniqueArray(fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'), {
      minLength: 1,
      maxLength: 3,
    });
    const monthDays = fc.uniqueArray(
      fc.integer({ min: -31, max: 31 }).filter((d) => d !== 0),
      {
        minLength: 1,
        maxLength: 3,
      },
    );
    fc.assert(
      fc.property(
        freq,
        fc.integer({ min: 1, max: 4 }),
        fc.option(days, { nil: undefined }),
        fc.option(monthDays, { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('Europe/Warsaw', 'Europe/Moscow', 'UTC', 'America/New_York'),
        (f, interval, byDay, byMonthDay, count, untilDays, startAt, timeZone) => {
          const start = localTime(startAt, timeZone).slice(0, 16);
          // UNTIL only when there is no COUNT (RFC 5545 allows one of them)
          const untilAt =
            untilDays === undefined || count !== undefined
              ? undefined
              : new Date(startAt.getTime() + untilDays * 86_400_000);
          const rule = [
            `FREQ=${f}`,
            `INTERVAL=${interval}`,
            byDay ? `BYDAY=${byDay.join(',')}` : '',
            byMonthDay && (f === 'MONTHLY' || f === 'YEARLY') ? `BYMONTHDAY=${byMonthDay.join(',')}` : '',
            count !== undefined ? `COUNT=${count}` : '',
            untilAt
              ? `UNTIL=${untilAt
                  .toISOString()
                  .replace(/[-:]/g, '')
                  .replace(/\.\d{3}/, '')}`
              : '',
          ]
            .filter(Boolean)
            .join(';');
          const s: Schedule = { rrule: rule, start, timeZone };
          assert.deepEqual(checkSchedule(s), [], rule);
          const dates = firstOccurrences(s, 30);
          const startInstant = new Date(Math.floor(startAt.getTime() / 60_000) * 60_000);
          for (const [i, d] of dates.entries()) {
            assert.ok(
              d.getTime() >= startInstant.getTime() - 3_600_000,
              `${rule}: ${d.toISOString()} before the start`,
            );
            if (i > 0) assert.ok(d > dates[i - 1]!, `${rule}: not increasing`);
            if (untilAt) assert.ok(d <= untilAt, `${rule}: after UNTIL`);
          }
          if (count !== undefined) assert.ok(dates.length <= count, `${rule}: more than COUNT`);
        },
      ),
      { numRuns: 150 },
    );
  });
});
