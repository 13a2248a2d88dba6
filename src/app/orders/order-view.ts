import type { Selectable } from 'kysely';
import type { OrderLinesTable, OrdersTable, OrderHistoryTable } from '../../store/schema.js';
import { formatMoney } from '../../shared/money.js';

type OrderRow = Selectable<OrdersTable> & { channel_code: string };
const iso = (d: Date | string) => new Date(d).toISOString();

export function orderSummaryView(order: OrderRow) {
  return {
    id: order.id,
    number: order.number,
    channel: order.channel_code,
    externalId: order.external_id,
    orderType: order.order_type,
    state: order.state,
    customer: { id: order.customer_id, name: order.customer_name, email: order.customer_email },
    currency: order.currency,
    grandTotal: formatMoney(BigInt(order.grand_total), order.currency),
    lineCount: order.line_count,
    placedAt: iso(order.placed_at),
    updatedAt: iso(order.updated_at),
    version: order.version,
  };
}

export function orderView(order: OrderRow, lines: Selectable<OrderLinesTable>[]) {
  const match = (v: string) => formatMoney(BigInt(v), order.currency);
  return {
    ...orderSummaryView(order),
    process: { key: order.process_key, version: order.process_version },
    companyId: order.company_id,
    totals: {
      subtotal: match(order.subtotal),
      discountTotal: match(order.discount_total),
      taxTotal: match(order.tax_total),
      shippingTotal: match(order.shipping_total),
      grandTotal: match(order.grand_total),
    },
    delivery: {
      method: order.delivery_method,
      pickupLocationId: order.pickup_location_id,
      ...(order.attributes.delivery as object | undefined),
    },
    shippingAddress: order.shipping_address,
    billingAddress: order.billing_address,
    paymentTerms: order.payment_terms,
    attributes: Object.fromEntries(Object.entries(order.attributes).filter(([k]) => k !== 'delivery')),
    notes: order.notes,
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      externalLineId: l.external_line_id,
      sku: l.sku,
      productId: l.product_id,
      name: l.name,
      quantity: l.quantity,
      unitPrice: match(l.unit_price),
      discount: match(l.discount),
      taxRate: l.tax_rate,
      tax: match(l.tax),
      net: match(l.net),
      total: match(l.total),
      attributes: l.attributes,
    })),
    createdAt: iso(order.created_at),
  };
}
export type OrderView = ReturnType<typeof orderView>;

export function historyView(entry: Selectable<OrderHistoryTable>) {
  const { actorName, ...reason } = entry.reason as { actorName?: string };
  return {
    id: entry.id,
    at: iso(entry.at),
    actor: { type: entry.actor_type, id: entry.actor_id, name: actorName ?? null },
    action: entry.action,
    fromState: entry.from_state,
    toState: entry.to_state,
    changes: entry.changes,
    reason,
  };
}
