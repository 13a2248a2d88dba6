import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';

/**
 * Hot SKUs: the free quantity of one stock row split into buckets (docs/inventory.md).
 *
 * Model: splitting lends the row's free quantity to N buckets and counts it as reserved on the
 * stock_levels row while it is lent, so the row stays a figure that can never oversell for every
 * reader that does not know buckets. A reservation locks one bucket (picked by hashing a key,
 * the next ones when short) with a guarded UPDATE, so N buyers of one SKU proceed at once. The
 * true reserved figure of a bucketed row is `stock.reserved - lent + sum(bucket.reserved)`;
 * merging (N = 1) folds the buckets back into the row exactly.
 */
export interface BucketTotals {
  buckets: number;
  /** Quantity lent to the buckets (sum of their on_hand shares). */
  lent: number;
  /** Reserved inside the buckets. */
  reserved: number;
}

export async function bucketTotals(scope: TenantScope, productId: string, locationId: string): Promise<BucketTotals> {
  const result = await sql<{ buckets: number; lent: number; reserved: number }>`select count(*)::int as buckets,
  coalesce(sum(on_hand), 0)::int as lent, coalesce(sum(reserved), 0)::int as reserved from stock_buckets
  where tenant_id = ${scope.tenantId} and product_id = ${productId} and location_id = ${locationId}`.execute(
    scope.conn,
  );
  const row = result.rows[0]!;
  return { buckets: Number(row.buckets), lent: Number(row.lent), reserved: Number(row.reserved) };
}

/**
 * Splits a stock row into `count` buckets (1 merges them back). Existing buckets are folded into
 * the row first, then the row's free quantity is lent out in equal shares. Locks the row with
 * FOR NO KEY UPDATE so foreign-key checks of concurrent inserts (reservations, movements) do not
 * wait on it.
 */
export async function splitStock(
  scope: TenantScope,
  productId: string,
  locationId: string,
  count: number,
): Promise<{ buckets: number; lent: number }> {
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new AppError('VALIDATION_FAILED', 'the number of buckets must be a whole number from 1 to 256', [
      { path: '/buckets', message: 'must be 1..256' },
    ]);
  return atomically(scope, async (work) => {
    const locked = await sql<{ on_hand: number; reserved: number; safety: number }>`select on_hand, reserved, safety
  from stock_levels where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId}
  for no key update`.execute(work.conn);
    const row = locked.rows[0];
    if (!row) throw new AppError('NOT_FOUND', 'there is no stock of this product at this location');
    await sql`select 1 from stock_buckets where tenant_id = ${work.tenantId} and product_id = ${productId}
  and location_id = ${locationId} order by bucket for no key update`.execute(work.conn);
    const before = await bucketTotals(work, productId, locationId);
    let reserved = Number(row.reserved) - before.lent + before.reserved;
    await sql`delete from stock_buckets where tenant_id = ${work.tenantId} and product_id = ${productId}
  and location_id = ${locationId}`.execute(work.conn);
    let lent = 0;
    if (count > 1) {
      const free = Math.max(0, Number(row.on_hand) - reserved - Number(row.safety));
      const shares = shareOut(free, count);
      for (const [index, share] of shares.entries())
        await sql`insert into stock_buckets (tenant_id, product_id, location_id, bucket, on_hand, reserved)
  values (${work.tenantId}, ${productId}, ${locationId}, ${index}, ${share}, 0)`.execute(work.conn);
      lent = free;
      reserved += free;
    }
    await sql`update stock_levels set reserved = ${reserved}::int, version = version + 1, change_xid = pg_current_xact_id(),
  updated_at = now() where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId}`.execute(
      work.conn,
    );
    return { buckets: count > 1 ? count : 0, lent };
  });
}

/** `total` in `count` near-equal whole shares (the first ones take the remainder). */
export function shareOut(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, index) => base + (index < total % count ? 1 : 0));
}

/** A stable bucket start for a key (FNV-1a), so retries of one order land on the same bucket. */
export function bucketFor(key: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return (hash >>> 0) % count;
}

/**
 * Reserves `quantity` from the buckets of a row: the bucket the key hashes to first, then the
 * next ones. Each try is one guarded UPDATE (the row lock and the availability check in one
 * step). Returns the bucket that took it, or null when no single bucket holds enough (the caller
 * may rebalance and try again). Only one bucket row is locked at a time.
 */
export async function reserveInBucket(
  scope: TenantScope,
  productId: string,
  locationId: string,
  quantity: number,
  key: string,
  count: number,
): Promise<number | null> {
  if (count < 1) return null;
  const start = bucketFor(key, count);
  for (let step = 0; step < count; step++) {
    const bucket = (start + step) % count;
    const result = await sql<{
      bucket: number;
    }>`update stock_buckets set reserved = reserved + ${quantity}::int, updated_at = now()
  where tenant_id = ${scope.tenantId} and product_id = ${productId} and location_id = ${locationId} and bucket = ${bucket}
  and on_hand - reserved >= ${quantity}::int returning bucket`.execute(scope.conn);
    if (result.rows.length) return bucket;
  }
  return null;
}

/** Gives back `quantity` reserved in one bucket; refuses to go below zero. */
export async function releaseInBucket(
  scope: TenantScope,
  productId: string,
  locationId: string,
  bucket: number,
  quantity: number,
): Promise<boolean> {
  const result = await sql`update stock_buckets set reserved = reserved - ${quantity}::int, updated_at = now()
  where tenant_id = ${scope.tenantId} and product_id = ${productId} and location_id = ${locationId} and bucket = ${bucket}
  and reserved >= ${quantity}::int`.execute(scope.conn);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/**
 * Moves free quantity between the buckets of a row so each holds a near-equal share of what is
 * free: locks them in bucket order (FOR NO KEY UPDATE), never touches what is reserved, and keeps
 * the sum of the shares (the quantity lent) unchanged.
 */
export async function rebalanceBuckets(scope: TenantScope, productId: string, locationId: string): Promise<number> {
  return atomically(scope, async (work) => {
    const rows = (
      await sql<{
        bucket: number;
        on_hand: number;
        reserved: number;
      }>`select bucket, on_hand, reserved from stock_buckets
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId}
  order by bucket for no key update`.execute(work.conn)
    ).rows;
    const free = rows.reduce((sum, row) => sum + Number(row.on_hand) - Number(row.reserved), 0);
    const shares = shareOut(free, rows.length || 1);
    for (const [index, row] of rows.entries())
      await sql`update stock_buckets set on_hand = ${Number(row.reserved) + shares[index]!}::int, updated_at = now()
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId} and bucket = ${row.bucket}`.execute(
        work.conn,
      );
    return rows.length;
  });
}
