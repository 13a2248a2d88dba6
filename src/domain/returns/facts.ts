/**
 * The `return` facts a returns process reads (docs/returns.md), from the return's rows: pure, like
 * the order's facts. Present on return orders only; every other order reads zero values.
 */
export interface ReturnFactRow {
  id: string;
  order_id: string;
  order_number: string;
  reason_code: string;
  wish: string;
  source: string;
  drop_off: { kind?: string } | null;
  exchange: { lines?: unknown[]; advance?: boolean } | null;
  exchange_order_id: string | null;
  photos: number;
  skus: string[];
  value: string;
  units: number;
  received: number;
  resell: number;
  refurbish: number;
  write_off: number;
  refunded: string;
  store_credit: string;
  /** Units shipped on the original order, and on all its returns (this one included). */
  order_units: number;
  order_returned_units: number;
  order_shipping_total: string;
  /** Whole days between delivery (or the last hand-over) and the request; -1 when nothing was delivered. */
  days_since_delivery: number;
  has_invoice: boolean;
  customer_known: boolean;
}

export function returnFactsFrom(row: ReturnFactRow | undefined) {
  if (!row) return undefined;
  const inspected = row.resell + row.refurbish + row.write_off;
  return {
    id: row.id,
    orderId: row.order_id,
    orderNumber: row.order_number,
    reason: row.reason_code,
    wish: row.wish,
    source: row.source,
    dropOff: row.drop_off?.kind ?? 'label',
    exchange: row.wish === 'exchange',
    advanceExchange: row.wish === 'exchange' && row.exchange?.advance === true,
    exchangeOrder: row.exchange_order_id ?? '',
    photos: row.photos,
    skus: row.skus,
    value: row.value,
    units: row.units,
    received: row.received,
    inspected,
    resell: row.resell,
    refurbish: row.refurbish,
    writeOff: row.write_off,
    fullyReceived: row.units > 0 && row.received >= row.units,
    fullyInspected: row.received > 0 && inspected >= row.received,
    refunded: row.refunded,
    storeCredit: row.store_credit,
    fullReturn: row.order_units > 0 && row.order_returned_units >= row.order_units,
    orderShipping: row.order_shipping_total,
    daysSinceDelivery: row.days_since_delivery,
    hasInvoice: row.has_invoice,
    customerKnown: row.customer_known,
  };
}
