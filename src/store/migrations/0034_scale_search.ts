import { sql, type Kysely } from 'kysely';

/**
 * Ten million orders (issue 19 item 5, docs/scale.md). The "needs attention" badge and list
 * (src/app/orders/kpi-filters.ts) look for stuck orders among the running ones: this partial
 * index holds only orders not in a final state — a few days of orders in a shop that delivers —
 * keyed by the earlier of placement and creation, before which no step of the order can have
 * happened, so a stuck order (no step for a day) is found without reading the finished millions.
 * The list of final states is FINAL_STATES there, written out as the planner must see it.
 */
const statements = [
  `create index if not exists orders_running on orders (tenant_id, (least(placed_at, created_at)))
    where state not in ('completed', 'delivered', 'collected', 'cancelled', 'rejected', 'returned', 'refused', 'withdrawn')`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists orders_running`.execute(db);
}
