import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { onPostgres, type TestApp } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { releaseExpiredReservations } from '../../src/app/inventory/release.js';
import { httpClient, inventoryApp, must, oneLine, receive } from './helpers.js';

/**
 * Real concurrency: requests go through a listening HTTP server to a pool of separate database
 * connections (40 on PostgreSQL). PGlite has one session, so the same tests run serialised
 * there with fewer requests.
 */
describe('inventory under concurrent orders', () => {
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

  const post = (url: string, body: unknown) => client.post(url, body);

  test('given 10 on hand and many buyers at once, exactly 10 are reserved and the rest get a shortage outcome', async () => {
    const n = onPostgres ? 1000 : 50;
    await must(t, 'POST', '/api/v1/products', { sku: 'HOT-1', name: 'Głośnik Bluetooth „Żubr”' }, 201);
    await receive(t, 'HOT-1', 'WAW-1', 10);
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => post('/api/v1/orders', oneLine('HOT-1', 1, { externalId: `HOT-${i}` }))),
    );
    assert.deepEqual([...new Set(results.map((r) => r.status))], [201], 'every order is accepted; none is lost');
    const statuses = results.map((r) => r.body.reservation.status);
    assert.equal(statuses.filter((s) => s === 'reserved').length, 10);
    assert.equal(statuses.filter((s) => s === 'shortage').length, n - 10);
    const short = results.find((r) => r.body.reservation.status === 'shortage')!.body.reservation.lines[0];
    assert.deepEqual([short.reserved, short.shortage, short.backorder.quantity], [0, 1, 1]);

    const a = await must(t, 'GET', '/api/v1/inventory/availability/HOT-1');
    assert.deepEqual([a.onHand, a.reserved, a.available], [10, 10, 0]);
    const ledger = await must(t, 'GET', '/api/v1/inventory/movements?sku=HOT-1&limit=500');
    assert.equal(ledger.items.filter((m: { kind: string }) => m.kind === 'reservation').length, 10);
    assert.equal(ledger.items.filter((m: { kind: string }) => m.kind === 'receipt').length, 1);
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
  });

  test('given multi-line orders racing over overlapping SKUs and locations, no deadlock surfaces and nothing is oversold', async () => {
    // The marketplace prefers the store first, the web shop the warehouse first: opposite lock orders.
    await must(t, 'PATCH', '/api/v1/channels/wildberries', { settings: { locations: ['KRK-S', 'WAW-1'] } });
    const stock: Record<string, [number, number]> = { 'MIX-A': [20, 10], 'MIX-B': [15, 15], 'MIX-C': [25, 0] };
    for (const [sku, [waw, krk]] of Object.entries(stock)) {
      await must(t, 'POST', '/api/v1/products', { sku, name: `Towar ${sku} — Товар` }, 201);
      await receive(t, sku, 'WAW-1', waw);
      if (krk) await receive(t, sku, 'KRK-S', krk);
    }
    const n = onPostgres ? 300 : 30;
    let seed = 12345;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % k;
    };
    const demand: Record<string, number> = { 'MIX-A': 0, 'MIX-B': 0, 'MIX-C': 0 };
    const bodies = Array.from({ length: n }, (_, i) => {
      const skus = Object.keys(stock)
        .sort(() => rnd(3) - 1)
        .slice(0, 2 + rnd(2));
      const lines = skus.map((sku) => {
        const q = 1 + rnd(3);
        demand[sku]! += q;
        return { sku, quantity: q, unitPrice: '5.00', taxRate: '23' };
      });
      const wb = i % 2 === 0;
      return oneLine('MIX-A', 1, {
        externalId: `MIX-${i}`,
        channel: wb ? 'wildberries' : 'web',
        currency: wb ? 'RUB' : 'PLN',
        lines,
      });
    });
    const results = await Promise.all(bodies.map((b) => post('/api/v1/orders', b)));
    assert.deepEqual(
      [...new Set(results.map((r) => r.status))],
      [201],
      JSON.stringify(results.find((r) => r.status !== 201)?.body),
    );

    const reservedBySku: Record<string, number> = {};
    for (const r of results)
      for (const l of r.body.reservation.lines) reservedBySku[l.sku] = (reservedBySku[l.sku] ?? 0) + l.reserved;
    const batch = await must(t, 'POST', '/api/v1/inventory/availability:batch', { skus: Object.keys(stock) });
    for (const item of batch.items) {
      const [waw, krk] = stock[item.sku]!;
      assert.equal(item.onHand, waw + krk);
      // Partial reservation takes every free unit while demand lasts, never one more.
      assert.equal(item.reserved, Math.min(demand[item.sku]!, waw + krk), item.sku);
      assert.equal(reservedBySku[item.sku], item.reserved, `${item.sku}: outcomes add up to the stock figure`);
      for (const l of item.locations) assert.ok(l.available >= 0 && l.reserved <= l.onHand);
    }
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
  });

  test('given a stock sync arriving while reservations are made, neither the sync nor any reservation is lost', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'SYNC-1', name: 'Łopata śnieżna' }, 201);
    await receive(t, 'SYNC-1', 'WAW-1', 50);
    const n = onPostgres ? 200 : 30;
    const orders = Array.from({ length: n }, (_, i) =>
      post('/api/v1/orders', oneLine('SYNC-1', 1, { externalId: `SYNC-${i}` })),
    );
    const sync = post('/api/v1/inventory/stock:sync', {
      syncId: 'erp-2026-11-23',
      rows: [{ sku: 'SYNC-1', location: 'WAW-1', onHand: 120 }],
    });
    const [report, ...results] = await Promise.all([sync, ...orders]);
    assert.equal(report!.status, 200);
    assert.equal(report!.body.applied, 1);
    const reserved = results.filter((r) => r.body.reservation.status === 'reserved').length;
    assert.ok(reserved >= Math.min(50, n) && reserved <= n);
    const a = await must(t, 'GET', '/api/v1/inventory/availability/SYNC-1?location=WAW-1');
    assert.equal(a.onHand, 120, 'the sync set on hand');
    assert.equal(a.reserved, reserved, 'every reservation survived the sync');
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
  });

  test('given expired holds and two timer workers at once, each hold is released exactly once', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'HOLD-1', name: 'Санки детские' }, 201);
    await receive(t, 'HOLD-1', 'KRK-S', 40);
    const holds = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post('/api/v1/inventory/holds', {
          sku: 'HOLD-1',
          location: 'KRK-S',
          quantity: 2,
          reference: `cart-${i}`,
          ttlSeconds: 60,
        }),
      ),
    );
    assert.deepEqual([...new Set(holds.map((h) => h.status))], [201]);
    const refused = await post('/api/v1/inventory/holds', {
      sku: 'HOLD-1',
      location: 'KRK-S',
      quantity: 1,
      reference: 'cart-late',
      ttlSeconds: 60,
    });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'INSUFFICIENT_STOCK');
    const early = await releaseExpiredReservations(t.database.db, new Date(Date.now() + 30_000));
    assert.equal(early.released, 0, 'nothing lapses before its time');
    const later = new Date(Date.now() + 120_000);
    const [w1, w2] = await Promise.all([
      releaseExpiredReservations(t.database.db, later, { batch: 3 }),
      releaseExpiredReservations(t.database.db, later, { batch: 3 }),
    ]);
    assert.equal(w1.released + w2.released, 40);
    assert.equal(w1.reservations + w2.reservations, 20);
    const a = await must(t, 'GET', '/api/v1/inventory/availability/HOLD-1');
    assert.deepEqual([a.onHand, a.reserved, a.available], [40, 0, 40]);
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
  });
});
