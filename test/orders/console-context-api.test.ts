import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp, seedBasics, setUpSeller } from '../support.js';
import { newId } from '../../src/shared/ids.js';
import { b2bOrder, publish, setRules, shipped, stock, setUpB2bPortal } from '../process/process-support.js';

describe('tasks and exceptions carry the order context (issue 18 item 3)', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await setUpB2bPortal(t, { requiresBuyerApproval: true, creditLimit: '50000.00', allowsPartialShipments: true });
    await stock(t, [
      ['SKU-1', 'WAW-1', 100],
      ['SKU-3', 'WAW-1', 1],
    ]);
    await publish(t, shipped('b2b-approvals'));
    await setRules(t, [{ process: 'b2b-approvals', channel: 'b2b_portal' }]);
  });
  after(() => t.close());

  test('an inbox row says which order, whose, how much in which currency, from which channel, and who holds it by name', async () => {
    const o = (await t.call('POST', '/api/v1/orders', b2bOrder('PO-CTX-1'))).body;
    const inbox = await t.call('GET', `/api/v1/tasks?orderId=${o.id}`);
    assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
    const row = inbox.body.items[0];
    assert.equal(row.order.number, o.number);
    assert.equal(row.order.customerName, 'Hurtownia Żuraw');
    assert.equal(row.order.currency, 'PLN');
    assert.equal(row.order.grandTotal, o.totals.grandTotal);
    assert.match(row.order.grandTotal, /^\d+\.\d{2}$/, 'a decimal string, never minor units');
    assert.deepEqual(row.order.channel, { code: 'b2b', name: 'Portal B2B' });
    assert.equal(row.order.placedAt, o.placedAt);
    assert.ok(row.order.ageSeconds >= 0);
    assert.deepEqual(row.shortages, []);
    assert.equal(row.assigneeName, null);

    const claimed = await t.call('POST', `/api/v1/tasks/${row.id}/claim`);
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
    const me = await t.call('GET', '/api/v1/me');
    const one = await t.call('GET', `/api/v1/tasks/${row.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.assignee, claimed.body.assignee);
    assert.ok(one.body.assigneeName, 'the holder is named');
    assert.notEqual(one.body.assigneeName, one.body.assignee, 'a name, not an id');
    assert.equal(one.body.assigneeName, me.body.name ?? me.body.user?.name ?? one.body.assigneeName);
    assert.equal(one.body.order.number, o.number);

    // A stale If-Match says which version won, so the console can tell the user.
    const stale = await t.call(
      'POST',
      `/api/v1/tasks/${row.id}/complete`,
      { outcome: 'approve' },
      { 'if-match': '"1"' },
    );
    assert.equal(stale.status, 412, JSON.stringify(stale.body));
    assert.equal(stale.body.currentVersion, one.body.version);
  });

  test('a shortage exception says which SKU is short by how much and where', async () => {
    const o = (
      await t.call(
        'POST',
        '/api/v1/orders',
        b2bOrder('PO-CTX-2', { lines: [{ sku: 'SKU-3', quantity: 4, unitPrice: '3.50', taxRate: '8' }] }),
      )
    ).body;
    await t.call('POST', `/api/v1/tasks/${o.openTasks[0].id}/complete`, { outcome: 'approve' });
    const q = await t.call('GET', '/api/v1/exceptions?kind=stock_shortage');
    assert.equal(q.status, 200, JSON.stringify(q.body));
    const item = q.body.groups[0].orders.find((x: any) => x.orderId === o.id);
    assert.ok(item, JSON.stringify(q.body));
    assert.equal(item.order.number, o.number);
    assert.equal(item.order.customerName, 'Hurtownia Żuraw');
    assert.equal(item.order.grandTotal, o.totals.grandTotal);
    assert.equal(item.order.channel.name, 'Portal B2B');
    assert.equal(item.shortages.length, 1, JSON.stringify(item.shortages));
    assert.equal(item.shortages[0].sku, 'SKU-3');
    assert.equal(item.shortages[0].name, 'Łyżka stołowa');
    assert.equal(item.shortages[0].quantity, 3, 'one of four units is held');
    assert.equal(item.shortages[0].location?.code, 'WAW-1');
    // One order's exception (what the console re-reads after an action to say why).
    // Each resolution described as the order describes its events: cancelling is destructive (the
    // console asks for a reason and a confirmation before it), backorder and split are not.
    const order = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.deepEqual(
      item.resolutionDetails,
      item.resolutions.map((name: string) => order.body.allowedEventDetails.find((e: any) => e.name === name)),
    );
    assert.deepEqual(
      item.resolutionDetails.map((e: any) => [e.name, e.destructive]),
      [
        ['backorder', false],
        ['split', false],
        ['cancel', true],
      ],
    );
    // A version that no longer loads (stored before a change of the language) keeps the queue
    // readable: its resolutions are described as asking for a reason and a confirmation.
    await t.store
      .insertInto('process_definitions', {
        id: newId(),
        key: 'b2b-approvals',
        version: 99,
        status: 'retired',
        title: null,
        source: 'states: [unclosed',
        source_hash: 'stale-v99',
        created_by: null,
        created_at: new Date(),
        updated_at: new Date(),
        published_at: null,
        retired_at: new Date(),
      } as any)
      .execute();
    await t.store.updateTable('order_processes').set({ definition_version: 99 }).where('order_id', '=', o.id).execute();
    const stale = await t.call('GET', `/api/v1/exceptions?orderId=${o.id}`);
    assert.equal(stale.status, 200, JSON.stringify(stale.body));
    assert.deepEqual(
      stale.body.groups[0].orders[0].resolutionDetails.map((e: any) => [e.name, e.destructive]),
      [
        ['backorder', true],
        ['split', true],
        ['cancel', true],
      ],
    );
    await t.store.updateTable('order_processes').set({ definition_version: 1 }).where('order_id', '=', o.id).execute();

    const one = await t.call('GET', `/api/v1/exceptions?orderId=${o.id}`);
    assert.equal(one.body.total, 1);
    assert.equal(one.body.groups[0].orders[0].orderId, o.id);
    // The resolution task on the same order carries the same shortage.
    const tasks = await t.call('GET', `/api/v1/tasks?orderId=${o.id}`);
    assert.deepEqual(tasks.body.items[0].shortages, item.shortages);
  });
});
