/**
 * Hot SKU (issue 19 item 3): one SKU, N clients reserving one unit each by calling the
 * reservation functions directly (not over HTTP): the baseline is createHold (the one guarded
 * UPDATE on the stock_levels row that intake uses for a one-line order), against the same
 * createHold on a row split into buckets (the row refuses, one bucket takes it). PostgreSQL (BENCH_DATABASE_URL or the
 * local test server, a scratch database). Prints orders/s, p50/p99, memory and load average.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { scope as tenantScope } from '../src/store/tenant-scope.js';
import { createHold } from '../src/app/inventory/reserve.js';
import { systemActor } from '../src/store/history.js';
import { splitStock } from '../src/app/inventory/buckets.js';
import { fmt, memory, runConcurrent, scratchDatabase, benchTenantApp } from './lib.js';

const TOTAL = Number(process.env.HOT_SKU_ORDERS ?? 3000);
const BUCKETS = Number(process.env.HOT_SKU_BUCKETS ?? 16);

const scratch = await scratchDatabase();
const database = await openDatabase({ url: scratch.url });
const { tenant, app } = await benchTenantApp(database);
const call = async (url: string, body: unknown) => {
  const response = await app.inject({
    method: 'POST',
    url,
    payload: body as object,
    headers: { authorization: `Bearer ${tenant.apiKey}` },
  });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
};
await call('/api/v1/locations', {
  code: 'WAW-1',
  name: 'Magazyn',
  kind: 'warehouse',
  country: 'PL',
  latitude: 52.2,
  longitude: 21,
  capabilities: ['ships'],
});
const store = tenantScope(database.db, tenant.tenantId);
const actor = systemActor;

async function hotRow(sku: string) {
  await call('/api/v1/products', { sku, name: 'Hot' });
  await call('/api/v1/inventory/stock:adjust', { sku, location: 'WAW-1', kind: 'receipt', delta: TOTAL * 10 });
  return (
    await sql<{ product_id: string; location_id: string }>`select s.product_id, s.location_id from stock_levels s
  join products p on p.tenant_id = s.tenant_id and p.id = s.product_id where p.sku = ${sku} and s.tenant_id = ${tenant.tenantId}`.execute(
      database.db,
    )
  ).rows[0]!;
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`hot-sku: ${TOTAL} reservations of 1 unit of one SKU per run, ${BUCKETS} buckets, PostgreSQL`);
for (const clients of [1, 16, 64]) {
  const plain = await hotRow(`PLAIN-${clients}`);
  const base = await runConcurrent(TOTAL, clients, async (index) => {
    const hold = await createHold(store, actor, new Date(), {
      productId: plain.product_id,
      locationId: plain.location_id,
      quantity: 1,
      expiresAt: new Date(Date.now() + 3_600_000),
      reference: `b${index}`,
    });
    if (!hold) throw new Error('short');
  });
  const hot = await hotRow(`BUCKET-${clients}`);
  await splitStock(store, hot.product_id, hot.location_id, BUCKETS);
  const bucketed = await runConcurrent(TOTAL, clients, async (index) => {
    const hold = await createHold(store, actor, new Date(), {
      productId: hot.product_id,
      locationId: hot.location_id,
      quantity: 1,
      expiresAt: new Date(Date.now() + 3_600_000),
      reference: `o${index}`,
    });
    if (!hold) throw new Error('short');
  });
  for (const [name, result] of [
    ['row   ', base],
    ['bucket', bucketed],
  ] as const)
    console.log(
      `${String(clients).padStart(2)} clients ${name}: ${fmt(result.perSecond)}/s p50 ${fmt(result.p50)} ms p99 ${fmt(result.p99)} ms errors ${result.errors}`,
    );
  console.log(`   ratio bucket/row ${fmt(bucketed.perSecond / base.perSecond, 2)}x  load ${load()}  ${memory()}`);
}
await app.close();
await database.close();
await scratch.drop();
