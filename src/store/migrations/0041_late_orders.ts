import { sql, type Kysely } from 'kysely';
import { reportFill } from '../migrate.js';
import { buildIndexOnline } from '../online-index.js';
import { inKeyBatches, type KeyRange } from '../key-batches.js';

/**
 * The late orders found by index (issue 19 item 5, docs/kpis.md "At scale"). An order is late when
 * it is not cancelled, its deadline (placement + the SLA the caller names) has passed, and it
 * shipped after the deadline or not at all. The orders list counted `kpi=late` by testing every
 * order placed before the deadline (2.1 s at 1M orders, growing with the table). A late order is
 * now one of three small sets, each read through its own index (src/app/orders/kpi-filters.ts):
 *
 * - shipped late: `order_facts.shipped_after` (the time from placement to the first shipment, kept
 *   by a trigger whenever `shipped_at` is set or moves earlier) beyond the SLA;
 * - not shipped and still running: 0034's `orders_running`;
 * - not shipped and ended without shipping: `orders_unshipped_ends`, the orders in a final state
 *   that is neither a shipped state nor `cancelled` (rejected, returned, refused, withdrawn).
 *
 * An order in a final shipped state (delivered, collected, completed) entered it through a history
 * step, which set its `shipped_at` (0040's trigger): it is late only as shipped late.
 *
 * Online: the column and the trigger first, then the facts already there, 20,000 rows per
 * transaction while orders keep coming, then the two indexes built concurrently (12 s at 1M
 * orders), then the facts' statistics.
 */
export const UNSHIPPED_ENDS = ['rejected', 'returned', 'refused', 'withdrawn'];

const statements = [
  `alter table order_facts add column if not exists shipped_after interval`,
  `create or replace function ordo_facts_shipped_after() returns trigger language plpgsql as $$ begin
    new.shipped_after := new.shipped_at
      - (select o.placed_at from orders o where o.tenant_id = new.tenant_id and o.id = new.order_id);
    return new;
  end $$`,
  `create or replace trigger order_facts_shipped_after before insert on order_facts for each row
    when (new.shipped_at is not null) execute function ordo_facts_shipped_after()`,
  `create or replace trigger order_facts_shipped_earlier before update of shipped_at on order_facts for each row
    when (new.shipped_at is distinct from old.shipped_at) execute function ordo_facts_shipped_after()`,
];

/** Name and definition of each index (after the fill, so the fill does not maintain them row by row). */
export const indexes: [string, string][] = [
  ['order_facts_shipped_after', `on order_facts (tenant_id, shipped_after) where shipped_after is not null`],
  [
    'orders_unshipped_ends',
    `on orders (tenant_id, placed_at) where state in (${UNSHIPPED_ENDS.map((s) => `'${s}'`).join(', ')})`,
  ],
];

/** Sets `shipped_after` of the facts rows that have shipped, `batch` rows per statement (each its own transaction). */
export async function fillShippedAfter(
  db: Kysely<any>,
  batch = 20_000,
  onBatch?: (rows: number) => void,
): Promise<void> {
  // A row a trigger changes meanwhile is read again by the update (read committed): it gets the new time.
  const fill = (range: KeyRange) => sql`update order_facts f set shipped_after = f.shipped_at - o.placed_at
      from orders o
      where o.tenant_id = f.tenant_id and o.id = f.order_id and f.shipped_at is not null
        and f.shipped_after is distinct from f.shipped_at - o.placed_at and ${range('f')}`;
  await inKeyBatches(db, 'order_facts', 'order_id', batch, (range) => fill(range).execute(db), onBatch);
}

export const online = true;

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
  const rows = Number((await sql<{ n: string }>`select count(*) as n from order_facts`.execute(db)).rows[0]?.n ?? 0);
  const phase = 'measuring how long each order took to ship';
  reportFill(phase, 0, rows);
  await fillShippedAfter(db, 20_000, (done) => reportFill(phase, Math.min(done, rows), rows));
  reportFill(phase, rows, rows);
  for (const [name, definition] of indexes) await buildIndexOnline(db, name, definition);
  // the new column's statistics at once: without them the planner guesses a third of the facts late
  await sql`analyze order_facts`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of indexes) await sql.raw(`drop index if exists ${name}`).execute(db);
  await sql`drop trigger if exists order_facts_shipped_earlier on order_facts`.execute(db);
  await sql`drop trigger if exists order_facts_shipped_after on order_facts`.execute(db);
  await sql`drop function if exists ordo_facts_shipped_after()`.execute(db);
  await sql`alter table order_facts drop column if exists shipped_after`.execute(db);
}
