import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { inventoryApp, must } from '../inventory/helpers.js';
import {
  availability,
  confirm,
  expectProblem,
  lineOf,
  placeOrder,
  preview,
  reservedBySku,
  stockUp,
} from './helpers.js';

describe('order changes after placement', () => {
  let t: TestApp;
  let ext = 0;
  const place = () => placeOrder(t, { externalId: `CH-${++ext}` });
  before(async () => {
    t = await inventoryApp();
    await stockUp(t, 50);
  });
  after(() => t.close());

  const noViolations = async () =>
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);

  test('given a paid order, when a line is removed and another added, then stock moves, the difference is refunded and each action is in the history', async () => {
    const order = await place();
    await must(t, 'POST', `/api/v1/orders/${order.id}/payments`, { method: 'transfer', status: 'captured' }, 201);
    const sku2Before = await availability(t, 'SKU-2');
    const draft = await preview(t, order.id, [
      { type: 'remove_line', lineId: lineOf(order, 'SKU-2') },
      { type: 'add_line', sku: 'SKU-3', quantity: 2, unitPrice: '3.50', taxRate: '8' },
    ]);
    assert.equal(draft.status, 'draft');
    assert.equal(draft.changeVersion, 1);
    assert.equal(draft.preview.totals.before.grandTotal, order.grandTotal);
    // 257.49 − 170.97 (SKU-2) + 7.56 (2 × 3.50 + 8 %)
    assert.equal(draft.preview.totals.after.grandTotal, '94.08');
    assert.deepEqual(
      draft.preview.stock.map((s: any) => [s.sku, s.delta]),
      [
        ['SKU-2', -1],
        ['SKU-3', 2],
      ],
    );
    assert.deepEqual(
      [draft.preview.payment.paid, draft.preview.payment.refund, draft.preview.payment.outstanding],
      ['257.49', '163.41', '0.00'],
    );
    assert.deepEqual(
      draft.preview.approvals.map((a: any) => a.role),
      ['finance'],
    );
    // the preview changed nothing
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 2, 'SKU-2': 1, 'SKU-3': 5 });

    // An operator cannot give money back: finance (or an admin) confirms it; nothing changes meanwhile.
    const key = await must(t, 'POST', '/api/v1/api-keys', { name: 'order desk', roles: ['operator'] }, 201);
    const refused = await confirm(t, order.id, draft.id, {
      'if-match': `"${order.version}"`,
      authorization: `Bearer ${key.secret}`,
    });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(refused.body.detail, /finance/);
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 2, 'SKU-2': 1, 'SKU-3': 5 });

    const done = await confirm(t, order.id, draft.id, { 'if-match': `"${order.version}"` });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.headers.etag, `"${order.version + 1}"`);
    assert.equal(done.body.order.grandTotal, '94.08');
    assert.equal(done.body.change.status, 'confirmed');
    assert.equal(done.body.refund.amount, '163.41');
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 2, 'SKU-3': 7 });
    assert.equal((await availability(t, 'SKU-2')).reserved, sku2Before.reserved - 1);
    const removed = done.body.order.lines.find((l: any) => l.sku === 'SKU-2');
    assert.equal(removed.quantity, 0);

    // Without a provider the refund waits for finance to pay it out.
    const pay = await must(t, 'GET', `/api/v1/orders/${order.id}/payments`);
    const refunds = pay.payments.flatMap((p: any) => p.operations).filter((o: any) => o.kind === 'refund');
    assert.deepEqual(
      refunds.map((o: any) => [o.amount, o.status]),
      [['163.41', 'pending']],
    );

    const history = await must(t, 'GET', `/api/v1/orders/${order.id}/history`);
    const actions = history.items.map((h: any) => h.action);
    assert.ok(actions.includes('order.change.remove_line'), actions.join());
    assert.ok(actions.includes('order.change.add_line'));
    assert.ok(actions.includes('stock.released'));
    const { rows } = await sql<{
      type: string;
      payload: any;
    }>`select type, payload from events where tenant_id = ${t.tenantId} and subject = ${order.id} and type = 'order.changed'`.execute(
      t.database.db,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.payload.grandTotal, '94.08');
    assert.equal(rows[0]!.payload.refund, '163.41');
    const list = await must(t, 'GET', `/api/v1/orders/${order.id}/changes`);
    assert.deepEqual(
      list.items.map((c: any) => [c.changeVersion, c.status]),
      [[1, 'confirmed']],
    );
    await noViolations();
  });

  test('given a paid order, when a line is added, then the increase is outstanding and nothing is captured', async () => {
    const order = await place();
    await must(t, 'POST', `/api/v1/orders/${order.id}/payments`, { method: 'transfer', status: 'captured' }, 201);
    const draft = await preview(t, order.id, [
      { type: 'add_line', sku: 'SKU-1', quantity: 1, unitPrice: '10.00', taxRate: '23' },
    ]);
    assert.deepEqual([draft.preview.payment.refund, draft.preview.payment.outstanding], ['0.00', '12.30']);
    const done = await confirm(t, order.id, draft.id);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.refund, null);
    const pay = await must(t, 'GET', `/api/v1/orders/${order.id}/payments`);
    assert.equal(pay.summary.outstanding, '12.30');
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 3, 'SKU-2': 1, 'SKU-3': 5 });
    await noViolations();
  });

  test('given a line of five, when three are cancelled, then two stay reserved and the totals follow', async () => {
    const order = await place();
    const draft = await preview(t, order.id, [
      { type: 'cancel_quantity', lineId: lineOf(order, 'SKU-3'), quantity: 3 },
    ]);
    // 3 × 3.50 × 1.08 = 11.34 less
    assert.equal(draft.preview.totals.after.grandTotal, '246.15');
    const done = await confirm(t, order.id, draft.id);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.order.lines.find((l: any) => l.sku === 'SKU-3').quantity, 2);
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 2, 'SKU-2': 1, 'SKU-3': 2 });
    await noViolations();
  });

  test('given a lower unit price, then the total follows and an approver is asked for', async () => {
    const order = await place();
    const draft = await preview(t, order.id, [
      { type: 'change_price', lineId: lineOf(order, 'SKU-1'), unitPrice: '15.00' },
    ]);
    // 2 × 4.99 × 1.23 = 12.28 less (49.18 → 36.90)
    assert.equal(draft.preview.totals.after.grandTotal, '245.21');
    assert.deepEqual(
      draft.preview.approvals.map((a: any) => a.role),
      ['approver'],
    );
    assert.deepEqual(draft.preview.stock, []);
    const done = await confirm(t, order.id, draft.id);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const line = done.body.order.lines.find((l: any) => l.sku === 'SKU-1');
    assert.deepEqual([line.unitPrice, line.total], ['15.00', '36.90']);
  });

  test('given an If-Match that is not the order version, then confirm is 412 and the change stays a draft', async () => {
    const order = await place();
    const draft = await preview(t, order.id, [
      { type: 'change_quantity', lineId: lineOf(order, 'SKU-1'), quantity: 4 },
    ]);
    expectProblem(
      await confirm(t, order.id, draft.id, { 'if-match': `"${order.version + 7}"` }),
      412,
      'VERSION_MISMATCH',
    );
    const list = await must(t, 'GET', `/api/v1/orders/${order.id}/changes`);
    assert.equal(list.items[0].status, 'draft');
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-1': 2, 'SKU-2': 1, 'SKU-3': 5 });
    // one draft at a time
    const second = await t.call('POST', `/api/v1/orders/${order.id}/changes`, {
      actions: [{ type: 'remove_line', lineId: lineOf(order, 'SKU-3') }],
    });
    expectProblem(second, 409, 'ORDER_CHANGE_ALREADY_OPEN');
    assert.equal(second.body.changeId, draft.id);
    // discard, then it is closed for good
    const discarded = await must(t, 'POST', `/api/v1/orders/${order.id}/changes/${draft.id}/discard`, {
      reason: 'klient się rozmyślił',
    });
    assert.equal(discarded.status, 'discarded');
    expectProblem(await confirm(t, order.id, draft.id), 409, 'ORDER_CHANGE_NOT_OPEN');
  });

  test('given the order edited after the preview, then confirm is refused as stale', async () => {
    const order = await place();
    const draft = await preview(t, order.id, [{ type: 'set_delivery_fee', amount: '0' }]);
    await must(t, 'PATCH', `/api/v1/orders/${order.id}`, { notes: 'proszę dzwonić przed dostawą' });
    expectProblem(await confirm(t, order.id, draft.id), 409, 'ORDER_CHANGE_STALE');
  });

  test('given a shipped line, an unknown SKU and a quantity below what shipped, then each is refused with its path and nothing changes', async () => {
    const order = await place();
    const sku1 = lineOf(order, 'SKU-1');
    await must(t, 'POST', `/api/v1/inventory/orders/${order.id}/ship`, { lines: [{ orderLineId: sku1, quantity: 1 }] });
    const removing = await t.call('POST', `/api/v1/orders/${order.id}/changes`, {
      actions: [
        { type: 'change_quantity', lineId: lineOf(order, 'SKU-3'), quantity: 6 },
        { type: 'remove_line', lineId: sku1 },
      ],
    });
    expectProblem(removing, 409, 'ORDER_CHANGE_LINE_SHIPPED');
    assert.deepEqual(
      removing.body.errors.map((e: any) => e.path),
      ['/actions/1/lineId'],
    );
    assert.match(removing.body.errors[0].message, /shipped/);

    const below = await t.call('POST', `/api/v1/orders/${order.id}/changes`, {
      actions: [{ type: 'cancel_quantity', lineId: sku1, quantity: 2 }],
    });
    expectProblem(below, 409, 'ORDER_CHANGE_BELOW_FULFILLED');
    assert.equal(below.body.errors[0].path, '/actions/0/quantity');

    const unknown = await t.call('POST', `/api/v1/orders/${order.id}/changes`, {
      actions: [
        { type: 'cancel_quantity', lineId: sku1, quantity: 1 },
        { type: 'add_line', sku: 'NIE-MA', quantity: 1, unitPrice: '1.00' },
      ],
    });
    expectProblem(unknown, 422, 'UNKNOWN_SKU');
    assert.deepEqual(
      unknown.body.errors.map((e: any) => e.path),
      ['/actions/1/sku'],
    );

    const badShape = await t.call('POST', `/api/v1/orders/${order.id}/changes`, {
      actions: [{ type: 'change_quantity', lineId: sku1, quantity: 0 }],
    });
    expectProblem(badShape, 400, 'VALIDATION_FAILED');

    // The shipped part may stay: 2 → 1 is allowed.
    const ok = await preview(t, order.id, [{ type: 'cancel_quantity', lineId: sku1, quantity: 1 }]);
    assert.equal(ok.preview.lines.find((l: any) => l.sku === 'SKU-1').fulfilled, 1);
    const done = await confirm(t, order.id, ok.id);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-2': 1, 'SKU-3': 5 });
    const list = await must(t, 'GET', `/api/v1/orders/${order.id}/changes`);
    assert.equal(list.items.length, 1, 'refused previews leave no draft');
    await noViolations();
  });

  test('given money refunded by hand after the preview, then confirm gives back only what is still paid above the new total, never more', async () => {
    const order = await place();
    await must(t, 'POST', `/api/v1/orders/${order.id}/payments`, { method: 'transfer', status: 'captured' }, 201);
    const draft = await preview(t, order.id, [{ type: 'remove_line', lineId: lineOf(order, 'SKU-2') }]);
    assert.equal(draft.preview.payment.refund, '170.97');
    // finance refunds part of it by hand before the change is confirmed
    await must(t, 'POST', `/api/v1/orders/${order.id}/refunds`, {
      amount: '100.00',
      reason: 'zwrot poza zmianą',
      paidOut: true,
    });
    const done = await confirm(t, order.id, draft.id);
    assert.equal(done.status, 200, JSON.stringify(done.body));
    // decided again at confirm: 157.49 paid, 86.52 total → 70.97, not the 170.97 of the preview
    assert.equal(done.body.refund.amount, '70.97');
    assert.equal(done.body.change.preview.payment.refund, '70.97');
    const pay = await must(t, 'GET', `/api/v1/orders/${order.id}/payments`);
    assert.equal(pay.summary.paid, '157.49');
  });
});
