/**
 * Shrinks a routing model before the exact optimiser sees it, without changing its optimum,
 * and proves a known plan optimal when a simple lower bound already meets its cost.
 *
 * 1. Dominance (always): location l can go when another location d is no worse in every
 *    respect — fixed cost, days, the unit cost of every line l could serve — and holds, of every
 *    SKU l could serve, at least the whole order's need. Moving all of l's units to d then keeps
 *    any plan feasible (d can take every unit of those SKUs the order wants; batches and whole
 *    lines stay whole) and never raises its cost, its shipment count or its latest day. Of equal
 *    locations the first stays (or the one in the known plan). Dominance is transitive and,
 *    with that tie-break, a strict partial order, so every dropped location has a kept
 *    dominator: some optimal plan uses kept locations only.
 * 2. Cost bound (only when a known plan fills every unit, so the optimum does too): any plan
 *    using l costs at least l's fixed cost, its days, the cheapest unit cost of every unit
 *    and, when l cannot fill the order alone, the cheapest other location. If that is not below
 *    the known plan's cost, the known plan (kept) is at least as good as any plan using l.
 * 3. Proof, over the kept locations (some optimal plan uses only those). Every complete plan
 *    uses a set S of locations that passes a necessary covering test, and costs at least
 *    bound(S) = S's fixed costs + the weighted slowest days in S + every unit at the cheapest
 *    price S offers for its line. When the sets are few enough to list, the least bound over
 *    all of them is a lower bound on the optimum, and a plan that meets it is optimal: the
 *    known plan, or the heuristic's allocation over the set with the least bound. Otherwise
 *    every complete plan uses at least k locations (no smaller set passes the test), giving
 *    the k smallest fixed costs, the k-th smallest days and the cheapest unit costs.
 *
 * Locations of the known plan are always kept, so it stays a valid MIP start. Costs and
 * weights are non-negative (strategy weights are ≥ 0); bounds 2 and 3 are skipped otherwise.
 */
import { allocateOver } from './heuristic.js';
import { cellCap } from './milp.js';
import { compareScores, totalUnits, type Allocation, type RoutingModel, type Score } from './model.js';

export interface Reduction {
  /** Indices (into the full model's locations) the reduced model keeps, ascending. */
  keep: number[];
  /** A plan filling every unit is known: the reduced model may require it. */
  complete: boolean;
  /** A plan proven optimal (the known one or one built here): nothing left to solve. */
  optimum: { x: Allocation; score: Score } | null;
  /** Lower bound on the cost of a complete plan (complete only, else -Infinity). */
  lowerBound: number;
}

/** How many location subsets the covering test may try before settling for a weaker bound. */
const MAX_COVER_CHECKS = 20_000;
/** Largest number of location sets whose bounds are listed one by one (step 3). */
const MAX_LISTED_SETS = 4_096;

const tol = (c: number) => 1e-9 * Math.max(1, Math.abs(c));

/** Units of each SKU the order wants. */
function needBySku(routingModel: RoutingModel): number[] {
  const need = new Array<number>(routingModel.skuCount).fill(0);
  for (const line of routingModel.lines) need[line.sku] = need[line.sku]! + line.qty;
  return need;
}

/** Whether d dominates l (see the file comment, point 1). */
function dominates(routingModel: RoutingModel, need: number[], caps: number[][], delta: number, loc: number): boolean {
  const modelLocation = routingModel.locs[delta]!;
  const location = routingModel.locs[loc]!;
  if (modelLocation.fixed > location.fixed || modelLocation.days > location.days) return false;
  for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
    if (caps[loc]![lineIndex] === 0) continue;
    const sku = routingModel.lines[lineIndex]!.sku;
    if (modelLocation.stock[sku]! < need[sku]! || modelLocation.unit[lineIndex]! > location.unit[lineIndex]!)
      return false;
  }
  return true;
}

/**
 * Decides which locations the exact optimiser needs, and whether `known` (a feasible plan,
 * typically the heuristic's) is already provably optimal.
 */
export function reduceModel(routingModel: RoutingModel, known?: { x: Allocation; score: Score }): Reduction {
  const nL = routingModel.locs.length;
  const nI = routingModel.lines.length;
  const need = needBySku(routingModel);
  const caps = routingModel.locs.map((_, l) => routingModel.lines.map((_, i) => cellCap(routingModel, l, i)));
  const useful = routingModel.locs.map((_, l) => caps[l]!.some((c) => c > 0));
  const inKnown = routingModel.locs.map((_, l) => known !== undefined && known.x[l]!.some((q) => q > 0));

  // 1. Dominance.
  const alive = useful.slice();
  for (let loc = 0; loc < nL; loc++) {
    if (!useful[loc] || inKnown[loc]) continue;
    for (let delta = 0; delta < nL; delta++) {
      if (delta === loc || !useful[delta]) continue;
      if (
        dominates(routingModel, need, caps, delta, loc) &&
        (inKnown[delta] || delta < loc || !dominates(routingModel, need, caps, loc, delta))
      ) {
        alive[loc] = false;
        break;
      }
    }
  }

  const complete = known !== undefined && known.score.unfilled === 0 && totalUnits(routingModel) > 0;
  const nonNegative =
    routingModel.promiseWeight >= 0 &&
    routingModel.locs.every((loc) => loc.fixed >= 0 && loc.unit.every((u) => u >= 0));
  if (!complete || !nonNegative) {
    return { keep: indices(alive, inKnown), complete, optimum: null, lowerBound: -Infinity };
  }
  const upper = known.score.cost;

  // Cheapest unit cost of every unit, wherever it comes from.
  let unitBound = 0;
  for (let index = 0; index < nI; index++) {
    let best = Infinity;
    for (let loc = 0; loc < nL; loc++)
      if (caps[loc]![index]! > 0) best = Math.min(best, routingModel.locs[loc]!.unit[index]!);
    unitBound += routingModel.lines[index]!.qty * best;
  }
  const candidates = [...Array(nL).keys()].filter((l) => useful[l]);

  // Necessary test: can this set of locations fill every unit?
  const covers = (set: number[]): boolean => {
    for (let index = 0; index < nI; index++) {
      let count = 0;
      for (const loc of set) count += caps[loc]![index]!;
      if (count < routingModel.lines[index]!.qty) return false;
    }
    for (let skuIndex = 0; skuIndex < routingModel.skuCount; skuIndex++) {
      let count = 0;
      for (const loc of set) count += Math.min(routingModel.locs[loc]!.stock[skuIndex]!, need[skuIndex]!);
      if (count < need[skuIndex]!) return false;
    }
    return true;
  };
  const alone = routingModel.locs.map((_, l) => useful[l]! && covers([l]));

  // 2. Cost bound.
  for (const candidate of candidates) {
    if (!alive[candidate] || inKnown[candidate]) continue;
    const loc = routingModel.locs[candidate]!;
    let bound = loc.fixed + routingModel.promiseWeight * loc.days + unitBound;
    if (!alone[candidate]) {
      let other = Infinity;
      for (const delta of candidates) if (delta !== candidate) other = Math.min(other, routingModel.locs[delta]!.fixed);
      bound += Number.isFinite(other) ? other : 0;
    }
    if (bound >= upper - tol(upper)) alive[candidate] = false;
  }

  // 3. Lower bound over the kept locations, and a plan meeting it.
  const keep = indices(alive, inKnown);
  const maxSize = Math.min(keep.length, routingModel.maxShipments);
  const best = bestSetBound(routingModel, caps, keep, maxSize, covers);
  let lowerBound: number;
  if (best) {
    lowerBound = best.bound;
  } else {
    let index = 1;
    let checks = 0;
    let found = keep.some((l) => alone[l]);
    while (!found && index < maxSize) {
      index++;
      const result = someSetCovers(keep, index, covers, MAX_COVER_CHECKS - checks);
      checks += result.checks;
      if (result.found === null) break; // out of checks: no smaller set covers, so k still holds
      found = result.found;
    }
    const fixedAsc = keep.map((l) => routingModel.locs[l]!.fixed).sort((a, b) => a - b);
    const daysAsc = keep.map((l) => routingModel.locs[l]!.days).sort((a, b) => a - b);
    lowerBound =
      fixedAsc.slice(0, index).reduce((a, b) => a + b, 0) +
      routingModel.promiseWeight * (daysAsc[index - 1] ?? 0) +
      unitBound;
  }
  const atBound = (score: Score) => compareScores(score, { unfilled: 0, cost: lowerBound }) <= 0;
  let optimum: Reduction['optimum'] = atBound(known.score) ? known : null;
  if (!optimum && best) {
    const built = allocateOver(routingModel, best.set);
    if (built.score.unfilled === 0 && atBound(built.score)) optimum = built;
  }
  return { keep, complete, optimum, lowerBound };
}

/**
 * The least bound(S) (file comment, point 3) over every set S of `keep` with at most
 * `maxSize` locations that passes `covers`, and one set attaining it; null when there are
 * too many sets to list.
 */
function bestSetBound(
  routingModel: RoutingModel,
  caps: number[][],
  keep: number[],
  maxSize: number,
  covers: (set: number[]) => boolean,
): { bound: number; set: number[] } | null {
  let count = 0;
  let choose = 1;
  for (let inner = 1; inner <= maxSize; inner++) {
    choose = (choose * (keep.length - inner + 1)) / inner;
    count += choose;
    if (count > MAX_LISTED_SETS) return null;
  }
  let best: { bound: number; set: number[] } | null = null;
  const set: number[] = [];
  const visit = (from: number): void => {
    if (set.length > 0 && covers(set)) {
      let bound = 0;
      let days = 0;
      for (const loc of set) {
        bound += routingModel.locs[loc]!.fixed;
        days = Math.max(days, routingModel.locs[loc]!.days);
      }
      bound += routingModel.promiseWeight * days;
      for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
        let currentInfinity = Infinity;
        for (const loc of set)
          if (caps[loc]![lineIndex]! > 0)
            currentInfinity = Math.min(currentInfinity, routingModel.locs[loc]!.unit[lineIndex]!);
        bound += routingModel.lines[lineIndex]!.qty * currentInfinity;
      }
      if (!best || bound < best.bound) best = { bound, set: set.slice() };
    }
    if (set.length === maxSize) return;
    for (let keepIndex = from; keepIndex < keep.length; keepIndex++) {
      set.push(keep[keepIndex]!);
      visit(keepIndex + 1);
      set.pop();
    }
  };
  visit(0);
  return best;
}

function indices(alive: boolean[], inKnown: boolean[]): number[] {
  const out: number[] = [];
  for (let aliveIndex = 0; aliveIndex < alive.length; aliveIndex++)
    if (alive[aliveIndex] || inKnown[aliveIndex]) out.push(aliveIndex);
  return out;
}

/** Whether some k-subset passes `covers`; null when the check budget ran out first. */
function someSetCovers(
  candidates: number[],
  index: number,
  covers: (set: number[]) => boolean,
  budget: number,
): { found: boolean | null; checks: number } {
  let checks = 0;
  const set: number[] = [];
  const visit = (from: number): boolean | null => {
    if (set.length === index) {
      if (++checks > budget) return null;
      return covers(set);
    }
    for (let inner = from; inner <= candidates.length - (index - set.length); inner++) {
      set.push(candidates[inner]!);
      const result = visit(inner + 1);
      set.pop();
      if (result !== false) return result;
    }
    return false;
  };
  return { found: visit(0), checks };
}

/** The model restricted to `keep` (locations in that order). */
export function restrictModel(routingModel: RoutingModel, keep: readonly number[]): RoutingModel {
  return { ...routingModel, locs: keep.map((l) => routingModel.locs[l]!) };
}

/** An allocation of the full model, restricted to `keep`. */
export function restrictAllocation(allocation: Allocation, keep: readonly number[]): Allocation {
  return keep.map((l) => allocation[l]!.slice());
}

/** An allocation of the restricted model, back on the full model's locations. */
export function expandAllocation(
  routingModel: RoutingModel,
  keep: readonly number[],
  allocation: Allocation,
): Allocation {
  const out = routingModel.locs.map(() => routingModel.lines.map(() => 0));
  keep.forEach((l, k) => (out[l] = allocation[k]!.slice()));
  return out;
}
