import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { locationIds, RATES_PLN, stock, stockSnapshot } from './helpers.js';

describe('dry-run plans and simulation', () => {
  let t: TestApp;
  let loc: Record<string, string>;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 50],
      ['SKU-2', 'WAW-1', 50],
      ['SKU-3', 'WAW-1', 50],
      ['SKU-1', 'KRK-S', 20],
      ['SKU-2', 'KRK-S', 20],
      ['SKU-3', 'KRK-S', 20],
    ]);
    loc = await locationIds(t);
  });
  after(() => t.close());

  test('given a draft order to Łódź, the plan ships from the nearest location (Warszawa) and reserves nothing', async () => {
    const before = await stockSnapshot(t);
    const body = orderBody({ externalId: 'DRAFT-1' });
    const r = await t.call('POST', '/api/v1/routing/plan', { order: body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.outcome, 'routed');
    assert.equal(r.body.reserved, false);
    assert.deepEqual(r.body.strategy, { key: 'nearest', version: 1 });
    assert.deepEqual(r.body.metrics.locations, ['WAW-1']);
    assert.equal(r.body.metrics.shipments, 1);
    assert.equal(r.body.metrics.unfilledUnits, 0);
    assert.deepEqual(
      r.body.allocations.map((a: any) => [a.sku, a.location, a.quantity]),
      [
        ['SKU-1', 'WAW-1', 2],
        ['SKU-2', 'WAW-1', 1],
        ['SKU-3', 'WAW-1', 5],
      ],
    );
    // Why Kraków lost, in the trace.
    const krk = r.body.trace.plan.alternatives.find((a: any) => a.locationId === loc['KRK-S']);
    assert.equal(krk.reason.code, 'WORSE_COST');
    assert.equal(r.body.trace.stepId, 'one-parcel');
    assert.match(r.body.trace.destination, /Łódź/);
    assert.match(r.body.trace.summary, /WAW-1×8/);
    assert.deepEqual(await stockSnapshot(t), before);
  });

  test('given a stored order, the plan counts its own reservations and still reserves, stores and emits nothing', async () => {
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'STORED-1' }));
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const before = await stockSnapshot(t);
    const r = await t.call('POST', '/api/v1/routing/plan', { orderId: o.body.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.orderId, o.body.id);
    assert.equal(r.body.outcome, 'routed');
    assert.equal(r.body.metrics.allocatedUnits, 8);
    // Excluding Warszawa, the plan moves to Kraków — still without touching stock.
    const ex = await t.call('POST', '/api/v1/routing/plan', { orderId: o.body.id, excludeLocationIds: [loc['WAW-1']] });
    assert.deepEqual(ex.body.metrics.locations, ['KRK-S']);
    assert.equal(
      ex.body.trace.plan.alternatives.find((a: any) => a.locationId === loc['WAW-1']).reason.code,
      'EXCLUDED',
    );
    assert.deepEqual(await stockSnapshot(t), before);
  });

  test("given an uploaded rate table, plans are priced from it; click-and-collect serves from the store's shelf", async () => {
    assert.equal(
      (await t.call('PUT', '/api/v1/routing/rate-tables/pl', { currency: 'PLN', csv: RATES_PLN })).status,
      200,
    );
    const r = await t.call('POST', '/api/v1/routing/plan', { order: orderBody() });
    assert.equal(r.body.metrics.cost, '16.99'); // 12.99 + 8 × 0.50 (Warszawa–Łódź is within 150 km)
    assert.deepEqual(r.body.trace.rates, ['pl v1']);
    const pickup = await t.call('POST', '/api/v1/routing/plan', {
      order: orderBody({ delivery: { method: 'pickup', pickupLocation: 'KRK-S' }, shippingAddress: undefined }),
    });
    assert.equal(pickup.status, 200, JSON.stringify(pickup.body));
    assert.deepEqual(pickup.body.metrics.locations, ['KRK-S']);
    assert.equal(pickup.body.trace.plan.shipments[0].kind, 'pickup_local');
  });

  test('given bad plan requests, the answers name the field at fault', async () => {
    const both = await t.call('POST', '/api/v1/routing/plan', {});
    assert.equal(both.status, 400);
    const sku = await t.call('POST', '/api/v1/routing/plan', {
      order: orderBody({ lines: [{ sku: 'NIE-MA', quantity: 1, unitPrice: '1.00' }] }),
    });
    assert.equal(sku.status, 422);
    assert.equal(sku.body.errors[0].path, '/order/lines/0/sku');
    const unknown = await t.call('POST', '/api/v1/routing/plan', { order: orderBody(), strategy: 'no-such' });
    assert.equal(unknown.status, 404);
    const inline = await t.call('POST', '/api/v1/routing/plan', {
      order: orderBody(),
      draftStrategy: { steps: [{ id: 'x', when: 'order.country = "PL"', fallback: 'backorder' }] },
    });
    assert.equal(inline.status, 422);
    assert.equal(inline.body.errors[0].path, '/steps/0/when');
  });

  test('given stored orders, simulate compares a draft strategy with the published one on cost, splits and distance', async () => {
    for (const [i, city] of [
      ['S1', 'Łódź'],
      ['S2', 'Kraków'],
      ['S3', 'Warszawa'],
    ] as const) {
      const r = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId: `SIM-${i}`, shippingAddress: { ...address, city } }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // Draft v2 of nearest: stores only (protects the warehouse for marketplaces).
    const d = await t.call('PUT', '/api/v1/routing/strategies/nearest/draft', {
      name: 'Sklepy najpierw',
      solver: 'heuristic',
      steps: [
        {
          id: 'stores',
          filters: { locationTypes: ['store'] },
          objective: { distance: 1 },
          constraints: { maxShipments: 1 },
          fallback: 'backorder',
        },
      ],
    });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.equal(d.body.version, 2);
    const before = await stockSnapshot(t);
    const r = await t.call('POST', '/api/v1/routing/simulate', { key: 'nearest', last: 3 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.strategy, { key: 'nearest', version: 2 });
    assert.deepEqual(r.body.baseline, { key: 'nearest', version: 1 });
    assert.equal(r.body.orders, 3);
    const byCity = new Map(r.body.items.map((i: any) => [i.number, i]));
    assert.equal(byCity.size, 3);
    for (const i of r.body.items) assert.deepEqual(i.strategy.locations, ['KRK-S']);
    // Łódź and Warszawa change from WAW-1 to KRK-S, farther away; Kraków was already served by KRK-S.
    assert.equal(r.body.changed, 2);
    assert.ok(r.body.summary.delta.distanceKm > 0, JSON.stringify(r.body.summary));
    assert.ok(r.body.items.some((i: any) => i.differences.some((x: string) => x.startsWith('from WAW-1 → KRK-S'))));
    assert.ok(r.body.summary.strategy.cost.PLN, JSON.stringify(r.body.summary));
    // An inline strategy body against an explicit baseline, filtered by channel.
    const inline = await t.call('POST', '/api/v1/routing/simulate', {
      strategy: { steps: [{ id: 'any', objective: { shippingCost: 1 }, fallback: 'backorder' }] },
      baseline: { key: 'single_location' },
      channel: 'wildberries',
    });
    assert.equal(inline.status, 200, JSON.stringify(inline.body));
    assert.equal(inline.body.orders, 0);
    assert.deepEqual(await stockSnapshot(t), before);
  });
});
