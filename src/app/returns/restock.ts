import { sql } from 'kysely';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { ensureStockRows, recordMovements, type Movement } from '../inventory/common.js';
import '../../store/schema-returns.js';

export interface RestockUnit {
  productId: string;
  locationId: string;
  quantity: number;
  /** Written off: the units enter the ledger as a return and leave it as a write-off, so both are on record. */
  writeOff: boolean;
  orderId: string | null;
  orderLineId: string | null;
  reference: string;
  reason: string;
}

/**
 * Puts returned units into the ledger at the receiving location: a `return` movement adds them to
 * on hand; written-off units are then taken out again by a `write_off` movement. The update only
 * ever adds, so it cannot take stock below what is reserved.
 */
export async function restockUnits(tx: Work, actor: Actor, now: Date, units: readonly RestockUnit[]): Promise<void> {
  if (!units.length) return;
  await ensureStockRows(tx, [...units]);
  const moves: Movement[] = [];
  for (const unit of units) {
    if (!unit.writeOff)
      await tx
        .updateTable('stock_levels')
        .set({
          on_hand: sql`on_hand + ${unit.quantity}::int`,
          version: sql`version + 1`,
          change_xid: sql`pg_current_xact_id()`,
          updated_at: now,
        })
        .where('product_id', '=', unit.productId)
        .where('location_id', '=', unit.locationId)
        .execute();
    const common = {
      productId: unit.productId,
      locationId: unit.locationId,
      reservedDelta: 0,
      quantity: unit.quantity,
      orderId: unit.orderId,
      orderLineId: unit.orderLineId,
      reference: unit.reference,
      reason: unit.reason,
    };
    moves.push({ ...common, kind: 'return', onHandDelta: unit.quantity });
    if (unit.writeOff) moves.push({ ...common, kind: 'write_off', onHandDelta: -unit.quantity });
  }
  await recordMovements(tx, actor, now, moves);
}
