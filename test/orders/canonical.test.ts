import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, orderBody, type TestApp } from '../support.js';
import { inventoryApp, must, receive } from '../inventory/helpers.js';
import { loadOrderFacts } from '../../src/app/process/load-facts.js';

/** Issue 16, item 4: the canonical order carries everything the channels send. */
describe('the canonical order', () => {
  let t: TestApp;
  const orderCount = async () =>
    Number(
      (
        await t.store
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** The request is refused with 400 naming `path`, and no order is written. */
  const refused = async (body: unknown, path: string, code = 'VALIDATION_FAILED') => {
    const before = await orderCount();
    const r = await t.call('POST', '/api/v1/orders', body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.code, code, JSON.stringify(r.body));
    assert.ok(
      r.body.errors.some((e: { path: string }) => e.path === path),
      `expected an error at ${path}: ${JSON.stringify(r.body.errors)}`,
    );
    assert.equal(await orderCount(), before, 'nothing written');
    return r.body;
  };

  before(async () => {
    t = await inventoryApp();
    for (const [sku, name] of [
      ['УТ-0001365', 'Сборка шкафа'],
      ['ŻÓŁW 1/A#2+', 'Żółw pluszowy'],
      ['MONTAŻ', 'Montaż mebli'],
    ])
      await must(t, 'POST', '/api/v1/products', { sku, name }, 201);
  });
  after(() => t.close());

  test('given Unicode SKUs, products and order lines accept them; control characters are refused with the field', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        lines: [
          { sku: 'УТ-0001365', quantity: 1, unitPrice: '100.00', taxRate: '20' },
          { sku: 'ŻÓŁW 1/A#2+', quantity: 2, unitPrice: '5.00' },
        ],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.lines.map((l: { sku: string; name: string }) => [l.sku, l.name]),
      [
        ['УТ-0001365', 'Сборка шкафа'],
        ['ŻÓŁW 1/A#2+', 'Żółw pluszowy'],
      ],
    );
    const bad = await t.call('POST', '/api/v1/products', { sku: 'УТ-\u0007', name: 'x' });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.errors.some((e: { path: string }) => e.path === '/sku'));
    for (const sku of ['УТ\u0001-1', ' LEADING', 'TRAILING ', 'a'.repeat(101), 'A\nB'])
      await refused(orderBody({ lines: [{ sku, quantity: 1, unitPrice: '1.00' }] }), '/lines/0/sku');
  });

  test('given no customer, or a masked buyer with the channel buyer id, the order is valid and the name is null', async () => {
    const none = await t.call('POST', '/api/v1/orders', orderBody({ customer: undefined, externalId: 'NO-BUYER-1' }));
    assert.equal(none.status, 201, JSON.stringify(none.body));
    assert.deepEqual(none.body.customer, { id: null, name: null, email: null, externalId: null, masked: false });
    const masked = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ customer: { masked: true, externalId: 'WB-BUYER-987' }, externalId: 'MASKED-1' }),
    );
    assert.equal(masked.status, 201, JSON.stringify(masked.body));
    assert.deepEqual(masked.body.customer, {
      id: null,
      name: null,
      email: null,
      externalId: 'WB-BUYER-987',
      masked: true,
    });
    const got = await must(t, 'GET', `/api/v1/orders/${masked.body.id}`);
    assert.equal(got.customer.masked, true);
    const found = await must(t, 'GET', '/api/v1/orders?q=wb-buyer-987');
    assert.deepEqual(
      found.items.map((o: { id: string }) => o.id),
      [masked.body.id],
    );
    await refused(orderBody({ customer: {} }), '/customer');
  });

  test('given an order discount, it is spread over the lines by largest remainder, exactly, and tax is on the net after it', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        discounts: [
          { target: 'order', amount: '10.00', code: 'ZIMA10', title: 'Zimowa promocja' },
          { target: 'order', amount: '0.03' },
        ],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = r.body;
    // nets after their own discounts: 39.98, 139.00, 17.50 (196.48). 10.00 × net / 196.48 =
    // 2.0348…, 7.0745…, 0.8906…: floors 2.03 + 7.07 + 0.89 = 9.99, the grosz left goes to the
    // largest remainder (line 1) → 2.04, 7.07, 0.89. Then 0.03 over what is left (37.94, 131.93,
    // 16.61): 0.0061…, 0.0212…, 0.0026… → floors 0, 2, 0 and the grosz left to line 1 (.61).
    assert.deepEqual(
      o.lines.map((l: { allocatedDiscount: string }) => l.allocatedDiscount),
      ['2.05', '7.09', '0.89'],
    );
    assert.deepEqual(o.lines[0].discountAllocations, [
      { index: 0, code: 'ZIMA10', amount: '2.04' },
      { index: 1, code: null, amount: '0.01' },
    ]);
    assert.deepEqual(o.lines[1].discountAllocations, [
      { index: 0, code: 'ZIMA10', amount: '7.07' },
      { index: 1, code: null, amount: '0.02' },
    ]);
    // discount is the line's own plus its share; net and tax after it
    assert.equal(o.lines[1].discount, '17.09');
    assert.equal(o.lines[1].net, '131.91');
    assert.equal(o.lines[1].tax, '30.34'); // 131.91 × 23% = 30.3393
    const sum = o.lines.reduce(
      (a: number, l: { allocatedDiscount: string }) => a + Math.round(Number(l.allocatedDiscount) * 100),
      0,
    );
    assert.equal(sum, 1003, 'the allocations add up to the discounts to the grosz');
    assert.equal(o.totals.discountTotal, '20.03');
    assert.equal(o.totals.subtotal, '206.48');
    // lines' totals + shipping 14.99 + 3.45 tax
    const lineTotals = o.lines.reduce((a: number, l: { total: string }) => a + Math.round(Number(l.total) * 100), 0);
    assert.equal(Math.round(Number(o.totals.grandTotal) * 100), lineTotals + 1499 + 345);
    assert.deepEqual(o.discounts[0], {
      index: 0,
      target: 'order',
      amount: '10.00',
      code: 'ZIMA10',
      title: 'Zimowa promocja',
    });
    const got = await must(t, 'GET', `/api/v1/orders/${o.id}`);
    assert.deepEqual(got.lines, o.lines);
    assert.deepEqual(got.totals, o.totals);

    await refused(orderBody({ discounts: [{ target: 'order', amount: '196.49' }] }), '/discounts/0/amount');
    await refused(
      orderBody({
        discounts: [
          { target: 'order', amount: '100.00' },
          { target: 'order', amount: '96.49' },
        ],
      }),
      '/discounts/1/amount',
    );
    await refused(orderBody({ discounts: [{ target: 'shipping', amount: '15.00' }] }), '/discounts/0/amount');
    await refused(orderBody({ discounts: [{ target: 'order', amount: '1.001' }] }), '/discounts/0/amount');
  });

  test('given several shipping lines and a shipping discount, each is stored and shown and shippingTotal is their sum after discounts', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        shipping: undefined,
        shippingLines: [
          { code: 'inpost_locker', title: 'Paczkomat InPost', carrier: 'inpost', amount: '12.99', taxRate: '23' },
          { code: 'insurance', title: 'Ubezpieczenie', amount: '3.00', discount: '1.00', taxRate: '23' },
        ],
        discounts: [{ target: 'shipping', amount: '5.00', code: 'FREESHIP' }],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = r.body;
    // nets after own discounts 12.99 and 2.00: 5.00 × 12.99/14.99 = 4.3328… → 4.33; × 2/14.99 = 0.6671… → 0.66 +0.01
    assert.deepEqual(
      o.shippingLines.map((l: Record<string, unknown>) => [
        l.code,
        l.amount,
        l.discount,
        l.allocatedDiscount,
        l.net,
        l.tax,
      ]),
      [
        ['inpost_locker', '12.99', '4.33', '4.33', '8.66', '1.99'],
        ['insurance', '3.00', '1.67', '0.67', '1.33', '0.31'],
      ],
    );
    assert.deepEqual(o.shippingLines[0].discountAllocations, [{ index: 0, code: 'FREESHIP', amount: '4.33' }]);
    assert.equal(o.totals.shippingTotal, '9.99');
    assert.equal(o.totals.discountTotal, '10.00', 'line discounts only: shipping discounts are out of shippingTotal');
    assert.equal(o.attributes.shippingTaxRate, '23');
    const got = await must(t, 'GET', `/api/v1/orders/${o.id}`);
    assert.deepEqual(got.shippingLines, o.shippingLines);

    // the shorthand is one shipping line
    const single = await must(t, 'POST', '/api/v1/orders', orderBody(), 201);
    assert.equal(single.shippingLines.length, 1);
    assert.equal(single.shippingLines[0].amount, '14.99');
    assert.equal(single.totals.shippingTotal, '14.99');

    await refused(orderBody({ shippingLines: [{ amount: '1.00' }] }), '/shippingLines');
    await refused(
      orderBody({ shipping: undefined, shippingLines: [{ amount: '1.00', discount: '2.00' }] }),
      '/shippingLines/0/discount',
    );
  });

  test('given a third-party pickup point, it is stored and shown; pickup_point without the point is refused', async () => {
    const point = {
      provider: 'inpost',
      id: 'KRA010',
      name: 'Paczkomat KRA010',
      address: { line1: 'ul. Wielicka 259', city: 'Kraków', postalCode: '30-663', country: 'PL' },
    };
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        shippingAddress: undefined,
        delivery: { method: 'pickup_point', pickupPoint: point, carrier: 'inpost' },
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.delivery.method, 'pickup_point');
    assert.deepEqual(r.body.delivery.pickupPoint, point);
    assert.equal(r.body.delivery.pickupLocationId, null);
    const got = await must(t, 'GET', `/api/v1/orders/${r.body.id}`);
    assert.deepEqual(got.delivery.pickupPoint, point);
    await refused(orderBody({ delivery: { method: 'pickup_point' } }), '/delivery/pickupPoint');
    await refused(
      orderBody({ delivery: { method: 'pickup_point', pickupPoint: { provider: 'ozon' } } }),
      '/delivery/pickupPoint/id',
    );
  });

  test('given payments, they are stored and shown; payments above the grand total are refused naming the payment', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        payments: [
          { method: 'gift_card', amount: '50.00', status: 'paid', reference: 'GC-ŁÓDŹ-1' },
          { method: 'card', amount: '207.49', status: 'authorized', provider: 'PAYU', reference: 'T-1' },
        ],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.payments, [
      { method: 'gift_card', amount: '50.00', status: 'paid', provider: null, reference: 'GC-ŁÓDŹ-1' },
      { method: 'card', amount: '207.49', status: 'authorized', provider: 'PAYU', reference: 'T-1' },
    ]);
    // the paid gift card is in the money ledger (the authorised card stays with the channel)
    const ledger = await must(t, 'GET', `/api/v1/orders/${r.body.id}/payments`);
    assert.equal(ledger.summary.status, 'partially_paid');
    assert.equal(ledger.summary.paid, '50.00');
    assert.deepEqual(
      ledger.payments.map((p: { method: string; status: string; amount: string }) => [p.method, p.status, p.amount]),
      [['gift_card', 'captured', '50.00']],
    );
    const history = await must(t, 'GET', `/api/v1/orders/${r.body.id}/history`);
    assert.ok(history.items.some((h: { action: string }) => h.action === 'payment.captured'));
    const paid = await must(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        customer: undefined,
        payments: [
          { method: 'marketplace', amount: '200.00', status: 'paid', provider: 'Allegro Finance' },
          { method: 'gift_card', amount: '57.49', status: 'paid' },
        ],
      }),
      201,
    );
    const paidLedger = await must(t, 'GET', `/api/v1/orders/${paid.id}/payments`);
    assert.equal(paidLedger.summary.status, 'paid');
    assert.equal(paidLedger.summary.outstanding, '0.00');
    // grand total 257.49
    await refused(
      orderBody({
        payments: [
          { method: 'gift_card', amount: '50.00', status: 'paid' },
          { method: 'card', amount: '207.50', status: 'paid' },
        ],
      }),
      '/payments/1/amount',
    );
    await refused(
      orderBody({ payments: [{ method: 'cheque', amount: '1.00', status: 'paid' }] }),
      '/payments/0/method',
    );
  });

  test('given marketplace fields and a display number, they are stored, shown, searchable and facts for processes', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        channel: 'wildberries',
        currency: 'RUB',
        externalId: '4431298800',
        displayNumber: '#1001',
        marketplace: {
          fulfilmentModel: 'FBS',
          shipBy: '2026-12-04T12:00:00+03:00',
          deliverBy: '2026-12-08T21:00:00Z',
          commission: '25.70',
          marketplaceId: 'wb-ru',
        },
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.displayNumber, '#1001');
    assert.deepEqual(r.body.marketplace, {
      fulfilmentModel: 'FBS',
      shipBy: '2026-12-04T09:00:00.000Z',
      deliverBy: '2026-12-08T21:00:00.000Z',
      commission: '25.70',
      marketplaceId: 'wb-ru',
    });
    const list = await must(t, 'GET', `/api/v1/orders?q=${encodeURIComponent('#1001')}`);
    assert.deepEqual(
      list.items.map((o: { id: string; displayNumber: string }) => [o.id, o.displayNumber]),
      [[r.body.id, '#1001']],
    );
    const facts = (await loadOrderFacts(t.store, r.body.id)) as { order: Record<string, unknown> };
    assert.equal(facts.order.fulfilmentModel, 'FBS');
    assert.equal(facts.order.displayNumber, '#1001');
    assert.equal(new Date(facts.order.shipBy as string).toISOString(), '2026-12-04T09:00:00.000Z');
    assert.equal(new Date(facts.order.deliverBy as string).toISOString(), '2026-12-08T21:00:00.000Z');
    await refused(orderBody({ marketplace: { fulfilmentModel: 'XYZ' } }), '/marketplace/fulfilmentModel');
    await refused(orderBody({ marketplace: { commission: '1.234' } }), '/marketplace/commission');
  });

  test('given a service line, it is priced and taxed but holds no stock: nothing reserved for it and no shortage', async () => {
    await receive(t, 'SKU-1', 'WAW-1', 10);
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        customer: undefined,
        lines: [
          { sku: 'SKU-1', quantity: 2, unitPrice: '19.99', taxRate: '23' },
          {
            kind: 'service',
            sku: 'MONTAŻ',
            name: 'Montaż i wniesienie',
            quantity: 1,
            unitPrice: '80.00',
            taxRate: '23',
          },
        ],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = r.body;
    assert.deepEqual(
      o.lines.map((l: { kind: string }) => l.kind),
      ['product', 'service'],
    );
    assert.equal(o.lines[1].tax, '18.40');
    assert.deepEqual(
      o.reservation.lines.map((l: { lineId: string }) => l.lineId),
      [o.lines[0].id],
      'only the product line is reserved',
    );
    const held = await t.store
      .selectFrom('stock_reservations')
      .select(['order_line_id', 'quantity'])
      .where('order_id', '=', o.id)
      .execute();
    assert.deepEqual(held, [{ order_line_id: o.lines[0].id, quantity: 2 }]);
    const facts = (await loadOrderFacts(t.store, o.id)) as { stock: Record<string, unknown> };
    assert.equal(facts.stock.outcome, 'reserved');
    assert.equal(facts.stock.shortLines, 0);
    await refused(
      orderBody({ lines: [{ kind: 'gift', sku: 'SKU-1', quantity: 1, unitPrice: '1.00' }] }),
      '/lines/0/kind',
    );
  });

  test('every existing request shape stays valid (shorthand shipping, our own pickup location)', async () => {
    const pickup = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        shipping: undefined,
        shippingAddress: undefined,
        delivery: { method: 'pickup', pickupLocation: 'KRK-S' },
      }),
    );
    assert.equal(pickup.status, 201, JSON.stringify(pickup.body));
    assert.equal(pickup.body.delivery.pickupPoint, null);
    assert.deepEqual(pickup.body.shippingLines, []);
    assert.deepEqual(pickup.body.payments, []);
    assert.equal(pickup.body.marketplace, null);
    assert.equal(pickup.body.displayNumber, null);
    await refused(orderBody({ delivery: { method: 'pickup', pickupLocation: 'KRA010' } }), '/delivery/pickupLocation');
    void address;
  });
});
