import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { confirmRefunds, deliveredOrder, lineOf, seedReturns } from './helpers.js';
import '../../src/store/schema-inventory.js';

/**
 * Exchanges (issue 15): the replacement order goes through normal intake under its own process,
 * the returned units' value pays for it (a captured store-credit payment), and the difference is
 * collected on it or refunded by the return; an advance exchange ships before the return arrives.
 */
describe('exchanges: even, with a difference either way, in advance', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
  });
  after(() => t.close());

  const receiveAndGrade = async (r: any) => {
    await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'WAW-1',
      lines: r.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })),
    });
    const g = await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
      units: r.lines.map((l: any) => ({ lineId: l.id, grade: 'resell', quantity: l.quantity })),
    });
    return g.return;
  };

  const paymentsOf = async (orderId: string) => ok(t, 'GET', `/api/v1/orders/${orderId}/payments`);

  test('Given a kettle (139.00 net of discount, 170.97 paid) exchanged for a dearer one at 200.00, Then the replacement is paid 170.97 by the return and 29.03 is outstanding on it; nothing is refunded', async () => {
    const o = await deliveredOrder(t);
    const kettle = lineOf(o, 'SKU-2');
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: kettle, quantity: 1 }],
        reason: 'size_fit',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '200.00' }] },
      },
      201,
    );
    assert.equal(r.value, '170.97');
    const after = await receiveAndGrade(r);
    assert.equal(after.state, 'closed', JSON.stringify(after.process));
    assert.ok(after.exchangeOrder, 'the replacement order is linked');
    const x = await ok(t, 'GET', `/api/v1/orders/${after.exchangeOrder.id}`);
    assert.equal(x.totals.grandTotal, '200.00');
    assert.equal(x.attributes.exchangeFor, r.id);
    const p = await paymentsOf(x.id);
    assert.deepEqual(
      p.payments.map((q: any) => [q.method, q.captured]),
      [['store_credit', '170.97']],
    );
    assert.equal(p.summary.outstanding, '29.03');
    assert.equal(after.refunded, '0.00');
    assert.equal((await paymentsOf(o.id)).summary.refunded, '0.00');
  });

  test('Given a kettle exchanged for a cheaper spoon (3.78), Then the spoon is paid by the return and the 167.19 difference is refunded on the original order', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
        reason: 'not_as_described',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-3', quantity: 1 }] },
      },
      201,
    );
    const graded = await receiveAndGrade(r);
    assert.equal(graded.state, 'refunding', JSON.stringify(graded.process));
    const x = await paymentsOf(graded.exchangeOrder.id);
    assert.equal(x.summary.status, 'paid');
    assert.equal(x.payments[0].captured, '3.78', 'priced as one spoon cost on the original order');
    const ops = await confirmRefunds(t, o.id);
    assert.deepEqual(
      ops.map((op: any) => op.amount),
      ['167.19'],
    );
    const done = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(done.state, 'closed');
    assert.equal(done.refunded, '167.19');
  });

  test('Given an advance exchange of the same mug, Then after approval the replacement is created and holds stock at once, and the return closes with nothing to refund when the mug arrives', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-1'), quantity: 1 }],
        reason: 'defective',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-1', quantity: 1 }], advance: true },
      },
      201,
    );
    assert.equal(r.state, 'awaiting_approval', 'an advance exchange is approved by a person first');
    await ok(t, 'POST', `/api/v1/tasks/${r.openTasks[0].id}/complete`, { outcome: 'approve' });
    const waiting = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(waiting.state, 'awaiting_parcel', JSON.stringify(waiting.process));
    assert.ok(waiting.exchangeOrder, 'the replacement exists before the return arrives');
    const held = await t.store
      .selectFrom('stock_reservations')
      .select((eb) => eb.fn.sum<string>('quantity').as('q'))
      .where('order_id', '=', waiting.exchangeOrder.id)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    assert.equal(Number(held.q), 1, 'the replacement mug is reserved at once');
    assert.equal((await paymentsOf(waiting.exchangeOrder.id)).summary.status, 'paid');
    const closed = await receiveAndGrade(waiting);
    assert.equal(closed.state, 'closed', JSON.stringify(closed.process));
    assert.equal(closed.refunded, '0.00');
  });

  test('Given store credit asked for, Then the value goes to the customer’s store credit, not the card', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-3'), quantity: 5 }],
        reason: 'changed_mind',
        wish: 'store_credit',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    const done = await receiveAndGrade(r);
    assert.equal(done.state, 'closed', JSON.stringify(done.process));
    assert.equal(done.storeCredit, '18.90');
    const customer =
      (await ok(t, 'GET', `/api/v1/orders/${o.id}`)).customer?.id ??
      (await ok(t, 'GET', `/api/v1/orders/${o.id}`)).customerId;
    const credit = await ok(t, 'GET', `/api/v1/customers/${customer}/store-credit`);
    assert.ok(credit.entries.some((e: any) => e.returnId === r.id && e.amount === '18.90'));
    assert.equal((await paymentsOf(o.id)).summary.refunded, '0.00');
  });
});
