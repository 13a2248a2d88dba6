import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { currentXid, recordMovements, withStockRetry, type Movement } from '../inventory/common.js';
import { returnToBuckets, type BucketPart } from '../inventory/buckets.js';
import '../../store/schema-inventory.js';

/**
 * Gives back the reserved units a location said it cannot ship (short pick, rejection), so
 * the process can reserve them elsewhere. Only this order line at this location is touched,
 * newest reservation first; the units go back to `available` (a stock count at the location
 * corrects on hand if they are truly missing — that is the WMS's word, not ours).
 */
export async function releaseShortfall(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: {
    orderId: string;
    locationId: string;
    lines: Array<{ orderLineId: string; quantity: number }>;
    reason: string;
  },
): Promise<number> {
  const wanted = input.lines.filter((l) => l.quantity > 0);
  if (wanted.length === 0) return 0;
  return withStockRetry(scope, async (tx) => {
    const moves: Movement[] = [];
    const perProduct = new Map<string, number>();
    const inBuckets: BucketPart[] = [];
    for (const line of wanted) {
      const held = await tx
        .selectFrom('stock_reservations')
        .select(['id', 'product_id', 'quantity', 'bucket'])
        .where('order_id', '=', input.orderId)
        .where('order_line_id', '=', line.orderLineId)
        .where('location_id', '=', input.locationId)
        .where('status', '=', 'active')
        .orderBy('id', 'desc')
        .forUpdate()
        .execute();
      let left = line.quantity;
      for (const row of held) {
        if (left === 0) break;
        const take = Math.min(left, row.quantity);
        left -= take;
        // As the inventory module counts holds: a whole release keeps its quantity and flips the
        // status; a partial one shrinks the hold as if fewer had been reserved.
        await (
          take === row.quantity
            ? tx.updateTable('stock_reservations').set({ status: 'released', closed_at: now })
            : tx.updateTable('stock_reservations').set((eb) => ({
                quantity: eb('quantity', '-', take),
                original_quantity: eb('original_quantity', '-', take),
              }))
        )
          .where('id', '=', row.id)
          .execute();
        // Units held in a hot row's bucket go back to that bucket, not to the row.
        if (row.bucket !== null)
          inBuckets.push({
            productId: row.product_id,
            locationId: input.locationId,
            bucket: row.bucket,
            quantity: take,
          });
        else perProduct.set(row.product_id, (perProduct.get(row.product_id) ?? 0) + take);
        moves.push({
          productId: row.product_id,
          locationId: input.locationId,
          kind: 'release',
          onHandDelta: 0,
          reservedDelta: -take,
          quantity: take,
          orderId: input.orderId,
          orderLineId: line.orderLineId,
          reservationId: row.id,
          reason: input.reason,
        });
      }
    }
    for (const [productId, qty] of [...perProduct].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await tx
        .updateTable('stock_levels')
        .set((eb) => ({
          reserved: eb('reserved', '-', qty),
          version: eb('version', '+', 1),
          change_xid: currentXid,
          updated_at: now,
        }))
        .where('product_id', '=', productId)
        .where('location_id', '=', input.locationId)
        .execute();
    }
    if (inBuckets.length) await returnToBuckets(tx, inBuckets, { shipped: false });
    await recordMovements(tx, actor, now, moves);
    return moves.reduce((a, m) => a + m.quantity, 0);
  });
}
