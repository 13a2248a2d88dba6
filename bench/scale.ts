/**
 * Search at scale (issue 19 item 5, docs/scale.md): p50/p95 of the orders list's search for each
 * kind of needle against a database loaded by `ordo generate` (default ordo_scale, tenant demo).
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ordo_scale npm run bench:scale
 */
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { scope } from '../src/store/tenant-scope.js';
import { findTenantId } from '../src/app/identity/find-tenant.js';
import { listOrders } from '../src/app/orders/list-orders.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ordo_scale';
const rounds = Number(process.env.ROUNDS ?? 20);
const database = await openDatabase({ url, poolSize: 2 });
const tenantId = await findTenantId(database.db, process.env.TENANT ?? 'demo');
if (!tenantId) throw new Error('no tenant: run ordo seed-demo and ordo generate first');
const store = scope(database.db, tenantId);
const count = await sql<{ count: string }>`select count(*) from orders where tenant_id = ${tenantId}`.execute(
  database.db,
);
const sample = await sql<{
  number: string;
  external_id: string;
  customer_email: string;
  customer_name: string;
  city: string;
  phone: string;
}>`
  select number, external_id, customer_email, customer_name, shipping_address->>'city' as city,
    shipping_address->>'phone' as phone
  from orders where tenant_id = ${tenantId} and number like 'G%' order by random() limit ${rounds}`.execute(
  database.db,
);
const tracking = await sql<{ tracking_number: string }>`
  select tracking_number from shipments where tenant_id = ${tenantId} and tracking_number is not null limit ${rounds}`.execute(
  database.db,
);
const sku = await sql<{
  sku: string;
}>`select sku from products where tenant_id = ${tenantId} order by random() limit ${rounds}`.execute(database.db);
const kinds: Record<string, string[]> = {
  number: sample.rows.map((row) => row.number),
  'external id': sample.rows.map((row) => row.external_id),
  'e-mail': sample.rows.map((row) => row.customer_email),
  phone: sample.rows.map((row) => row.phone),
  tracking: tracking.rows.map((row) => row.tracking_number),
  surname: sample.rows.map((row) => row.customer_name.split(' ')[1]!),
  city: sample.rows.map((row) => row.city),
  sku: sku.rows.map((row) => row.sku),
};
console.log(
  `orders in tenant: ${count.rows[0]!.count}; load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
for (const [kind, needles] of Object.entries(kinds)) {
  const times: number[] = [];
  for (const needle of needles) {
    const started = performance.now();
    await listOrders(store, { q: needle, limit: 50 } as Parameters<typeof listOrders>[1]);
    times.push(performance.now() - started);
  }
  times.sort((left, right) => left - right);
  const at = (share: number) => times[Math.min(times.length - 1, Math.floor(share * times.length))]!.toFixed(1);
  console.log(`${kind.padEnd(12)} p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  (${times.length} searches)`);
}
console.log(
  `load ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
await database.close();
