import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import fc from 'fast-check';
import { onPostgres, type TestApp } from '../support.js';
import { scope as tenantScope, type TenantScope } from '../../src/store/tenant-scope.js';
import {
  bucketTotals,
  rebalanceBuckets,
  releaseInBucket,
  reserveInBucket,
  splitStock,
} from '../../src/app/inventory/buckets.js';
import { inventoryApp, must, oneLine, receive } from './helpers.js';

/**
 * Hot SKUs split into buckets (docs/inventory.md). Buyers go straight to the bucket functions over
 * the pool of separate connections (40 on PostgreSQL; PGlite has one session, so fewer buyers).
 */
describe('stock buckets of a hot SKU', () => {
  let t: Awaited<ReturnType<typeof inventoryApp>>;
  let store: TenantScope;
  let skuCount = 0;
  before(async () => {
    t = await inventoryApp();
    store = tenantScope(t.database.db, t.tenantId);
  });
  after(async () => {
    await t.close();
  });

  async function hotRow(onHand: number) {
    const sku = `HOT-B-${++skuCount}`;
    await must(t, 'POST', '/api/v1/products', { sku, name: 'Głośnik „Żubr” — Колонка' }, 201);
    await receive(t, sku, 'WAW-1', onHand);
    const row = (
      await sql<{ product_id: string; location_id: string }>`select s.product_id, s.location_id from stock_levels s
  join products p on p.tenant_id = s.tenant_id and p.id = s.product_id where p.sku = ${sku} and s.tenant_id = ${t.tenantId}`.execute(
        t.database.db,
      )
    ).rows[0]!;
    return { sku, productId: row.product_id, locationId: row.location_id };
  }

  async function figures(productId: string, locationId: string) {
    const stock = (
      await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from stock_levels
  where tenant_id = ${t.tenantId} and product_id = ${productId} and location_id = ${locationId}`.execute(t.database.db)
    ).rows[0]!;
    const buckets = (
      await sql<{ on_hand: number; reserved: number }>`select on_hand, reserved from stock_buckets
  where tenant_id = ${t.tenantId} and product_id = ${productId} and location_id = ${locationId}`.execute(t.database.db)
    ).rows;
    const totals = await bucketTotals(store, productId, locationId);
    return {
      onHand: Number(stock.on_hand),
      rowReserved: Number(stock.reserved),
      /** What is truly reserved: the row's figure without the lent quantity, plus what the buckets hold. */
      reserved: Number(stock.reserved) - totals.lent + totals.reserved,
      totals,
      buckets,
    };
  }

  test('given 100 on hand split into 8 buckets and many buyers at once, exactly 100 are reserved and no bucket goes over', async () => {
    const buyers = onPostgres ? 1000 : 120;
    const { sku, productId, locationId } = await hotRow(100);
    assert.deepEqual(await splitStock(store, productId, locationId, 8), { buckets: 8, lent: 100 });
    // The lent quantity counts as reserved on the row: the unbucketed path cannot sell it twice.
    const plain = await must(t, 'POST', '/api/v1/orders', oneLine(sku, 1, { externalId: 'PLAIN-1' }), 201);
    assert.equal(plain.reservation.status, 'shortage');

    const taken = await Promise.all(
      Array.from({ length: buyers }, (_, index) =>
        reserveInBucket(store, productId, locationId, 1, `order-${index}`, 8),
      ),
    );
    assert.equal(taken.filter((bucket) => bucket !== null).length, 100);
    const after = await figures(productId, locationId);
    assert.deepEqual([after.onHand, after.reserved, after.totals.reserved, after.totals.lent], [100, 100, 100, 100]);
    for (const bucket of after.buckets) assert.ok(Number(bucket.reserved) <= Number(bucket.on_hand));

    // Merging folds the buckets back: the row holds exactly what the buyers reserved.
    await splitStock(store, productId, locationId, 1);
    const merged = await figures(productId, locationId);
    assert.deepEqual([merged.rowReserved, merged.totals.buckets], [100, 0]);
    const availability = await must(t, 'GET', `/api/v1/inventory/availability/${sku}`);
    assert.deepEqual([availability.onHand, availability.reserved, availability.available], [100, 100, 0]);
  });

  test('given a short bucket, the buyer takes the next one; rebalancing evens out what is free without touching what is reserved', async () => {
    const { productId, locationId } = await hotRow(10);
    await splitStock(store, productId, locationId, 4); // shares 3, 3, 2, 2
    const firsts = [];
    for (let index = 0; index < 10; index++)
      firsts.push(await reserveInBucket(store, productId, locationId, 1, 'same-key', 4));
    assert.equal(firsts.filter((bucket) => bucket !== null).length, 10);
    assert.equal(await reserveInBucket(store, productId, locationId, 1, 'same-key', 4), null);
    assert.equal(await releaseInBucket(store, productId, locationId, firsts[0]!, 1), true);
    assert.equal(await releaseInBucket(store, productId, locationId, firsts[0]!, 99), false);
    await rebalanceBuckets(store, productId, locationId);
    const after = await figures(productId, locationId);
    assert.deepEqual([after.reserved, after.totals.lent], [9, 10]);
    await assert.rejects(splitStock(store, productId, locationId, 0), /1 to 256/);
  });

  test('property: random split, reserve, release and rebalance sequences never oversell and keep the totals exact', async () => {
    type Command =
      | { kind: 'split'; buckets: number }
      | { kind: 'reserve'; quantity: number; key: number }
      | { kind: 'release'; pick: number }
      | { kind: 'rebalance' };
    const command: fc.Arbitrary<Command> = fc.oneof(
      fc.record({ kind: fc.constant('split' as const), buckets: fc.integer({ min: 1, max: 6 }) }),
      fc.record({
        kind: fc.constant('reserve' as const),
        quantity: fc.integer({ min: 1, max: 4 }),
        key: fc.nat(1000),
      }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat(100) }),
      fc.record({ kind: fc.constant('rebalance' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.array(command, { maxLength: 25 }),
        async (onHand, commands) => {
          const { productId, locationId } = await hotRow(onHand || 1);
          const stockOnHand = onHand || 1;
          let buckets = 0;
          let folded = 0;
          const held: { bucket: number; quantity: number }[] = [];
          for (const step of commands) {
            if (step.kind === 'split') {
              folded += held.splice(0).reduce((sum, hold) => sum + hold.quantity, 0);
              buckets = (await splitStock(store, productId, locationId, step.buckets)).buckets;
            } else if (step.kind === 'reserve') {
              const bucket = await reserveInBucket(
                store,
                productId,
                locationId,
                step.quantity,
                `k${step.key}`,
                buckets,
              );
              if (bucket !== null) held.push({ bucket, quantity: step.quantity });
            } else if (step.kind === 'release') {
              if (!held.length) continue;
              const [hold] = held.splice(step.pick % held.length, 1);
              assert.equal(await releaseInBucket(store, productId, locationId, hold!.bucket, hold!.quantity), true);
            } else await rebalanceBuckets(store, productId, locationId);
            const now = await figures(productId, locationId);
            const expected = folded + held.reduce((sum, hold) => sum + hold.quantity, 0);
            assert.equal(now.reserved, expected, 'reserved = what the model holds');
            assert.equal(
              now.totals.reserved,
              held.reduce((sum, hold) => sum + hold.quantity, 0),
            );
            assert.ok(now.reserved <= stockOnHand && now.rowReserved <= stockOnHand, 'never oversold');
            for (const bucket of now.buckets)
              assert.ok(Number(bucket.reserved) >= 0 && Number(bucket.reserved) <= Number(bucket.on_hand));
          }
        },
      ),
      { numRuns: onPostgres ? 25 : 15 },
    );
  });
});
