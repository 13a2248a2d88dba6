import type {} from '../../store/schema-inventory.js';
import { AppError } from '../../shared/errors.js';
import { chooseLotsFefo } from '../../domain/inventory/stock.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ProductRef } from './common.js';

export interface TrackedPart {
  quantity: number;
  lot: string | null;
  serials: string[] | null;
}

function checkSerials(product: ProductRef, quantity: number, serials: string[] | undefined): string[] | null {
  if (!product.serial_tracked) return null;
  if (!serials || serials.length !== quantity || new Set(serials).size !== quantity) {
    throw new AppError(
      'SERIALS_REQUIRED',
      `${product.sku} is serial-tracked: send ${quantity} distinct serial number(s)`,
      [{ path: '/serials', message: `${quantity} distinct serials` }],
    );
  }
  return [...serials].sort();
}

/** Capture on the way in: the lot (with its expiry) and each serial number. */
export async function receiveLotsAndSerials(
  scope: TenantScope,
  now: Date,
  product: ProductRef,
  locationId: string,
  quantity: number,
  input: { lot?: string | undefined; lotExpiresOn?: string | undefined; serials?: string[] | undefined },
): Promise<TrackedPart[]> {
  const serials = checkSerials(product, quantity, input.serials);
  if (serials) {
    const taken = await scope
      .insertInto(
        'stock_serials',
        serials.map((serial) => ({
          product_id: product.id,
          serial,
          location_id: locationId,
          status: 'in_stock' as const,
          order_id: null,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'product_id', 'serial'])
          .doUpdateSet({ status: 'in_stock', location_id: locationId, order_id: null, updated_at: now })
          .where('stock_serials.status', '=', 'shipped'),
      )
      .returning('serial')
      .execute();
    if (taken.length !== serials.length) {
      const ok = new Set(taken.map((t) => t.serial));
      throw new AppError(
        'SERIAL_UNAVAILABLE',
        'some serial numbers are already in stock',
        serials.filter((x) => !ok.has(x)).map((x) => ({ path: '/serials', message: `${x} is already in stock` })),
      );
    }
  }
  if (product.lot_tracked) {
    if (!input.lot)
      throw new AppError('LOT_REQUIRED', `${product.sku} is lot-tracked: send lot (and lotExpiresOn)`, [
        { path: '/lot', message: 'required' },
      ]);
    await scope
      .insertInto('stock_lots', {
        product_id: product.id,
        location_id: locationId,
        lot: input.lot,
        expires_on: input.lotExpiresOn ?? null,
        on_hand: quantity,
      })
      .onConflict((oc) =>
        oc
          .columns(['tenant_id', 'product_id', 'location_id', 'lot'])
          .doUpdateSet((eb) => ({ on_hand: eb('stock_lots.on_hand', '+', quantity) })),
      )
      .execute();
  }
  return [{ quantity, lot: input.lot ?? null, serials }];
}

/**
 * Capture on the way out: named serials must be here (in stock, or picked for this order);
 * lots are the one named or chosen first-expiry-first-out, never an expired one.
 */
export async function removeLotsAndSerials(
  scope: TenantScope,
  now: Date,
  product: ProductRef,
  locationId: string,
  quantity: number,
  input: {
    lot?: string | undefined;
    serials?: string[] | undefined;
    orderId?: string | undefined;
    outcome?: 'shipped' | 'removed';
  },
): Promise<TrackedPart[]> {
  const serials = checkSerials(product, quantity, input.serials);
  if (serials) {
    let query = scope
      .updateTable('stock_serials')
      .set({ status: 'shipped', order_id: input.orderId ?? null, updated_at: now })
      .where('serial', 'in', serials)
      .where('product_id', '=', product.id)
      .where('location_id', '=', locationId);
    query = input.orderId
      ? query.where((eb) =>
          eb.or([
            eb('status', '=', 'in_stock'),
            eb.and([eb('status', '=', 'picked'), eb('order_id', '=', input.orderId!)]),
          ]),
        )
      : query.where('status', '=', 'in_stock');
    const done = await query.returning('serial').execute();
    if (done.length !== serials.length) {
      const ok = new Set(done.map((d) => d.serial));
      throw new AppError(
        'SERIAL_UNAVAILABLE',
        'some serial numbers are not in stock at this location',
        serials.filter((x) => !ok.has(x)).map((x) => ({ path: '/serials', message: `${x} is not in stock here` })),
      );
    }
    if (input.outcome === 'removed')
      await scope
        .deleteFrom('stock_serials')
        .where('product_id', '=', product.id)
        .where('serial', 'in', serials)
        .execute();
  }
  if (!product.lot_tracked) return [{ quantity, lot: null, serials }];
  const picks = await chooseLots(scope, now, product, locationId, quantity, input.lot);
  for (const pick of picks) {
    const row = await scope
      .updateTable('stock_lots')
      .set((eb) => ({ on_hand: eb('on_hand', '-', pick.quantity) }))
      .where('product_id', '=', product.id)
      .where('location_id', '=', locationId)
      .where('lot', '=', pick.lot)
      .where('on_hand', '>=', pick.quantity)
      .executeTakeFirst();
    if (Number(row.numUpdatedRows) !== 1)
      throw new AppError(
        'LOT_UNAVAILABLE',
        `lot ${pick.lot} of ${product.sku} has fewer than ${pick.quantity} unit(s)`,
        [{ path: '/lot', message: 'not enough in this lot' }],
      );
  }
  // Serials and lots are captured together only when both are tracked; the serials go with the first lot row.
  return picks.map((p, i) => ({ quantity: p.quantity, lot: p.lot, serials: i === 0 ? serials : null }));
}

/** The lots a removal takes: the named one, or first expiry first out among unexpired lots (rows locked). */
export async function chooseLots(
  scope: TenantScope,
  now: Date,
  product: ProductRef,
  locationId: string,
  quantity: number,
  lot?: string,
) {
  const today = now.toISOString().slice(0, 10);
  const lots = await scope
    .selectFrom('stock_lots')
    .select(['lot', 'expires_on', 'on_hand'])
    .where('product_id', '=', product.id)
    .where('location_id', '=', locationId)
    .$if(Boolean(lot), (q) => q.where('lot', '=', lot!))
    .orderBy('lot')
    .forUpdate()
    .execute();
  if (lot && lots.length === 0)
    throw new AppError('LOT_UNAVAILABLE', `lot ${lot} of ${product.sku} is not stocked here`, [
      { path: '/lot', message: 'unknown lot here' },
    ]);
  const { picks, short } = chooseLotsFefo(
    lots.map((l) => ({ lot: l.lot, expiresOn: l.expires_on, onHand: l.on_hand })),
    quantity,
    today,
  );
  if (short > 0)
    throw new AppError(
      'LOT_UNAVAILABLE',
      `${short} unit(s) of ${product.sku} are not covered by unexpired lots`,
      [{ path: '/lot', message: `${short} short` }],
      { short },
    );
  return picks;
}
