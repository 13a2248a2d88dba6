import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { addDuration, isDuration, parseDuration } from './durations.js';

const at = (iso: string): Date => new Date(iso);
const add = (iso: string, d: string, tz?: string): string => addDuration(at(iso), d, tz).toISOString();

describe('addDuration', () => {
  it('Given a month end, When a month or a year is added, Then the date clamps to the last day of the shorter month', () => {
    assert.equal(add('2026-01-31T10:00:00Z', 'P1M'), '2026-02-28T10:00:00.000Z');
    assert.equal(add('2024-01-31T10:00:00Z', 'P1M'), '2024-02-29T10:00:00.000Z');
    assert.equal(add('2024-02-29T00:00:00Z', 'P1Y'), '2025-02-28T00:00:00.000Z');
    assert.equal(add('2026-03-31T23:59:59Z', 'P1M'), '2026-04-30T23:59:59.000Z');
    assert.equal(add('2026-01-31T00:00:00Z', 'P1Y1M'), '2027-02-28T00:00:00.000Z');
  });

  it('Given a leading minus, Then the duration is subtracted (and a month end clamps backwards too)', () => {
    assert.equal(add('2026-03-31T12:00:00Z', '-P1M'), '2026-02-28T12:00:00.000Z');
    assert.equal(add('2026-03-01T01:00:00Z', '-PT2H'), '2026-02-28T23:00:00.000Z');
    assert.equal(add('2026-01-01T00:00:00Z', '-P1DT1H'), '2025-12-30T23:00:00.000Z');
  });

  it('Given weeks, days, time parts and fractional seconds, Then each is added', () => {
    assert.equal(add('2026-02-20T00:00:00Z', 'P2W'), '2026-03-06T00:00:00.000Z');
    assert.equal(add('2026-02-27T00:00:00Z', 'P1W3D'), '2026-03-09T00:00:00.000Z');
    assert.equal(add('2026-05-01T00:00:00Z', 'PT24H'), '2026-05-02T00:00:00.000Z');
    assert.equal(add('2026-05-01T00:00:00Z', 'PT36H'), '2026-05-02T12:00:00.000Z');
    assert.equal(add('2026-05-01T00:00:00Z', 'PT1H30M'), '2026-05-01T01:30:00.000Z');
    assert.equal(add('2026-05-01T00:00:00Z', 'PT1.5S'), '2026-05-01T00:00:01.500Z');
    assert.equal(add('2026-05-01T00:00:00Z', 'PT0.001S'), '2026-05-01T00:00:00.001Z');
    assert.equal(add('2026-05-01T00:00:00.250Z', 'P1Y2M3W4DT5H6M7.125S'), '2027-07-26T05:06:07.375Z');
  });

  it('Given no zone, Then calendar parts move the UTC calendar date', () => {
    // 2026-03-29 is the spring-forward day in Europe; in UTC a day is 24 hours.
    assert.equal(add('2026-03-28T12:00:00Z', 'P1D'), '2026-03-29T12:00:00.000Z');
  });

  it('Given an IANA zone, When P1D crosses a DST change, Then the local time of day is kept (23 or 25 hours)', () => {
    // Warsaw: 2026-03-29 02:00 → 03:00 (CET → CEST); 2026-10-25 03:00 → 02:00 (CEST → CET).
    assert.equal(add('2026-03-28T11:00:00Z', 'P1D', 'Europe/Warsaw'), '2026-03-29T10:00:00.000Z'); // 12:00 local both days
    assert.equal(add('2026-10-24T10:00:00Z', 'P1D', 'Europe/Warsaw'), '2026-10-25T11:00:00.000Z');
    assert.equal(add('2026-03-28T11:00:00Z', 'P1W', 'Europe/Warsaw'), '2026-04-04T10:00:00.000Z');
    // Time parts stay exact time, zone or not.
    assert.equal(add('2026-03-28T11:00:00Z', 'PT24H', 'Europe/Warsaw'), '2026-03-29T11:00:00.000Z');
    // The local calendar decides the month end: 2026-01-31 23:30 in Warsaw is 22:30 UTC.
    assert.equal(add('2026-01-31T22:30:00Z', 'P1M', 'Europe/Warsaw'), '2026-02-28T22:30:00.000Z');
    assert.equal(add('2026-02-28T23:30:00Z', 'P1M'), '2026-03-28T23:30:00.000Z');
    assert.equal(add('2026-02-28T23:30:00Z', 'P1M', 'Europe/Warsaw'), '2026-03-31T22:30:00.000Z'); // 03-01 00:30 CET → 04-01 00:30 CEST
  });

  it('Given an unknown zone or a bad date, Then a RangeError', () => {
    assert.throws(() => addDuration(at('2026-01-01T00:00:00Z'), 'P1D', 'Mars/Olympus'), RangeError);
    assert.throws(() => addDuration(new Date(Number.NaN), 'P1D'), RangeError);
  });
});

describe('parseDuration', () => {
  it('Given the process format, Then valid durations parse and everything else is refused', () => {
    for (const ok of ['PT24H', 'P2D', 'P1M', 'P1W', 'P1Y2M3W4DT5H6M7.5S', 'PT0.5S', 'PT1M', 'P0D'])
      assert.ok(isDuration(ok), ok);
    for (const bad of [
      '',
      'P',
      'PT',
      'P1DT',
      '24h',
      'p1d',
      'P1.5D',
      'PT1.5H',
      'PT1,5S',
      '+P1D',
      '-P1D',
      'P1H',
      'PT1D',
      'P1D2M',
      ' P1D',
      'PT1.1234567891S',
      'P999999999Y',
    ]) {
      assert.ok(!isDuration(bad), bad);
      assert.throws(() => parseDuration(bad), RangeError, bad);
    }
  });

  it('Given signed, Then a leading minus is accepted', () => {
    assert.ok(isDuration('-PT2H', { signed: true }));
    assert.equal(parseDuration('-PT2H', { signed: true }).hours, -2);
    assert.ok(!isDuration('--PT2H', { signed: true }));
  });
});

describe('addDuration properties', () => {
  const instant = fc.date({
    min: new Date('1970-01-01T00:00:00Z'),
    max: new Date('2200-12-31T23:59:59Z'),
    noInvalidDate: true,
  });
  const monthIndex = (d: Date): number => d.getUTCFullYear() * 12 + d.getUTCMonth();

  it('adding PnM lands in exactly the n-th next month, never skipping one', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 40 }), (d, n) => {
        const r = addDuration(d, `P${n}M`);
        assert.equal(monthIndex(r) - monthIndex(d), n);
        assert.ok(r.getUTCDate() <= d.getUTCDate());
      }),
    );
  });

  it('d + PnD − PnD = d in UTC', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 5000 }), (d, n) => {
        assert.equal(addDuration(addDuration(d, `P${n}D`), `-P${n}D`).getTime(), d.getTime());
      }),
    );
  });

  it("the UTC arithmetic equals Temporal's ZonedDateTime in UTC, and a fixed zone with offset 0 gives the same", () => {
    const n = (max: number) => fc.integer({ min: 0, max });
    const duration = fc
      .record({
        sign: fc.boolean(),
        y: n(5),
        mo: n(30),
        w: n(10),
        d: n(400),
        h: n(50),
        mi: n(200),
        s: n(100),
        ms: n(999),
      })
      .map(({ sign, y, mo, w, d, h, mi, s, ms }) => {
        const date = `${y ? `${y}Y` : ''}${mo ? `${mo}M` : ''}${w ? `${w}W` : ''}${d ? `${d}D` : ''}`;
        const time = `${h ? `${h}H` : ''}${mi ? `${mi}M` : ''}${s || ms ? `${s}${ms ? `.${String(ms).padStart(3, '0')}` : ''}S` : ''}`;
        return date || time ? `${sign ? '-' : ''}P${date}${time ? `T${time}` : ''}` : 'P0D';
      });
    fc.assert(
      fc.property(instant, duration, (at, text) => {
        const expected = Temporal.Instant.fromEpochMilliseconds(at.getTime())
          .toZonedDateTimeISO('UTC')
          .add(text).epochMilliseconds;
        assert.equal(addDuration(at, text).getTime(), expected, text);
        assert.equal(addDuration(at, text, 'Etc/GMT').getTime(), expected, text);
      }),
      { numRuns: 300 },
    );
  });

  it('in a zone, PnD keeps the local time of day (outside the hour a DST change skips)', () => {
    const fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Warsaw',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 400 }), (d, n) => {
        const r = addDuration(d, `P${n}D`, 'Europe/Warsaw');
        const [a, b] = [fmt.format(d), fmt.format(r)];
        // A local time that does not exist on the target day (spring forward) moves by the gap;
        // the ambiguous hour at the fall-back change may resolve to the other offset.
        if (a !== b) assert.ok(/^0[1-3]:/.test(a), `${d.toISOString()} + P${n}D: ${a} → ${b}`);
      }),
    );
  });
});
