import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import { AppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { currentXid, recordMovements, withStockRetry, type Movement, type ProductRef } from './common.js';
import { chooseLots, removeLotsAndSerials } from './lots.js';
import { returnToBuckets, type BucketPart } from './buckets.js';

export interface ShipLine {
  orderLineId: string;
  /** Ship from this location; default: wherever the line is reserved, oldest reservation first. */
  locationId?: string | undefined;
  quantity: number;
  serials?: string[] | undefined;
  lot?: string | undefined;
}

async function lineProduct(scope: TenantScope, orderId: string, orderLineId: string): Promise<ProductRef> {
  const row = await scope
    .selectFrom('order_lines')
    .innerJoin('products', (j) =>
      j.onRef('products.tenant_id', '=', 'order_lines.tenant_id').onRef('products.id', '=', 'order_lines.product_id'),
    )
    .select(['products.id', 'products.sku', 'products.serial_tracked', 'products.lot_tracked'])
    .where('order_lines.order_id', '=', orderId)
    .where('order_lines.id', '=', orderLineId)
    .executeTakeFirst();
  if (!row)
    throw new AppError('NOT_FOUND', `order line ${orderLineId} is not on order ${orderId}`, [
      { path: '/lines', message: 'unknown order line' },
    ]);
  return row;
}

/**
 * Consumes reservations on shipment: the units leave on hand and reserved together, serials and
 * lots are captured, and the ledger says which order line took them. Only reserved units ship:
 * shipping more than the line holds at a location is NOT_RESERVED (reserve first), so a
 * shipment can never take stock promised to someone else.
 */
export async function shipOrderLines(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: { orderId: string; lines: ShipLine[]; reference?: string | undefined },
) {
  return withStockRetry(scope, async (tx) => {
    const moves: Movement[] = [];
    const shipped: Array<{
      orderLineId: string;
      locationId: string;
      quantity: number;
      lots: string[];
      serials: string[];
    }> = [];
    for (const line of input.lines) {
      const product = await lineProduct(tx, input.orderId, line.orderLineId);
      let query = tx
        .selectFrom('stock_reservations')
        .select(['id', 'location_id', 'quantity', 'bucket'])
        .where('order_id', '=', input.orderId)
        .where('order_line_id', '=', line.orderLineId)
        .where('status', '=', 'active');
      if (line.locationId) query = query.where('location_id', '=', line.locationId);
      const held = await query.orderBy('id').forUpdate().execute();
      const total = held.reduce((a, r) => a + r.quantity, 0);
      if (total < line.quantity) {
        throw new AppError(
          'NOT_RESERVED',
          `only ${total} unit(s) of ${product.sku} are reserved for this line${line.locationId ? ' at that location' : ''}`,
          [{ path: '/lines', message: `at most ${total}` }],
          { reserved: total, requested: line.quantity },
        );
      }
      const byLocation = new Map<string, number>();
      // Units held in a hot row's bucket leave the bucket too (the row's lent figure shrinks with it).
      const fromBuckets: BucketPart[] = [];
      let left = line.quantity;
      for (const row of held) {
        if (left === 0) break;
        const take = Math.min(left, row.quantity);
        left -= take;
        await tx
          .updateTable('stock_reservations')
          .set((eb) => ({
            quantity: eb('quantity', '-', take),
            status: sql`case when quantity - ${take}::int = 0 then 'consumed' else 'active' end`,
            closed_at: take === row.quantity ? now : null,
          }))
          .where('id', '=', row.id)
          .execute();
        byLocation.set(row.location_id, (byLocation.get(row.location_id) ?? 0) + take);
        if (row.bucket !== null)
          fromBuckets.push({ productId: product.id, locationId: row.location_id, bucket: row.bucket, quantity: take });
        moves.push({
          productId: product.id,
          locationId: row.location_id,
          kind: 'shipment',
          onHandDelta: -take,
          reservedDelta: -take,
          quantity: take,
          orderId: input.orderId,
          orderLineId: line.orderLineId,
          reservationId: row.id,
          reference: input.reference ?? null,
        });
      }
      if (byLocation.size > 1 && (product.serial_tracked || product.lot_tracked)) {
        throw new AppError('VALIDATION_FAILED', `${product.sku} is tracked: ship it one location at a time`, [
          { path: '/lines', message: 'send locationId' },
        ]);
      }
      for (const [locationId, qty] of [...byLocation].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await tx
          .updateTable('stock_levels')
          .set((eb) => ({
            on_hand: eb('on_hand', '-', qty),
            reserved: eb('reserved', '-', qty),
            version: eb('version', '+', 1),
            change_xid: currentXid,
            updated_at: now,
          }))
          .where('product_id', '=', product.id)
          .where('location_id', '=', locationId)
          .execute();
        const bucketParts = fromBuckets.filter((part) => part.locationId === locationId);
        if (bucketParts.length) await returnToBuckets(tx, bucketParts, { shipped: true });
        const parts = await removeLotsAndSerials(tx, now, product, locationId, qty, {
          lot: line.lot,
          serials: line.serials,
          orderId: input.orderId,
          outcome: 'shipped',
        });
        // The capture is recorded on the line's first shipment movement at this location.
        const first = moves.find(
          (m) =>
            m.locationId === locationId &&
            m.orderLineId === line.orderLineId &&
            m.kind === 'shipment' &&
            m.lot === undefined,
        );
        if (first) {
          first.lot =
            parts
              .map((p) => p.lot)
              .filter(Boolean)
              .join(',') || null;
          first.serials = parts.flatMap((p) => p.serials ?? []);
        }
        shipped.push({
          orderLineId: line.orderLineId,
          locationId,
          quantity: qty,
          lots: parts.map((p) => p.lot).filter((x): x is string => Boolean(x)),
          serials: parts.flatMap((p) => p.serials ?? []),
        });
      }
    }
    for (const move of moves) if (move.serials && move.serials.length === 0) move.serials = null;
    await recordMovements(tx, actor, now, moves);
    await writeHistory(tx, actor, now, [
      {
        orderId: input.orderId,
        action: 'stock.shipped',
        changes: { lines: shipped },
        reason: { reference: input.reference ?? null },
      },
    ]);
    return { shipped };
  });
}

/**
 * Records a pick: no figures move (the units are still in the building and reserved), but the
 * serials are marked picked for the order and the lots are chosen first-expiry-first-out.
 */
export async function pickOrderLine(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: {
    orderId: string;
    orderLineId: string;
    locationId: string;
    quantity: number;
    serials?: string[] | undefined;
    lot?: string | undefined;
  },
) {
  return withStockRetry(scope, async (tx) => {
    const product = await lineProduct(tx, input.orderId, input.orderLineId);
    const reserved = await tx
      .selectFrom('stock_reservations')
      .select(sql<string>`coalesce(sum(quantity), 0)`.as('q'))
      .where('order_id', '=', input.orderId)
      .where('order_line_id', '=', input.orderLineId)
      .where('location_id', '=', input.locationId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    if (Number(reserved.q) < input.quantity)
      throw new AppError('NOT_RESERVED', `only ${reserved.q} unit(s) are reserved for this line here`, [
        { path: '/quantity', message: `at most ${reserved.q}` },
      ]);
    let serials: string[] | null = null;
    if (product.serial_tracked) {
      if (!input.serials || input.serials.length !== input.quantity || new Set(input.serials).size !== input.quantity) {
        throw new AppError(
          'SERIALS_REQUIRED',
          `${product.sku} is serial-tracked: send ${input.quantity} distinct serial number(s)`,
          [{ path: '/serials', message: `${input.quantity} distinct serials` }],
        );
      }
      const done = await tx
        .updateTable('stock_serials')
        .set({ status: 'picked', order_id: input.orderId, updated_at: now })
        .where('product_id', '=', product.id)
        .where('location_id', '=', input.locationId)
        .where('serial', 'in', input.serials)
        .where('status', '=', 'in_stock')
        .returning('serial')
        .execute();
      if (done.length !== input.quantity)
        throw new AppError('SERIAL_UNAVAILABLE', 'some serial numbers are not in stock at this location', [
          { path: '/serials', message: 'not in stock here' },
        ]);
      serials = [...input.serials].sort();
    }
    const lots = product.lot_tracked
      ? await chooseLots(tx, now, product, input.locationId, input.quantity, input.lot)
      : [];
    await recordMovements(tx, actor, now, [
      {
        productId: product.id,
        locationId: input.locationId,
        kind: 'pick',
        onHandDelta: 0,
        reservedDelta: 0,
        quantity: input.quantity,
        orderId: input.orderId,
        orderLineId: input.orderLineId,
        serials,
        lot: lots.map((l) => l.lot).join(',') || null,
      },
    ]);
    await writeHistory(tx, actor, now, [
      {
        orderId: input.orderId,
        action: 'stock.picked',
        changes: { orderLineId: input.orderLineId, quantity: input.quantity, serials, lots },
      },
    ]);
    return { orderLineId: input.orderLineId, quantity: input.quantity, serials, lots };
  });
}
