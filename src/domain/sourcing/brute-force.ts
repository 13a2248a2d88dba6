/**
 * Enumerates every allowed allocation. Exponential: only for checking the solvers on tiny
 * instances (tests and the benchmark's optimality gap), never for routing real orders.
 */
import { compareScores, emptyAllocation, scoreOf, totalUnits, type Allocation, type RoutingModel, type Score } from './model.js';

export function solveBruteForce(m: RoutingModel): { x: Allocation; score: Score } {
  const nL = m.locs.length;
  const nI = m.lines.length;
  const x = emptyAllocation(m);
  const left = m.locs.map((l) => l.stock.slice());
  const usedBy = new Array<number>(nL).fill(0);
  let usedCount = 0;
  const total = totalUnits(m);
  let best: { x: Allocation; score: Score } = { x: emptyAllocation(m), score: { unfilled: total, cost: 0 } };

  const visit = (i: number, l: number, rem: number): void => {
    if (i === nI) {
      const s = scoreOf(m, x);
      if (m.shipComplete && s.unfilled > 0 && s.unfilled < total) return;
      if (compareScores(s, best.score) < 0) best = { x: x.map((r) => r.slice()), score: s };
      return;
    }
    if (l === nL) {
      visit(i + 1, 0, i + 1 < nI ? m.lines[i + 1]!.qty : 0);
      return;
    }
    const line = m.lines[i]!;
    visit(i, l + 1, rem); // nothing from this location
    const cap = Math.min(rem, left[l]![line.sku]!);
    const lo = m.keepLinesWhole ? line.qty : line.minAlloc;
    const hi = m.keepLinesWhole ? (rem === line.qty ? cap : 0) : cap;
    if (hi < lo) return;
    if (usedBy[l] === 0 && usedCount >= m.maxShipments) return;
    for (let q = m.keepLinesWhole ? hi : lo; q <= hi; q++) {
      if (m.keepLinesWhole && q !== line.qty) continue;
      if (usedBy[l] === 0) usedCount++;
      usedBy[l] = usedBy[l]! + 1;
      x[l]![i] = q;
      left[l]![line.sku] = left[l]![line.sku]! - q;
      visit(i, l + 1, rem - q);
      left[l]![line.sku] = left[l]![line.sku]! + q;
      x[l]![i] = 0;
      usedBy[l] = usedBy[l]! - 1;
      if (usedBy[l] === 0) usedCount--;
    }
  };
  if (nI > 0) visit(0, 0, m.lines[0]!.qty);
  return best;
}
