import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { solveBruteForce } from './brute-force.js';
import { shutdownExactSolver, solveExact } from './exact.js';
import { solveHeuristic } from './heuristic.js';
import { compareScores, violation, type RoutingModel } from './model.js';
import { expandAllocation, reduceModel, restrictAllocation, restrictModel } from './presolve.js';

after(() => shutdownExactSolver());

/**
 * Random models whose locations come from a few look-alike archetypes (same costs and days,
 * similar stock), as in a real network where many stores price alike: dominance and the cost
 * bound then have something to remove.
 */
function modelArb(maxLines: number, maxLocs: number): fc.Arbitrary<RoutingModel> {
  return fc
    .record({
      nLines: fc.integer({ min: 1, max: maxLines }),
      nLocs: fc.integer({ min: 1, max: maxLocs }),
      nSkus: fc.integer({ min: 1, max: maxLines }),
      mode: fc.constantFrom('free', 'whole', 'batch'),
      shipComplete: fc.boolean(),
      maxShipments: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      promiseWeight: fc.constantFrom(0, 0, 5, 40),
      seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 120, maxLength: 120 }),
    })
    .map((r) => {
      let k = 0;
      const next = (n: number) => r.seed[k++ % r.seed.length]! % n;
      const skuCount = Math.min(r.nSkus, r.nLines);
      const batch = r.mode === 'batch' ? 2 + next(2) : 1;
      const lines = Array.from({ length: r.nLines }, () => {
        const qty = 1 + next(4);
        return { sku: next(skuCount), qty, minAlloc: Math.min(batch, qty) };
      });
      // Archetype 0 is random; 1 and 2 copy it with one attribute moved (fixed cost, days or
      // one line's unit cost), so near-dominance, where one wrong comparison shows, is common.
      const base = {
        fixed: [100, 120, 150][next(3)]!,
        days: 1 + next(3),
        unit: lines.map(() => [0, 1, 2, 5][next(4)]!),
      };
      const variant = () => {
        const v = { ...base, unit: base.unit.slice() };
        const what = next(3);
        const delta = next(2) === 0 ? -1 : 1;
        if (what === 0) v.fixed += 20 * delta;
        else if (what === 1) v.days = Math.max(0, v.days + delta);
        else {
          const i = next(lines.length);
          v.unit[i] = Math.max(0, v.unit[i]! + delta);
        }
        return v;
      };
      const archetypes = [base, variant(), variant()];
      return {
        lines,
        skuCount,
        promiseWeight: r.promiseWeight,
        maxShipments: r.maxShipments ?? Number.POSITIVE_INFINITY,
        shipComplete: r.shipComplete,
        keepLinesWhole: r.mode === 'whole',
        locs: Array.from({ length: r.nLocs }, () => {
          const a = archetypes[next(3)]!;
          return {
            ...a,
            unit: a.unit.slice(),
            stock: Array.from({ length: skuCount }, () => (next(3) === 0 ? 0 : next(8))),
          };
        }),
      };
    });
}

describe('exact presolve: dominance, cost bound and lower-bound proof', () => {
  test('Given small random instances, when solved with the heuristic plan as the bound, then the optimum is the brute-force one and the lower bound never exceeds it', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb(3, 5), async (m) => {
        const best = solveBruteForce(m);
        const h = solveHeuristic(m);
        const red = reduceModel(m, h);
        assert.ok(
          red.lowerBound <= best.score.cost + 1e-6,
          `lower bound ${red.lowerBound} above the optimum ${best.score.cost}`,
        );
        if (red.optimum) {
          assert.equal(violation(m, red.optimum.x), null);
          assert.equal(compareScores(red.optimum.score, best.score), 0, 'a plan proven optimal is optimal');
        }
        for (let l = 0; l < m.locs.length; l++)
          if (h.x[l]!.some((q) => q > 0)) assert.ok(red.keep.includes(l), 'the known plan stays');
        const e = await solveExact(m, 5000, h.x);
        assert.equal(e.kind, 'solved');
        if (e.kind !== 'solved') return;
        assert.equal(violation(m, e.x), null);
        assert.equal(
          compareScores(e.score, best.score),
          0,
          `exact ${JSON.stringify(e.score)} vs optimum ${JSON.stringify(best.score)}`,
        );
      }),
      { numRuns: 150, seed: 5 },
    );
  });

  test('Given many small random instances, when the model is reduced, then the brute-force optimum of what is kept equals the full one and the bound holds', () => {
    fc.assert(
      fc.property(modelArb(3, 6), (m) => {
        const best = solveBruteForce(m);
        const h = solveHeuristic(m);
        for (const known of [undefined, h]) {
          const red = reduceModel(m, known);
          const kept = solveBruteForce(restrictModel(m, red.keep));
          assert.equal(
            compareScores(kept.score, best.score),
            0,
            `kept ${red.keep.join(',')}: ${JSON.stringify(kept.score)} vs ${JSON.stringify(best.score)}`,
          );
          assert.ok(
            red.lowerBound <= best.score.cost + 1e-6,
            `lower bound ${red.lowerBound} above the optimum ${best.score.cost}`,
          );
          if (red.optimum)
            assert.equal(compareScores(red.optimum.score, best.score), 0, 'a plan proven optimal is optimal');
        }
      }),
      { numRuns: 1500, seed: 1 },
    );
  });

  test('Given larger random instances, when the pruned model is solved, then its optimum equals the full model’s', async () => {
    let pruned = 0;
    let proven = 0;
    await fc.assert(
      fc.asyncProperty(modelArb(5, 14), async (m) => {
        const h = solveHeuristic(m);
        const full = await solveExact(m, 10_000, undefined, { reduce: false });
        assert.equal(full.kind, 'solved');
        if (full.kind !== 'solved') return;
        const red = reduceModel(m, h);
        pruned += m.locs.length - red.keep.length;
        const sub = restrictModel(m, red.keep);
        const part = await solveExact(sub, 10_000, restrictAllocation(h.x, red.keep), { reduce: false });
        assert.equal(part.kind, 'solved');
        if (part.kind !== 'solved') return;
        const back = expandAllocation(m, red.keep, part.x);
        assert.equal(violation(m, back), null);
        assert.equal(
          compareScores(part.score, full.score),
          0,
          `pruned ${JSON.stringify(part.score)} vs full ${JSON.stringify(full.score)}`,
        );
        if (red.complete) assert.ok(red.lowerBound <= full.score.cost + 1e-6, 'the lower bound holds');
        if (red.optimum) {
          proven++;
          assert.equal(violation(m, red.optimum.x), null);
          assert.equal(compareScores(red.optimum.score, full.score), 0, 'a plan proven optimal is optimal');
        }
        const e = await solveExact(m, 10_000, h.x);
        assert.ok(
          e.kind === 'solved' && compareScores(e.score, full.score) === 0,
          'the default path reaches the same optimum',
        );
      }),
      { numRuns: 80, seed: 20261123 },
    );
    assert.ok(
      pruned > 0 && proven > 0,
      `the instances exercise the presolve (pruned ${pruned} locations, proved ${proven} plans)`,
    );
  });

  test('Given a store outdone by a warehouse, twin stores and a known plan, when reduced, then only the needed locations stay', () => {
    const m: RoutingModel = {
      lines: [
        { sku: 0, qty: 2, minAlloc: 1 },
        { sku: 1, qty: 1, minAlloc: 1 },
      ],
      skuCount: 2,
      promiseWeight: 10,
      maxShipments: 3,
      shipComplete: false,
      keepLinesWhole: false,
      locs: [
        { fixed: 100, unit: [1, 1], days: 1, stock: [5, 0] }, // warehouse Łódź: all of SKU 0
        { fixed: 120, unit: [1, 1], days: 2, stock: [1, 0] }, // store Kraków: less SKU 0, dearer, slower → dominated
        { fixed: 110, unit: [1, 1], days: 1, stock: [0, 3] }, // store Москва-1: SKU 1
        { fixed: 110, unit: [1, 1], days: 1, stock: [0, 3] }, // its twin Москва-2 → dropped, the first stays
      ],
    };
    const red = reduceModel(m, undefined);
    assert.deepEqual(red.keep, [0, 2]);
    assert.equal(red.complete, false);
    // Known plan: Łódź + Москва-2. Two locations are needed, so 100 + 110 + 10·1 + 3 units is the bound.
    const x = [
      [2, 0],
      [0, 0],
      [0, 0],
      [0, 1],
    ];
    const withPlan = reduceModel(m, { x, score: { unfilled: 0, cost: 100 + 110 + 10 + 3 } });
    assert.deepEqual(withPlan.keep, [0, 3]);
    assert.equal(withPlan.lowerBound, 223);
    assert.deepEqual(withPlan.optimum?.x, x);
  });
});
