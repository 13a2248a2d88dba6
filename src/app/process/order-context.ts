import { sql } from 'kysely';
import { formatMoney } from '../../shared/money.js';

/**
 * What a person needs beside a task or an exception to decide without opening the order: its
 * number, customer, total with currency, channel, when it was placed, and what is short where.
 * Selected as columns of the same statement that lists the rows (joins and correlated
 * subqueries on indexed keys), so a page of 200 rows is one query, not 200.
 *
 * The statement must join `orders` and `channels` under those names.
 */
export const orderContextColumns = () => [
  sql<string>`orders.number`.as('ctx_number'),
  sql<string | null>`orders.customer_name`.as('ctx_customer_name'),
  sql<string>`orders.currency`.as('ctx_currency'),
  sql<string>`orders.grand_total`.as('ctx_grand_total'),
  sql<string>`orders.state`.as('ctx_order_state'),
  sql<Date>`orders.placed_at`.as('ctx_placed_at'),
  sql<string>`channels.code`.as('ctx_channel_code'),
  sql<string>`channels.name`.as('ctx_channel_name'),
  // Open backorders: the SKU short by how many units, and where: the location already holding
  // part of that line, else the order's pickup location; none when no location has any.
  sql<unknown>`(
    select coalesce(json_agg(json_build_object(
      'sku', p.sku, 'name', p.name, 'quantity', b.quantity,
      'locationCode', l.code, 'locationName', l.name) order by p.sku), '[]'::json)
    from stock_backorders b
    join products p on p.tenant_id = b.tenant_id and p.id = b.product_id
    left join locations l on l.tenant_id = b.tenant_id and l.id = coalesce(
      (select r.location_id from stock_reservations r
        where r.tenant_id = b.tenant_id and r.order_id = b.order_id and r.order_line_id = b.order_line_id
          and r.status = 'active'
        order by r.quantity desc limit 1),
      orders.pickup_location_id)
    where b.tenant_id = orders.tenant_id and b.order_id = orders.id and b.status = 'open'
  )`.as('ctx_shortages'),
];

/** The name of a user or API key stored as an actor reference (its id), in the same statement. */
export const actorNameColumn = <A extends string>(column: string, alias: A) =>
  sql<string | null>`(
    select coalesce(
      (select u.name from users u where u.tenant_id = process_tasks.tenant_id and u.id::text = ${sql.ref(column)}),
      (select k.name from api_keys k where k.tenant_id = process_tasks.tenant_id and k.id::text = ${sql.ref(column)}))
  )`.as(alias);

export type ContextRow = {
  ctx_number: string;
  ctx_customer_name: string | null;
  ctx_currency: string;
  ctx_grand_total: string | number | bigint;
  ctx_order_state: string;
  ctx_placed_at: Date | string;
  ctx_channel_code: string;
  ctx_channel_name: string;
  ctx_shortages: unknown;
};

export type Shortage = {
  sku: string;
  name: string;
  quantity: number;
  location: { code: string; name: string } | null;
};

export function orderContextView(row: ContextRow, now: Date) {
  const raw = typeof row.ctx_shortages === 'string' ? JSON.parse(row.ctx_shortages) : row.ctx_shortages;
  const shortages: Shortage[] = ((raw ?? []) as Array<Record<string, unknown>>).map((s) => ({
    sku: String(s.sku),
    name: String(s.name),
    quantity: Number(s.quantity),
    location: s.locationCode ? { code: String(s.locationCode), name: String(s.locationName) } : null,
  }));
  const placedAt = new Date(row.ctx_placed_at);
  return {
    order: {
      number: row.ctx_number,
      state: row.ctx_order_state,
      customerName: row.ctx_customer_name,
      currency: row.ctx_currency,
      grandTotal: formatMoney(BigInt(row.ctx_grand_total), row.ctx_currency),
      channel: { code: row.ctx_channel_code, name: row.ctx_channel_name },
      placedAt: placedAt.toISOString(),
      ageSeconds: Math.max(0, Math.floor((now.getTime() - placedAt.getTime()) / 1000)),
    },
    shortages,
  };
}
