import { sql, type RawBuilder } from 'kysely';
import type { ReturnFactRow } from '../../domain/returns/facts.js';
import '../../store/schema-returns.js';

/**
 * A return order's fact row as one JSON sub-select (null on any other order), so it rides along
 * with the statement that loads the order's facts. Days since delivery count from the original
 * order's delivery (or its last hand-over to the carrier) to the request, so eligibility is decided
 * by the request's date, whenever the process reads it.
 */
export function returnFactsJson(
  tenant: RawBuilder<unknown>,
  orderId: RawBuilder<unknown>,
): RawBuilder<ReturnFactRow | null> {
  return sql<ReturnFactRow | null>`(select row_to_json(x) from (select r.id, r.order_id, o.number as order_number,
      r.reason_code, r.wish, r.source, r.drop_off, r.exchange, r.exchange_order_id,
      jsonb_array_length(r.photos) as photos,
      coalesce((select array_agg(distinct rl.sku) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), '{}') as skus,
      coalesce((select sum(rl.value) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::text as value,
      coalesce((select sum(rl.quantity) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::int as units,
      coalesce((select sum(rl.received) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::int as received,
      coalesce((select sum(rl.resell) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::int as resell,
      coalesce((select sum(rl.refurbish) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::int as refurbish,
      coalesce((select sum(rl.write_off) from return_lines rl where rl.tenant_id = r.tenant_id and rl.return_id = r.id), 0)::int as write_off,
      r.refunded::text as refunded, r.store_credit::text as store_credit,
      coalesce((select sum(-m.on_hand_delta) from stock_movements m where m.tenant_id = r.tenant_id and m.order_id = r.order_id and m.kind = 'shipment'), 0)::int as order_units,
      coalesce((select sum(rl.quantity) from return_lines rl join returns r2 on r2.tenant_id = rl.tenant_id and r2.id = rl.return_id
         join orders ro on ro.tenant_id = r2.tenant_id and ro.id = r2.id
         where rl.tenant_id = r.tenant_id and r2.order_id = r.order_id and ro.state not in ('rejected','cancelled')), 0)::int as order_returned_units,
      greatest(o.grand_total - coalesce((select sum(l.total) from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id), 0), 0)::text as order_shipping_total,
      coalesce(floor(extract(epoch from (r.created_at - coalesce(
        (select max(s.delivered_at) from shipments s where s.tenant_id = r.tenant_id and s.order_id = r.order_id),
        (select max(m.at) from stock_movements m where m.tenant_id = r.tenant_id and m.order_id = r.order_id and m.kind = 'shipment'))))
        / 86400)::int, -1) as days_since_delivery,
      exists (select 1 from invoices i where i.tenant_id = r.tenant_id and i.order_id = r.order_id and i.kind = 'invoice') as has_invoice,
      (o.customer_id is not null) as customer_known
    from returns r join orders o on o.tenant_id = r.tenant_id and o.id = r.order_id
    where r.tenant_id = ${tenant} and r.id = ${orderId}) x)`;
}
