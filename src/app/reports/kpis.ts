import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import { AppError } from '../../shared/errors.js';
import { ianaZone } from '../../shared/time-zones.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import {
  END_STATES,
  FACTS_JOIN,
  joinedFacts,
  kpiCondition,
  slaDecidedCondition,
  type Kpi,
  type KpiOptions,
} from '../orders/kpi-filters.js';
import { publishedStateWords } from '../process/process-words.js';
import type { Labels } from '../../process/index.js';

/**
 * KPIs (issue 18 item 7, C15; docs/kpis.md) over the orders placed in [from, to) (return orders
 * excluded), optionally of one channel and one location. Every count uses the condition the orders
 * list filters by (kpi-filters.ts), and every figure carries `drillDown`: the GET /api/v1/orders
 * query that lists exactly the orders behind it.
 */
export interface KpiQuery {
  from: Date;
  to: Date;
  channel?: string;
  location?: string;
  slaHours: number;
  stuckHours: number;
  /** The IANA zone the per-day figures cut days in (the user's); UTC by default. */
  timeZone?: string | undefined;
}

/**
 * The calendar days of [from, to) in `zone`, each with the instants it starts and ends at, clipped
 * to the window (a day where clocks change lasts 23 or 25 hours).
 */
export function daysOf(from: Date, to: Date, zone: string): { day: string; start: Date; end: Date }[] {
  const days = [];
  let date = Temporal.Instant.fromEpochMilliseconds(from.getTime()).toZonedDateTimeISO(zone).toPlainDate();
  for (;;) {
    const start = date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
    if (start >= to.getTime()) break;
    const next = date.add({ days: 1 });
    const end = next.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
    days.push({
      day: date.toString(),
      start: new Date(Math.max(start, from.getTime())),
      end: new Date(Math.min(end, to.getTime())),
    });
    date = next;
  }
  return days;
}

const seconds = (value: unknown) => (value === null || value === undefined ? null : Math.round(Number(value)));
const rate = (count: number, of: number) => (of === 0 ? null : Math.round((count / of) * 10_000) / 10_000);

/**
 * The zone is one both clocks know — Intl's (the windows) and the database's (the days) — else the
 * caller's error, not a 500 (the route lets only IANA names through; the two tables may differ).
 * `field` names the request's member the problem points at (`tz`, a user's `timeZone`).
 */
export async function knownZone(scope: TenantScope, zone: string, field = 'tz') {
  if (zone === 'UTC') return;
  const refuse = () =>
    new AppError('VALIDATION_FAILED', `unknown time zone ${zone}`, [
      { path: `/${field}`, message: 'an IANA time zone such as Europe/Warsaw' },
    ]);
  if (ianaZone(zone) === null) throw refuse();
  try {
    await sql`select now() at time zone ${zone}`.execute(scope.conn);
  } catch {
    throw refuse();
  }
}

export async function kpiReport(scope: TenantScope, now: Date, query: KpiQuery) {
  const tenantId = scope.tenantId;
  // One pass over the window's orders with their facts (order_facts, kept as they happen) and the
  // code of their location, instead of subqueries per order and per figure.
  const opts: KpiOptions = {
    tenantId,
    now,
    slaHours: query.slaHours,
    stuckHours: query.stuckHours,
    facts: joinedFacts,
  };
  const base = sql`orders.tenant_id = ${tenantId} and orders.order_type <> 'return'
    and orders.placed_at >= ${query.from} and orders.placed_at < ${query.to}
    ${query.channel ? sql`and channels.code = ${query.channel}` : sql``}
    ${query.location ? sql`and located.code = ${query.location}` : sql``}`;
  const from = sql`orders join channels on channels.tenant_id = orders.tenant_id and channels.id = orders.channel_id
    ${FACTS_JOIN}
    left join locations located on located.tenant_id = facts.tenant_id and located.id = facts.location_id`;

  const drill = (extra: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams({ placedFrom: query.from.toISOString(), placedTo: query.to.toISOString() });
    if (query.channel) params.set('channel', query.channel);
    if (query.location) params.set('location', query.location);
    for (const [key, value] of Object.entries(extra)) if (value !== undefined) params.set(key, String(value));
    return `/api/v1/orders?${params.toString()}`;
  };
  const kpiDrill = (kpi: Kpi, scoped: Record<string, string | undefined> = {}) =>
    drill({
      ...scoped,
      kpi,
      ...(kpi === 'late' || kpi === 'on_time' ? { slaHours: query.slaHours } : {}),
      ...(kpi === 'stuck' ? { stuckHours: query.stuckHours } : {}),
    });

  const countOf = (kpi: Kpi) => sql`count(*) filter (where ${kpiCondition(kpi, opts)})`;
  // The four passes below are independent: each runs on its own connection of the pool at once,
  // so the report takes as long as its longest pass (the time per stage), not their sum.
  const zone = query.timeZone ?? 'UTC';
  await knownZone(scope, zone);
  const counting = sql<Record<string, string>>`select count(*) as total,
      ${countOf('completed')} as completed, ${countOf('cancelled')} as cancelled,
      ${countOf('returned')} as returned, ${countOf('oversold')} as oversold,
      ${countOf('late')} as late, ${countOf('on_time')} as on_time, ${countOf('stuck')} as stuck,
      count(*) filter (where ${slaDecidedCondition(opts)}) as sla_decided
    from ${from} where ${base}`.execute(scope.conn);

  // Cycle time: placement to the first end state, overall, per channel and per location.
  const cycling = sql<{
    channel: string | null;
    channel_name: string | null;
    location: string | null;
    by_channel: number;
    by_location: number;
    n: string;
    p50: string | null;
    p90: string | null;
    average: string | null;
  }>`with done as (
      select channels.code as channel, channels.name as channel_name, located.code as location,
        extract(epoch from (facts.ended_at - orders.placed_at)) as took
      from ${from} where ${base})
    select channel, channel_name, location, grouping(channel, channel_name) = 0 as by_channel,
      grouping(location) = 0 as by_location, count(*) as n,
      percentile_cont(0.5) within group (order by took) as p50,
      percentile_cont(0.9) within group (order by took) as p90, avg(took) as average
    from done where took is not null
    group by grouping sets ((), (channel, channel_name), (location))
    order by count(*) desc`.execute(scope.conn);

  // Time per stage: each finished stay in a state (entered, then left by the next step).
  const staging = sql<{
    stage: string;
    channel: string | null;
    channel_name: string | null;
    location: string | null;
    by_channel: number;
    by_location: number;
    stays: string;
    orders: string;
    p50: string | null;
    p90: string | null;
  }>`with scoped as (
      select orders.id, channels.code as channel, channels.name as channel_name, located.code as location
      from ${from} where ${base}),
    steps as (
      select scoped.id, scoped.channel, scoped.channel_name, scoped.location, h.to_state as stage, h.at,
        lead(h.at) over (partition by h.order_id order by h.at, h.id) as left_at
      from scoped join order_history h on h.tenant_id = ${tenantId} and h.order_id = scoped.id
      where h.to_state is not null)
    select stage, channel, channel_name, location, grouping(channel, channel_name) = 0 as by_channel,
      grouping(location) = 0 as by_location, count(*) as stays, count(distinct id) as orders,
      percentile_cont(0.5) within group (order by extract(epoch from (left_at - at))) as p50,
      percentile_cont(0.9) within group (order by extract(epoch from (left_at - at))) as p90
    from steps where left_at is not null
    group by grouping sets ((stage), (stage, channel, channel_name), (stage, location))
    order by stage, count(*) desc`.execute(scope.conn);

  // The figures per calendar day of placement in the user's zone, every day of the period (days
  // without orders as zeros); PostgreSQL cuts the days with the same zone rules the windows use.
  const days = sql<Record<string, string | null>>`select
      to_char(orders.placed_at at time zone ${zone}, 'YYYY-MM-DD') as day, count(*) as total,
      ${countOf('cancelled')} as cancelled, ${countOf('late')} as late, ${countOf('on_time')} as on_time,
      count(*) filter (where ${slaDecidedCondition(opts)}) as sla_decided,
      percentile_cont(0.5) within group (order by extract(epoch from (facts.ended_at - orders.placed_at))) as p50
    from ${from} where ${base} group by 1 order by 1`.execute(scope.conn);
  const [counts, cycleRows, stageRows, dayRows] = await Promise.all([counting, cycling, staging, days]);
  const row = counts.rows[0] ?? {};
  const figure = (key: string) => Number(row[key] ?? 0);
  const total = figure('total');
  const byDay = new Map(dayRows.rows.map((r) => [String(r.day), r]));
  const daily = daysOf(query.from, query.to, zone).map(({ day, start, end }) => {
    const found = byDay.get(day);
    const number = (column: string) => Number(found?.[column] ?? 0);
    const dayDrill = (extra: Record<string, string | number | undefined> = {}) =>
      drill({ placedFrom: start.toISOString(), placedTo: end.toISOString(), ...extra });
    return {
      day,
      orders: number('total'),
      medianCycleSeconds: seconds(found?.p50 ?? null),
      slaAdherence: rate(number('on_time'), number('sla_decided')),
      late: number('late'),
      cancelled: number('cancelled'),
      drillDown: dayDrill(),
      lateDrillDown: dayDrill({ kpi: 'late', slaHours: query.slaHours }),
      cancelledDrillDown: dayDrill({ kpi: 'cancelled' }),
    };
  });

  const codes = [
    ...new Set(
      [...cycleRows.rows, ...stageRows.rows].map((r) => r.location).filter((code): code is string => Boolean(code)),
    ),
  ];
  const locationNames = new Map<string, string>();
  if (codes.length)
    for (const loc of await scope.selectFrom('locations').select(['code', 'name']).where('code', 'in', codes).execute())
      locationNames.set(loc.code, loc.name);

  // The words people read for each stage and end state: the published processes' labels.
  const stateWords = await publishedStateWords(scope);
  const stageLabels: Record<string, Labels> = {};
  for (const stage of new Set([...stageRows.rows.map((r) => r.stage), ...END_STATES])) {
    const labels = stateWords.get(stage);
    if (labels) stageLabels[stage] = labels;
  }

  const cycle = (r: (typeof cycleRows.rows)[number], scoped: Record<string, string | undefined>) => ({
    orders: Number(r.n),
    p50Seconds: seconds(r.p50),
    p90Seconds: seconds(r.p90),
    averageSeconds: seconds(r.average),
    drillDown: kpiDrill('completed', scoped),
  });
  const overall = cycleRows.rows.find((r) => !r.by_channel && !r.by_location);
  const rated = (kpi: Kpi, count: number, of: number) => ({ count, rate: rate(count, of), drillDown: kpiDrill(kpi) });
  const slaDecided = figure('sla_decided');

  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    channel: query.channel ?? null,
    location: query.location ?? null,
    slaHours: query.slaHours,
    stuckHours: query.stuckHours,
    timeZone: zone,
    endStates: [...END_STATES],
    stageLabels,
    orders: { count: total, drillDown: kpiDrill('placed') },
    cycleTime: {
      ...(overall
        ? cycle(overall, {})
        : { orders: 0, p50Seconds: null, p90Seconds: null, averageSeconds: null, drillDown: kpiDrill('completed') }),
      byChannel: cycleRows.rows
        .filter((r) => r.by_channel)
        .map((r) => ({
          channel: r.channel ?? '',
          name: r.channel_name ?? r.channel ?? '',
          ...cycle(r, { channel: r.channel ?? undefined }),
        })),
      byLocation: cycleRows.rows
        .filter((r) => r.by_location && r.location)
        .map((r) => ({
          location: r.location ?? '',
          name: locationNames.get(r.location ?? '') ?? r.location ?? '',
          ...cycle(r, { location: r.location ?? undefined }),
        })),
    },
    stages: stageRows.rows
      .filter((r) => !r.by_location || r.location)
      .map((r) => ({
        stage: r.stage,
        channel: r.by_channel ? r.channel : null,
        channelName: r.by_channel ? r.channel_name : null,
        location: r.by_location ? r.location : null,
        locationName: r.by_location && r.location ? (locationNames.get(r.location) ?? r.location) : null,
        stays: Number(r.stays),
        orders: Number(r.orders),
        p50Seconds: seconds(r.p50),
        p90Seconds: seconds(r.p90),
        drillDown: drill({
          stage: r.stage,
          ...(r.by_channel && r.channel ? { channel: r.channel } : {}),
          ...(r.by_location && r.location ? { location: r.location } : {}),
        }),
      })),
    sla: {
      decided: slaDecided,
      onTime: figure('on_time'),
      adherence: rate(figure('on_time'), slaDecided),
      drillDown: kpiDrill('on_time'),
    },
    late: rated('late', figure('late'), slaDecided),
    cancelled: rated('cancelled', figure('cancelled'), total),
    returned: rated('returned', figure('returned'), total),
    oversold: rated('oversold', figure('oversold'), total),
    stuck: rated('stuck', figure('stuck'), total),
    daily,
  };
}
