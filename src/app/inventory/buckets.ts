import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import { AppError } from '../../shared/errors.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import { withStockRetry } from './common.js';
import { reserveBucketSql, reservePartialSql, reserveWholeSql, type ReserveStatement } from './reserve-sql.js';

/**
 * Hot SKUs: the free quantity of one stock row split into buckets (docs/inventory.md).
 *
 * Model: splitting lends the row's free quantity to N buckets and counts it as reserved on the
 * stock_levels row while it is lent, so the row stays a figure that can never oversell for every
 * writer that does not know buckets. A reservation locks one bucket (one no other buyer holds,
 * starting where the order's id points) with a guarded UPDATE, so N buyers of one SKU proceed at
 * once; its stock_reservations row records the bucket, and a release, expiry or shipment gives the
 * units back to it. The true reserved figure of a bucketed row is
 * `stock.reserved - lent + sum(bucket.reserved)` = `stock.reserved - sum(bucket free)`, which is
 * what the readers report (bucketFreeSql) and what the ledger and the live reservations explain.
 * Splitting again or merging (N = 1) folds the buckets back into the row exactly.
 *
 * Locks are taken in one order by every writer: the stock row, then its buckets by number.
 */
export interface BucketTotals {
  buckets: number;
  /** Quantity lent to the buckets (sum of their on_hand shares). */
  lent: number;
  /** Reserved inside the buckets. */
  reserved: number;
}

/**
 * What is free inside the buckets of the stock_levels row `alias`: 0 without reading anything for
 * a row that has none. `reserved - this` is the row's true reserved figure.
 */
export function bucketFreeSql(alias: string) {
  return sql<number>`(case when ${sql.ref(`${alias}.buckets`)} > 0 then coalesce((select sum(bk.on_hand - bk.reserved) from stock_buckets bk
  where bk.tenant_id = ${sql.ref(`${alias}.tenant_id`)} and bk.product_id = ${sql.ref(`${alias}.product_id`)} and bk.location_id = ${sql.ref(`${alias}.location_id`)}), 0)::int else 0 end)`;
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

interface LockedRow {
  on_hand: number;
  reserved: number;
  safety: number;
  buckets: number;
}
interface LockedBucket {
  bucket: number;
  on_hand: number;
  reserved: number;
}

/** The stock row, then its buckets in number order, locked FOR NO KEY UPDATE (foreign-key checks of concurrent inserts do not wait on it). */
async function lockRowAndBuckets(work: Work, productId: string, locationId: string) {
  const row = (
    await sql<LockedRow>`select on_hand, reserved, safety, buckets from stock_levels
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId} for no key update`.execute(
      work.conn,
    )
  ).rows[0];
  if (!row) return null;
  const buckets = (
    await sql<LockedBucket>`select bucket, on_hand, reserved from stock_buckets
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId}
  order by bucket for no key update`.execute(work.conn)
  ).rows;
  return { row, buckets };
}

async function setRowReserved(work: Work, productId: string, locationId: string, reserved: number, buckets: number) {
  await sql`update stock_levels set reserved = ${reserved}::int, buckets = ${buckets}::int, version = version + 1,
  change_xid = pg_current_xact_id(), updated_at = now()
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId}`.execute(work.conn);
}

async function setBucketOnHand(work: Work, productId: string, locationId: string, changes: Map<number, number>) {
  for (const [bucket, onHand] of [...changes].sort(([left], [right]) => left - right))
    await sql`update stock_buckets set on_hand = ${onHand}::int, change_xid = pg_current_xact_id(), updated_at = now()
  where tenant_id = ${work.tenantId} and product_id = ${productId} and location_id = ${locationId} and bucket = ${bucket}::int`.execute(
      work.conn,
    );
}

/**
 * Splits a stock row into `count` buckets (1 merges them back). Existing buckets are folded into
 * the row first — their live reservations then count on the row (their bucket is cleared) — and
 * the row's free quantity is lent out in near-equal shares. No ledger row: what is truly reserved
 * does not change.
 */
export async function splitStock(
  scope: TenantScope,
  productId: string,
  locationId: string,
  count: number,
): Promise<{ buckets: number; lent: number; onHand: number; reserved: number; available: number }> {
  if (!Number.isInteger(count) || count < 1 || count > 256)
    throw new AppError('VALIDATION_FAILED', 'the number of buckets must be a whole number from 1 to 256', [
      { path: '/buckets', message: 'must be 1..256' },
    ]);
  return withStockRetry(scope, async (work) => {
    const locked = await lockRowAndBuckets(work, productId, locationId);
    if (!locked) throw new AppError('NOT_FOUND', 'there is no stock of this product at this location');
    const { row, buckets } = locked;
    const lentBefore = buckets.reduce((sum, bucket) => sum + Number(bucket.on_hand), 0);
    const inBuckets = buckets.reduce((sum, bucket) => sum + Number(bucket.reserved), 0);
    const reserved = Number(row.reserved) - lentBefore + inBuckets;
    if (buckets.length) {
      await sql`update stock_reservations set bucket = null where tenant_id = ${work.tenantId} and product_id = ${productId}
  and location_id = ${locationId} and bucket is not null and status = 'active'`.execute(work.conn);
      await sql`delete from stock_buckets where tenant_id = ${work.tenantId} and product_id = ${productId}
  and location_id = ${locationId}`.execute(work.conn);
    }
    let lent = 0;
    if (count > 1) {
      const free = Math.max(0, Number(row.on_hand) - reserved - Number(row.safety));
      const shares = shareOut(free, count);
      await sql`insert into stock_buckets (tenant_id, product_id, location_id, bucket, on_hand, reserved, change_xid)
  select ${work.tenantId}, ${productId}, ${locationId}, share.bucket - 1, share.on_hand, 0, pg_current_xact_id()
  from unnest(${shares}::int[]) with ordinality as share(on_hand, bucket)`.execute(work.conn);
      lent = free;
    }
    await setRowReserved(work, productId, locationId, reserved + lent, count > 1 ? count : 0);
    const onHand = Number(row.on_hand);
    return {
      buckets: count > 1 ? count : 0,
      lent,
      onHand,
      reserved,
      available: Math.max(0, onHand - reserved - Number(row.safety)),
    };
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
 * Reserves in the buckets of a row, for a caller whose guarded UPDATE of the row itself took
 * nothing. One statement in the usual case (a bucket no other buyer holds); when every bucket
 * with enough is held, it waits for one; when no single bucket holds enough but the buckets and
 * the row together do, it gathers the free quantity into one bucket (rebalancing from the
 * siblings and lending what the row has free) and reserves there. `bucketed: false` means the row
 * has no buckets (the caller goes on as before); that costs this one statement, and only on a
 * reservation the row itself refused.
 */
export async function reserveInBuckets(
  scope: TenantScope,
  reserveStatement: ReserveStatement,
  whole: boolean,
): Promise<{ taken: number; bucketed: boolean }> {
  const seed = bucketFor(reserveStatement.orderId ?? reserveStatement.reservationId, 0x7fffffff);
  let answer = (await reserveBucketSql(scope, reserveStatement, { seed, skipLocked: true }).execute(scope.conn))
    .rows[0]!;
  if (Number(answer.buckets) === 0) return { taken: 0, bucketed: false };
  if (answer.taken) return { taken: Number(answer.taken), bucketed: true };
  if (Number(answer.most) >= reserveStatement.quantity) {
    answer = (await reserveBucketSql(scope, reserveStatement, { seed, skipLocked: false }).execute(scope.conn))
      .rows[0]!;
    if (answer.taken) return { taken: Number(answer.taken), bucketed: true };
  }
  const reachable = Number(answer.free) + Number(answer.row_free ?? 0);
  if (whole ? reachable < reserveStatement.quantity : reachable <= 0) return { taken: 0, bucketed: true };
  const taken = await withStockRetry(scope, (work) => gatherAndReserve(work, reserveStatement, whole, seed));
  return { taken, bucketed: true };
}

/**
 * The slow path of a bucketed reservation: under the row's and its buckets' locks, moves free
 * quantity from the sibling buckets (and what the row itself has free) into the bucket with the
 * most, then reserves there. Whole: all of the quantity or nothing; partial: what there is.
 */
async function gatherAndReserve(
  work: Work,
  reserveStatement: ReserveStatement,
  whole: boolean,
  seed: number,
): Promise<number> {
  const { productId, locationId } = reserveStatement;
  const locked = await lockRowAndBuckets(work, productId, locationId);
  if (!locked) return 0;
  if (Number(locked.row.buckets) === 0 || locked.buckets.length === 0) {
    // Merged meanwhile: the row holds everything again.
    const rowAnswer = await (whole ? reserveWholeSql : reservePartialSql)(work, reserveStatement).execute(work.conn);
    return Number(rowAnswer.rows[0]?.taken ?? 0);
  }
  const rowFree = Math.max(0, Number(locked.row.on_hand) - Number(locked.row.reserved) - Number(locked.row.safety));
  const frees = locked.buckets.map((bucket) => ({
    bucket: bucket.bucket,
    onHand: Number(bucket.on_hand),
    free: Number(bucket.on_hand) - Number(bucket.reserved),
  }));
  const total = rowFree + frees.reduce((sum, bucket) => sum + bucket.free, 0);
  const take = whole
    ? total >= reserveStatement.quantity
      ? reserveStatement.quantity
      : 0
    : Math.min(reserveStatement.quantity, total);
  if (take <= 0) return 0;
  const target = frees.reduce((best, bucket) => (bucket.free > best.free ? bucket : best));
  let need = Math.max(0, take - target.free);
  const fromRow = Math.min(rowFree, need);
  need -= fromRow;
  const onHand = new Map<number, number>();
  let moved = fromRow;
  for (const sibling of frees.filter((bucket) => bucket !== target).sort((left, right) => right.free - left.free)) {
    if (need <= 0) break;
    const shift = Math.min(sibling.free, need);
    if (shift <= 0) continue;
    onHand.set(sibling.bucket, sibling.onHand - shift);
    need -= shift;
    moved += shift;
  }
  if (moved > 0) onHand.set(target.bucket, target.onHand + moved);
  if (fromRow > 0)
    await setRowReserved(
      work,
      productId,
      locationId,
      Number(locked.row.reserved) + fromRow,
      Number(locked.row.buckets),
    );
  await setBucketOnHand(work, productId, locationId, onHand);
  const answer = await reserveBucketSql(
    work,
    { ...reserveStatement, quantity: take },
    { seed, skipLocked: false, bucket: target.bucket },
  ).execute(work.conn);
  return Number(answer.rows[0]?.taken ?? 0);
}

/**
 * Takes back what is free in the buckets into the row (their shares shrink to what they hold
 * reserved), so a stock change that needs it (a write-off, a set, a sync) sees it; rebalanceBuckets
 * lends it out again afterwards. Returns the quantity taken back.
 */
export async function foldFreeBack(work: Work, productId: string, locationId: string): Promise<number> {
  const locked = await lockRowAndBuckets(work, productId, locationId);
  if (!locked || locked.buckets.length === 0) return 0;
  const shrink = new Map<number, number>();
  let free = 0;
  for (const bucket of locked.buckets)
    if (Number(bucket.on_hand) > Number(bucket.reserved)) {
      free += Number(bucket.on_hand) - Number(bucket.reserved);
      shrink.set(bucket.bucket, Number(bucket.reserved));
    }
  if (free === 0) return 0;
  await setBucketOnHand(work, productId, locationId, shrink);
  await setRowReserved(work, productId, locationId, Number(locked.row.reserved) - free, Number(locked.row.buckets));
  return free;
}

/**
 * Spreads what is free — in the buckets and on the row itself (a receipt, a release of a hold the
 * row kept) — over the buckets in near-equal shares, never touching what is reserved; when the
 * row's free figure fell (a write-off, a higher safety stock), the shares shrink with it. A row
 * without buckets is left alone. Returns the number of buckets.
 */
export async function rebalanceBuckets(scope: TenantScope, productId: string, locationId: string): Promise<number> {
  return withStockRetry(scope, async (work) => {
    const locked = await lockRowAndBuckets(work, productId, locationId);
    if (!locked || locked.buckets.length === 0) return 0;
    const inBuckets = locked.buckets.reduce((sum, bucket) => sum + Number(bucket.reserved), 0);
    const lent = locked.buckets.reduce((sum, bucket) => sum + Number(bucket.on_hand), 0);
    const trueReserved = Number(locked.row.reserved) - lent + inBuckets;
    const free = Math.max(0, Number(locked.row.on_hand) - trueReserved - Number(locked.row.safety));
    const shares = shareOut(free, locked.buckets.length);
    const onHand = new Map<number, number>();
    for (const [index, bucket] of locked.buckets.entries()) {
      const next = Number(bucket.reserved) + shares[index]!;
      if (next !== Number(bucket.on_hand)) onHand.set(bucket.bucket, next);
    }
    if (trueReserved + free !== Number(locked.row.reserved))
      await setRowReserved(work, productId, locationId, trueReserved + free, Number(locked.row.buckets));
    await setBucketOnHand(work, productId, locationId, onHand);
    return locked.buckets.length;
  });
}

export interface BucketPart {
  productId: string;
  locationId: string;
  bucket: number;
  quantity: number;
}

/**
 * Gives units of closed reservations back to their buckets (release, expiry, short pick), or, with
 * `shipped`, takes them out of the bucket altogether (they left the building; the caller takes them
 * off the row's on hand and reserved). In (product, location, bucket) order, after the caller's
 * row updates. A bucket holding less than it gives back is a broken invariant: it throws.
 */
export async function returnToBuckets(work: Work, parts: BucketPart[], opts: { shipped: boolean }): Promise<void> {
  const sums = new Map<string, BucketPart>();
  for (const part of parts) {
    const key = `${part.productId}|${part.locationId}|${String(part.bucket).padStart(5, '0')}`;
    const sum = sums.get(key) ?? { ...part, quantity: 0 };
    sum.quantity += part.quantity;
    sums.set(key, sum);
  }
  for (const [, part] of [...sums].sort(([left], [right]) => (left < right ? -1 : 1))) {
    const onHand = opts.shipped ? sql`on_hand - ${part.quantity}::int` : sql`on_hand`;
    const result = await sql`update stock_buckets set reserved = reserved - ${part.quantity}::int, on_hand = ${onHand},
  change_xid = pg_current_xact_id(), updated_at = now()
  where tenant_id = ${work.tenantId} and product_id = ${part.productId} and location_id = ${part.locationId}
  and bucket = ${part.bucket}::int and reserved >= ${part.quantity}::int`.execute(work.conn);
    if (Number(result.numAffectedRows ?? 0) !== 1)
      throw new Error(
        `stock bucket ${part.bucket} of ${part.productId} at ${part.locationId} holds less than the ${part.quantity} unit(s) given back`,
      );
  }
}
