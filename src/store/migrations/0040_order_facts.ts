import { sql, type Kysely } from 'kysely';
import { reportFill } from '../migrate.js';
import { inKeyBatches, type KeyRange } from '../key-batches.js';

/**
 * Per-order KPI facts kept as they happen (issue 19 item 5, docs/kpis.md "At scale"). The KPI
 * report and the orders list's `kpi=` / `location=` filters asked, for every order of the window,
 * when it first shipped, when it first ended, whether it was oversold or returned and where its
 * first fulfilment order went — correlated subqueries on the history, shipments, returns and
 * fulfilment orders, several per order: 39–75 s for `/reports/kpis` over 30 days at 1M orders.
 *
 * `order_facts` holds those answers, one row per order that has any (an order without a row has
 * none yet). Triggers on the four tables merge each new fact in; every merge is commutative
 * (earliest time, any true, the first fulfilment order by (created_at, id)), so the triggers and
 * the backfill below may meet in any order and still agree with the definitions.
 *
 * The state lists are the ones of src/app/orders/kpi-filters.ts on the day of this migration
 * (test/reports/order-facts.test.ts checks they still agree); changing them takes a migration that
 * rebuilds the triggers and the facts.
 *
 * Online: the table and the triggers first (each a short statement), then the facts of the orders
 * already there, 5,000 orders per transaction, while orders keep coming (53 s at 1M orders),
 * telling where it is after each batch (the logs of `serve` and `worker`, `ordo migrate`'s bar).
 */
export const STATES = {
  shipped: ['in_transit', 'shipped', 'delivered', 'collected', 'completed'],
  ended: ['completed', 'delivered', 'collected'],
  oversold: ['stock_exception', 'shortage_exception'],
};
const literals = (states: string[]) => states.map((state) => `'${state}'`).join(', ');
const [SHIPPED, ENDED, OVERSOLD] = [literals(STATES.shipped), literals(STATES.ended), literals(STATES.oversold)];
const FACT_STATES = literals([...new Set([...STATES.shipped, ...STATES.ended, ...STATES.oversold])]);

/**
 * How a fact merges into the row already there (the ON CONFLICT of every writer); a fact that
 * changes nothing (a later hand-over, a second short pick) writes nothing.
 */
const MERGE = `on conflict (tenant_id, order_id) do update set
    shipped_at = least(order_facts.shipped_at, excluded.shipped_at),
    ended_at = least(order_facts.ended_at, excluded.ended_at),
    oversold = order_facts.oversold or excluded.oversold,
    returned = order_facts.returned or excluded.returned,
    location_id = case when ${firstFulfilment()} then excluded.location_id else order_facts.location_id end,
    location_since = case when ${firstFulfilment()} then excluded.location_since else order_facts.location_since end,
    location_by = case when ${firstFulfilment()} then excluded.location_by else order_facts.location_by end
  where excluded.shipped_at < coalesce(order_facts.shipped_at, 'infinity')
    or excluded.ended_at < coalesce(order_facts.ended_at, 'infinity')
    or (excluded.oversold and not order_facts.oversold) or (excluded.returned and not order_facts.returned)
    or ${firstFulfilment()}`;
function firstFulfilment() {
  return `(excluded.location_by is not null and (order_facts.location_by is null
      or (excluded.location_since, excluded.location_by) < (order_facts.location_since, order_facts.location_by)))`;
}

const statements = [
  `create table if not exists order_facts (
    tenant_id uuid not null,
    order_id uuid not null,
    shipped_at timestamptz,
    ended_at timestamptz,
    oversold boolean not null default false,
    returned boolean not null default false,
    location_id uuid,
    location_since timestamptz,
    location_by uuid,
    primary key (tenant_id, order_id),
    foreign key (tenant_id, order_id) references orders(tenant_id, id) on delete cascade
  )`,
  // The orders list's kpi=returned / kpi=oversold / location= read these (a semi-join), so a list
  // of the few returned orders does not test every order newest first. Built while the table is
  // still empty (before the triggers fill it).
  `create index if not exists order_facts_returned on order_facts (tenant_id, order_id) where returned`,
  `create index if not exists order_facts_oversold on order_facts (tenant_id, order_id) where oversold`,
  `create index if not exists order_facts_location on order_facts (tenant_id, location_id, order_id)
    where location_id is not null`,
  `create or replace function ordo_facts_from_history() returns trigger language plpgsql as $$ begin
    insert into order_facts (tenant_id, order_id, shipped_at, ended_at, oversold)
    values (new.tenant_id, new.order_id,
      case when new.to_state in (${SHIPPED}) then new.at end,
      case when new.to_state in (${ENDED}) then new.at end,
      new.to_state in (${OVERSOLD}))
    ${MERGE};
    return null;
  end $$`,
  `create or replace trigger order_facts_history after insert on order_history for each row
    when (new.to_state in (${FACT_STATES})) execute function ordo_facts_from_history()`,
  `create or replace function ordo_facts_from_shipment() returns trigger language plpgsql as $$ begin
    insert into order_facts (tenant_id, order_id, shipped_at) values (new.tenant_id, new.order_id, new.handed_over_at)
    ${MERGE};
    return null;
  end $$`,
  `create or replace trigger order_facts_shipment after insert or update of handed_over_at on shipments for each row
    when (new.handed_over_at is not null) execute function ordo_facts_from_shipment()`,
  `create or replace function ordo_facts_from_return() returns trigger language plpgsql as $$ begin
    insert into order_facts (tenant_id, order_id, returned) values (new.tenant_id, new.order_id, true)
    ${MERGE};
    return null;
  end $$`,
  `create or replace trigger order_facts_return after insert on returns for each row
    execute function ordo_facts_from_return()`,
  `create or replace function ordo_facts_from_fulfilment() returns trigger language plpgsql as $$ begin
    insert into order_facts (tenant_id, order_id, oversold, location_id, location_since, location_by)
    values (new.tenant_id, new.order_id, new.short_picked, new.location_id, new.created_at, new.id)
    ${MERGE};
    return null;
  end $$`,
  `create or replace trigger order_facts_fulfilment after insert or update of short_picked on fulfilment_orders
    for each row execute function ordo_facts_from_fulfilment()`,
];

/** The facts of the orders in `range` (by (tenant_id, id)), from the definitions (kpi-filters.ts). */
const backfill = (range: KeyRange) => sql`
  insert into order_facts (tenant_id, order_id, shipped_at, ended_at, oversold, returned, location_id, location_since, location_by)
  select * from (
    select o.tenant_id, o.id,
      least(
        (select min(h.at) from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id
          and h.to_state in (${sql.raw(SHIPPED)})),
        (select min(s.handed_over_at) from shipments s where s.tenant_id = o.tenant_id and s.order_id = o.id)) as shipped_at,
      (select min(h.at) from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id
        and h.to_state in (${sql.raw(ENDED)})) as ended_at,
      exists (select 1 from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id
          and h.to_state in (${sql.raw(OVERSOLD)}))
        or exists (select 1 from fulfilment_orders f where f.tenant_id = o.tenant_id and f.order_id = o.id
          and f.short_picked) as oversold,
      exists (select 1 from returns r where r.tenant_id = o.tenant_id and r.order_id = o.id) as returned,
      first.location_id, first.created_at as location_since, first.id as location_by
    from orders o
    left join lateral (select f.location_id, f.created_at, f.id from fulfilment_orders f
      where f.tenant_id = o.tenant_id and f.order_id = o.id order by f.created_at, f.id limit 1) first on true
    where ${range('o')}
  ) facts
  where shipped_at is not null or ended_at is not null or oversold or returned or location_by is not null
  ${sql.raw(MERGE)}`;

/**
 * Merges into `order_facts` the facts of every order from its records, `batch` orders per
 * statement (each its own transaction outside one): the upgrade's backfill, and the tests' check
 * that the triggers keep what the definitions say.
 */
export async function backfillOrderFacts(
  db: Kysely<any>,
  batch = 5_000,
  onBatch?: (orders: number) => void,
): Promise<void> {
  await inKeyBatches(db, 'orders', 'id', batch, (range) => backfill(range).execute(db), onBatch);
}

export const online = true;

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
  const orders = Number((await sql<{ n: string }>`select count(*) as n from orders`.execute(db)).rows[0]?.n ?? 0);
  const phase = 'filling the KPI facts of the orders already there';
  reportFill(phase, 0, orders);
  await backfillOrderFacts(db, 5_000, (done) => reportFill(phase, Math.min(done, orders), orders));
  reportFill(phase, orders, orders);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [trigger, table] of [
    ['order_facts_history', 'order_history'],
    ['order_facts_shipment', 'shipments'],
    ['order_facts_return', 'returns'],
    ['order_facts_fulfilment', 'fulfilment_orders'],
  ])
    await sql.raw(`drop trigger if exists ${trigger} on ${table}`).execute(db);
  for (const name of ['history', 'shipment', 'return', 'fulfilment'])
    await sql.raw(`drop function if exists ordo_facts_from_${name}()`).execute(db);
  await sql`drop table if exists order_facts`.execute(db);
}
