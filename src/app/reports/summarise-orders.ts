import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import { daysOf, knownZone } from './kpis.js';
import { formatMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { Labels } from '../../process/index.js';
import { stateWordsOf } from '../process/process-words.js';
import { END_STATES, locationCondition } from '../orders/kpi-filters.js';

/** The orders summary (the route's `OrdersSummary` schema describes it on the wire). */
export interface OrdersSummary {
  from: string;
  to: string;
  days: number;
  /** The zone the window's days and `perDay` are cut in. */
  timeZone: string;
  total: number;
  byChannel: Array<{ channel: string; count: number }>;
  byState: Array<{ state: string; count: number }>;
  byChannelState: Array<{ channel: string; state: string; count: number }>;
  perDay: Array<{ day: string; count: number; byChannel: Record<string, number> }>;
  revenue: Array<{ currency: string; count: number; grandTotal: string }>;
  cycleTime: { endStates: string[]; orders: number; averageSeconds: number | null };
  /** The states' names in words from the process definitions (a state no definition labels is absent). */
  stateLabels: Record<string, Labels>;
}

const num = (v: unknown) => Number(v ?? 0);

/** What the summary covers: the window, and optionally one channel and one location (by code). */
export interface SummaryFilter {
  days: number;
  channel?: string | undefined;
  /** Orders fulfilled from this location (their first fulfilment order's), as the KPI report filters. */
  location?: string | undefined;
  timeZone?: string | undefined;
}

/**
 * Aggregates over the window — the last `days` calendar days in `timeZone`, today included — and
 * per day of placement in that zone (an unknown zone is 400, as on the KPI report); every query is
 * filtered by tenant through the scope.
 */
export async function ordersSummaryReport(
  scope: TenantScope,
  now: Date,
  { days, channel, location, timeZone = 'UTC' }: SummaryFilter,
): Promise<OrdersSummary> {
  await knownZone(scope, timeZone);
  const today = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timeZone).toPlainDate();
  const startOf = (date: Temporal.PlainDate) => new Date(date.toZonedDateTime({ timeZone }).epochMilliseconds);
  const from = startOf(today.subtract({ days: days - 1 }));
  const to = startOf(today.add({ days: 1 }));
  const base = () => {
    let query = scope
      .selectFrom('orders')
      .innerJoin('channels', (j) =>
        j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
      )
      .where('orders.placed_at', '>=', from)
      .where('orders.placed_at', '<', to)
      // Return orders are not sales: their figures are GET /returns/figures.
      .where('orders.order_type', '<>', 'return');
    if (channel) query = query.where('channels.code', '=', channel);
    if (location) query = query.where(locationCondition(scope.tenantId, location));
    return query;
  };
  const day = sql<string>`to_char(orders.placed_at at time zone ${timeZone}, 'YYYY-MM-DD')`;
  const [grouped, daily, revenue, cycle] = await Promise.all([
    base()
      .select(['channels.code as channel', 'orders.state as state', sql<string>`count(*)`.as('n')])
      .groupBy(['channels.code', 'orders.state'])
      .execute(),
    base()
      .select([day.as('day'), 'channels.code as channel', sql<string>`count(*)`.as('n')])
      // by position: the zone is a parameter, and a second one in GROUP BY would not match the first
      .groupBy([sql`1`, 'channels.code'])
      .execute(),
    base()
      .select([
        'orders.currency as currency',
        sql<string>`count(*)`.as('n'),
        sql<string>`sum(orders.grand_total)::text`.as('total'),
      ])
      .groupBy('orders.currency')
      .orderBy('orders.currency')
      .execute(),
    // Cycle time: placement to the first end state (END_STATES, the KPIs'), kept in each order's facts.
    base()
      .innerJoin('order_facts as facts', (j) =>
        j.onRef('facts.tenant_id', '=', 'orders.tenant_id').onRef('facts.order_id', '=', 'orders.id'),
      )
      .where('facts.ended_at', 'is not', null)
      .select([
        sql<string>`count(*)`.as('n'),
        sql<string | null>`avg(extract(epoch from (facts.ended_at - orders.placed_at)))::float8`.as('avg'),
      ])
      .executeTakeFirst(),
  ]);

  const byChannel = new Map<string, number>();
  const byState = new Map<string, number>();
  let total = 0;
  for (const row of grouped) {
    const count = num(row.n);
    total += count;
    byChannel.set(row.channel, (byChannel.get(row.channel) ?? 0) + count);
    byState.set(row.state, (byState.get(row.state) ?? 0) + count);
  }
  const perDay = new Map<string, { count: number; byChannel: Record<string, number> }>();
  for (const { day: date } of daysOf(from, to, timeZone)) perDay.set(date, { count: 0, byChannel: {} });
  for (const row of daily) {
    const item = perDay.get(row.day);
    if (!item) continue;
    item.count += num(row.n);
    item.byChannel[row.channel] = num(row.n);
  }
  const desc = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  const stateLabels = await stateWordsOf(scope, [...byState.keys()]);
  const avg = cycle?.avg;
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    days,
    timeZone,
    total,
    byChannel: [...byChannel].map(([c, n]) => ({ channel: c, count: n })).sort(desc),
    byState: [...byState].map(([st, n]) => ({ state: st, count: n })).sort(desc),
    byChannelState: grouped.map((r) => ({ channel: r.channel, state: r.state, count: num(r.n) })).sort(desc),
    perDay: [...perDay].map(([d, v]) => ({ day: d, ...v })),
    // Sums stay in bigint minor units until formatted: exact at any volume.
    revenue: revenue.map((r) => ({
      currency: r.currency,
      count: num(r.n),
      grandTotal: formatMoney(BigInt(r.total ?? '0'), r.currency),
    })),
    cycleTime: {
      endStates: [...END_STATES],
      orders: num(cycle?.n),
      averageSeconds: avg === null || avg === undefined ? null : Math.round(Number(avg)),
    },
    stateLabels,
  };
}
