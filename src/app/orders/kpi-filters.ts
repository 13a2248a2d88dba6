import { sql, type RawBuilder } from 'kysely';

/**
 * The KPI definitions (docs/kpis.md), written once as SQL conditions on `orders` so the KPI report
 * (src/app/reports/kpis.ts) counts with exactly the condition the orders list filters by: a
 * figure's drill-down returns precisely the orders behind it.
 */
export const KPIS = [
  'placed',
  'completed',
  'cancelled',
  'returned',
  'oversold',
  'late',
  'on_time',
  'stuck',
  'attention',
] as const;
export type Kpi = (typeof KPIS)[number];

/** States where an order's journey ended well: the cycle time runs from placement to the first of them. */
export const END_STATES = ['completed', 'delivered', 'collected'] as const;
/** States that mean the goods have left (or were handed over): the SLA is met when one is reached in time. */
export const SHIPPED_STATES = ['in_transit', 'shipped', 'delivered', 'collected', 'completed'] as const;
/** States where an order rests for good: such an order is never "stuck". */
export const FINAL_STATES = [
  'completed',
  'delivered',
  'collected',
  'cancelled',
  'rejected',
  'returned',
  'refused',
  'withdrawn',
] as const;
/** Entering one of these states means the order was sold without the stock behind it. */
export const OVERSELL_STATES = ['stock_exception', 'shortage_exception'] as const;

export interface KpiOptions {
  tenantId: string;
  now: Date;
  /** an order must ship within this many hours of placement */
  slaHours: number;
  /** a running order whose last step is older than this is stuck */
  stuckHours: number;
  /** where the order's facts are read (default: looked up per `orders` row) */
  facts?: FactsOf;
}

/**
 * Where a KPI reads an order's facts (`order_facts`, migration 0040: first shipped, first ended,
 * oversold, returned, first fulfilment's location — kept by triggers as they happen). The report
 * joins them as `facts` (one pass over the window); the orders list looks them up per order row.
 */
export type FactsOf = (column: FactColumn) => RawBuilder<unknown>;
/**
 * `shipped_at`: the first shipped state in the history or shipment hand-over; `ended_at`: the first
 * end state; `oversold`, `returned`; `location_id`: the first fulfilment order's location.
 */
type FactColumn = 'shipped_at' | 'ended_at' | 'oversold' | 'returned' | 'location_id';
/** The facts of the `orders` row through a join `left join order_facts facts` (see FACTS_JOIN). */
export const joinedFacts: FactsOf = (column) => sql.ref(`facts.${column}`);
/** The facts of the `orders` row looked up by key. */
const lookedUpFacts =
  (tenantId: string): FactsOf =>
  (column) =>
    sql`(select f.${sql.ref(column)} from order_facts f where f.tenant_id = ${tenantId} and f.order_id = orders.id)`;
/** The join `joinedFacts` reads (an order may have no facts row yet: then none of its facts happened). */
export const FACTS_JOIN = sql`left join order_facts facts on facts.tenant_id = orders.tenant_id and facts.order_id = orders.id`;

const factsOf = (opts: KpiOptions) => opts.facts ?? lookedUpFacts(opts.tenantId);
/**
 * The order has the fact (`returned`, `oversold`). Looked up, it is a semi-join on the facts'
 * partial index: a list of the few returned orders does not probe every order newest first.
 */
const factHolds = (opts: KpiOptions, fact: 'returned' | 'oversold') =>
  opts.facts
    ? sql<boolean>`coalesce(${opts.facts(fact)}, false)`
    : sql<boolean>`orders.id in (select f.order_id from order_facts f where f.tenant_id = ${opts.tenantId}
        and f.${sql.ref(fact)})`;

/** The SLA deadline has passed (shipped or not), so the order counts for SLA adherence. */
const slaDecided = (opts: KpiOptions) =>
  sql`(orders.state <> 'cancelled' and (${factsOf(opts)('shipped_at')} is not null
      or orders.placed_at + make_interval(hours => ${opts.slaHours}) < ${opts.now}))`;
/**
 * Not cancelled, the deadline passed, and not shipped by it. The deadline is in the past as of
 * `now`: a hand-over a carrier dated ahead of our clock does not make an order late early. (The
 * orders list finds the late orders by `lateIds`.)
 */
const late = (opts: KpiOptions) =>
  sql`(orders.state <> 'cancelled'
      and orders.placed_at < ${deadlineOf(opts)}
      and orders.placed_at + make_interval(hours => ${opts.slaHours}) < coalesce(${factsOf(opts)('shipped_at')}, ${opts.now}))`;
const deadlineOf = (opts: KpiOptions) => new Date(opts.now.getTime() - opts.slaHours * 3_600_000);
/** Final states an order may end in without having shipped, `cancelled` aside (migration 0041's `orders_unshipped_ends`). */
export const UNSHIPPED_ENDS = FINAL_STATES.filter(
  (state) => state !== 'cancelled' && !(SHIPPED_STATES as readonly string[]).includes(state),
);
/**
 * The late orders (`GET /orders?kpi=late`; return orders aside, as every KPI but "needs attention"
 * leaves them) without testing every order placed before the deadline: each is in one of three
 * small sets, read through its own index (migration 0041) — shipped more than the SLA after
 * placement (`order_facts.shipped_after`); running and placed before the deadline
 * (`orders_running`); ended unshipped before it (`orders_unshipped_ends`) — and the last two
 * keep those not shipped in time. An order in a final shipped state reached it by a history step,
 * which set its `shipped_at`: it can only be late as shipped late. Each branch is the definition
 * (`late`) for its set (test/reports/order-facts.test.ts checks the two agree).
 */
export const lateIds = (opts: KpiOptions) => {
  const { tenantId, slaHours } = opts;
  const deadline = deadlineOf(opts);
  const notInTime = (alias: string) => sql`not exists (select 1 from order_facts f where f.tenant_id = ${tenantId}
      and f.order_id = ${sql.ref(`${alias}.id`)} and f.shipped_at <= ${sql.ref(`${alias}.placed_at`)} + make_interval(hours => ${slaHours}))`;
  return sql<{ id: string }>`
    select o.id from order_facts f join orders o on o.tenant_id = f.tenant_id and o.id = f.order_id
      where f.tenant_id = ${tenantId} and f.shipped_after > make_interval(hours => ${slaHours})
        and o.state <> 'cancelled' and o.placed_at < ${deadline} and o.order_type <> 'return'
    union
    select r.id from orders r where r.tenant_id = ${tenantId} and r.state not in (${FINAL_LIST})
      and least(r.placed_at, r.created_at) < ${deadline} and r.placed_at < ${deadline} and r.order_type <> 'return'
      and ${notInTime('r')}
    union
    select u.id from orders u where u.tenant_id = ${tenantId} and u.state in (${UNSHIPPED_LIST})
      and u.placed_at < ${deadline} and u.order_type <> 'return' and ${notInTime('u')}`;
};

/**
 * `kpi=completed` with nothing else narrowing it, newest first (or oldest with `desc` false): the
 * ended orders walked in their facts' partial index (migration 0043), each order read by key. Left
 * to the planner the page walked the orders newest first and probed each one's facts, reading every
 * order still in flight before the first ended one (17,343 at 1M orders, 33–45 ms); the lateral
 * subquery (`offset 0` keeps it one) makes the facts the outer side, so a page reads its own rows.
 */
export const endedPage = (
  tenantId: string,
  select: RawBuilder<unknown>,
  page: { afterId: string | null; desc: boolean; limit: number },
) => {
  const direction = sql.raw(page.desc ? 'desc' : 'asc');
  const after = page.afterId ? sql`and f.order_id ${sql.raw(page.desc ? '<' : '>')} ${page.afterId}` : sql``;
  return sql`select ${select} from order_facts f
    cross join lateral (select o.* from orders o where o.tenant_id = f.tenant_id and o.id = f.order_id
      and o.order_type <> 'return' offset 0) orders
    where f.tenant_id = ${tenantId} and f.ended_at is not null ${after}
    order by f.order_id ${direction} limit ${page.limit}`;
};

/** How many orders `endedPage` walks, counted up to `cap + 1` (the limit lets the planner stop there). */
export const endedCount = (tenantId: string, cap: number) =>
  sql<{ n: string }>`select count(*) as n from (select 1 from order_facts f
    join orders o on o.tenant_id = f.tenant_id and o.id = f.order_id
    where f.tenant_id = ${tenantId} and f.ended_at is not null and o.order_type <> 'return' limit ${cap + 1}) capped`;

/** The condition an order meets to count in a KPI. */
export function kpiCondition(kpi: Kpi, opts: KpiOptions): RawBuilder<boolean> {
  const tenantId = opts.tenantId;
  switch (kpi) {
    case 'placed':
      return sql<boolean>`true`;
    case 'completed':
      return sql<boolean>`(${factsOf(opts)('ended_at')} is not null)`;
    case 'cancelled':
      return sql<boolean>`(orders.state = 'cancelled')`;
    case 'returned':
      return factHolds(opts, 'returned');
    case 'oversold':
      return factHolds(opts, 'oversold');
    case 'late':
      return sql<boolean>`${late(opts)}`;
    case 'on_time':
      return sql<boolean>`(${slaDecided(opts)} and not ${late(opts)})`;
    case 'stuck':
      return stuck(opts);
    case 'attention':
      return sql<boolean>`(${inException(tenantId)} or ${overdueTask(opts)}
        or (orders.order_type <> 'return' and ${stuck(opts)}))`;
  }
}

/** States as literals, so the planner matches a partial index's predicate. */
const literals = (states: readonly string[]) => sql.raw(states.map((state) => `'${state}'`).join(', '));
/** FINAL_STATES for migration 0034's partial index `orders_running`. */
const FINAL_LIST = literals(FINAL_STATES);
/** UNSHIPPED_ENDS for migration 0041's partial index `orders_unshipped_ends`. */
const UNSHIPPED_LIST = literals(UNSHIPPED_ENDS);
/**
 * Running, and no step for `stuckHours`. No step of an order happens before it was placed or
 * created, so such an order was also placed or created before the cutoff: that redundant condition
 * lets the planner read only the running orders of `orders_running` (migration 0034) older than it.
 */
const stuck = (opts: KpiOptions) => {
  const cutoff = new Date(opts.now.getTime() - opts.stuckHours * 3_600_000);
  return sql<boolean>`(orders.state not in (${FINAL_LIST})
  and least(orders.placed_at, orders.created_at) < ${cutoff}
  and coalesce((select max(h.at) from order_history h where h.tenant_id = ${opts.tenantId} and h.order_id = orders.id),
    orders.placed_at) < ${cutoff})`;
};
const inException = (tenantId: string) => sql<boolean>`exists (select 1 from order_processes p
  where p.tenant_id = ${tenantId} and p.order_id = orders.id and p.exception_kind is not null)`;
const overdueTask = (opts: KpiOptions) => sql<boolean>`exists (select 1 from process_tasks t
  where t.tenant_id = ${opts.tenantId} and t.order_id = orders.id and t.state in ('open', 'claimed')
    and t.due_at < ${opts.now})`;

/**
 * How many orders need attention (issue 18: the navigation's badge): in an exception, with an
 * overdue open task, or stuck — exactly the orders `GET /orders?kpi=attention` lists. A return
 * order in an exception or with an overdue task counts (someone must act); one waiting days for the
 * customer's parcel is not "stuck". Each part is found on its own, then the ids are united: the
 * ids the list of `kpi=attention` takes too, instead of testing every order newest first.
 */
export const attentionIds = (opts: KpiOptions) => sql<{ id: string }>`
    select p.order_id as id from order_processes p where p.tenant_id = ${opts.tenantId} and p.exception_kind is not null
    union
    select t.order_id from process_tasks t where t.tenant_id = ${opts.tenantId} and t.state in ('open', 'claimed')
      and t.due_at < ${opts.now}
    union
    select orders.id from orders where orders.tenant_id = ${opts.tenantId} and orders.order_type <> 'return'
      and ${stuck(opts)}`;
export const attentionCount = (opts: KpiOptions) =>
  sql<{ n: string }>`select count(*) as n from (${attentionIds(opts)}) ids`;

/** Orders with a finished stay in `stage` (they entered it and later moved on). */
export const stageCondition = (tenantId: string, stage: string) =>
  sql<boolean>`exists (select 1 from order_history h where h.tenant_id = ${tenantId} and h.order_id = orders.id
    and h.to_state = ${stage} and exists (select 1 from order_history later where later.tenant_id = h.tenant_id
      and later.order_id = h.order_id and later.to_state is not null and (later.at, later.id) > (h.at, h.id)))`;

/**
 * The order (`orders.id`, or the id given) was fulfilled from `location`: where its first
 * fulfilment order was placed (an order before routing is in no location).
 */
export const locationCondition = (
  tenantId: string,
  location: string,
  orderId: RawBuilder<unknown> = sql.ref('orders.id'),
) =>
  sql<boolean>`${orderId} in (select f.order_id from order_facts f
    join locations l on l.tenant_id = f.tenant_id and l.id = f.location_id
    where f.tenant_id = ${tenantId} and l.code = ${location})`;

/** The order (`orders` row) came from the channel with this code. */
export const channelCondition = (tenantId: string, channel: string) =>
  sql<boolean>`orders.channel_id in (select c.id from channels c where c.tenant_id = ${tenantId} and c.code = ${channel})`;

/** What the operator's channel and location filters keep (`orders` row); `true` when neither is set. */
export function channelLocationCondition(
  tenantId: string,
  filter: { channel?: string | undefined; location?: string | undefined },
): RawBuilder<boolean> {
  const parts = [
    ...(filter.channel ? [channelCondition(tenantId, filter.channel)] : []),
    ...(filter.location ? [locationCondition(tenantId, filter.location)] : []),
  ];
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` and `)})` : sql<boolean>`true`;
}

export const slaDecidedCondition = (opts: KpiOptions) => sql<boolean>`${slaDecided(opts)}`;
