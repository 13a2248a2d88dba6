import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import type { MovementKind } from '../../store/schema-inventory.js';
import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import {
  currentFigures,
  ensureStockRows,
  recordMovements,
  resolveLocation,
  resolveSku,
  withStockRetry,
} from './common.js';
import { figures, type Figures } from '../../domain/inventory/stock.js';
import { receiveLotsAndSerials, removeLotsAndSerials } from './lots.js';
import { foldFreeBack, rebalanceBuckets } from './buckets.js';

export interface SetStockInput {
  sku: string;
  location: string;
  onHand?: number | undefined;
  safety?: number | undefined;
  /** Compare-and-swap: refused with 409 STOCK_CONFLICT unless on hand is still this. */
  expectedOnHand?: number | undefined;
  /** Compare-and-swap on the row version (as returned by availability). */
  expectedVersion?: number | undefined;
  reason?: string | undefined;
  reference?: string | undefined;
}

type Row = { old_on_hand: number; on_hand: number; reserved: number; safety: number; version: number; buckets: number };

/**
 * Absolute set (a count or an ERP figure), optionally compare-and-swap. The old figure is read
 * under the row lock in the same statement, so the ledger delta is exact even when reservations
 * move the row at the same moment. Reservations are never erased: on hand below reserved is refused.
 */
export async function setStock(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: SetStockInput,
): Promise<{ sku: string; location: string } & Figures> {
  if (input.onHand === undefined && input.safety === undefined) {
    throw new AppError('VALIDATION_FAILED', 'send onHand, safety or both', [
      { path: '/onHand', message: 'required when safety is absent' },
    ]);
  }
  const product = await resolveSku(scope, input.sku);
  const location = await resolveLocation(scope, input.location);
  return withStockRetry(scope, async (tx) => {
    await ensureStockRows(tx, [{ productId: product.id, locationId: location.id }]);
    const onHand = input.onHand ?? null;
    const safety = input.safety ?? null;
    const apply = async () =>
      (
        await sql<Row>`with old as (
        select on_hand, reserved, version from stock_levels
        where tenant_id = ${scope.tenantId} and product_id = ${product.id} and location_id = ${location.id} for update)
      update stock_levels as sl set
        on_hand = coalesce(${onHand}::int, sl.on_hand), safety = coalesce(${safety}::int, sl.safety),
        version = sl.version + 1, change_xid = pg_current_xact_id(), updated_at = ${now}
      from old
      where sl.tenant_id = ${scope.tenantId} and sl.product_id = ${product.id} and sl.location_id = ${location.id}
        and (${input.expectedOnHand ?? null}::int is null or old.on_hand = ${input.expectedOnHand ?? null}::int)
        and (${input.expectedVersion ?? null}::int is null or old.version = ${input.expectedVersion ?? null}::int)
        and coalesce(${onHand}::int, old.on_hand) >= old.reserved
      returning old.on_hand as old_on_hand, sl.on_hand, sl.reserved, sl.safety, sl.version, sl.buckets`.execute(tx.conn)
      ).rows[0];
    // A hot row counts what it lent to its buckets as reserved: a refusal takes the buckets' free
    // quantity back and tries once more, and a change is lent out again afterwards.
    let row = await apply();
    if (!row && (await foldFreeBack(tx, product.id, location.id)) > 0) row = await apply();
    if (!row) {
      const current = await currentFigures(tx, product.id, location.id);
      const stale =
        (input.expectedOnHand !== undefined && current.onHand !== input.expectedOnHand) ||
        (input.expectedVersion !== undefined && current.version !== input.expectedVersion);
      if (stale)
        throw new AppError(
          'STOCK_CONFLICT',
          `stock of ${input.sku} at ${input.location} changed: on hand is ${current.onHand}, version ${current.version}`,
          [],
          { current: { sku: input.sku, location: input.location, ...current } },
        );
      throw new AppError(
        'STOCK_BELOW_RESERVED',
        `${current.reserved} unit(s) of ${input.sku} at ${input.location} are reserved; release them before setting on hand to ${onHand}`,
        [{ path: '/onHand', message: `at least ${current.reserved}` }],
        { current: { sku: input.sku, location: input.location, ...current } },
      );
    }
    const delta = row.on_hand - row.old_on_hand;
    await recordMovements(tx, actor, now, [
      {
        productId: product.id,
        locationId: location.id,
        kind: 'count',
        onHandDelta: delta,
        reservedDelta: 0,
        quantity: Math.abs(delta),
        reason: input.reason ?? (safety !== null && onHand === null ? `safety set to ${safety}` : 'absolute set'),
        reference: input.reference ?? null,
      },
    ]);
    if (row.buckets > 0) {
      await rebalanceBuckets(tx, product.id, location.id);
      return { sku: input.sku, location: input.location, ...(await currentFigures(tx, product.id, location.id)) };
    }
    return { sku: input.sku, location: input.location, ...figures(row) };
  });
}

export type DeltaKind = Extract<MovementKind, 'receipt' | 'adjustment' | 'return' | 'write_off' | 'count'>;

export interface AdjustStockInput {
  sku: string;
  location: string;
  kind: DeltaKind;
  delta: number;
  reason?: string | undefined;
  reference?: string | undefined;
  lot?: string | undefined;
  lotExpiresOn?: string | undefined;
  serials?: string[] | undefined;
}

/**
 * A delta (receipt, return, write-off, correction). The guard in the UPDATE keeps on hand at or
 * above reserved, so a write-off can never take units promised to an order.
 */
export async function adjustStock(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: AdjustStockInput,
): Promise<{ sku: string; location: string } & Figures> {
  if (!Number.isInteger(input.delta) || input.delta === 0)
    throw new AppError('VALIDATION_FAILED', 'delta must be a non-zero whole number', [
      { path: '/delta', message: 'non-zero integer' },
    ]);
  if ((input.kind === 'receipt' || input.kind === 'return') && input.delta < 0)
    throw new AppError('VALIDATION_FAILED', `a ${input.kind} adds stock: delta must be positive`, [
      { path: '/delta', message: 'must be positive' },
    ]);
  if (input.kind === 'write_off' && input.delta > 0)
    throw new AppError('VALIDATION_FAILED', 'a write-off removes stock: delta must be negative', [
      { path: '/delta', message: 'must be negative' },
    ]);
  const product = await resolveSku(scope, input.sku);
  const location = await resolveLocation(scope, input.location);
  return withStockRetry(scope, async (tx) => {
    await ensureStockRows(tx, [{ productId: product.id, locationId: location.id }]);
    const apply = () =>
      tx
        .updateTable('stock_levels')
        .set((eb) => ({
          on_hand: eb('on_hand', '+', input.delta),
          version: eb('version', '+', 1),
          change_xid: sql`pg_current_xact_id()`,
          updated_at: now,
        }))
        .where('product_id', '=', product.id)
        .where('location_id', '=', location.id)
        .where(sql<number>`on_hand + ${input.delta}::int - reserved`, '>=', 0)
        .returning(['on_hand', 'reserved', 'safety', 'version', 'buckets'])
        .executeTakeFirst();
    // As in setStock: a hot row's buckets give back their free quantity when the change needs it.
    let row = await apply();
    if (!row && (await foldFreeBack(tx, product.id, location.id)) > 0) row = await apply();
    if (!row) {
      const current = await currentFigures(tx, product.id, location.id);
      throw new AppError(
        'STOCK_BELOW_RESERVED',
        `on hand of ${input.sku} at ${input.location} is ${current.onHand} with ${current.reserved} reserved; ${input.delta} is not possible`,
        [{ path: '/delta', message: `at least ${current.reserved - current.onHand}` }],
        { current: { sku: input.sku, location: input.location, ...current } },
      );
    }
    const tracked =
      input.delta > 0
        ? await receiveLotsAndSerials(tx, now, product, location.id, input.delta, input)
        : await removeLotsAndSerials(tx, now, product, location.id, -input.delta, input);
    await recordMovements(
      tx,
      actor,
      now,
      tracked.map((t) => ({
        productId: product.id,
        locationId: location.id,
        kind: input.kind,
        onHandDelta: Math.sign(input.delta) * t.quantity,
        reservedDelta: 0,
        quantity: t.quantity,
        reason: input.reason ?? null,
        reference: input.reference ?? null,
        lot: t.lot,
        serials: t.serials,
      })),
    );
    if (row.buckets > 0) {
      await rebalanceBuckets(tx, product.id, location.id);
      return { sku: input.sku, location: input.location, ...(await currentFigures(tx, product.id, location.id)) };
    }
    return { sku: input.sku, location: input.location, ...figures(row) };
  });
}
