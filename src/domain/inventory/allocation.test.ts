import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planOnLockedRows, type ReserveLine } from './allocation.js';

const line = (lineNo: number, productId: string, quantity: number): ReserveLine => ({
  lineId: `line-${lineNo}`,
  lineNo,
  productId,
  sku: productId.toUpperCase(),
  quantity,
});
const candidates = [{ id: 'waw' }, { id: 'krk' }, { id: 'gdn' }];

describe('a reservation planned on locked rows', () => {
  test('given the first location short and the second with enough, the whole line is taken at the second', () => {
    const free = new Map([
      ['p1|waw', 2],
      ['p1|krk', 5],
    ]);
    assert.deepEqual(planOnLockedRows([line(1, 'p1', 3)], candidates, free, new Map(), true), [
      { lineId: 'line-1', productId: 'p1', locationId: 'krk', quantity: 3 },
    ]);
  });

  test('given no location with the whole line, it is gathered in candidate order when partial is allowed, else nothing', () => {
    const free = new Map([
      ['p1|waw', 2],
      ['p1|krk', 1],
      ['p1|gdn', 4],
    ]);
    assert.deepEqual(planOnLockedRows([line(1, 'p1', 6)], candidates, free, new Map(), true), [
      { lineId: 'line-1', productId: 'p1', locationId: 'waw', quantity: 2 },
      { lineId: 'line-1', productId: 'p1', locationId: 'krk', quantity: 1 },
      { lineId: 'line-1', productId: 'p1', locationId: 'gdn', quantity: 3 },
    ]);
    assert.deepEqual(planOnLockedRows([line(1, 'p1', 8)], candidates, free, new Map(), false), []);
  });

  test('given two lines of one SKU, the second sees what the first took, and what a line holds already is not taken again', () => {
    const free = new Map([['p1|waw', 5]]);
    const plan = planOnLockedRows(
      [line(1, 'p1', 4), line(2, 'p1', 4)],
      candidates,
      free,
      new Map([['line-2', 3]]),
      true,
    );
    assert.deepEqual(plan, [
      { lineId: 'line-1', productId: 'p1', locationId: 'waw', quantity: 4 },
      { lineId: 'line-2', productId: 'p1', locationId: 'waw', quantity: 1 },
    ]);
    assert.equal(free.get('p1|waw'), 5, 'the caller’s figures are not changed');
  });

  test('whatever the figures, no row gives more than it has free, no line gets more than it misses, and a line that fits somewhere whole is taken whole', () => {
    const products = ['p1', 'p2', 'p3'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...products), fc.integer({ min: 1, max: 12 }), fc.nat(12)), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.nat(10), {
          minLength: products.length * candidates.length,
          maxLength: products.length * candidates.length,
        }),
        fc.boolean(),
        (lineSpecs, figures, allowPartial) => {
          const lines = lineSpecs.map(([productId, quantity], index) => line(index + 1, productId, quantity));
          const already = new Map(lineSpecs.map(([, , held], index) => [`line-${index + 1}`, held]));
          const free = new Map<string, number>();
          products.forEach((productId, productIndex) =>
            candidates.forEach((location, locationIndex) =>
              free.set(`${productId}|${location.id}`, figures[productIndex * candidates.length + locationIndex]!),
            ),
          );
          const plan = planOnLockedRows(lines, candidates, free, already, allowPartial);
          const perRow = new Map<string, number>();
          for (const take of plan) {
            assert.ok(take.quantity > 0);
            const key = `${take.productId}|${take.locationId}`;
            perRow.set(key, (perRow.get(key) ?? 0) + take.quantity);
          }
          for (const [key, taken] of perRow) assert.ok(taken <= free.get(key)!, `${key}: ${taken} > ${free.get(key)}`);
          for (const planned of lines) {
            const missing = Math.max(0, planned.quantity - (already.get(planned.lineId) ?? 0));
            const takes = plan.filter((take) => take.lineId === planned.lineId);
            const got = takes.reduce((sum, take) => sum + take.quantity, 0);
            assert.ok(got <= missing, `${planned.lineId}: ${got} > ${missing}`);
            if (!allowPartial) assert.ok(got === 0 || (got === missing && takes.length === 1));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
