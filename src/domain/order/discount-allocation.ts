/**
 * Spreading an order-level discount over the lines it applies to, exactly, in minor units.
 *
 * The rule (largest remainder, also called Hamilton's method): each line first gets
 * floor(amount × weight / total weight); the units left over (fewer than the number of lines) go
 * one each to the lines with the largest remainders, ties to the earlier line. The shares add up
 * to the amount to the unit, none is negative, and none is above its line's weight when the amount
 * is at most the total weight. Same input, same output.
 */

/**
 * Splits `amount` over `weights` (each ≥ 0) in proportion, by the largest-remainder method.
 * Returns null when the amount is negative or larger than the weights' sum (nothing to take it
 * from).
 */
export function largestRemainder(amount: bigint, weights: readonly bigint[]): bigint[] | null {
  if (amount < 0n) return null;
  if (weights.some((w) => w < 0n)) return null;
  const total = weights.reduce((sum, w) => sum + w, 0n);
  if (amount > total) return null;
  if (amount === 0n) return weights.map(() => 0n);
  const shares = weights.map((w) => (amount * w) / total);
  const remainders = weights.map((w, index) => ({ index, rest: (amount * w) % total }));
  let left = amount - shares.reduce((sum, share) => sum + share, 0n);
  // Larger remainder first; equal remainders keep line order (sort is stable, but say it anyway).
  remainders.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1));
  for (const { index, rest } of remainders) {
    if (left === 0n) break;
    if (rest === 0n) continue;
    shares[index]! += 1n;
    left -= 1n;
  }
  return shares;
}

export interface DiscountAllocation {
  /** Per line, per discount (in the order the discounts were given): the share of that discount. */
  shares: bigint[][];
  /** Per line: the sum of its shares. */
  perLine: bigint[];
}

/**
 * Allocates several discounts over the same lines, one after another: each discount is spread in
 * proportion to what every line still sells for after its own discount and the discounts before
 * it, so a line never takes more than its net. Returns the index of the first discount that is
 * larger than what is left to discount, or the allocation.
 */
export function allocateDiscounts(
  amounts: readonly bigint[],
  nets: readonly bigint[],
): { ok: true; value: DiscountAllocation } | { ok: false; index: number } {
  const remaining = [...nets];
  const shares: bigint[][] = nets.map(() => []);
  for (let index = 0; index < amounts.length; index++) {
    const split = largestRemainder(amounts[index]!, remaining);
    if (!split) return { ok: false, index };
    split.forEach((share, line) => {
      shares[line]!.push(share);
      remaining[line]! -= share;
    });
  }
  return {
    ok: true,
    value: { shares, perLine: shares.map((row) => row.reduce((sum, share) => sum + share, 0n)) },
  };
}
