// placeholder until the canonical-order branch lands (replaced by its to-order-input.ts)
import type { ChannelOrder } from '../../integrations/channels/types.js';
import type { OrderInput } from '../orders/schemas.js';
export function toOrderInput(
  order: ChannelOrder,
  mapping: {
    channel: string;
    sku(offerId: string, sellerSku: string | undefined): string | undefined;
    location(channelWarehouseId: string): string | undefined;
  },
): { ok: true; value: OrderInput } | { ok: false; problems: { path: string; reason: string }[] } {
  void order;
  void mapping;
  return { ok: false, problems: [{ path: '/', reason: 'not yet' }] };
}
