import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  orderState,
  paidOrder,
  pickAndPack,
  seedShop,
  seedSplitStock,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';
import { orderBody } from '../support.js';

/**
 * The inbox, the exceptions queue and the dashboard's operations report filtered by channel and
 * location as the dashboard, the KPI report and the orders list are: an order's location is where
 * its first fulfilment order was placed, so an order that waits before routing is in none.
 */
describe('the inbox, the exceptions queue and the operations report by channel and location', () => {
  let t: FulfilmentTestApp;
  /** web, short-picked at WAW-1 / Wildberries, short-picked at KRK-S / Wildberries, out of stock before routing. */
  const orders: Record<'webWaw' | 'wbKrk' | 'wbShort', { id: string }> = {} as never;

  /** A paid order of one split SKU (held at one location only), picked with nothing found: a stock exception there. */
  async function shortPicked(channel: string, sku: string, currency: string) {
    const o = await paidOrder(t, {
      channel,
      currency,
      lines: [{ sku, quantity: 1, unitPrice: '299.00', taxRate: '23' }],
    });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo, () => 0);
    assert.equal(await orderState(t, o.id), 'stock_exception', 'nothing picked, nowhere else to go');
    return { id: o.id as string, location: fo.location as string };
  }

  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
    await seedSplitStock(t);
    const webWaw = await shortPicked('web', 'W-ONLY', 'PLN');
    const wbKrk = await shortPicked('wildberries', 'K-ONLY', 'RUB');
    assert.deepEqual([webWaw.location, wbKrk.location], ['WAW-1', 'KRK-S']);
    const short = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        channel: 'wildberries',
        currency: 'RUB',
        externalId: 'WB-SHORT',
        paymentTerms: { kind: 'deferred', dueDays: 14 },
        lines: [{ sku: 'SKU-2', quantity: 500, unitPrice: '1490.00', taxRate: '20' }],
      }),
      201,
    );
    assert.equal(short.state, 'stock_exception');
    Object.assign(orders, { webWaw, wbKrk, wbShort: short });
  });
  after(() => t?.close());

  const exceptionIds = async (query: string) => {
    const body = await ok(t, 'GET', `/api/v1/exceptions${query}`);
    return body.groups
      .flatMap((g: { orders: { orderId: string }[] }) => g.orders.map((o) => o.orderId))
      .sort() as string[];
  };
  const taskOrderIds = async (query: string) =>
    [...new Set((await ok(t, 'GET', `/api/v1/tasks${query}`)).items.map((x: { orderId: string }) => x.orderId))].sort();
  const ids = (...keys: (keyof typeof orders)[]) => keys.map((k) => orders[k].id).sort();

  test('the exceptions queue: one channel, one location, both, or an unknown code (nothing)', async () => {
    assert.deepEqual(await exceptionIds(''), ids('webWaw', 'wbKrk', 'wbShort'));
    assert.deepEqual(await exceptionIds('?channel=web'), ids('webWaw'));
    assert.deepEqual(await exceptionIds('?channel=wildberries'), ids('wbKrk', 'wbShort'));
    assert.deepEqual(await exceptionIds('?location=WAW-1'), ids('webWaw'));
    assert.deepEqual(await exceptionIds('?location=KRK-S'), ids('wbKrk'));
    assert.deepEqual(await exceptionIds('?channel=wildberries&location=KRK-S'), ids('wbKrk'));
    assert.deepEqual(await exceptionIds('?channel=web&location=KRK-S'), []);
    assert.deepEqual(await exceptionIds('?channel=allegro'), []);
  });

  test('the inbox: the tasks of the same orders', async () => {
    assert.deepEqual(await taskOrderIds('?channel=wildberries'), ids('wbKrk', 'wbShort'));
    assert.deepEqual(await taskOrderIds('?location=WAW-1'), ids('webWaw'));
    assert.deepEqual(await taskOrderIds('?channel=web&location=WAW-1&role=order_desk'), ids('webWaw'));
    assert.deepEqual(await taskOrderIds('?channel=web&location=WAW-1&role=finance'), []);
  });

  test("the operations report counts only the channel's or location's tasks and exceptions", async () => {
    const report = (query: string) => ok(t, 'GET', `/api/v1/reports/operations${query}`);
    const all = await report('');
    assert.deepEqual(all.exceptionsByKind, [{ kind: 'stock_shortage', count: 3 }]);
    assert.equal(all.tasks.open, 3);
    const wb = await report('?channel=wildberries');
    assert.deepEqual(wb.exceptionsByKind, [{ kind: 'stock_shortage', count: 2 }]);
    assert.equal(wb.tasks.open, 2);
    const waw = await report('?location=WAW-1');
    assert.deepEqual(waw.exceptionsByKind, [{ kind: 'stock_shortage', count: 1 }]);
    assert.equal(waw.tasks.open, 1);
    const none = await report('?channel=web&location=KRK-S');
    assert.deepEqual(none.exceptionsByKind, []);
    assert.deepEqual(none.tasks, { open: 0, overdue: 0 });
    assert.equal(none.cycleTime.orders, 0);
  });

  test('a malformed code is a 400 naming the parameter, as on the orders list', async () => {
    for (const url of [
      '/api/v1/exceptions?channel=z%C5%82y%20kana%C5%82',
      '/api/v1/tasks?location=',
      '/api/v1/reports/operations?location=%3Cscript%3E',
      `/api/v1/exceptions?channel=${'9'.repeat(5_000)}`,
    ]) {
      const r = await t.call('GET', url);
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(r.body.errors), /"querystring:(channel|location)"/, JSON.stringify(r.body.errors));
    }
    // hostile text: refused before any query, naming the parameter
    for (const [url, field] of [
      ['/api/v1/exceptions?location=WAW%00-1', 'location'],
      ['/api/v1/tasks?channel=%ED%A0%80', 'channel'],
      ['/api/v1/reports/operations?parts=tasks%00', 'parts'],
    ]) {
      const r = await t.call('GET', url!);
      assert.equal(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.ok(
        r.body.errors.some((e: { path: string }) => e.path.endsWith(`:${field}`)),
        JSON.stringify(r.body.errors),
      );
    }
  });
});
