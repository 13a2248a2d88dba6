import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock, orderBody, seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { publish, send, setRules, shipped } from '../process/process-support.js';

/**
 * The revenue report (GET /reports/revenue) against orders in three channels and two months,
 * paid, part paid, refunded and cancelled, with invoices past their due date: every figure is
 * checked to the grosz against what was put in.
 *
 * The report tells overdue by the database's date, so the app's clock stands in February 2026:
 * an invoice issued then with dueDays 0 (or 30) is past due whenever the suite runs.
 */
describe('revenue report by channel and month', () => {
  let t: TestApp;
  const clock = fixedClock('2026-02-20T12:00:00Z');
  const ids: Record<string, string> = {};

  const call = async (method: string, url: string, body?: unknown, status = 200) => {
    const r = await t.call(method, url, body);
    assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const order = async (
    key: string,
    channel: string,
    placedAt: string,
    lines: unknown[],
    over: Record<string, unknown> = {},
  ) => {
    const o = await call(
      'POST',
      '/api/v1/orders',
      orderBody({
        channel,
        externalId: `REV-${key}`,
        placedAt,
        lines,
        shipping: undefined,
        ...over,
      }),
      201,
    );
    ids[key] = o.id;
    return o;
  };
  const pay = (key: string, amount: string) =>
    call('POST', `/api/v1/orders/${ids[key]}/payments`, { method: 'transfer', status: 'captured', amount }, 201);
  const refund = (key: string, amount: string) =>
    call('POST', `/api/v1/orders/${ids[key]}/refunds`, { amount, reason: 'Zwrot — reklamacja', paidOut: true });
  const invoice = (key: string, body: Record<string, unknown>) =>
    call('POST', `/api/v1/orders/${ids[key]}/invoices`, { kind: 'invoice', ...body }, 201);
  const report = async (query: string) => (await call('GET', `/api/v1/reports/revenue?${query}`)).rows;

  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    await call(
      'POST',
      '/api/v1/channels',
      { code: 'b2b', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN' },
      201,
    );
    await call(
      'POST',
      '/api/v1/channels',
      { code: 'shop', name: 'Sklep stacjonarny', kind: 'web', currency: 'PLN' },
      201,
    );
    await setUpSeller(t);
    // Only the `shop` channel runs a process (so one of its orders can be cancelled).
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['shop'] }]);

    // January, web: A 123.00 paid, 23.00 refunded; B 21.62, 10.00 paid, invoiced due at once.
    await order('A', 'web', '2026-01-15T10:00:00Z', [
      { sku: 'SKU-1', quantity: 1, unitPrice: '100.00', taxRate: '23' },
    ]);
    await pay('A', '123.00');
    await refund('A', '23.00');
    await order('B', 'web', '2026-01-20T08:00:00Z', [{ sku: 'SKU-2', quantity: 2, unitPrice: '10.01', taxRate: '8' }]);
    await pay('B', '10.00');
    const b = await invoice('B', { dueDays: 0 });
    assert.equal(b.dueDate, '2026-02-20');
    // 23:30 UTC on 31 January is 00:30 on 1 February in Warsaw.
    await order('J', 'web', '2026-01-31T23:30:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '1.00' }]);
    // January, b2b: C 122.99 unpaid, invoiced on 30 days' terms (past due by now); D 50.00 paid and invoiced.
    await order('C', 'b2b', '2026-01-05T09:00:00Z', [{ sku: 'SKU-1', quantity: 3, unitPrice: '33.33', taxRate: '23' }]);
    const c = await invoice('C', { dueDays: 30 });
    assert.equal(c.dueDate, '2026-03-22');
    await order('D', 'b2b', '2026-01-06T09:00:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '50.00' }]);
    await pay('D', '50.00');
    const d = await invoice('D', {});
    assert.equal(d.dueDate, null, 'a paid invoice has nothing due');
    // February, web: E 24.59 paid and refunded in full.
    await order('E', 'web', '2026-02-03T12:00:00Z', [{ sku: 'SKU-1', quantity: 1, unitPrice: '19.99', taxRate: '23' }]);
    await pay('E', '24.59');
    await refund('E', '24.59');
    // February, b2b: H 615.00, 300.00 paid, no invoice; I 10.00 with only a proforma, due at once.
    await order('H', 'b2b', '2026-02-10T12:00:00Z', [
      { sku: 'SKU-2', quantity: 2, unitPrice: '250.00', taxRate: '23' },
    ]);
    await pay('H', '300.00');
    await order('I', 'b2b', '2026-02-11T12:00:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '10.00' }]);
    await invoice('I', { kind: 'proforma', dueDays: 0 });
    // February, shop: G 50.00, cancelled when its payment failed: it owes nothing.
    const g = await order('G', 'shop', '2026-02-12T12:00:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '50.00' }]);
    assert.equal(g.state, 'awaiting_payment');
    assert.equal((await send(t, g.id, 'payment_failed')).state, 'cancelled');
    // Outside the range: placed at its end (exclusive), and a quote.
    await order('M', 'web', '2026-03-01T00:00:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '7.00' }]);
    await order('Q', 'web', '2026-02-14T12:00:00Z', [{ sku: 'SKU-3', quantity: 1, unitPrice: '9.00' }], {
      orderType: 'quote',
    });
  });
  after(() => t.close());

  const row = (
    period: string,
    channel: string,
    orders: number,
    ordered: string,
    paid: string,
    refunded: string,
    net: string,
    outstanding: string,
    overdue: string,
  ) => ({ period, channel, currency: 'PLN', orders, ordered, paid, refunded, net, outstanding, overdue });

  test('Given paid, refunded, part-paid, overdue and cancelled orders, then paid, refunded, net, outstanding and overdue per channel and month are exact', async () => {
    const rows = await report('from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&groupBy=month');
    assert.deepEqual(rows, [
      // C is past due (22 March 2026); D is paid.
      row('2026-01-01', 'b2b', 2, '172.99', '50.00', '0.00', '50.00', '122.99', '122.99'),
      // A: the 23.00 refunded is not owed again; B: 11.62 left of an invoice due on 20 February; J: 1.00.
      row('2026-01-01', 'web', 3, '145.62', '133.00', '23.00', '110.00', '12.62', '11.62'),
      // H: 315.00 left without an invoice; I: a proforma is no invoice, so not overdue.
      row('2026-02-01', 'b2b', 2, '625.00', '300.00', '0.00', '300.00', '325.00', '0.00'),
      // G was cancelled: ordered, but owes nothing.
      row('2026-02-01', 'shop', 1, '50.00', '0.00', '0.00', '0.00', '0.00', '0.00'),
      // E: paid and refunded in full: nothing is owed.
      row('2026-02-01', 'web', 1, '24.59', '24.59', '24.59', '0.00', '0.00', '0.00'),
    ]);
    // Outstanding is what each order's own payment summary says is left.
    const outstanding = async (keys: string[]) => {
      let sum = 0n;
      for (const key of keys) {
        const s = (await call('GET', `/api/v1/orders/${ids[key]}/payments`)).summary;
        sum += BigInt(s.outstanding.replace('.', ''));
      }
      return sum;
    };
    assert.equal(await outstanding(['A', 'B', 'J']), 1262n);
    assert.equal(await outstanding(['H', 'I']), 32500n);
    assert.equal(await outstanding(['E']), 0n);
  });

  test('Given the tenant’s zone, then an order placed late on 31 January UTC counts in February in Warsaw', async () => {
    const rows = await report(
      `from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&groupBy=month&timeZone=${encodeURIComponent('Europe/Warsaw')}`,
    );
    const web = rows.filter((r: any) => r.channel === 'web');
    assert.deepEqual(web, [
      row('2026-01-01', 'web', 2, '144.62', '133.00', '23.00', '110.00', '11.62', '11.62'),
      row('2026-02-01', 'web', 2, '25.59', '24.59', '24.59', '0.00', '1.00', '0.00'),
    ]);
  });

  test('Given a narrower range and days, then only the orders placed in it count, per day', async () => {
    const rows = await report('from=2026-01-15T00:00:00Z&to=2026-01-21T00:00:00Z&groupBy=day');
    assert.deepEqual(rows, [
      row('2026-01-15', 'web', 1, '123.00', '123.00', '23.00', '100.00', '0.00', '0.00'),
      row('2026-01-20', 'web', 1, '21.62', '10.00', '0.00', '10.00', '11.62', '11.62'),
    ]);
  });
});
