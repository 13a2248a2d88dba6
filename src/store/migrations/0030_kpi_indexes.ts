import { sql, type Kysely } from 'kysely';

/**
 * KPIs (issue 18 item 7, docs/kpis.md): the report and the orders list's kpi=/stage=/location=
 * filters look up, per order, the first history entry into a set of states, the last history
 * entry, each entry's successor and the first fulfilment's location
 * (src/app/orders/kpi-filters.ts). These indexes make each of those an index probe per order.
 */
const statements = [
  `create index order_history_order_state on order_history (tenant_id, order_id, to_state, at)`,
  `create index order_history_order_at on order_history (tenant_id, order_id, at, id)`,
  `create index fulfilment_orders_order_created on fulfilment_orders (tenant_id, order_id, created_at, id)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['fulfilment_orders_order_created', 'order_history_order_at', 'order_history_order_state'])
    await sql.raw(`drop index if exists ${name}`).execute(db);
}
