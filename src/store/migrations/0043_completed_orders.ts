import { sql, type Kysely } from 'kysely';
import { buildIndexOnline } from '../online-index.js';

/**
 * The ended orders by index (issue 19 item 5, docs/kpis.md "At scale"): `order_facts_ended`, the
 * facts of the orders that reached an end state, by order id. `GET /orders?kpi=completed` with no
 * other filter walks it newest first (app/orders/kpi-filters.ts `endedPage`) instead of walking
 * every order newest first and probing its facts, which read all the orders in flight before the
 * first ended one; its count reads it up to the cap. `ended_at` is only ever set (the earliest end
 * wins), so a row enters the index once and never leaves it.
 *
 * Online: built concurrently (~1 s at 1M orders), then the facts' statistics.
 */
export const indexes: [string, string][] = [
  ['order_facts_ended', 'on order_facts (tenant_id, order_id) where ended_at is not null'],
];

export const online = true;

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, definition] of indexes) await buildIndexOnline(db, name, definition);
  await sql`analyze order_facts`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of indexes) await sql.raw(`drop index if exists ${name}`).execute(db);
}
