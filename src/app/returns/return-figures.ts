import { sql } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { TenantScope } from '../../store/tenant-scope.js';
import { knownZone } from '../reports/kpis.js';
import { locationCondition } from '../orders/kpi-filters.js';
import '../../store/schema-returns.js';

/**
 * Return figures for the dashboard, over requests made in [from, to] (calendar days in `tz`, the
 * user's; UTC by default; an unknown zone is 400 at `tz`, as on the KPI report): the return rate
 * (units returned / units shipped on orders placed in the period) by SKU, channel, reason and
 * location; time from request to refund (p50/p90 hours); and the restock share (units graded
 * resell / units graded). Refused requests are not stored, so they are not counted.
 */
export async function returnFigures(
  scope: TenantScope,
  now: Date,
  query: {
    from?: string | undefined;
    to?: string | undefined;
    tz?: string | undefined;
    /** Only returns of, and shipments for, this channel's orders (code). */
    channel?: string | undefined;
    /** Only orders fulfilled from this location (code; their first fulfilment order's). */
    location?: string | undefined;
  },
) {
  const timeZone = query.tz ?? 'UTC';
  await knownZone(scope, timeZone);
  const toDay = query.to
    ? Temporal.PlainDate.from(query.to)
    : Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(timeZone).toPlainDate();
  const fromDay = query.from ? Temporal.PlainDate.from(query.from) : toDay.subtract({ days: 90 });
  const from = fromDay.toString();
  const to = toDay.toString();
  const tenant = scope.tenantId;
  // The instants the first day starts and the day after the last starts at, in the zone.
  const startOf = (date: Temporal.PlainDate) =>
    new Date(date.toZonedDateTime({ timeZone }).epochMilliseconds).toISOString();
  const start = startOf(fromDay);
  const end = startOf(toDay.add({ days: 1 }));
  const shippedBy = (key: string) => sql.raw(key);
  // The dashboard's filter, on the sold order (its id in `orderId`): its channel and where it was fulfilled from.
  const only = (orderId: string) => sql`
    ${
      query.channel
        ? sql`and exists (select 1 from orders fo join channels fc on fc.tenant_id = fo.tenant_id and fc.id = fo.channel_id
      where fo.tenant_id = ${tenant} and fo.id = ${sql.ref(orderId)} and fc.code = ${query.channel})`
        : sql``
    }
    ${query.location ? sql`and ${locationCondition(tenant, query.location, sql.ref(orderId))}` : sql``}`;
  const rate = async (key: string, label: string) => {
    const { rows } = await sql<{ key: string | null; shipped: number; returned: number }>`
      with shipped as (
        select ${shippedBy(key)} as key, sum(-m.on_hand_delta)::int as shipped
        from stock_movements m join orders o on o.tenant_id = m.tenant_id and o.id = m.order_id
        join channels c on c.tenant_id = o.tenant_id and c.id = o.channel_id
        join products p on p.tenant_id = m.tenant_id and p.id = m.product_id
        left join locations loc on loc.tenant_id = m.tenant_id and loc.id = m.location_id
        where m.tenant_id = ${tenant} and m.kind = 'shipment' and o.placed_at >= ${start} and o.placed_at < ${end}
          ${only('m.order_id')}
        group by 1),
      returned as (
        select ${shippedBy(label)} as key, sum(rl.quantity)::int as returned
        from return_lines rl join returns r on r.tenant_id = rl.tenant_id and r.id = rl.return_id
        join orders ro on ro.tenant_id = r.tenant_id and ro.id = r.id
        join orders o on o.tenant_id = r.tenant_id and o.id = r.order_id
        join channels c on c.tenant_id = o.tenant_id and c.id = o.channel_id
        left join locations loc on loc.tenant_id = r.tenant_id and loc.id = r.receiving_location_id
        where rl.tenant_id = ${tenant} and r.created_at >= ${start} and r.created_at < ${end}
          and ro.state not in ('rejected', 'cancelled') ${only('r.order_id')}
        group by 1)
      select coalesce(s.key, r.key) as key, coalesce(s.shipped, 0) as shipped, coalesce(r.returned, 0) as returned
      from shipped s full join returned r on r.key = s.key
      order by 3 desc, 1 limit 100`.execute(scope.conn);
    return rows.map((r) => ({
      key: r.key ?? '—',
      shipped: r.shipped,
      returned: r.returned,
      rate: r.shipped > 0 ? Math.round((r.returned / r.shipped) * 10_000) / 10_000 : null,
    }));
  };
  const [bySku, byChannel, byLocation] = await Promise.all([
    rate('p.sku', 'rl.sku'),
    rate('c.code', 'c.code'),
    rate('loc.code', 'loc.code'),
  ]);
  const { rows: reasons } = await sql<{ reason: string; returns: number; units: number }>`
    select r.reason_code as reason, count(distinct r.id)::int as returns, sum(rl.quantity)::int as units
    from returns r join return_lines rl on rl.tenant_id = r.tenant_id and rl.return_id = r.id
    join orders ro on ro.tenant_id = r.tenant_id and ro.id = r.id
    where r.tenant_id = ${tenant} and r.created_at >= ${start} and r.created_at < ${end} and ro.state not in ('rejected', 'cancelled')
      ${only('r.order_id')}
    group by 1 order by 3 desc`.execute(scope.conn);
  const { rows: timing } = await sql<{ n: number; p50: number | null; p90: number | null }>`
    select count(*)::int as n,
      percentile_cont(0.5) within group (order by h) as p50,
      percentile_cont(0.9) within group (order by h) as p90
    from (select extract(epoch from (r.closed_at - r.created_at)) / 3600 as h
      from returns r where r.tenant_id = ${tenant} and r.created_at >= ${start} and r.created_at < ${end}
        and r.closed_at is not null and (r.refunded > 0 or r.store_credit > 0) ${only('r.order_id')}) x`.execute(
    scope.conn,
  );
  const { rows: grades } = await sql<{ resell: number; refurbish: number; write_off: number }>`
    select coalesce(sum(rl.resell), 0)::int as resell, coalesce(sum(rl.refurbish), 0)::int as refurbish, coalesce(sum(rl.write_off), 0)::int as write_off
    from return_lines rl join returns r on r.tenant_id = rl.tenant_id and r.id = rl.return_id
    where rl.tenant_id = ${tenant} and r.created_at >= ${start} and r.created_at < ${end} ${only('r.order_id')}`.execute(
    scope.conn,
  );
  const grade = grades[0]!;
  const graded = grade.resell + grade.refurbish + grade.write_off;
  const hours = (v: number | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
  return {
    from,
    to,
    timeZone,
    channel: query.channel ?? null,
    location: query.location ?? null,
    rate: { bySku, byChannel, byLocation },
    byReason: reasons,
    requestToRefund: { refunds: timing[0]!.n, p50Hours: hours(timing[0]!.p50), p90Hours: hours(timing[0]!.p90) },
    restock: {
      resell: grade.resell,
      refurbish: grade.refurbish,
      writeOff: grade.write_off,
      share: graded > 0 ? Math.round((grade.resell / graded) * 10_000) / 10_000 : null,
    },
  };
}
