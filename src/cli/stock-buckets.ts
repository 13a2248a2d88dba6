import type { Db } from '../store/db.js';
import { scope } from '../store/tenant-scope.js';
import { AppError } from '../shared/errors.js';
import { splitStockBuckets, type StockBucketsResult } from '../app/inventory/split-stock-buckets.js';

const USAGE = 'usage: ordo stock-buckets SKU LOCATION COUNT [--tenant demo]   (COUNT 2..256 splits, 1 merges back)';

/** "5 × 19, 11 × 18": the bucket shares, grouped. */
function describeShares(shares: StockBucketsResult['shares']): string {
  const groups = new Map<number, number>();
  for (const share of shares) groups.set(share.onHand, (groups.get(share.onHand) ?? 0) + 1);
  return [...groups]
    .sort(([left], [right]) => right - left)
    .map(([onHand, count]) => `${count} × ${onHand}`)
    .join(', ');
}

/**
 * `ordo stock-buckets SKU LOCATION COUNT`: splits one SKU's free stock at one location into COUNT
 * buckets for a flash sale (COUNT 1 merges them back), then prints what each holds and the SKU's
 * figures there. Exit 0 done, 1 refused (unknown SKU or location, no stock row), 2 usage.
 */
export async function stockBucketsCommand(
  db: Db,
  tenantId: string,
  positionals: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const [sku, location, countText] = positionals;
  const count = Number(countText);
  if (!sku || !location || !countText || !/^\d+$/.test(countText) || count < 1 || count > 256) {
    print(USAGE);
    return 2;
  }
  try {
    const result = await splitStockBuckets(scope(db, tenantId), { sku, location, buckets: count });
    print(
      result.buckets === 0
        ? `${sku} at ${location}: no buckets; the stock row holds everything again`
        : `${sku} at ${location}: ${result.buckets} buckets, ${result.lent} free unit(s) lent out (${describeShares(result.shares)})`,
    );
    print(`on hand ${result.onHand}, reserved ${result.reserved}, available ${result.available}`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      const fields = error.errors.map((field) => field.message).join('; ');
      print(`refused (${error.code}): ${fields || error.message}`);
      return 1;
    }
    throw error;
  }
}
