import { formatMoney } from '../../shared/money.js';
import type { EventPayload } from './catalogue.js';

/** Payload builders: one place decides what each order event tells subscribers. */
export function orderAcceptedPayload(value: {
  id: string;
  number: string;
  channelId: string;
  externalId: string | null;
  state: string;
  currency: string;
  grandTotal: bigint;
  lineCount: number;
  customerId: string | null;
  placedAt: Date;
  channel?: string;
}): EventPayload<'order.accepted'> {
  return {
    orderId: value.id,
    number: value.number,
    channelId: value.channelId,
    ...(value.channel ? { channel: value.channel } : {}),
    externalId: value.externalId,
    state: value.state,
    currency: value.currency,
    grandTotal: formatMoney(value.grandTotal, value.currency),
    lineCount: value.lineCount,
    customerId: value.customerId,
    placedAt: value.placedAt.toISOString(),
  };
}

export function orderUpdatedPayload(
  orderId: string,
  number: string,
  version: number,
  changes: Record<string, unknown>,
): EventPayload<'order.updated'> {
  return { orderId, number, version, changed: Object.keys(changes).sort(), changes };
}
