import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { shipOrderLines } from '../inventory/consume.js';
import type { FulfilmentLineRow, FulfilmentRow } from './common.js';

/**
 * The goods leave the location (handed to a carrier, or collected): the order's reservations
 * there are consumed for the picked quantities, with the serials and lots captured at the pick.
 */
export async function consumeFulfilment(
  tx: Work,
  actor: Actor,
  now: Date,
  fo: FulfilmentRow,
  lines: FulfilmentLineRow[],
  reference: string,
) {
  const picked = lines.filter((l) => l.fulfilment_id === fo.id && (l.picked ?? 0) > 0);
  if (picked.length === 0) return { shipped: [] };
  return shipOrderLines(tx, actor, now, {
    orderId: fo.order_id,
    reference,
    lines: picked.map((l) => ({
      orderLineId: l.order_line_id,
      locationId: fo.location_id,
      quantity: l.picked!,
      serials: l.serials ?? undefined,
      lot: l.lots?.length === 1 ? l.lots[0] : undefined,
    })),
  });
}
