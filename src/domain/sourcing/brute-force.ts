/**
 * Enumerates every allowed allocation. Exponential: only for checking the solvers on tiny
 * instances (tests and the benchmark's optimality gap), never for routing real orders.
 */
import {
  compareScores,
  emptyAllocation,
  scoreOf,
  totalUnits,
  type Allocation,
  type RoutingModel,
  type Score,
} from './model.js';

export function solveBruteForce(routingModel: RoutingModel): { x: Allocation; score: Score } {
  const nL = routingModel.locs.length;
  const nI = routingModel.lines.length;
  const allocation = emptyAllocation(routingModel);
  const left = routingModel.locs.map((l) => l.stock.slice());
  const usedBy = new Array<number>(nL).fill(0);
  let usedCount = 0;
  const total = totalUnits(routingModel);
  let best: { x: Allocation; score: Score } = { x: emptyAllocation(routingModel), score: { unfilled: total, cost: 0 } };

  const visit = (index: number, loc: number, rem: number): void => {
    if (index === nI) {
      const score = scoreOf(routingModel, allocation);
      if (routingModel.shipComplete && score.unfilled > 0 && score.unfilled < total) return;
      if (compareScores(score, best.score) < 0) best = { x: allocation.map((r) => r.slice()), score };
      return;
    }
    if (loc === nL) {
      visit(index + 1, 0, index + 1 < nI ? routingModel.lines[index + 1]!.qty : 0);
      return;
    }
    const line = routingModel.lines[index]!;
    visit(index, loc + 1, rem); // nothing from this location
    const cap = Math.min(rem, left[loc]![line.sku]!);
    const lo = routingModel.keepLinesWhole ? line.qty : line.minAlloc;
    const hi = routingModel.keepLinesWhole ? (rem === line.qty ? cap : 0) : cap;
    if (hi < lo) return;
    if (usedBy[loc] === 0 && usedCount >= routingModel.maxShipments) return;
    for (let quantity = routingModel.keepLinesWhole ? hi : lo; quantity <= hi; quantity++) {
      if (routingModel.keepLinesWhole && quantity !== line.qty) continue;
      if (usedBy[loc] === 0) usedCount++;
      usedBy[loc] = usedBy[loc]! + 1;
      allocation[loc]![index] = quantity;
      left[loc]![line.sku] = left[loc]![line.sku]! - quantity;
      visit(index, loc + 1, rem - quantity);
      left[loc]![line.sku] = left[loc]![line.sku]! + quantity;
      allocation[loc]![index] = 0;
      usedBy[loc] = usedBy[loc]! - 1;
      if (usedBy[loc] === 0) usedCount--;
    }
  };
  if (nI > 0) visit(0, 0, routingModel.lines[0]!.qty);
  return best;
}
