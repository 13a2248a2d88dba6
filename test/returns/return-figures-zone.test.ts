import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../support.js';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, lineOf, seedReturns, shippedFrom } from './helpers.js';
import '../../src/store/schema-returns.js';

/**
 * GET /returns/figures cuts its days in `tz` (issue 18: the dashboard's returns card in the user's
 * days): a return asked at 23:30 UTC on 20 October is on 21 October in Warsaw (UTC+2 then).
 */
describe('returns figures: days in the user’s zone', () => {
  let t: FulfilmentTestApp;
  let location: string;
  const clock = fixedClock('2026-11-02T09:00:00Z');
  before(async () => {
    t = await fulfilmentApp({ clock });
    await seedReturns(t);
    const o = await deliveredOrder(t);
    location = await shippedFrom(t, o.id);
    const made = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: lineOf(o, 'SKU-1'), quantity: 2 }],
      reason: 'defective',
      wish: 'refund',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await t.store
      .updateTable('returns')
      .set({ created_at: new Date('2026-10-20T23:30:00Z') })
      .where('id', '=', made.body.id)
      .execute();
  });
  after(() => t.close());

  const reasons = async (q: string) => {
    const f = await ok(t, 'GET', `/api/v1/returns/figures?${q}`);
    return { timeZone: f.timeZone, byReason: f.byReason };
  };
  const one = [{ reason: 'defective', returns: 1, units: 2 }];

  test('given tz=Europe/Warsaw, the return counts on the next day there, not on its UTC day', async () => {
    assert.deepEqual(await reasons('from=2026-10-21&to=2026-10-21&tz=Europe/Warsaw'), {
      timeZone: 'Europe/Warsaw',
      byReason: one,
    });
    assert.deepEqual(await reasons('from=2026-10-20&to=2026-10-20&tz=Europe/Warsaw'), {
      timeZone: 'Europe/Warsaw',
      byReason: [],
    });
  });

  test('given no tz, the days are UTC days, as before', async () => {
    assert.deepEqual(await reasons('from=2026-10-20&to=2026-10-20'), { timeZone: 'UTC', byReason: one });
    assert.deepEqual(await reasons('from=2026-10-21&to=2026-10-21'), { timeZone: 'UTC', byReason: [] });
  });

  test("given the dashboard's channel or location, only the returns of that channel's or location's orders count", async () => {
    const figures = async (filter: string) => {
      const f = await ok(t, 'GET', `/api/v1/returns/figures?from=2026-10-20&to=2026-10-20&${filter}`);
      return { channel: f.channel, location: f.location, byReason: f.byReason, refunds: f.requestToRefund.refunds };
    };
    assert.deepEqual(await figures('channel=web'), { channel: 'web', location: null, byReason: one, refunds: 0 });
    assert.deepEqual(await figures(`location=${location}`), {
      channel: null,
      location,
      byReason: one,
      refunds: 0,
    });
    assert.deepEqual((await figures('channel=wildberries')).byReason, []);
    assert.deepEqual((await figures('location=NOWHERE')).byReason, []);
    assert.deepEqual((await figures(`channel=wildberries&location=${location}`)).byReason, []);
    const rate = await ok(t, 'GET', '/api/v1/returns/figures?from=2026-10-20&to=2026-10-20&channel=wildberries');
    assert.deepEqual(rate.rate.byChannel, [], 'no shipments or returns of another channel');
  });

  test('given an offset or an unknown zone, the answer is 400 naming tz', async () => {
    for (const zone of ['+01:00', 'Mars/Olympus', 'Europe/Warsaw\u0000', 'Europe/'.padEnd(3_000, 'x')]) {
      const response = await t.call('GET', `/api/v1/returns/figures?tz=${encodeURIComponent(zone)}`);
      assert.equal(response.status, 400, zone);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.ok(
        JSON.stringify(response.body.errors).includes('tz'),
        `${zone}: ${JSON.stringify(response.body.errors)}`,
      );
    }
  });
});
