import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import type { MovementKind } from '../../store/schema-inventory.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { isSerializationFailure, serializationRetryPause } from '../../store/pg-errors.js';
import { figures, type Figures } from '../../domain/inventory/stock.js';

export interface ProductRef {
  id: string;
  sku: string;
  serial_tracked: boolean;
  lot_tracked: boolean;
}
export interface LocationRef {
  id: string;
  code: string;
  priority: number;
  capabilities: string[];
  active: boolean;
}

/** SKUs → products; unknown ones are reported with the given path. */
export async function resolveSkus(
  scope: TenantScope,
  skus: string[],
  path = (i: number) => `/skus/${i}`,
): Promise<Map<string, ProductRef>> {
  const unique = [...new Set(skus)];
  const rows =
    unique.length === 0
      ? []
      : await scope
          .selectFrom('products')
          .select(['id', 'sku', 'serial_tracked', 'lot_tracked'])
          .where('sku', 'in', unique)
          .execute();
  const map = new Map(rows.map((r) => [r.sku, r]));
  const errors: FieldError[] = [];
  skus.forEach((sku, index) => {
    if (!map.has(sku)) errors.push({ path: path(index), message: `unknown SKU ${sku}`, code: 'UNKNOWN_SKU' });
  });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} unknown SKU(s)`, errors);
  return map;
}

export async function resolveSku(scope: TenantScope, sku: string, path = '/sku'): Promise<ProductRef> {
  return (await resolveSkus(scope, [sku], () => path)).get(sku)!;
}

export async function resolveLocations(
  scope: TenantScope,
  codes: string[],
  path = (i: number) => `/locations/${i}`,
): Promise<Map<string, LocationRef>> {
  const unique = [...new Set(codes)];
  const rows =
    unique.length === 0
      ? []
      : await scope
          .selectFrom('locations')
          .select(['id', 'code', 'priority', 'capabilities', 'active'])
          .where('code', 'in', unique)
          .execute();
  const map = new Map(rows.map((r) => [r.code, r]));
  const errors: FieldError[] = [];
  codes.forEach((code, index) => {
    if (!map.has(code))
      errors.push({ path: path(index), message: `unknown location ${code}`, code: 'UNKNOWN_LOCATION' });
  });
  if (errors.length) throw new AppError('UNKNOWN_LOCATION', `${errors.length} unknown location(s)`, errors);
  return map;
}

export async function resolveLocation(scope: TenantScope, code: string, path = '/location'): Promise<LocationRef> {
  return (await resolveLocations(scope, [code], () => path)).get(code)!;
}

/** Creates missing SKU × location rows at zero, so every later write is an UPDATE of a locked row. */
export async function ensureStockRows(
  scope: TenantScope,
  pairs: Array<{ productId: string; locationId: string }>,
): Promise<void> {
  if (pairs.length === 0) return;
  const seen = new Set<string>();
  const rows = pairs
    .filter((pair) => {
      const key = `${pair.productId}|${pair.locationId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.productId + a.locationId < b.productId + b.locationId ? -1 : 1))
    .map((p) => ({ product_id: p.productId, location_id: p.locationId }));
  for (let rowIndex = 0; rowIndex < rows.length; rowIndex += 5000) {
    await scope
      .insertInto('stock_levels', rows.slice(rowIndex, rowIndex + 5000))
      .onConflict((oc) => oc.columns(['tenant_id', 'product_id', 'location_id']).doNothing())
      .execute();
  }
}

export interface Movement {
  productId: string;
  locationId: string;
  kind: MovementKind;
  onHandDelta: number;
  reservedDelta: number;
  quantity: number;
  orderId?: string | null;
  orderLineId?: string | null;
  reservationId?: string | null;
  reference?: string | null;
  reason?: string | null;
  lot?: string | null;
  serials?: string[] | null;
}

/** Appends ledger rows; call inside the transaction that changes the figures they explain. */
export async function recordMovements(scope: TenantScope, actor: Actor, at: Date, moves: Movement[]): Promise<void> {
  const rows = moves.map((m) => ({
    id: newId(),
    product_id: m.productId,
    location_id: m.locationId,
    kind: m.kind,
    on_hand_delta: m.onHandDelta,
    reserved_delta: m.reservedDelta,
    quantity: m.quantity,
    order_id: m.orderId ?? null,
    order_line_id: m.orderLineId ?? null,
    reservation_id: m.reservationId ?? null,
    reference: m.reference ?? null,
    reason: m.reason ?? null,
    lot: m.lot ?? null,
    serials: m.serials ?? null,
    actor_type: actor.type,
    actor_id: actor.id,
    at,
  }));
  for (let rowIndex = 0; rowIndex < rows.length; rowIndex += 2000)
    await scope.insertInto('stock_movements', rows.slice(rowIndex, rowIndex + 2000)).execute();
}

/**
 * Runs fn atomically and retries it, a bounded number of times, when the database chose it as
 * a deadlock victim or a serialization failure: the savepoint rolls back fn's writes and locks,
 * so a retry starts clean and the client never sees 40P01.
 */
export async function withStockRetry<T>(scope: TenantScope, fn: (tx: Work) => Promise<T>, attempts = 8): Promise<T> {
  for (let index = 1; ; index++) {
    try {
      return await atomically(scope, fn);
    } catch (error) {
      if (index >= attempts || !isSerializationFailure(error)) throw error;
      await serializationRetryPause(index);
    }
  }
}

/** The transaction id of the writer, stored on every stock row change for the availability feed. */
export const currentXid = sql<string>`pg_current_xact_id()`;

export async function currentFigures(scope: TenantScope, productId: string, locationId: string): Promise<Figures> {
  const row = await scope
    .selectFrom('stock_levels')
    .select([
      'on_hand',
      // a hot row's true reserved figure (app/inventory/buckets.ts: bucketFreeSql, inlined to keep imports one way)
      sql<number>`reserved - (case when buckets > 0 then coalesce((select sum(bk.on_hand - bk.reserved) from stock_buckets bk
        where bk.tenant_id = stock_levels.tenant_id and bk.product_id = stock_levels.product_id and bk.location_id = stock_levels.location_id), 0)::int else 0 end)`.as(
        'reserved',
      ),
      'safety',
      'version',
    ])
    .where('product_id', '=', productId)
    .where('location_id', '=', locationId)
    .executeTakeFirst();
  return figures(row ?? { on_hand: 0, reserved: 0, safety: 0, version: 0 });
}
