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
function allocate(m: RoutingModel, set: readonly number[], total: number): { alloc: Sparse; score: Score } {
  const a = allocateCells(m, set, false);
  const sa = scoreSparse(m, a, total);
  if (m.skuCount === m.lines.length || sa.unfilled === 0) return { alloc: a, score: sa };
  const b = allocateCells(m, set, true);
  const sb = scoreSparse(m, b, total);
  return compareScores(sb, sa) < 0 ? { alloc: b, score: sb } : { alloc: a, score: sa };
}

function allocateCells(m: RoutingModel, set: readonly number[], largestLinesFirst: boolean): Sparse {
  const left = new Map<number, number[]>();
  for (const l of set) left.set(l, m.locs[l]!.stock.slice());
  const rem = m.lines.map((l) => l.qty);
  const out: Sparse = new Map();
  const cells: [number, number][] = [];
  for (const l of set) for (let i = 0; i < m.lines.length; i++) cells.push([l, i]);
  cells.sort(([la, ia], [lb, ib]) => {
    if (largestLinesFirst && ia !== ib) return m.lines[ib]!.qty - m.lines[ia]!.qty || ia - ib;
    return m.locs[la]!.unit[ia]! - m.locs[lb]!.unit[ib]!;
  });
  for (const [l, i] of cells) {
    const r = rem[i]!;
    if (r === 0) continue;
    const line = m.lines[i]!;
    const st = left.get(l)!;
    let a = Math.min(r, st[line.sku]!);
    if (m.keepLinesWhole) {
      if (r !== line.qty || a < r) continue;
    } else {
      if (a < line.minAlloc) continue;
      // Leave either nothing or at least a full minimum batch for the next location.
      if (r - a > 0 && r - a < line.minAlloc) a = r - line.minAlloc;
      if (a < line.minAlloc) continue;
    }
    let row = out.get(l);
    if (!row) {
      row = new Array<number>(m.lines.length).fill(0);
      out.set(l, row);
    }
    row[i] = row[i]! + a;
    st[line.sku] = st[line.sku]! - a;
    rem[i] = r - a;
  }
  return out;
}

function scoreSparse(m: RoutingModel, x: Sparse, total: number): Score {
  let filled = 0;
  let cost = 0;
  let maxDays = 0;
  for (const [l, row] of x) {
    const loc = m.locs[l]!;
    cost += loc.fixed;
    if (loc.days > maxDays) maxDays = loc.days;
    for (let i = 0; i < row.length; i++) {
      const q = row[i]!;
      if (q > 0) {
        filled += q;
        cost += q * loc.unit[i]!;
      }
    }
  }
  return { unfilled: total - filled, cost: cost + m.promiseWeight * maxDays };
}

function evaluate(m: RoutingModel, set: readonly number[], total: number): Evaluated {
  const { alloc, score } = allocate(m, set, total);
  return { set: [...alloc.keys()], alloc, score };
}

/** Units a location could add given what is still missing, and what that would cost. */
function marginal(m: RoutingModel, l: number, rem: readonly number[], curDays: number): { cover: number; cost: number } {
  const loc = m.locs[l]!;
  const st = loc.stock.slice();
  let cover = 0;
  let cost = loc.fixed + m.promiseWeight * Math.max(0, loc.days - curDays);
  for (let i = 0; i < m.lines.length; i++) {
    const r = rem[i]!;
    if (r === 0) continue;
    const line = m.lines[i]!;
    let a = Math.min(r, st[line.sku]!);
    if (m.keepLinesWhole && (r !== line.qty || a < r)) a = 0;
    if (a < line.minAlloc) a = 0;
    if (a === 0) continue;
    st[line.sku] = st[line.sku]! - a;
    cover += a;
    cost += a * loc.unit[i]!;
  }
  return { cover, cost };
}

function better(a: Evaluated, b: Evaluated): boolean {
  const c = compareScores(a.score, b.score);
  return c < 0 || (c === 0 && a.set.length < b.set.length);
}

export interface HeuristicResult {
  x: Allocation;
  score: Score;
}

export function solveHeuristic(m: RoutingModel): HeuristicResult {
  const total = totalUnits(m);
  const nLoc = m.locs.length;
  const empty: Evaluated = { set: [], alloc: new Map(), score: { unfilled: total, cost: 0 } };
  if (nLoc === 0 || total === 0) return finish(m, empty);

  // Rank every location once by cost per unit it could cover on its own.
  const full = m.lines.map((l) => l.qty);
  const ranked: { l: number; ratio: number; cover: number }[] = [];
  for (let l = 0; l < nLoc; l++) {
    const { cover, cost } = marginal(m, l, full, 0);
    if (cover > 0) ranked.push({ l, ratio: cost / cover, cover });
  }
  if (ranked.length === 0) return finish(m, empty);
  ranked.sort((a, b) => (a.cover === total) !== (b.cover === total) ? (a.cover === total ? -1 : 1) : a.ratio - b.ratio);

  let best = empty;
  // The best single location that covers everything (the no-split answer).
  for (const r of ranked) {
    if (r.cover < total || m.maxShipments < 1) break;
    const e = evaluate(m, [r.l], total);
    if (better(e, best)) best = e;
  }

  // Greedy cover by marginal cost per unit.
  const set: number[] = [];
  const maxSets = Math.min(m.maxShipments, nLoc);
  let cur = empty;
  while (set.length < maxSets && cur.score.unfilled > 0) {
    const rem = m.lines.map((l) => l.qty);
    let curDays = 0;
    for (const [l, row] of cur.alloc) {
      curDays = Math.max(curDays, m.locs[l]!.days);
      row.forEach((q, i) => (rem[i] = rem[i]! - q));
    }
    let pick = -1;
    let pickRatio = Infinity;
    let pickCover = 0;
    for (const r of ranked) {
      if (set.includes(r.l)) continue;
      const { cover, cost } = marginal(m, r.l, rem, curDays);
      if (cover === 0) continue;
      const ratio = cost / cover;
      if (ratio < pickRatio || (ratio === pickRatio && cover > pickCover)) {
        pick = r.l;
        pickRatio = ratio;
        pickCover = cover;
      }
    }
    if (pick < 0) break;
    set.push(pick);
    const next = evaluate(m, set, total);
    if (next.score.unfilled >= cur.score.unfilled) break;
    cur = next;
  }
  if (better(cur, best)) best = cur;

  // Local improvement over a small pool of promising locations.
  const pool = [...new Set([...ranked.slice(0, POOL_SIZE).map((r) => r.l), ...cur.set, ...best.set])];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = improve(m, best, pool, total);
    if (!next) break;
    best = next;
  }
  return finish(m, best);
}

function improve(m: RoutingModel, cur: Evaluated, pool: readonly number[], total: number): Evaluated | null {
  const s = cur.set;
  for (let k = 0; k < s.length; k++) {
    const e = evaluate(m, s.filter((_, j) => j !== k), total);
    if (better(e, cur)) return e;
  }
  for (let k = 0; k < s.length; k++) {
    for (const c of pool) {
      if (s.includes(c)) continue;
      const e = evaluate(m, s.map((v, j) => (j === k ? c : v)), total);
      if (better(e, cur)) return e;
    }
  }
  if (s.length < m.maxShipments) {
    for (const c of pool) {
      if (s.includes(c)) continue;
      const e = evaluate(m, [...s, c], total);
      if (better(e, cur)) return e;
    }
  }
  return null;
}

function finish(m: RoutingModel, e: Evaluated): HeuristicResult {
  const total = totalUnits(m);
  // Ship complete is all or nothing: a partial answer becomes an empty one.
  if (m.shipComplete && e.score.unfilled > 0) return { x: emptyAllocation(m), score: { unfilled: total, cost: 0 } };
  const x = emptyAllocation(m);
  for (const [l, row] of e.alloc) x[l] = row.slice();
  return { x, score: e.score };
}

/**
 * The heuristic's allocation over a fixed set of locations (cheapest cells first, and
 * largest lines first when lines share a SKU). Feasible, not necessarily the set's best.
 */
export function allocateOver(m: RoutingModel, set: readonly number[]): HeuristicResult {
  const { alloc, score } = allocate(m, set, totalUnits(m));
  const x = emptyAllocation(m);
  for (const [l, row] of alloc) x[l] = row.slice();
  return { x, score };
}
