import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocateDiscounts, largestRemainder } from './discount-allocation.js';

const weightsArb = fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 30 });

test('given 10.00 over three equal lines, the odd unit goes to the first line', () => {
  assert.deepEqual(largestRemainder(1000n, [1000n, 1000n, 1000n]), [334n, 333n, 333n]);
});

test('given weights 1:2, 1.00 splits 33/67 (the larger remainder wins the unit)', () => {
  assert.deepEqual(largestRemainder(100n, [1000n, 2000n]), [33n, 67n]);
});

test('given a discount larger than the lines, nothing is allocated', () => {
  assert.equal(largestRemainder(301n, [100n, 100n, 100n]), null);
  assert.equal(largestRemainder(-1n, [100n]), null);
  assert.deepEqual(largestRemainder(0n, [0n, 0n]), [0n, 0n]);
  assert.equal(largestRemainder(1n, [0n, 0n]), null);
});

test('property: the shares sum to the amount exactly, none negative, none above its weight, same answer twice', () => {
  fc.assert(
    fc.property(weightsArb, fc.bigInt({ min: 0n, max: 10n ** 13n }), (weights, raw) => {
      const total = weights.reduce((a, b) => a + b, 0n);
      const amount = total === 0n ? 0n : raw % (total + 1n);
      const shares = largestRemainder(amount, weights);
      assert.ok(shares);
      assert.equal(
        shares.reduce((a, b) => a + b, 0n),
        amount,
      );
      shares.forEach((share, index) => {
        assert.ok(share >= 0n);
        assert.ok(share <= weights[index]!);
        // within one unit of the exact proportional share
        if (total > 0n) {
          const exact = (amount * weights[index]!) / total;
          assert.ok(share === exact || share === exact + 1n);
        }
      });
      assert.deepEqual(largestRemainder(amount, weights), shares);
    }),
    { numRuns: 500 },
  );
});

test('property: several discounts in turn never take a line below zero and each sums exactly', () => {
  fc.assert(
    fc.property(weightsArb, fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 5 }), (nets, parts) => {
      const total = nets.reduce((a, b) => a + b, 0n);
      // discounts that together use at most the whole net
      const sumParts = BigInt(parts.reduce((a, b) => a + b, 0) || 1);
      const amounts = parts.map((p) => (total * BigInt(p)) / sumParts);
      const result = allocateDiscounts(amounts, nets);
      assert.ok(result.ok);
      amounts.forEach((amount, k) =>
        assert.equal(
          result.value.shares.reduce((a, row) => a + row[k]!, 0n),
          amount,
        ),
      );
      result.value.perLine.forEach((taken, index) => {
        assert.ok(taken >= 0n);
        assert.ok(taken <= nets[index]!);
      });
      assert.deepEqual(allocateDiscounts(amounts, nets), result);
    }),
    { numRuns: 300 },
  );
});

test('given a second discount larger than what the first left, it is the one refused', () => {
  const result = allocateDiscounts([150n, 60n], [100n, 100n]);
  assert.deepEqual(result, { ok: false, index: 1 });
});
