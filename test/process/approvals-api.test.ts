import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp, seedBasics, setUpSeller } from '../support.js';
import { b2bOrder, publish, send, setRules, shipped, stock, setUpB2bPortal } from './process-support.js';

describe('B2B orders with approval chains, tasks and exceptions through the API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await setUpB2bPortal(t, { requiresBuyerApproval: true, creditLimit: '50000.00', allowsPartialShipments: false });
    await stock(t, [
      ['SKU-1', 'WAW-1', 100],
      ['SKU-3', 'WAW-1', 0],
    ]);
    await publish(t, shipped('b2b-approvals'));
    await setRules(t, [{ process: 'b2b-approvals', channel: 'b2b_portal' }]);
  });
  after(() => t.close());

  test('given a discounted order for a customer whose buyer signs, when the sales lead and the buyer approve through the tasks API, then it runs to completion', async () => {
    const created = await t.call('POST', '/api/v1/orders', b2bOrder('PO-2026-001'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const o = created.body;
    assert.equal(o.state, 'awaiting_approval');
    assert.equal(o.openTasks.length, 1);
    assert.equal(o.openTasks[0].role, 'sales_lead');

    const inbox = await t.call('GET', `/api/v1/tasks?role=sales_lead&orderId=${o.id}`);
    assert.equal(inbox.status, 200);
    assert.equal(inbox.body.items.length, 1);
    const lead = inbox.body.items[0];
    assert.equal(lead.party, 'seller');
    assert.deepEqual(lead.options, ['approve', 'reject']);
    assert.ok(lead.dueAt, 'the approval is due in 24 hours');

    const claimed = await t.call('POST', `/api/v1/tasks/${lead.id}/claim`);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    assert.equal(claimed.body.state, 'claimed');
    const bad = await t.call('POST', `/api/v1/tasks/${lead.id}/complete`, { outcome: 'ship_it' });
    assert.equal(bad.status, 400);
    const done = await t.call('POST', `/api/v1/tasks/${lead.id}/complete`, {
      outcome: 'approve',
      comment: 'Rabat zgodny z umową ramową',
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.task.state, 'completed');
    assert.equal(done.body.task.comment, 'Rabat zgodny z umową ramową');
    assert.equal(done.body.order.state, 'awaiting_approval', 'the chain is sequential: the buyer signs next');

    const buyer = await t.call('GET', '/api/v1/tasks?party=customer');
    assert.equal(buyer.body.items.length, 1);
    assert.equal(buyer.body.items[0].role, 'purchasing_manager');
    const again = await t.call('POST', `/api/v1/tasks/${lead.id}/complete`, { outcome: 'approve' });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'TASK_NOT_OPEN');

    const delegated = await t.call('POST', `/api/v1/tasks/${buyer.body.items[0].id}/delegate`, {
      role: 'procurement_director',
      comment: 'Urlop',
    });
    assert.equal(delegated.status, 200, JSON.stringify(delegated.body));
    assert.equal(delegated.body.role, 'procurement_director');
    assert.equal(delegated.body.delegatedFrom, 'role:purchasing_manager');
    const signed = await t.call('POST', `/api/v1/tasks/${buyer.body.items[0].id}/complete`, { outcome: 'approve' });
    assert.equal(signed.status, 200, JSON.stringify(signed.body));
    // approved → reserved → routed → Ordo issues the invoice → the ERP is asked for it, and the order waits
    assert.equal(signed.body.order.state, 'syncing_invoice');
    const invoices = (await t.call('GET', `/api/v1/orders/${o.id}/invoices`)).body.items;
    assert.equal(invoices.length, 1);
    assert.equal(invoices[0].kind, 'invoice');
    // the ERP has the invoice → deferred payment → fulfilment requested
    assert.equal((await send(t, o.id, 'erp_synced')).state, 'fulfilling');

    await send(t, o.id, 'shipped');
    // delivered: the ERP is told of the shipment before the order completes
    assert.equal((await send(t, o.id, 'delivered')).state, 'syncing_shipment');
    const end = await send(t, o.id, 'erp_synced');
    assert.equal(end.state, 'completed');
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    const start = h.body.items.find((i: any) => i.action === 'process.started');
    const decision = start.reason.trace.find((e: any) => e.kind === 'decision');
    assert.match(decision.note, /approval_route \(collect\) matched rules \[0, 2\]/);
    const votes = h.body.items.filter((i: any) => i.action === 'task.outcome');
    assert.equal(votes.length, 2);
    assert.equal(votes[0].reason.event.comment, 'Rabat zgodny z umową ramową');
  });

  test('given a line without stock, the order waits in the exceptions queue with its resolutions and is resolved by posting one', async () => {
    const o = (
      await t.call(
        'POST',
        '/api/v1/orders',
        b2bOrder('PO-2026-002', {
          lines: [{ sku: 'SKU-3', quantity: 4, unitPrice: '3.50', taxRate: '8' }],
        }),
      )
    ).body;
    // No discount, no credit issue, but the buyer signs first.
    const task = o.openTasks[0];
    await t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' });
    const q = await t.call('GET', '/api/v1/exceptions');
    assert.equal(q.status, 200);
    const group = q.body.groups.find((g: any) => g.kind === 'stock_shortage');
    assert.ok(group, JSON.stringify(q.body));
    const item = group.orders.find((x: any) => x.orderId === o.id);
    assert.deepEqual(item.resolutions, ['backorder', 'split', 'cancel']);
    assert.equal(item.tasks[0].role, 'order_desk');

    // split needs a customer who accepts partial shipments: the guard refuses it.
    const split = await t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'split' });
    assert.equal(split.status, 409);
    assert.equal(split.body.reason, 'GUARD_FAILED');
    assert.ok(!split.body.allowed.includes('split'));
    const cancelled = await send(t, o.id, 'cancel', { comment: 'Klient zrezygnował' });
    assert.equal(cancelled.state, 'cancelled');
    const after = await t.call('GET', '/api/v1/exceptions?kind=stock_shortage');
    assert.ok(!(after.body.groups[0]?.orders ?? []).some((x: any) => x.orderId === o.id));
    const closed = await t.call('GET', `/api/v1/tasks?orderId=${o.id}&state=completed&role=order_desk`);
    assert.equal(closed.body.items[0].outcome, 'cancel');
  });
});
