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
function needBySku(m: RoutingModel): number[] {
  const need = new Array<number>(m.skuCount).fill(0);
  for (const line of m.lines) need[line.sku] = need[line.sku]! + line.qty;
  return need;
}

/** Whether d dominates l (see the file comment, point 1). */
function dominates(m: RoutingModel, need: number[], caps: number[][], d: number, l: number): boolean {
  const a = m.locs[d]!;
  const b = m.locs[l]!;
  if (a.fixed > b.fixed || a.days > b.days) return false;
  for (let i = 0; i < m.lines.length; i++) {
    if (caps[l]![i] === 0) continue;
    const s = m.lines[i]!.sku;
    if (a.stock[s]! < need[s]! || a.unit[i]! > b.unit[i]!) return false;
  }
  return true;
}

/**
 * Decides which locations the exact optimiser needs, and whether `known` (a feasible plan,
 * typically the heuristic's) is already provably optimal.
 */
export function reduceModel(m: RoutingModel, known?: { x: Allocation; score: Score }): Reduction {
  const nL = m.locs.length;
  const nI = m.lines.length;
  const need = needBySku(m);
  const caps = m.locs.map((_, l) => m.lines.map((_, i) => cellCap(m, l, i)));
  const useful = m.locs.map((_, l) => caps[l]!.some((c) => c > 0));
  const inKnown = m.locs.map((_, l) => known !== undefined && known.x[l]!.some((q) => q > 0));

  // 1. Dominance.
  const alive = useful.slice();
  for (let l = 0; l < nL; l++) {
    if (!useful[l] || inKnown[l]) continue;
    for (let d = 0; d < nL; d++) {
      if (d === l || !useful[d]) continue;
      if (dominates(m, need, caps, d, l) && (inKnown[d] || d < l || !dominates(m, need, caps, l, d))) {
        alive[l] = false;
        break;
      }
    }
  }

  const complete = known !== undefined && known.score.unfilled === 0 && totalUnits(m) > 0;
  const nonNegative = m.promiseWeight >= 0 && m.locs.every((loc) => loc.fixed >= 0 && loc.unit.every((u) => u >= 0));
  if (!complete || !nonNegative) {
    return { keep: indices(alive, inKnown), complete, optimum: null, lowerBound: -Infinity };
  }
  const upper = known.score.cost;

  // Cheapest unit cost of every unit, wherever it comes from.
  let unitBound = 0;
  for (let i = 0; i < nI; i++) {
    let best = Infinity;
    for (let l = 0; l < nL; l++) if (caps[l]![i]! > 0) best = Math.min(best, m.locs[l]!.unit[i]!);
    unitBound += m.lines[i]!.qty * best;
  }
  const candidates = [...Array(nL).keys()].filter((l) => useful[l]);

  // Necessary test: can this set of locations fill every unit?
  const covers = (set: number[]): boolean => {
    for (let i = 0; i < nI; i++) {
      let c = 0;
      for (const l of set) c += caps[l]![i]!;
      if (c < m.lines[i]!.qty) return false;
    }
    for (let s = 0; s < m.skuCount; s++) {
      let c = 0;
      for (const l of set) c += Math.min(m.locs[l]!.stock[s]!, need[s]!);
      if (c < need[s]!) return false;
    }
    return true;
  };
  const alone = m.locs.map((_, l) => useful[l]! && covers([l]));

  // 2. Cost bound.
  for (const l of candidates) {
    if (!alive[l] || inKnown[l]) continue;
    const loc = m.locs[l]!;
    let bound = loc.fixed + m.promiseWeight * loc.days + unitBound;
    if (!alone[l]) {
      let other = Infinity;
      for (const d of candidates) if (d !== l) other = Math.min(other, m.locs[d]!.fixed);
      bound += Number.isFinite(other) ? other : 0;
    }
    if (bound >= upper - tol(upper)) alive[l] = false;
  }

  // 3. Lower bound over the kept locations, and a plan meeting it.
  const keep = indices(alive, inKnown);
  const maxSize = Math.min(keep.length, m.maxShipments);
  const best = bestSetBound(m, caps, keep, maxSize, covers);
  let lowerBound: number;
  if (best) {
    lowerBound = best.bound;
  } else {
    let k = 1;
    let checks = 0;
    let found = keep.some((l) => alone[l]);
    while (!found && k < maxSize) {
      k++;
      const r = someSetCovers(keep, k, covers, MAX_COVER_CHECKS - checks);
      checks += r.checks;
      if (r.found === null) break; // out of checks: no smaller set covers, so k still holds
      found = r.found;
    }
    const fixedAsc = keep.map((l) => m.locs[l]!.fixed).sort((a, b) => a - b);
    const daysAsc = keep.map((l) => m.locs[l]!.days).sort((a, b) => a - b);
    lowerBound = fixedAsc.slice(0, k).reduce((a, b) => a + b, 0) + m.promiseWeight * (daysAsc[k - 1] ?? 0) + unitBound;
  }
  const atBound = (score: Score) => compareScores(score, { unfilled: 0, cost: lowerBound }) <= 0;
  let optimum: Reduction['optimum'] = atBound(known.score) ? known : null;
  if (!optimum && best) {
    const built = allocateOver(m, best.set);
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
  m: RoutingModel,
  caps: number[][],
  keep: number[],
  maxSize: number,
  covers: (set: number[]) => boolean,
): { bound: number; set: number[] } | null {
  let count = 0;
  let choose = 1;
  for (let j = 1; j <= maxSize; j++) {
    choose = (choose * (keep.length - j + 1)) / j;
    count += choose;
    if (count > MAX_LISTED_SETS) return null;
  }
  let best: { bound: number; set: number[] } | null = null;
  const set: number[] = [];
  const visit = (from: number): void => {
    if (set.length > 0 && covers(set)) {
      let bound = 0;
      let days = 0;
      for (const l of set) {
        bound += m.locs[l]!.fixed;
        days = Math.max(days, m.locs[l]!.days);
      }
      bound += m.promiseWeight * days;
      for (let i = 0; i < m.lines.length; i++) {
        let u = Infinity;
        for (const l of set) if (caps[l]![i]! > 0) u = Math.min(u, m.locs[l]!.unit[i]!);
        bound += m.lines[i]!.qty * u;
      }
      if (!best || bound < best.bound) best = { bound, set: set.slice() };
    }
    if (set.length === maxSize) return;
    for (let j = from; j < keep.length; j++) {
      set.push(keep[j]!);
      visit(j + 1);
      set.pop();
    }
  };
  visit(0);
  return best;
}

function indices(alive: boolean[], inKnown: boolean[]): number[] {
  const out: number[] = [];
  for (let l = 0; l < alive.length; l++) if (alive[l] || inKnown[l]) out.push(l);
  return out;
}

/** Whether some k-subset passes `covers`; null when the check budget ran out first. */
function someSetCovers(
  candidates: number[],
  k: number,
  covers: (set: number[]) => boolean,
  budget: number,
): { found: boolean | null; checks: number } {
  let checks = 0;
  const set: number[] = [];
  const visit = (from: number): boolean | null => {
    if (set.length === k) {
      if (++checks > budget) return null;
      return covers(set);
    }
    for (let j = from; j <= candidates.length - (k - set.length); j++) {
      set.push(candidates[j]!);
      const r = visit(j + 1);
      set.pop();
      if (r !== false) return r;
    }
    return false;
  };
  return { found: visit(0), checks };
}

/** The model restricted to `keep` (locations in that order). */
export function restrictModel(m: RoutingModel, keep: readonly number[]): RoutingModel {
  return { ...m, locs: keep.map((l) => m.locs[l]!) };
}

/** An allocation of the full model, restricted to `keep`. */
export function restrictAllocation(x: Allocation, keep: readonly number[]): Allocation {
  return keep.map((l) => x[l]!.slice());
}

/** An allocation of the restricted model, back on the full model's locations. */
export function expandAllocation(m: RoutingModel, keep: readonly number[], x: Allocation): Allocation {
  const out = m.locs.map(() => m.lines.map(() => 0));
  keep.forEach((l, k) => (out[l] = x[k]!.slice()));
  return out;
}
