import type {} from '../../store/schema-inventory.js';
import type { Db } from '../../store/db.js';
import { AppError } from '../../shared/errors.js';
import { systemActor, writeHistory, type Actor } from '../../store/history.js';
import { scope, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { currentXid, recordMovements, withStockRetry } from './common.js';
import { requireParent } from '../require-parent.js';
import { returnToBuckets, type BucketPart } from './buckets.js';

interface Freed {
  id: string;
  product_id: string;
  location_id: string;
  quantity: number;
  order_id: string | null;
  order_line_id: string | null;
  bucket: number | null;
}

/**
 * Gives closed reservations' units back to stock: one decrement per SKU × location, in key order
 * (the order every stock writer uses), and a ledger row per reservation.
 */
async function giveBack(work: Work, actor: Actor, now: Date, freed: Freed[], reason: string) {
  const sums = new Map<string, { productId: string; locationId: string; qty: number }>();
  // Units held in a hot row's bucket go back to that bucket (after the rows, the lock order).
  const inBuckets: BucketPart[] = [];
  for (const item of freed) {
    if (item.bucket !== null) {
      inBuckets.push({
        productId: item.product_id,
        locationId: item.location_id,
        bucket: item.bucket,
        quantity: item.quantity,
      });
      continue;
    }
    const key = `${item.product_id}|${item.location_id}`;
    const sum = sums.get(key) ?? { productId: item.product_id, locationId: item.location_id, qty: 0 };
    sum.qty += item.quantity;
    sums.set(key, sum);
  }
  for (const [, value] of [...sums].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await work
      .updateTable('stock_levels')
      .set((eb) => ({
        reserved: eb('reserved', '-', value.qty),
        version: eb('version', '+', 1),
        change_xid: currentXid,
        updated_at: now,
      }))
      .where('product_id', '=', value.productId)
      .where('location_id', '=', value.locationId)
      .execute();
  }
  if (inBuckets.length) await returnToBuckets(work, inBuckets, { shipped: false });
  await recordMovements(
    work,
    actor,
    now,
    freed.map((f) => ({
      productId: f.product_id,
      locationId: f.location_id,
      kind: 'release' as const,
      onHandDelta: 0,
      reservedDelta: -f.quantity,
      quantity: f.quantity,
      orderId: f.order_id,
      orderLineId: f.order_line_id,
      reservationId: f.id,
      reason,
    })),
  );
  const byOrder = new Map<string, Freed[]>();
  for (const item of freed)
    if (item.order_id) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item]);
  await writeHistory(
    work,
    actor,
    now,
    [...byOrder].map(([orderId, list]) => ({
      orderId,
      action: 'stock.released',
      changes: {
        released: list.map((f) => ({ orderLineId: f.order_line_id, quantity: f.quantity, reservationId: f.id })),
      },
      reason: { reason },
    })),
  );
}

/**
 * Releases an order's live reservations (all, or some lines) — the process engine calls this on
 * cancel — and cancels its open backorders. The status flip claims each reservation exactly
 * once, so a release racing an expiry or a shipment never returns units twice.
 */
export async function releaseOrderReservations(
  store: TenantScope,
  actor: Actor,
  now: Date,
  input: { orderId: string; lineIds?: string[]; reason?: string },
) {
  return withStockRetry(store, async (tx) => {
    let query = tx
      .updateTable('stock_reservations')
      .set({ status: 'released', closed_at: now })
      .where('order_id', '=', input.orderId)
      .where('status', '=', 'active');
    if (input.lineIds?.length) query = query.where('order_line_id', 'in', input.lineIds);
    const freed = await query
      .returning(['id', 'product_id', 'location_id', 'quantity', 'order_id', 'order_line_id', 'bucket'])
      .execute();
    let bo = tx
      .updateTable('stock_backorders')
      .set({ status: 'cancelled', updated_at: now })
      .where('order_id', '=', input.orderId)
      .where('status', '=', 'open');
    if (input.lineIds?.length) bo = bo.where('order_line_id', 'in', input.lineIds);
    const cancelled = await bo.returning('id').execute();
    await giveBack(tx, actor, now, freed, input.reason ?? 'order cancelled');
    return {
      released: freed.reduce((a, f) => a + f.quantity, 0),
      reservations: freed.length,
      backordersCancelled: cancelled.length,
    };
  });
}

/** Releases one hold (a cart) by id. */
export async function releaseHold(store: TenantScope, actor: Actor, now: Date, id: string, reason = 'hold released') {
  return withStockRetry(store, async (tx) => {
    const freed = await tx
      .updateTable('stock_reservations')
      .set({ status: 'released', closed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .returning(['id', 'product_id', 'location_id', 'quantity', 'order_id', 'order_line_id', 'bucket'])
      .execute();
    if (freed.length === 0) {
      const exists = await tx.selectFrom('stock_reservations').select('status').where('id', '=', id).executeTakeFirst();
      if (!exists) throw new AppError('NOT_FOUND', `reservation ${id} does not exist`);
      return { released: 0, status: exists.status };
    }
    await giveBack(tx, actor, now, freed, reason);
    return { released: freed[0]!.quantity, status: 'released' };
  });
}

/**
 * The timer worker's job: expires every active hold whose time has come, in batches, tenant by
 * tenant. Safe with any number of workers at once: each batch claims rows with
 * FOR UPDATE SKIP LOCKED and flips them from active, so a hold is released exactly once.
 */
export async function releaseExpiredReservations(
  db: Db,
  now: Date,
  opts: { batch?: number } = {},
): Promise<{ released: number; reservations: number }> {
  const batch = opts.batch ?? 500;
  // Cross-tenant discovery only; every read and write after it goes through the tenant's scope.
  const tenants = await db
    .selectFrom('stock_reservations')
    .select('tenant_id')
    .distinct()
    .where('status', '=', 'active')
    .where('expires_at', '<=', now)
    .execute();
  let released = 0;
  let reservations = 0;
  for (const { tenant_id } of tenants) {
    const store = scope(db, tenant_id);
    for (;;) {
      const retry = await withStockRetry(store, async (tx) => {
        const due = await tx
          .selectFrom('stock_reservations')
          .select('id')
          .where('status', '=', 'active')
          .where('expires_at', '<=', now)
          .orderBy('id')
          .limit(batch)
          .forUpdate()
          .skipLocked()
          .execute();
        if (due.length === 0) return { rows: 0, units: 0 };
        const freed = await tx
          .updateTable('stock_reservations')
          .set({ status: 'expired', closed_at: now })
          .where(
            'id',
            'in',
            due.map((d) => d.id),
          )
          .where('status', '=', 'active')
          .returning(['id', 'product_id', 'location_id', 'quantity', 'order_id', 'order_line_id', 'bucket'])
          .execute();
        await giveBack(tx, systemActor, now, freed, 'hold expired');
        return { rows: due.length, units: freed.reduce((a, f) => a + f.quantity, 0), count: freed.length };
      });
      released += retry.units;
      reservations += (retry as { count?: number }).count ?? 0;
      if (retry.rows < batch) break;
    }
  }
  return { released, reservations };
}

/** Reservations of an order, for the API and for routing. */
export async function listOrderReservations(store: TenantScope, orderId: string) {
  await requireParent(store, 'orders', orderId);
  const rows = await store
    .selectFrom('stock_reservations')
    .innerJoin('locations', (j) =>
      j
        .onRef('locations.tenant_id', '=', 'stock_reservations.tenant_id')
        .onRef('locations.id', '=', 'stock_reservations.location_id'),
    )
    .innerJoin('products', (j) =>
      j
        .onRef('products.tenant_id', '=', 'stock_reservations.tenant_id')
        .onRef('products.id', '=', 'stock_reservations.product_id'),
    )
    .select([
      'stock_reservations.id',
      'stock_reservations.order_line_id',
      'products.sku',
      'locations.code as location',
      'stock_reservations.location_id',
      'stock_reservations.quantity',
      'stock_reservations.original_quantity',
      'stock_reservations.status',
      'stock_reservations.expires_at',
      'stock_reservations.created_at',
    ])
    .where('stock_reservations.order_id', '=', orderId)
    .orderBy('stock_reservations.id')
    .execute();
  const backorders = await store
    .selectFrom('stock_backorders')
    .select(['id', 'order_line_id', 'quantity', 'status', 'promised_on'])
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
  return {
    reservations: rows.map((r) => ({
      id: r.id,
      orderLineId: r.order_line_id,
      sku: r.sku,
      location: r.location,
      locationId: r.location_id,
      quantity: r.quantity,
      originalQuantity: r.original_quantity,
      status: r.status,
      expiresAt: r.expires_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
    })),
    backorders: backorders.map((b) => ({
      id: b.id,
      orderLineId: b.order_line_id,
      quantity: b.quantity,
      status: b.status,
      promisedOn: b.promised_on,
    })),
  };
}
