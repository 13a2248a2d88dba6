import { sql } from 'kysely';
import { formatMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { locationCondition } from '../orders/kpi-filters.js';

export interface RevenueQuery {
  from: Date;
  to: Date;
  groupBy: 'day' | 'month';
  /** The zone periods are cut in (the tenant's); UTC by default. */
  timeZone?: string | undefined;
  /** Only this channel's orders (code). */
  channel?: string | undefined;
  /** Only orders fulfilled from this location (code), as the KPI report filters. */
  location?: string | undefined;
}

/**
 * Money by channel and period (of the order's placement): ordered, paid (captured), refunded,
 * outstanding on open orders, and overdue (outstanding on orders with an invoice past its due
 * date). Exact decimal strings per currency; cancelled and rejected orders owe nothing. Quotes
 * and return orders are not counted (a return's money is the refund on the order it returns).
 */
export async function revenueReport(scope: TenantScope, query: RevenueQuery) {
  const zone = query.timeZone ?? 'UTC';
  const { rows } = await sql<{
    period: string;
    channel: string;
    currency: string;
    orders: string;
    ordered: string;
    paid: string;
    refunded: string;
    outstanding: string;
    overdue: string;
  }>`
    with o as (
      select orders.id, orders.currency, orders.grand_total, orders.state, c.code as channel,
        to_char(date_trunc(${query.groupBy}, orders.placed_at at time zone ${zone}), 'YYYY-MM-DD') as period,
        coalesce(p.captured, 0) as captured, coalesce(p.refunded, 0) as refunded,
        exists (select 1 from invoices i where i.tenant_id = orders.tenant_id and i.order_id = orders.id and i.kind = 'invoice'
          and i.due_date < (now() at time zone ${zone})::date) as has_overdue
      from orders
      join channels c on c.tenant_id = orders.tenant_id and c.id = orders.channel_id
      left join lateral (select sum(captured) as captured, sum(refunded) as refunded from payments
        where tenant_id = orders.tenant_id and order_id = orders.id) p on true
      where orders.tenant_id = ${scope.tenantId} and orders.placed_at >= ${query.from} and orders.placed_at < ${query.to}
        -- a quote is not an order yet; a return is not a sale (its refund is the sold order's refunded)
        and orders.order_type not in ('quote', 'return')
        ${query.channel ? sql`and c.code = ${query.channel}` : sql``}
        ${query.location ? sql`and ${locationCondition(scope.tenantId, query.location)}` : sql``}
    )
    select period, channel, currency, count(*)::text as orders,
      sum(grand_total)::text as ordered, sum(captured)::text as paid, sum(refunded)::text as refunded,
      coalesce(sum(greatest(grand_total - captured, 0)) filter (where state not in ('cancelled', 'rejected')), 0)::text as outstanding,
      coalesce(sum(greatest(grand_total - captured, 0)) filter (where has_overdue and state not in ('cancelled', 'rejected')), 0)::text as overdue
    from o group by period, channel, currency order by period, channel, currency`.execute(scope.conn);
  const formatAmount = (v: string, c: string) => formatMoney(BigInt(v), c);
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    groupBy: query.groupBy,
    timeZone: zone,
    rows: rows.map((r) => ({
      period: r.period,
      channel: r.channel,
      currency: r.currency,
      orders: Number(r.orders),
      ordered: formatAmount(r.ordered, r.currency),
      paid: formatAmount(r.paid, r.currency),
      refunded: formatAmount(r.refunded, r.currency),
      net: formatAmount(String(BigInt(r.paid) - BigInt(r.refunded)), r.currency),
      outstanding: formatAmount(r.outstanding, r.currency),
      overdue: formatAmount(r.overdue, r.currency),
    })),
  };
}
