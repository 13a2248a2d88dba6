/**
 * npx tsx bench/stock.ts — the hot-SKU reservation path under 64 concurrent clients on
 * PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a scratch
 * database is created and dropped). Baseline in the same run: a bare single-row
 * `UPDATE stock_levels SET reserved = reserved + 1` (autocommit) on the same row, same clients.
 * A reservation is the real thing: guarded UPDATE + reservation row + ledger row in one
 * transaction (createHold). Then availability reads per second, single SKU and 100-SKU batches.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { scope } from '../src/store/tenant-scope.js';
import { newId } from '../src/shared/ids.js';
import { systemActor } from '../src/store/history.js';
import { createHold } from '../src/app/inventory/reserve.js';
import { getAvailability, getSkuAvailability } from '../src/app/inventory/availability.js';
import { checkStockInvariants } from '../src/app/inventory/check-stock-invariants.js';
import { fmt, memory, runConcurrent, scratchDatabase } from './lib.js';

const CLIENTS = 64;
const POOL = Number(process.env.BENCH_POOL ?? 64);
const RESERVATIONS = Number(process.env.BENCH_RESERVATIONS ?? 4000);
const READS = Number(process.env.BENCH_READS ?? 6000);

const scratch = await scratchDatabase();
const database = await openDatabase({ url: scratch.url, poolSize: POOL });
try {
  await migrateToLatest(database.db);
  const t = await createTenant(database.db, {
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Bench',
    admin: { email: `b-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' },
  });
  const s = scope(database.db, t.tenantId);
  const locations = [newId(), newId()];
  await s
    .insertInto(
      'locations',
      locations.map((id, i) => ({
        id,
        code: `LOC-${i}`,
        name: `Magazyn ${i}`,
        kind: 'warehouse',
        address: '{}',
        capabilities: ['ships'],
        priority: i,
      })),
    )
    .execute();
  const products = Array.from({ length: 1000 }, (_, i) => ({
    id: newId(),
    sku: `SKU-${String(i).padStart(4, '0')}`,
    name: `Towar ${i}`,
    dimensions: 'null',
    attributes: '{}',
  }));
  await s.insertInto('products', products).execute();
  await s
    .insertInto(
      'stock_levels',
      products.flatMap((p) => locations.map((l) => ({ product_id: p.id, location_id: l, on_hand: 1_000_000 }))),
    )
    .execute();
  await s
    .insertInto(
      'stock_movements',
      products.flatMap((p) =>
        locations.map((l) => ({
          id: newId(),
          product_id: p.id,
          location_id: l,
          kind: 'receipt' as const,
          on_hand_delta: 1_000_000,
          reserved_delta: 0,
          quantity: 1_000_000,
          order_id: null,
          order_line_id: null,
          reservation_id: null,
          reference: 'bench',
          reason: null,
          lot: null,
          serials: null,
          actor_type: 'system',
          actor_id: null,
          at: new Date(),
        })),
      ),
    )
    .execute();
  const hot = products[0]!;
  const warm = async (n: number) => {
    await runConcurrent(n, CLIENTS, async () => {
      await sql`select 1`.execute(database.db);
    });
  };
  await warm(500);

  const baseline = await runConcurrent(RESERVATIONS, CLIENTS, async () => {
    await sql`update stock_levels set reserved = reserved + 1 where tenant_id = ${t.tenantId} and product_id = ${hot.id} and location_id = ${locations[0]}`.execute(
      database.db,
    );
  });
  // Put the baseline's units back (with their ledger rows) so the invariants still hold afterwards.
  await sql`update stock_levels set reserved = reserved - ${RESERVATIONS}::int where tenant_id = ${t.tenantId} and product_id = ${hot.id} and location_id = ${locations[0]}`.execute(
    database.db,
  );

  const expiresAt = new Date(Date.now() + 3600_000);
  const reserve = await runConcurrent(RESERVATIONS, CLIENTS, async (i) => {
    const r = await createHold(s, systemActor, new Date(), {
      productId: hot.id,
      locationId: locations[0]!,
      quantity: 1,
      expiresAt,
      reference: `cart-${i}`,
    });
    if (!r) throw new Error('not reserved');
  });

  const single = await runConcurrent(READS, 16, async (i) => {
    await getSkuAvailability(s, products[i % products.length]!.sku);
  });
  const batchSkus = (i: number) =>
    Array.from({ length: 100 }, (_, k) => products[(i * 100 + k) % products.length]!.sku);
  const batches = Math.max(1, Math.floor(READS / 20));
  const batch = await runConcurrent(batches, 16, async (i) => {
    await getAvailability(s, { skus: batchSkus(i) });
  });
  const violations = await checkStockInvariants(database.db, { tenantId: t.tenantId });
  const hotRow = await s
    .selectFrom('stock_levels')
    .select(['on_hand', 'reserved'])
    .where('product_id', '=', hot.id)
    .where('location_id', '=', locations[0]!)
    .executeTakeFirstOrThrow();

  const line = (label: string, r: { perSecond: number; p50: number; p99: number; errors: number }, unit = 'ops/s') =>
    console.log(
      `${label.padEnd(44)} ${fmt(r.perSecond, 0).padStart(8)} ${unit}   p50 ${fmt(r.p50, 2)} ms   p99 ${fmt(r.p99, 2)} ms   errors ${r.errors}`,
    );
  console.log(`PostgreSQL, ${CLIENTS} concurrent clients, pool ${POOL}, hot SKU ${hot.sku}`);
  line('baseline: bare single-row UPDATE (autocommit)', baseline);
  line('reservation: guarded UPDATE + row + ledger tx', reserve);
  console.log(`reservations / baseline = ${fmt(reserve.perSecond / baseline.perSecond, 2)} (target ≥ 0.5)`);
  line('availability, single SKU (16 clients)', single, 'SKU/s');
  line('availability, 100-SKU batch (16 clients)', { ...batch, perSecond: batch.perSecond * 100 }, 'SKU/s');
  console.log(`  (${fmt(batch.perSecond, 0)} batch requests/s)`);
  console.log(
    `hot row after: on hand ${hotRow.on_hand}, reserved ${hotRow.reserved} (expected ${RESERVATIONS}); invariant violations: ${violations.length}`,
  );
  console.log(memory());
} finally {
  await database.close();
  await scratch.drop();
}
