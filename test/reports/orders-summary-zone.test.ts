import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock, orderBody, seedBasics, testApp, type TestApp } from '../support.js';

/**
 * Issue 18: the dashboard's orders per day follow the user's days. `GET /reports/orders-summary`
 * takes `tz` (an IANA zone): the window is the last N calendar days there, today included, and an
 * order belongs to the day it was placed on in that zone.
 */
describe('the orders summary in the user’s time zone', () => {
  // 4 November 2026, 12:00 UTC (13:00 in Warsaw, winter time)
  const clock = fixedClock('2026-11-04T12:00:00.000Z');
  let t: TestApp;
  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    const placed = {
      'LATE-EVENING': '2026-11-02T23:30:00.000Z', // 3 November, 00:30 in Warsaw
      MORNING: '2026-11-03T08:00:00.000Z',
      TODAY: '2026-11-04T06:00:00.000Z',
      'BEFORE-WINDOW': '2026-11-01T22:59:00.000Z', // 1 November, 23:59 in Warsaw
    };
    for (const [externalId, placedAt] of Object.entries(placed))
      assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId, placedAt }))).status, 201);
  });
  after(() => t.close());

  const days = (body: { perDay: Array<{ day: string; count: number }> }) =>
    Object.fromEntries(body.perDay.map((entry) => [entry.day, entry.count]));

  test('given tz=Europe/Warsaw, 23:30 UTC counts on the next Warsaw day and the window is three Warsaw days', async () => {
    const response = await t.call('GET', '/api/v1/reports/orders-summary?days=3&tz=Europe%2FWarsaw');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const body = response.body;
    assert.equal(body.timeZone, 'Europe/Warsaw');
    assert.equal(body.from, '2026-11-01T23:00:00.000Z', 'Warsaw midnight of 2 November');
    assert.equal(body.to, '2026-11-04T23:00:00.000Z', 'Warsaw midnight of 5 November');
    assert.deepEqual(days(body), { '2026-11-02': 0, '2026-11-03': 2, '2026-11-04': 1 });
    assert.equal(body.total, 3, 'the order of Warsaw’s 1 November is outside the window');
  });

  test('given no tz, the days are UTC days, as before', async () => {
    const response = await t.call('GET', '/api/v1/reports/orders-summary?days=3');
    assert.equal(response.status, 200);
    assert.equal(response.body.timeZone, 'UTC');
    assert.deepEqual(days(response.body), { '2026-11-02': 1, '2026-11-03': 1, '2026-11-04': 1 });
  });

  test('given an offset or an unknown zone, the answer is 400 naming tz', async () => {
    for (const zone of ['+01:00', 'Mars/Olympus']) {
      const response = await t.call('GET', `/api/v1/reports/orders-summary?tz=${encodeURIComponent(zone)}`);
      assert.equal(response.status, 400, zone);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.ok(
        JSON.stringify(response.body.errors).includes('tz'),
        `${zone}: ${JSON.stringify(response.body.errors)}`,
      );
    }
  });
});
