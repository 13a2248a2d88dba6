import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { onPostgres, type TestApp } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { httpClient, inventoryApp, must } from '../inventory/helpers.js';
import { lineOf, placeOrder, preview, reservedBySku, stockUp } from './helpers.js';

/**
 * Real concurrency on PostgreSQL (a listening server, separate connections); PGlite has one
 * session, so there the same race runs serialised.
 */
describe('an order change racing a shipment of the same line', () => {
  let t: TestApp;
  let client: ReturnType<typeof httpClient>;
  before(async () => {
    t = await inventoryApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = httpClient(t);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  test('given a change removing a line and a shipment of it at once, then one wins, the other is 409 with a clear code, and stock holds', async (ctx) => {
    const n = onPostgres ? 24 : 4;
    await stockUp(t, 200);
    const orders: Array<{ order: any; draft: any }> = [];
    for (let i = 0; i < n; i++) {
      const order = await placeOrder(t, { externalId: `RACE-${i}` });
      const draft = await preview(t, order.id, [{ type: 'remove_line', lineId: lineOf(order, 'SKU-1') }]);
      orders.push({ order, draft });
    }
    const results = await Promise.all(
      orders.map(({ order, draft }) =>
        Promise.all([
          client.post(`/api/v1/orders/${order.id}/changes/${draft.id}/confirm`, {}),
          client.post(`/api/v1/inventory/orders/${order.id}/ship`, {
            lines: [{ orderLineId: lineOf(order, 'SKU-1'), quantity: 2 }],
          }),
        ]),
      ),
    );
    let changesWon = 0;
    for (const [index, [change, ship]] of results.entries()) {
      const { order } = orders[index]!;
      const statuses = [change.status, ship.status].sort();
      assert.deepEqual(statuses, [200, 409], JSON.stringify([change.body, ship.body]));
      const current = await must(t, 'GET', `/api/v1/orders/${order.id}`);
      const sku1 = current.lines.find((l: any) => l.sku === 'SKU-1');
      if (change.status === 200) {
        changesWon++;
        assert.equal(ship.body.code, 'NOT_RESERVED');
        assert.equal(sku1.quantity, 0);
        assert.deepEqual(await reservedBySku(t, order.id), { 'SKU-2': 1, 'SKU-3': 5 });
      } else {
        assert.equal(change.body.code, 'ORDER_CHANGE_LINE_SHIPPED');
        assert.match(change.body.errors[0].message, /shipped/);
        assert.equal(change.body.errors[0].path, '/actions/0/lineId');
        assert.equal(sku1.quantity, 2);
        assert.equal(current.grandTotal, order.grandTotal, 'a refused change changes nothing');
      }
    }
    ctx.diagnostic(`the change won ${changesWon} of ${n} races`);
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
    const a = await must(t, 'GET', '/api/v1/inventory/availability/SKU-1');
    // every order either shipped its 2 units of SKU-1 or gave them back
    assert.deepEqual([a.onHand, a.reserved], [200 - 2 * (n - changesWon), 0]);
  });
});
