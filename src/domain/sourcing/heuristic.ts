/**
 * The fast solver: pick a set of locations greedily (cheapest weighted cost per unit covered,
 * and the best single location that covers everything), then improve the set by dropping,
 * swapping and adding locations while the score gets better. Within a set, each line takes its
 * units from the cheapest location first, honouring whole lines and minimum batches.
 */
import { compareScores, emptyAllocation, totalUnits, type Allocation, type RoutingModel, type Score } from './model.js';

type Sparse = Map<number, number[]>;

interface Evaluated {
  set: number[];
  alloc: Sparse;
  score: Score;
}

const POOL_SIZE = 12;
const MAX_PASSES = 40;

/**
 * Allocates the order over the locations in `set`; locations left without units are dropped.
 * Cells (location, line) are served cheapest first, which is exact per line when lines have
 * distinct SKUs. When lines share a SKU they compete for stock, so a second pass serves the
 * largest lines first and the better of the two is kept.
 */
function allocate(routingModel: RoutingModel, set: readonly number[], total: number): { alloc: Sparse; score: Score } {
  const sparse = allocateCells(routingModel, set, false);
  const sa = scoreSparse(routingModel, sparse, total);
  if (routingModel.skuCount === routingModel.lines.length || sa.unfilled === 0) return { alloc: sparse, score: sa };
  const cells = allocateCells(routingModel, set, true);
  const sb = scoreSparse(routingModel, cells, total);
  return compareScores(sb, sa) < 0 ? { alloc: cells, score: sb } : { alloc: sparse, score: sa };
}

function allocateCells(routingModel: RoutingModel, set: readonly number[], largestLinesFirst: boolean): Sparse {
  const left = new Map<number, number[]>();
  for (const loc of set) left.set(loc, routingModel.locs[loc]!.stock.slice());
  const rem = routingModel.lines.map((l) => l.qty);
  const out: Sparse = new Map();
  const cells: [number, number][] = [];
  for (const loc of set)
    for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) cells.push([loc, lineIndex]);
  cells.sort(([la, ia], [lb, ib]) => {
    if (largestLinesFirst && ia !== ib) return routingModel.lines[ib]!.qty - routingModel.lines[ia]!.qty || ia - ib;
    return routingModel.locs[la]!.unit[ia]! - routingModel.locs[lb]!.unit[ib]!;
  });
  for (const [loc, index] of cells) {
    const item = rem[index]!;
    if (item === 0) continue;
    const line = routingModel.lines[index]!;
    const st = left.get(loc)!;
    let amount = Math.min(item, st[line.sku]!);
    if (routingModel.keepLinesWhole) {
      if (item !== line.qty || amount < item) continue;
    } else {
      if (amount < line.minAlloc) continue;
      // Leave either nothing or at least a full minimum batch for the next location.
      if (item - amount > 0 && item - amount < line.minAlloc) amount = item - line.minAlloc;
      if (amount < line.minAlloc) continue;
    }
    let row = out.get(loc);
    if (!row) {
      row = new Array<number>(routingModel.lines.length).fill(0);
      out.set(loc, row);
    }
    row[index] = row[index]! + amount;
    st[line.sku] = st[line.sku]! - amount;
    rem[index] = item - amount;
  }
  return out;
}

function scoreSparse(routingModel: RoutingModel, sparse: Sparse, total: number): Score {
  let filled = 0;
  let cost = 0;
  let maxDays = 0;
  for (const [line, row] of sparse) {
    const loc = routingModel.locs[line]!;
    cost += loc.fixed;
    if (loc.days > maxDays) maxDays = loc.days;
    for (let rowIndex = 0; rowIndex < row.length; rowIndex++) {
      const item = row[rowIndex]!;
      if (item > 0) {
        filled += item;
        cost += item * loc.unit[rowIndex]!;
      }
    }
  }
  return { unfilled: total - filled, cost: cost + routingModel.promiseWeight * maxDays };
}

function evaluate(routingModel: RoutingModel, set: readonly number[], total: number): Evaluated {
  const { alloc, score } = allocate(routingModel, set, total);
  return { set: [...alloc.keys()], alloc, score };
}

/** Units a location could add given what is still missing, and what that would cost. */
function marginal(
  routingModel: RoutingModel,
  value: number,
  rem: readonly number[],
  curDays: number,
): { cover: number; cost: number } {
  const loc = routingModel.locs[value]!;
  const st = loc.stock.slice();
  let cover = 0;
  let cost = loc.fixed + routingModel.promiseWeight * Math.max(0, loc.days - curDays);
  for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
    const item = rem[lineIndex]!;
    if (item === 0) continue;
    const line = routingModel.lines[lineIndex]!;
    let amount = Math.min(item, st[line.sku]!);
    if (routingModel.keepLinesWhole && (item !== line.qty || amount < item)) amount = 0;
    if (amount < line.minAlloc) amount = 0;
    if (amount === 0) continue;
    st[line.sku] = st[line.sku]! - amount;
    cover += amount;
    cost += amount * loc.unit[lineIndex]!;
  }
  return { cover, cost };
}

function better(left: Evaluated, evaluated: Evaluated): boolean {
  const scores = compareScores(left.score, evaluated.score);
  return scores < 0 || (scores === 0 && left.set.length < evaluated.set.length);
}

export interface HeuristicResult {
  x: Allocation;
  score: Score;
}

export function solveHeuristic(routingModel: RoutingModel): HeuristicResult {
  const total = totalUnits(routingModel);
  const nLoc = routingModel.locs.length;
  const empty: Evaluated = { set: [], alloc: new Map(), score: { unfilled: total, cost: 0 } };
  if (nLoc === 0 || total === 0) return finish(routingModel, empty);

  // Rank every location once by cost per unit it could cover on its own.
  const full = routingModel.lines.map((l) => l.qty);
  const ranked: { l: number; ratio: number; cover: number }[] = [];
  for (let locIndex = 0; locIndex < nLoc; locIndex++) {
    const { cover, cost } = marginal(routingModel, locIndex, full, 0);
    if (cover > 0) ranked.push({ l: locIndex, ratio: cost / cover, cover });
  }
  if (ranked.length === 0) return finish(routingModel, empty);
  ranked.sort((a, b) =>
    (a.cover === total) !== (b.cover === total) ? (a.cover === total ? -1 : 1) : a.ratio - b.ratio,
  );

  let best = empty;
  // The best single location that covers everything (the no-split answer).
  for (const row of ranked) {
    if (row.cover < total || routingModel.maxShipments < 1) break;
    const evaluated = evaluate(routingModel, [row.l], total);
    if (better(evaluated, best)) best = evaluated;
  }

  // Greedy cover by marginal cost per unit.
  const set: number[] = [];
  const maxSets = Math.min(routingModel.maxShipments, nLoc);
  let cur = empty;
  while (set.length < maxSets && cur.score.unfilled > 0) {
    const rem = routingModel.lines.map((l) => l.qty);
    let curDays = 0;
    for (const [loc, row] of cur.alloc) {
      curDays = Math.max(curDays, routingModel.locs[loc]!.days);
      row.forEach((q, i) => (rem[i] = rem[i]! - q));
    }
    let pick = -1;
    let pickRatio = Infinity;
    let pickCover = 0;
    for (const row of ranked) {
      if (set.includes(row.l)) continue;
      const { cover, cost } = marginal(routingModel, row.l, rem, curDays);
      if (cover === 0) continue;
      const ratio = cost / cover;
      if (ratio < pickRatio || (ratio === pickRatio && cover > pickCover)) {
        pick = row.l;
        pickRatio = ratio;
        pickCover = cover;
      }
    }
    if (pick < 0) break;
    set.push(pick);
    const next = evaluate(routingModel, set, total);
    if (next.score.unfilled >= cur.score.unfilled) break;
    cur = next;
  }
  if (better(cur, best)) best = cur;

  // Local improvement over a small pool of promising locations.
  const pool = [...new Set([...ranked.slice(0, POOL_SIZE).map((r) => r.l), ...cur.set, ...best.set])];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = improve(routingModel, best, pool, total);
    if (!next) break;
    best = next;
  }
  return finish(routingModel, best);
}

function improve(routingModel: RoutingModel, cur: Evaluated, pool: readonly number[], total: number): Evaluated | null {
  const set = cur.set;
  for (let setIndex = 0; setIndex < set.length; setIndex++) {
    const evaluated = evaluate(
      routingModel,
      set.filter((_, j) => j !== setIndex),
      total,
    );
    if (better(evaluated, cur)) return evaluated;
  }
  for (let setIndex = 0; setIndex < set.length; setIndex++) {
    for (const count of pool) {
      if (set.includes(count)) continue;
      const evaluated = evaluate(
        routingModel,
        set.map((v, j) => (j === setIndex ? count : v)),
        total,
      );
      if (better(evaluated, cur)) return evaluated;
    }
  }
  if (set.length < routingModel.maxShipments) {
    for (const count of pool) {
      if (set.includes(count)) continue;
      const evaluated = evaluate(routingModel, [...set, count], total);
      if (better(evaluated, cur)) return evaluated;
    }
  }
  return null;
}

function finish(routingModel: RoutingModel, evaluated: Evaluated): HeuristicResult {
  const total = totalUnits(routingModel);
  // Ship complete is all or nothing: a partial answer becomes an empty one.
  if (routingModel.shipComplete && evaluated.score.unfilled > 0)
    return { x: emptyAllocation(routingModel), score: { unfilled: total, cost: 0 } };
  const allocation = emptyAllocation(routingModel);
  for (const [loc, row] of evaluated.alloc) allocation[loc] = row.slice();
  return { x: allocation, score: evaluated.score };
}

/**
 * The heuristic's allocation over a fixed set of locations (cheapest cells first, and
 * largest lines first when lines share a SKU). Feasible, not necessarily the set's best.
 */
export function allocateOver(routingModel: RoutingModel, set: readonly number[]): HeuristicResult {
  const { alloc, score } = allocate(routingModel, set, totalUnits(routingModel));
  const allocation = emptyAllocation(routingModel);
  for (const [loc, row] of alloc) allocation[loc] = row.slice();
  return { x: allocation, score };
}
