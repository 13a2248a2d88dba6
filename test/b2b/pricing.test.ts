import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, setRules } from '../process/process-support.js';

/**
 * Prices and minimum order rules (issue 17, docs/pricing.md): versioned price lists with quantity
 * breaks, floors and validity; unpriced orders priced at intake from the applicable list (with the
 * list and rule on the line); priced orders checked against the floor and, within the channel's
 * tolerance, the list price, a deviation being a fact the process branches on; minimum order
 * amount per company or channel, minimum batch and multiples per SKU.
 */
describe('price lists and minimum order rules', () => {
  let t: TestApp;
  const ok = async (method: string, url: string, body?: unknown, status = 200, headers?: Record<string, string>) => {
    const r = await t.call(method, url, body, headers);
    assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const orderCount = async () =>
    (await t.store.selectFrom('orders').select(t.store.conn.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await ok(
      'POST',
      '/api/v1/channels',
      { code: 'portal', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN' },
      201,
    );
    await ok(
      'POST',
      '/api/v1/channels',
      {
        code: 'edi',
        name: 'EDI',
        kind: 'edi',
        currency: 'PLN',
        settings: { priceTolerancePct: '2' },
      },
      201,
    );
    await ok('PATCH', '/api/v1/products/SKU-3', { minOrderQuantity: 12, orderMultiple: 6 });
    const company = await ok(
      'POST',
      '/api/v1/companies',
      {
        code: 'ACME',
        name: 'Hurtownia Żółw — Оптовик',
        segment: 'wholesale',
        terms: { priceList: 'KONTRAKT-ACME', minOrderAmount: '1000.00', currency: 'PLN' },
      },
      201,
    );
    await ok(
      'POST',
      '/api/v1/customers',
      { code: 'B-1', name: 'Анна Кузнецова', companyId: company.id, segment: 'wholesale' },
      201,
    );
    await ok('POST', '/api/v1/companies', { code: 'SMALL', name: 'Mała firma', segment: 'wholesale' }, 201);
    await ok(
      'POST',
      '/api/v1/customers',
      { code: 'B-2', name: 'Łucja Żak', companyId: (await ok('GET', '/api/v1/companies/SMALL')).id },
      201,
    );

    await ok(
      'POST',
      '/api/v1/price-lists',
      {
        code: 'BASE-PLN',
        name: 'Cennik podstawowy',
        currency: 'PLN',
        pricesIncludeTax: true,
        scope: 'base',
        entries: [
          { sku: 'SKU-1', unitPrice: '24.60', taxRate: '23' },
          { sku: 'SKU-2', unitPrice: '184.50', floorPrice: '150.00', taxRate: '23' },
          { sku: 'SKU-3', unitPrice: '4.32', taxRate: '8' },
        ],
      },
      201,
    );
    await ok(
      'POST',
      '/api/v1/price-lists',
      {
        code: 'HURT',
        name: 'Hurt — опт',
        currency: 'PLN',
        scope: 'customer_group',
        scopeRef: 'wholesale',
        entries: [
          { sku: 'SKU-1', unitPrice: '18.00' },
          { sku: 'SKU-1', minQuantity: 100, unitPrice: '16.50' },
          { sku: 'SKU-3', unitPrice: '3.00' },
          { sku: 'SKU-3', minQuantity: 120, unitPrice: '2.70' },
        ],
      },
      201,
    );
    await ok(
      'POST',
      '/api/v1/price-lists',
      {
        code: 'KONTRAKT-ACME',
        name: 'Umowa ACME 2026',
        currency: 'PLN',
        scope: 'company',
        scopeRef: 'ACME',
        validFrom: '2026-01-01T00:00:00+01:00',
        entries: [{ sku: 'SKU-1', minQuantity: 50, unitPrice: '15.00', floorPrice: '14.00' }],
      },
      201,
    );
    await ok(
      'POST',
      '/api/v1/price-lists',
      {
        code: 'PROMO-OLD',
        name: 'Promocja zakończona',
        currency: 'PLN',
        scope: 'base',
        priority: 100,
        validTo: '2020-01-01T00:00:00Z',
        entries: [{ sku: 'SKU-1', unitPrice: '1.00' }],
      },
      201,
    );
  });
  after(() => t.close());

  const b2bOrder = (customer: string, lines: unknown[], over: Record<string, unknown> = {}) => ({
    channel: 'portal',
    customer: { code: customer },
    currency: 'PLN',
    lines,
    shippingAddress: address,
    delivery: { method: 'ship' },
    paymentTerms: { kind: 'deferred', dueDays: 30 },
    ...over,
  });

  test('an order without prices is priced from the applicable list: the contract for its break, the group list below it, and the line says which list and rule', async () => {
    const o = await ok(
      'POST',
      '/api/v1/orders',
      b2bOrder('B-1', [
        { sku: 'SKU-1', quantity: 60, taxRate: '23' },
        { sku: 'SKU-1', quantity: 10, taxRate: '23' },
        { sku: 'SKU-3', quantity: 120, taxRate: '8' },
      ]),
      201,
    );
    assert.deepEqual(
      o.lines.map((l: any) => l.unitPrice),
      ['15.00', '18.00', '2.70'],
    );
    assert.equal(o.lines[0].attributes.pricing.list, 'KONTRAKT-ACME');
    assert.match(o.lines[0].attributes.pricing.rule, /contract list KONTRAKT-ACME v1, from 50/);
    assert.match(o.lines[1].attributes.pricing.rule, /customer group list HURT v1/);
    assert.match(o.lines[2].attributes.pricing.rule, /HURT v1, from 120/);
    assert.equal(o.attributes.pricing.linesFromLists, 3);
  });

  test('a tax-inclusive base list prices a net order net of its tax (24.60 gross at 23 % → 20.00 net); an expired list is never used', async () => {
    const o = await ok(
      'POST',
      '/api/v1/orders',
      {
        channel: 'web',
        customer: { code: 'C-1' },
        currency: 'PLN',
        lines: [{ sku: 'SKU-1', quantity: 1, taxRate: '23' }],
        shippingAddress: address,
        delivery: { method: 'ship' },
      },
      201,
    );
    assert.equal(o.lines[0].unitPrice, '20.00');
    assert.equal(o.lines[0].attributes.pricing.list, 'BASE-PLN');
    const gross = await ok(
      'POST',
      '/api/v1/orders',
      {
        channel: 'web',
        currency: 'PLN',
        customer: { name: 'Gość' },
        pricesIncludeTax: true,
        lines: [{ sku: 'SKU-1', quantity: 1 }],
        shippingAddress: address,
        delivery: { method: 'ship' },
      },
      201,
    );
    assert.equal(gross.lines[0].unitPrice, '24.60');
    assert.equal(gross.lines[0].taxRate, '23', 'the list’s rate is the line’s when it brings none');
  });

  test('a line no list prices is refused with the line named, and nothing is stored', async () => {
    await ok('POST', '/api/v1/products', { sku: 'NOWY-1', name: 'Nowość bez ceny' }, 201);
    const before = await orderCount();
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      b2bOrder('B-1', [
        { sku: 'SKU-1', quantity: 60, taxRate: '23' },
        { sku: 'NOWY-1', quantity: 100, taxRate: '23' },
      ]),
    );
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'NO_PRICE');
    assert.deepEqual(
      r.body.errors.map((e: any) => e.path),
      ['/lines/1/unitPrice'],
    );
    assert.equal(await orderCount(), before);
  });

  test('a price below the floor is refused naming the floor and the list', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      b2bOrder('B-1', [{ sku: 'SKU-1', quantity: 60, unitPrice: '13.99', taxRate: '23' }]),
    );
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PRICE_BELOW_FLOOR');
    assert.equal(r.body.errors[0].path, '/lines/0/unitPrice');
    assert.match(r.body.errors[0].message, /floor price 14\.00 .*KONTRAKT-ACME/);
  });

  test('a channel price outside the channel tolerance is a deviation the process branches on; one inside it is not', async () => {
    await publish(
      t,
      `key: price-check
title: Price check
start: checking
states:
  checking:
    always:
      - { to: price_review, when: "pricing.deviations > 0" }
      - { to: confirmed }
  price_review:
    on:
      approve: confirmed
  confirmed:
    terminal: true
`,
    );
    await setRules(t, [{ process: 'price-check', channel: ['edi'] }]);
    const off = await ok(
      'POST',
      '/api/v1/orders',
      b2bOrder(
        'B-1',
        [
          { sku: 'SKU-1', quantity: 60, unitPrice: '15.50', taxRate: '23' },
          { sku: 'SKU-3', quantity: 120, unitPrice: '2.72', taxRate: '8' },
        ],
        { channel: 'edi' },
      ),
      201,
    );
    assert.equal(off.state, 'price_review');
    assert.equal(off.attributes.pricing.deviations, 1);
    assert.equal(off.lines[0].attributes.pricing.outsideTolerance, true);
    assert.equal(off.lines[0].attributes.pricing.deviationPct, '3.33');
    assert.equal(off.lines[1].attributes.pricing.outsideTolerance, undefined);
    const within = await ok(
      'POST',
      '/api/v1/orders',
      b2bOrder('B-1', [{ sku: 'SKU-1', quantity: 70, unitPrice: '15.20', taxRate: '23' }], { channel: 'edi' }),
      201,
    );
    assert.equal(within.state, 'confirmed');
    await setRules(t, []);
  });

  test('minimum order rules: the company minimum amount, the minimum batch and the multiple are each named; a shop order is not held to batches', async () => {
    const before = await orderCount();
    const small = await t.call(
      'POST',
      '/api/v1/orders',
      b2bOrder('B-1', [{ sku: 'SKU-3', quantity: 10, unitPrice: '1.23', taxRate: '8' }]),
    );
    assert.equal(small.status, 422, JSON.stringify(small.body));
    assert.equal(small.body.code, 'MIN_ORDER_NOT_MET');
    const codes = small.body.errors.map((e: any) => e.code).sort();
    assert.deepEqual(codes, ['BELOW_MIN_ORDER_AMOUNT', 'BELOW_MIN_QUANTITY', 'NOT_A_MULTIPLE']);
    const amount = small.body.errors.find((e: any) => e.code === 'BELOW_MIN_ORDER_AMOUNT');
    assert.match(amount.message, /12\.30 PLN, below the minimum order of 1000\.00 PLN \(the company's minimum order\)/);
    assert.equal(await orderCount(), before);
    // another company without a minimum: only the SKU rules apply, 18 is a multiple of 6 from 12
    await ok('POST', '/api/v1/orders', b2bOrder('B-2', [{ sku: 'SKU-3', quantity: 18, taxRate: '8' }]), 201);
    // a web shop order of 5 is taken as the buyer placed it
    await ok(
      'POST',
      '/api/v1/orders',
      {
        channel: 'web',
        customer: { code: 'C-1' },
        currency: 'PLN',
        lines: [{ sku: 'SKU-3', quantity: 5, taxRate: '8' }],
        shippingAddress: address,
        delivery: { method: 'ship' },
      },
      201,
    );
  });

  test('a change is held to the same rules: below the minimum amount or the floor it is refused, naming the rule', async () => {
    const o = await ok('POST', '/api/v1/orders', b2bOrder('B-1', [{ sku: 'SKU-1', quantity: 80, taxRate: '23' }]), 201);
    assert.equal(o.totals.subtotal, '1200.00');
    const lineId = o.lines[0].id;
    const fewer = await t.call('POST', `/api/v1/orders/${o.id}/changes`, {
      actions: [{ type: 'change_quantity', lineId, quantity: 60 }],
    });
    assert.equal(fewer.status, 422, JSON.stringify(fewer.body));
    assert.equal(fewer.body.code, 'MIN_ORDER_NOT_MET');
    assert.match(fewer.body.errors[0].message, /900\.00 PLN, below the minimum order of 1000\.00 PLN/);
    const cheaper = await t.call('POST', `/api/v1/orders/${o.id}/changes`, {
      actions: [{ type: 'change_price', lineId, unitPrice: '13.00' }],
    });
    assert.equal(cheaper.status, 422, JSON.stringify(cheaper.body));
    assert.equal(cheaper.body.code, 'PRICE_BELOW_FLOOR');
    const fine = await t.call('POST', `/api/v1/orders/${o.id}/changes`, {
      actions: [{ type: 'change_quantity', lineId, quantity: 70 }],
    });
    assert.equal(fine.status, 201, JSON.stringify(fine.body));
  });

  test('changes are versioned with who and why; entries merge or replace; If-Match guards; bad entries are named and change nothing', async () => {
    const list = await ok('GET', '/api/v1/price-lists/HURT');
    assert.equal(list.version, 1);
    const merged = await ok(
      'PUT',
      '/api/v1/price-lists/HURT/entries',
      {
        mode: 'merge',
        entries: [{ sku: 'SKU-1', unitPrice: '17.50' }],
        reason: 'obniżka dla hurtu',
      },
      200,
      { 'if-match': '"1"' },
    );
    assert.equal(merged.version, 2);
    assert.deepEqual(
      merged.entries.filter((e: any) => e.sku === 'SKU-1').map((e: any) => [e.minQuantity, e.unitPrice]),
      [
        [1, '17.50'],
        [100, '16.50'],
      ],
    );
    const stale = await t.call(
      'PUT',
      '/api/v1/price-lists/HURT/entries',
      { entries: [], reason: 'x' },
      { 'if-match': '"1"' },
    );
    assert.equal(stale.status, 412);
    const bad = await t.call('PUT', '/api/v1/price-lists/HURT/entries', {
      entries: [
        { sku: 'NIE-MA', unitPrice: '1.00' },
        { sku: 'SKU-2', unitPrice: '1.005' },
        { sku: 'SKU-2', unitPrice: '5.00', floorPrice: '6.00', minQuantity: 2 },
      ],
      reason: 'zły import',
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.deepEqual(bad.body.errors.map((e: any) => e.path).sort(), [
      '/entries/0/sku',
      '/entries/1/unitPrice',
      '/entries/2/floorPrice',
    ]);
    await ok('PATCH', '/api/v1/price-lists/HURT', { priority: 5, reason: 'pierwszeństwo' });
    const history = await ok('GET', '/api/v1/price-lists/HURT/history');
    assert.deepEqual(
      history.items.map((h: any) => [h.version, h.reason]),
      [
        [3, 'pierwszeństwo'],
        [2, 'obniżka dla hurtu'],
        [1, 'created'],
      ],
    );
    assert.deepEqual(history.items[1].changes.entries, [
      { sku: 'SKU-1', minQuantity: 1, price: { from: '18.00', to: '17.50' }, floor: { from: null, to: null } },
    ]);
    assert.equal(history.items[1].actor.type, 'api_key');
    assert.deepEqual(history.items[0].changes.priority, { from: 0, to: 5 });
    const replaced = await ok('PUT', '/api/v1/price-lists/HURT/entries', {
      mode: 'replace',
      entries: [{ sku: 'SKU-3', unitPrice: '3.10' }],
      reason: 'nowy cennik',
    });
    assert.deepEqual(
      replaced.entries.map((e: any) => e.sku),
      ['SKU-3'],
    );
    const dup = await t.call('POST', '/api/v1/price-lists', {
      code: 'HURT',
      name: 'x',
      currency: 'PLN',
      scope: 'base',
    });
    assert.equal(dup.status, 409);
    const noRef = await t.call('POST', '/api/v1/price-lists', {
      code: 'X',
      name: 'x',
      currency: 'PLN',
      scope: 'company',
    });
    assert.equal(noRef.status, 400);
    assert.equal(noRef.body.errors[0].path, '/scopeRef');
  });

  test('prices:resolve tells what intake would charge, list and rule per line', async () => {
    const r = await ok('POST', '/api/v1/prices:resolve', {
      channel: 'portal',
      customer: { code: 'B-1' },
      currency: 'PLN',
      lines: [
        { sku: 'SKU-1', quantity: 75 },
        { sku: 'NOWY-1', quantity: 1 },
      ],
    });
    assert.equal(r.lines[0].unitPrice, '15.00');
    assert.equal(r.lines[0].list, 'KONTRAKT-ACME');
    assert.equal(r.lines[1].unitPrice, null);
    assert.ok(r.lines[1].problem);
  });
});
