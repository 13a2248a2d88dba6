import { sql, type Kysely } from 'kysely';

/**
 * A new order's reservation may be written before the order's own row (issue 19 item 2): intake
 * holds the row for its unit of work's closing statement, so the order is inserted once, already
 * in its process's first state, instead of inserted as `accepted` and updated (every index entry
 * twice). The stock it holds (reservations, backorders) refers to the order by these keys, now
 * checked at commit: a reservation of an order that never came to exist still fails, at commit,
 * and rolls everything back with it.
 */
const DEFERRED = [
  ['stock_reservations', 'stock_reservations_tenant_id_order_id_fkey'],
  ['stock_backorders', 'stock_backorders_tenant_id_order_id_fkey'],
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, constraint] of DEFERRED)
    await sql.raw(`alter table ${table} alter constraint ${constraint} deferrable initially deferred`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, constraint] of DEFERRED)
    await sql.raw(`alter table ${table} alter constraint ${constraint} not deferrable`).execute(db);
}
