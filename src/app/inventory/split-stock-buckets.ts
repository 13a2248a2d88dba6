import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocation, resolveSku } from './common.js';
import { splitStock } from './buckets.js';

export interface StockBucketsResult {
  sku: string;
  location: string;
  /** Buckets the free quantity is now lent to (0: merged back into the stock row). */
  buckets: number;
  /** Free units lent out to the buckets. */
  lent: number;
  onHand: number;
  reserved: number;
  available: number;
  /** Each bucket's share (on hand) and what it holds reserved, by number. */
  shares: Array<{ bucket: number; onHand: number; reserved: number }>;
}

/**
 * Splits the free stock of one SKU at one location into `buckets` buckets for a flash sale, or
 * merges it back with 1 (`ordo stock-buckets`, `POST /inventory/stock:buckets`; docs/inventory.md
 * "Hot SKUs"). The figures returned are the true ones: splitting and merging change none of them.
 */
export async function splitStockBuckets(
  scope: TenantScope,
  input: { sku: string; location: string; buckets: number },
): Promise<StockBucketsResult> {
  const product = await resolveSku(scope, input.sku);
  const location = await resolveLocation(scope, input.location);
  const outcome = await splitStock(scope, product.id, location.id, input.buckets);
  const shares = (
    await sql<{ bucket: number; on_hand: number; reserved: number }>`select bucket, on_hand, reserved from stock_buckets
  where tenant_id = ${scope.tenantId} and product_id = ${product.id} and location_id = ${location.id} order by bucket`.execute(
      scope.conn,
    )
  ).rows;
  return {
    sku: input.sku,
    location: input.location,
    ...outcome,
    shares: shares.map((share) => ({
      bucket: Number(share.bucket),
      onHand: Number(share.on_hand),
      reserved: Number(share.reserved),
    })),
  };
}
