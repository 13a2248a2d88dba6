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
    displayNumber: order.display_number ?? null,
    customer: {
      id: order.customer_id,
      name: order.customer_name,
      email: order.customer_email,
      externalId: order.customer_external_id ?? null,
      masked: order.customer_masked ?? false,
    },
    currency: order.currency,
    grandTotal: formatMoney(BigInt(order.grand_total), order.currency),
    lineCount: order.line_count,
    placedAt: iso(order.placed_at),
    updatedAt: iso(order.updated_at),
    version: order.version,
  };
}

type Share = { index: number; amount: string };

export function orderView(order: OrderRow, lines: Selectable<OrderLinesTable>[]) {
  const match = (v: string | bigint) => formatMoney(BigInt(v), order.currency);
  const orMatch = (v: unknown) => (v === null || v === undefined ? null : match(v as string));
  const discounts = (order.discounts ?? []) as Array<{
    target: 'order' | 'shipping';
    amount: string;
    code: string | null;
    title: string | null;
  }>;
  const allocations = (shares: Share[] | undefined) =>
    (shares ?? []).map((share) => ({
      index: share.index,
      code: discounts[share.index]?.code ?? null,
      amount: match(share.amount),
    }));
  const marketplace = order.marketplace as Record<string, unknown> | null | undefined;
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
      pickupPoint: order.pickup_point ?? null,
    },
    shippingLines: ((order.shipping_lines ?? []) as Array<Record<string, unknown>>).map((l) => ({
      code: (l.code as string | null) ?? null,
      title: (l.title as string | null) ?? null,
      carrier: (l.carrier as string | null) ?? null,
      amount: match(l.amount as string),
      discount: match(l.discount as string),
      allocatedDiscount: match(l.allocatedDiscount as string),
      discountAllocations: allocations(l.allocations as Share[]),
      taxRate: (l.taxRate as string | null) ?? null,
      tax: match(l.tax as string),
      net: match(l.net as string),
      total: match(l.total as string),
    })),
    discounts: discounts.map((d, index) => ({
      index,
      target: d.target,
      amount: match(d.amount),
      code: d.code,
      title: d.title,
    })),
    payments: ((order.payments ?? []) as Array<Record<string, unknown>>).map((p) => ({
      method: p.method as string,
      amount: match(p.amount as string),
      status: p.status as string,
      provider: (p.provider as string | null) ?? null,
      reference: (p.reference as string | null) ?? null,
    })),
    marketplace: marketplace
      ? {
          fulfilmentModel: (marketplace.fulfilmentModel as string | null) ?? null,
          shipBy: (marketplace.shipBy as string | null) ?? null,
          deliverBy: (marketplace.deliverBy as string | null) ?? null,
          commission: orMatch(marketplace.commission),
          marketplaceId: (marketplace.marketplaceId as string | null) ?? null,
        }
      : null,
    shippingAddress: order.shipping_address,
    billingAddress: order.billing_address,
    paymentTerms: order.payment_terms,
    attributes: Object.fromEntries(Object.entries(order.attributes).filter(([k]) => k !== 'delivery')),
    notes: order.notes,
    lines: lines.map((l) => ({
      id: l.id,
      lineNo: l.line_no,
      externalLineId: l.external_line_id,
      kind: (l.kind ?? 'product') as 'product' | 'service',
      sku: l.sku,
      productId: l.product_id,
      name: l.name,
      quantity: l.quantity,
      unitPrice: match(l.unit_price),
      discount: match(l.discount),
      allocatedDiscount: match(l.allocated_discount ?? '0'),
      discountAllocations: allocations(l.discount_allocations),
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
