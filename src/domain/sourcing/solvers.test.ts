import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { solveBruteForce } from './brute-force.js';
import { shutdownExactSolver, solveExact } from './exact.js';
import { solveHeuristic } from './heuristic.js';
import { buildMilp, milpStart, readMilpSolution } from './milp.js';
import { compareScores, scoreOf, totalUnits, violation, type Allocation, type RoutingModel } from './model.js';
import { solveModel } from './solve.js';

after(() => shutdownExactSolver());

/** Small random instances: up to 3 lines × 4 locations, so brute force stays instant. */
const modelArb: fc.Arbitrary<RoutingModel> = fc
  .record({
    nLines: fc.integer({ min: 1, max: 3 }),
    nLocs: fc.integer({ min: 1, max: 4 }),
    nSkus: fc.integer({ min: 1, max: 3 }),
    mode: fc.constantFrom('free', 'whole', 'batch'),
    shipComplete: fc.boolean(),
    maxShipments: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    promiseWeight: fc.constantFrom(0, 0, 5, 40),
    seed: fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 80, maxLength: 80 }),
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
    return {
      lines,
      skuCount,
      promiseWeight: r.promiseWeight,
      maxShipments: r.maxShipments ?? Number.POSITIVE_INFINITY,
      shipComplete: r.shipComplete,
      keepLinesWhole: r.mode === 'whole',
      locs: Array.from({ length: r.nLocs }, () => ({
        fixed: next(2000) / 10,
        days: next(6),
        unit: lines.map(() => next(300) / 10),
        stock: Array.from({ length: skuCount }, () => next(5)),
      })),
    };
  });

/** The rules restated independently of model.violation(), so a bug there cannot hide one here. */
function assertRespectsConstraints(m: RoutingModel, x: Allocation): void {
  const used = x.filter((row) => row.some((q) => q > 0)).length;
  assert.ok(used <= m.maxShipments, `max shipments ${m.maxShipments}, used ${used}`);
  const filled = x.flat().reduce((a, b) => a + b, 0);
  if (m.shipComplete) assert.ok(filled === 0 || filled === totalUnits(m), 'ship complete is all or nothing');
  m.lines.forEach((line, i) => {
    const parts = x.map((row) => row[i]!).filter((q) => q > 0);
    assert.ok(parts.reduce((a, b) => a + b, 0) <= line.qty, 'never more than ordered');
    if (m.keepLinesWhole)
      assert.ok(parts.length === 0 || (parts.length === 1 && parts[0] === line.qty), 'line kept whole');
    for (const q of parts) assert.ok(q >= line.minAlloc, `allocation ${q} below batch ${line.minAlloc}`);
  });
  m.locs.forEach((loc, l) => {
    for (let s = 0; s < m.skuCount; s++) {
      const use = m.lines.reduce((n, line, i) => n + (line.sku === s ? x[l]![i]! : 0), 0);
      assert.ok(use <= loc.stock[s]!, 'never more than the stock');
    }
  });
}

describe('solvers against brute force', () => {
  test('Given small random instances, when solved, then exact equals the brute-force optimum and the heuristic is feasible and never better', async (t) => {
    const gaps: number[] = [];
    let heuristicOptimal = 0;
    await fc.assert(
      fc.asyncProperty(modelArb, async (m) => {
        const best = solveBruteForce(m);
        const h = solveHeuristic(m);
        const e = await solveExact(m, 5000);
        assert.equal(e.kind, 'solved');
        if (e.kind !== 'solved') return;
        assert.equal(violation(m, h.x), null);
        assert.equal(violation(m, e.x), null);
        assertRespectsConstraints(m, h.x);
        assertRespectsConstraints(m, e.x);
        assert.equal(compareScores(scoreOf(m, h.x), h.score), 0, "the reported score is the plan's score");
        assert.equal(
          compareScores(e.score, best.score),
          0,
          `exact ${JSON.stringify(e.score)} vs optimum ${JSON.stringify(best.score)}`,
        );
        assert.ok(compareScores(h.score, best.score) >= 0, 'heuristic cannot beat the optimum');
        // The heuristic's plan, handed to HiGHS as a MIP start, maps onto the columns and back.
        const milp = buildMilp(m);
        if (milp.hasVariables) assert.deepEqual(readMilpSolution(m, milp, milpStart(m, milp, h.x)), h.x);
        if (compareScores(h.score, best.score) === 0) heuristicOptimal++;
        else if (h.score.unfilled === best.score.unfilled)
          gaps.push((h.score.cost - best.score.cost) / Math.max(1, best.score.cost));
      }),
      { numRuns: 100, seed: 20261123 },
    );
    const mean = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 0;
    t.diagnostic(`heuristic optimal on ${heuristicOptimal}/100; mean cost gap when not ${(mean * 100).toFixed(1)} %`);
  });

  test('Given random instances, when the strategy asks for the exact optimiser, then it is never worse than the heuristic', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, async (m) => {
        const h = solveHeuristic(m);
        const a = await solveModel(m, { solver: 'exact', exactTimeLimitMs: 5000, autoExactMaxCells: 0 });
        assert.ok(compareScores(a.score, h.score) <= 0);
        assert.equal(violation(m, a.x), null);
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

describe('exact optimiser plumbing', () => {
  const m: RoutingModel = {
    lines: [{ sku: 0, qty: 3, minAlloc: 1 }],
    skuCount: 1,
    promiseWeight: 0,
    maxShipments: 1,
    shipComplete: false,
    keepLinesWhole: false,
    locs: [
      { fixed: 10, unit: [1], days: 1, stock: [2] },
      { fixed: 50, unit: [1], days: 1, stock: [3] },
    ],
  };

  test('Given a one-shipment limit, when the model is written, then the LP caps the location switches and reads back whole units', () => {
    const milp = buildMilp(m);
    assert.match(milp.lp, /ms: y0 \+ 1 y1 <= 1|ms: 1 y0 \+ 1 y1 <= 1/);
    assert.match(milp.lp, /Generals\n x0_0 x1_0/);
    const x = readMilpSolution(m, milp, { x0_0: 0.0000001, x1_0: 2.9999999, y1: 1 });
    assert.deepEqual(x, [[0], [3]]);
  });

  test('Given a one-shipment limit, when solved exactly, then the location that fills everything wins over the cheaper partial one', async () => {
    const e = await solveExact(m, 5000);
    assert.ok(e.kind === 'solved' && e.optimal);
    if (e.kind === 'solved') assert.deepEqual(e.x, [[0], [3]]);
  });

  test('Given an impossible time box, when solved, then the answer is the heuristic one, marked as such', async () => {
    // 12 lines × 40 locations with batches: HiGHS cannot even start within 1 ms of the deadline.
    const big: RoutingModel = {
      lines: Array.from({ length: 12 }, (_, i) => ({ sku: i, qty: 7, minAlloc: 3 })),
      skuCount: 12,
      promiseWeight: 10,
      maxShipments: 4,
      shipComplete: false,
      keepLinesWhole: false,
      locs: Array.from({ length: 40 }, (_, l) => ({
        fixed: 100 + ((l * 37) % 50),
        unit: Array.from({ length: 12 }, (_, i) => ((l + i) * 13) % 17),
        days: l % 5,
        stock: Array.from({ length: 12 }, (_, i) => (l * 7 + i) % 6),
      })),
    };
    const a = await solveModel(big, { solver: 'exact', exactTimeLimitMs: 5, autoExactMaxCells: 0 });
    // However the time box ends on a loaded machine (solved, timed out, or the worker not started
    // in time), the answer is a valid plan and says which solver made it: nothing here may depend on timing.
    assert.ok(['exact', 'exact-timeout-heuristic', 'exact-error-heuristic'].includes(a.solver), a.solver);
    assert.equal(violation(big, a.x), null);
    // The worker was replaced after the timeout and still answers.
    const again = await solveExact(m, 5000);
    assert.equal(again.kind, 'solved');
  });
});
