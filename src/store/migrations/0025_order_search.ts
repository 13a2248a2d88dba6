import { sql, type Kysely } from 'kysely';

/**
 * The orders list at scale (issue 18, docs/console.md): sorting by total pages through
 * (tenant_id, grand_total, id) like the other sort columns; search by a line's SKU or product
 * name, a tracking number, the shipping city and phone use trigram indexes on the same
 * expressions the list's search query writes (src/app/orders/list-orders.ts), so each branch of
 * the search is an index lookup rather than a scan of every line, shipment or order.
 */
const statements = [
  `create index orders_total on orders (tenant_id, grand_total, id)`,
  `create index order_lines_search on order_lines using gin ((lower(sku || ' ' || name)) gin_trgm_ops)`,
  `create index shipments_tracking_search on shipments using gin ((lower(coalesce(tracking_number, ''))) gin_trgm_ops)`,
  `create index orders_city_search on orders using gin ((lower(coalesce(shipping_address->>'city', ''))) gin_trgm_ops)`,
  `create index orders_phone_search on orders using gin ((regexp_replace(coalesce(shipping_address->>'phone', ''), '[^0-9]', '', 'g')) gin_trgm_ops)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'orders_phone_search',
    'orders_city_search',
    'shipments_tracking_search',
    'order_lines_search',
    'orders_total',
  ])
    await sql.raw(`drop index if exists ${name}`).execute(db);
}
