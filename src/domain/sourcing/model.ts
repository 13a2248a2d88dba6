/**
 * The numeric core every solver shares: lines, candidate locations with weighted costs, and
 * the constraints. Scoring is lexicographic — fill as many units as possible, then minimise the
 * weighted cost — so a solver never trades a unit of backorder for a cheaper plan.
 */

export interface ModelLine {
  /** Index into the model's SKU list; lines of the same SKU share a location's stock. */
  sku: number;
  qty: number;
  /** Smallest allowed allocation of this line at one location (1, or min(batch, qty)). */
  minAlloc: number;
}

export interface ModelLocation {
  /** Weighted cost of using the location at all (one shipment). */
  fixed: number;
  /** Weighted cost per unit, per line. */
  unit: number[];
  /** Handling + transit days: the promise term counts the slowest used location. */
  days: number;
  /** Units available, per SKU index. */
  stock: number[];
}

export interface RoutingModel {
  lines: ModelLine[];
  skuCount: number;
  locs: ModelLocation[];
  /** Weight per day of the latest shipment. */
  promiseWeight: number;
  /** Infinity when unconstrained. */
  maxShipments: number;
  shipComplete: boolean;
  keepLinesWhole: boolean;
}

/** x[loc][line] = units of that line from that location. */
export type Allocation = number[][];

export interface Score {
  unfilled: number;
  cost: number;
}

export const emptyAllocation = (m: RoutingModel): Allocation => m.locs.map(() => m.lines.map(() => 0));

export function totalUnits(m: RoutingModel): number {
  let n = 0;
  for (const l of m.lines) n += l.qty;
  return n;
}

export function scoreOf(m: RoutingModel, x: Allocation): Score {
  let filled = 0;
  let cost = 0;
  let maxDays = 0;
  for (let l = 0; l < m.locs.length; l++) {
    const row = x[l]!;
    const loc = m.locs[l]!;
    let used = false;
    for (let i = 0; i < m.lines.length; i++) {
      const q = row[i]!;
      if (q > 0) {
        used = true;
        filled += q;
        cost += q * loc.unit[i]!;
      }
    }
    if (used) {
      cost += loc.fixed;
      if (loc.days > maxDays) maxDays = loc.days;
    }
  }
  cost += m.promiseWeight * maxDays;
  return { unfilled: totalUnits(m) - filled, cost };
}

const EPS = 1e-7;

/** Negative when a is better. Costs within a relative 1e-7 are equal (float sums differ by order). */
export function compareScores(a: Score, b: Score): number {
  if (a.unfilled !== b.unfilled) return a.unfilled - b.unfilled;
  const tol = EPS * Math.max(1, Math.abs(a.cost), Math.abs(b.cost));
  if (Math.abs(a.cost - b.cost) <= tol) return 0;
  return a.cost - b.cost;
}

/** Every rule a plan must obey; returns the first violation, or null. Used by tests and as a guard on solver output. */
export function violation(m: RoutingModel, x: Allocation): string | null {
  if (x.length !== m.locs.length) return 'allocation has the wrong number of locations';
  let used = 0;
  let filled = 0;
  const lineSum = m.lines.map(() => 0);
  for (let l = 0; l < m.locs.length; l++) {
    const row = x[l]!;
    const skuUse = new Array<number>(m.skuCount).fill(0);
    let any = false;
    for (let i = 0; i < m.lines.length; i++) {
      const q = row[i]!;
      const line = m.lines[i]!;
      if (!Number.isInteger(q) || q < 0) return `location ${l} line ${i}: ${q} is not a whole non-negative quantity`;
      if (q === 0) continue;
      any = true;
      if (q < line.minAlloc) return `location ${l} line ${i}: ${q} is below the minimum batch ${line.minAlloc}`;
      if (m.keepLinesWhole && q !== line.qty) return `location ${l} line ${i}: line split (${q} of ${line.qty})`;
      skuUse[line.sku] = skuUse[line.sku]! + q;
      lineSum[i] = lineSum[i]! + q;
      filled += q;
    }
    for (let s = 0; s < m.skuCount; s++) {
      if (skuUse[s]! > m.locs[l]!.stock[s]!) return `location ${l} sku ${s}: ${skuUse[s]} over stock ${m.locs[l]!.stock[s]}`;
    }
    if (any) used++;
  }
  for (let i = 0; i < m.lines.length; i++) {
    if (lineSum[i]! > m.lines[i]!.qty) return `line ${i}: ${lineSum[i]} allocated for ${m.lines[i]!.qty} ordered`;
  }
  if (used > m.maxShipments) return `${used} shipments exceed the maximum ${m.maxShipments}`;
  if (m.shipComplete && filled > 0 && filled < totalUnits(m)) return `ship complete: only ${filled} of ${totalUnits(m)} units`;
  return null;
}
