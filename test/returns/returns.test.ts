import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { confirmRefunds, deliveredOrder, lineOf, onHand, seedReturns } from './helpers.js';
import '../../src/store/schema-inventory.js';

/**
 * Returns (issue 15): a return order with its own process, receipt, grades, restock into the
 * ledger and the refund through the payments that took the money.
 */
describe('returns: request, receive, inspect, restock, refund', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
  });
  after(() => t.close());

  test('Given a delivered order, When 1 of 2 mugs and 2 of 5 spoons come back to a store, Then the good units are restocked there, the broken one is written off, and the refund is their value', async () => {
    const o = await deliveredOrder(t);
    const mug = lineOf(o, 'SKU-1');
    const spoon = lineOf(o, 'SKU-3');
    // "damaged" needs a photo: refused, nothing kept.
    const noPhoto = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: mug, quantity: 1 }],
      reason: 'damaged',
      wish: 'refund',
    });
    assert.equal(noPhoto.status, 400, JSON.stringify(noPhoto.body));
    assert.equal(noPhoto.body.errors[0].path, '/photos');
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${o.id}/returns`)).items.length, 0);

    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [
          { lineId: mug, quantity: 1 },
          { lineId: spoon, quantity: 2 },
        ],
        reason: 'not_as_described',
        wish: 'refund',
        note: 'Kolor inny niż na zdjęciu',
        dropOff: { kind: 'store', locationCode: 'KRK-S' },
      },
      201,
    );
    assert.equal(r.state, 'awaiting_parcel', JSON.stringify(r.process));
    assert.equal(r.number, `${o.number}-R1`);
    // The customer page lists a customer's returns: only those of their orders.
    const customerId = (await ok(t, 'GET', `/api/v1/orders/${o.id}`)).customer.id;
    assert.ok(customerId, 'the order has a customer');
    const theirs = await ok(t, 'GET', `/api/v1/returns?customerId=${customerId}`);
    assert.ok(theirs.items.some((x: { id: string }) => x.id === r.id));
    assert.ok(theirs.items.every((x: { orderId: string }) => x.orderId === o.id));
    const nobody = await ok(t, 'GET', '/api/v1/returns?customerId=0190a0c0-0000-7000-8000-000000000000');
    assert.equal(nobody.items.length, 0);
    // What was paid for them: a mug is 19.99 + 23 % VAT = 24.59, a spoon 3.50 + 8 % = 3.78.
    assert.equal(r.value, '32.15', JSON.stringify(r.lines));
    assert.deepEqual(
      r.lines.map((l: any) => [l.sku, l.quantity, l.received]),
      [
        ['SKU-1', 1, 0],
        ['SKU-3', 2, 0],
      ],
    );
    const krkMug = await onHand(t, 'SKU-1', 'KRK-S');
    const krkSpoon = await onHand(t, 'SKU-3', 'KRK-S');

    // The mug arrives first: partial receipt, the return waits for the rest.
    const first = await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'KRK-S',
      lines: [{ sku: 'SKU-1', quantity: 1 }],
    });
    assert.equal(first.complete, false);
    assert.equal(first.return.state, 'receiving');
    const mugLine = r.lines.find((l: any) => l.sku === 'SKU-1').id;
    const spoonLine = r.lines.find((l: any) => l.sku === 'SKU-3').id;
    // Grading more than arrived is refused, nothing changes.
    const early = await t.call('POST', `/api/v1/returns/${r.id}/inspections`, {
      units: [{ lineId: spoonLine, grade: 'resell' }],
    });
    assert.equal(early.status, 422, JSON.stringify(early.body));
    assert.equal(early.body.code, 'RECEIPT_EXCEEDS_RETURN');

    const second = await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'KRK-S',
      lines: [{ lineId: spoonLine, quantity: 2 }],
    });
    assert.equal(second.complete, true);
    assert.equal(second.return.state, 'inspecting');
    // Nothing is in stock before it is graded.
    assert.equal(await onHand(t, 'SKU-1', 'KRK-S'), krkMug);

    const graded = await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
      units: [
        { lineId: mugLine, grade: 'resell', note: 'bez śladów użycia' },
        { lineId: spoonLine, grade: 'resell' },
        { lineId: spoonLine, grade: 'write_off', note: 'wygięta' },
      ],
    });
    assert.equal(graded.complete, true);
    // restocked → no invoice → refund requested by hand (transfer): waits for finance.
    assert.equal(graded.return.state, 'refunding', JSON.stringify(graded.return.process));
    assert.equal(await onHand(t, 'SKU-1', 'KRK-S'), krkMug + 1);
    assert.equal(await onHand(t, 'SKU-3', 'KRK-S'), krkSpoon + 1, 'one spoon back, the bent one written off');
    const moves = await t.store
      .selectFrom('stock_movements')
      .select(['kind', 'on_hand_delta', 'quantity'])
      .where('order_id', '=', r.id)
      .orderBy('kind')
      .execute();
    assert.deepEqual(moves.map((m) => [m.kind, m.on_hand_delta]).sort(), [
      ['return', 1],
      ['return', 1],
      ['return', 1],
      ['write_off', -1],
    ]);

    const ops = await confirmRefunds(t, o.id);
    assert.equal(ops.length, 1);
    assert.equal(
      ops[0].amount,
      '32.15',
      'every received unit is refunded (a write-off too, by the shipped rule); no delivery charge on a partial return',
    );
    const done = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(done.state, 'closed', JSON.stringify(done.process));
    assert.equal(done.refunded, '32.15');
    assert.ok(done.closedAt);
    const pay = await ok(t, 'GET', `/api/v1/orders/${o.id}/payments`);
    assert.equal(pay.summary.refunded, '32.15');
    const closed = await t.store
      .selectFrom('events')
      .select('payload')
      .where('type', '=', 'return.closed')
      .where('subject', '=', o.id)
      .execute();
    assert.equal(closed.length, 1);
  });

  test('Given every unit of an order coming back, Then the refund is everything paid, the delivery charge with its VAT included', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: o.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })),
        reason: 'late',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'WAW-1',
      lines: r.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })),
    });
    await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
      units: r.lines.map((l: any) => ({ lineId: l.id, grade: 'resell', quantity: l.quantity })),
    });
    const ops = await confirmRefunds(t, o.id);
    assert.deepEqual(
      ops.map((op: any) => op.amount),
      [o.totals.grandTotal],
    );
    const pay = await ok(t, 'GET', `/api/v1/orders/${o.id}/payments`);
    assert.equal(pay.summary.refunded, o.totals.grandTotal);
    assert.equal((await ok(t, 'GET', `/api/v1/returns/${r.id}`)).state, 'closed');
  });
});
