import { formatMoney } from '../../shared/money.js';
import type { EventPayload } from './catalogue.js';

/** Payload builders: one place decides what each order event tells subscribers. */
export function orderAcceptedPayload(o: {
  id: string; number: string; channelId: string; externalId: string | null; state: string; currency: string;
  grandTotal: bigint; lineCount: number; customerId: string | null; placedAt: Date; channel?: string;
}): EventPayload<'order.accepted'> {
  return {
    orderId: o.id, number: o.number, channelId: o.channelId, ...(o.channel ? { channel: o.channel } : {}),
    externalId: o.externalId, state: o.state, currency: o.currency, grandTotal: formatMoney(o.grandTotal, o.currency),
    lineCount: o.lineCount, customerId: o.customerId, placedAt: o.placedAt.toISOString(),
  };
}

export function orderUpdatedPayload(orderId: string, number: string, version: number, changes: Record<string, unknown>): EventPayload<'order.updated'> {
  return { orderId, number, version, changed: Object.keys(changes).sort(), changes };
}
