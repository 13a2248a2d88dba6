import type { Selectable } from 'kysely';
import type { OrderLinesTable, OrdersTable, OrderHistoryTable } from '../../store/schema.js';
import { formatMoney } from '../../shared/money.js';

type OrderRow = Selectable<OrdersTable> & { channel_code: string };
const iso = (d: Date | string) => new Date(d).toISOString();

export function orderSummaryView(o: OrderRow) {
  return {
    id: o.id,
    number: o.number,
    channel: o.channel_code,
    externalId: o.external_id,
    orderType: o.order_type,
    state: o.state,
    customer: { id: o.customer_id, name: o.customer_name, email: o.customer_email },
    currency: o.currency,
    grandTotal: formatMoney(BigInt(o.grand_total), o.currency),
    lineCount: o.line_count,
    placedAt: iso(o.placed_at),
    updatedAt: iso(o.updated_at),
    version: o.version,
  };
}

export function orderView(o: OrderRow, lines: Selectable<OrderLinesTable>[]) {
  const m = (v: string) => formatMoney(BigInt(v), o.currency);
  return {
    ...orderSummaryView(o),
    process: { key: o.process_key, version: o.process_version },
    companyId: o.company_id,
    totals: {
      subtotal: m(o.subtotal), discountTotal: m(o.discount_total), taxTotal: m(o.tax_total),
      shippingTotal: m(o.shipping_total), grandTotal: m(o.grand_total),
    },
    delivery: { method: o.delivery_method, pickupLocationId: o.pickup_location_id, ...(o.attributes.delivery as object | undefined) },
    shippingAddress: o.shipping_address,
    billingAddress: o.billing_address,
    paymentTerms: o.payment_terms,
    attributes: Object.fromEntries(Object.entries(o.attributes).filter(([k]) => k !== 'delivery')),
    notes: o.notes,
    lines: lines.map((l) => ({
      id: l.id, lineNo: l.line_no, externalLineId: l.external_line_id, sku: l.sku, productId: l.product_id, name: l.name,
      quantity: l.quantity, unitPrice: m(l.unit_price), discount: m(l.discount), taxRate: l.tax_rate,
      tax: m(l.tax), net: m(l.net), total: m(l.total), attributes: l.attributes,
    })),
    createdAt: iso(o.created_at),
  };
}
export type OrderView = ReturnType<typeof orderView>;

export function historyView(h: Selectable<OrderHistoryTable>) {
  const { actorName, ...reason } = h.reason as { actorName?: string };
  return {
    id: h.id, at: iso(h.at), actor: { type: h.actor_type, id: h.actor_id, name: actorName ?? null },
    action: h.action, fromState: h.from_state, toState: h.to_state, changes: h.changes, reason,
  };
}
