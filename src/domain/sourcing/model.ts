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

export function totalUnits(routingModel: RoutingModel): number {
  let count = 0;
  for (const line of routingModel.lines) count += line.qty;
  return count;
}

export function scoreOf(routingModel: RoutingModel, allocation: Allocation): Score {
  let filled = 0;
  let cost = 0;
  let maxDays = 0;
  for (let locIndex = 0; locIndex < routingModel.locs.length; locIndex++) {
    const row = allocation[locIndex]!;
    const loc = routingModel.locs[locIndex]!;
    let used = false;
    for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
      const item = row[lineIndex]!;
      if (item > 0) {
        used = true;
        filled += item;
        cost += item * loc.unit[lineIndex]!;
      }
    }
    if (used) {
      cost += loc.fixed;
      if (loc.days > maxDays) maxDays = loc.days;
    }
  }
  cost += routingModel.promiseWeight * maxDays;
  return { unfilled: totalUnits(routingModel) - filled, cost };
}

const EPS = 1e-7;

/** Negative when a is better. Costs within a relative 1e-7 are equal (float sums differ by order). */
export function compareScores(left: Score, score: Score): number {
  if (left.unfilled !== score.unfilled) return left.unfilled - score.unfilled;
  const tol = EPS * Math.max(1, Math.abs(left.cost), Math.abs(score.cost));
  if (Math.abs(left.cost - score.cost) <= tol) return 0;
  return left.cost - score.cost;
}

/** Every rule a plan must obey; returns the first violation, or null. Used by tests and as a guard on solver output. */
export function violation(routingModel: RoutingModel, allocation: Allocation): string | null {
  if (allocation.length !== routingModel.locs.length) return 'allocation has the wrong number of locations';
  let used = 0;
  let filled = 0;
  const lineSum = routingModel.lines.map(() => 0);
  for (let locIndex = 0; locIndex < routingModel.locs.length; locIndex++) {
    const row = allocation[locIndex]!;
    const skuUse = new Array<number>(routingModel.skuCount).fill(0);
    let any = false;
    for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
      const item = row[lineIndex]!;
      const line = routingModel.lines[lineIndex]!;
      if (!Number.isInteger(item) || item < 0)
        return `location ${locIndex} line ${lineIndex}: ${item} is not a whole non-negative quantity`;
      if (item === 0) continue;
      any = true;
      if (item < line.minAlloc)
        return `location ${locIndex} line ${lineIndex}: ${item} is below the minimum batch ${line.minAlloc}`;
      if (routingModel.keepLinesWhole && item !== line.qty)
        return `location ${locIndex} line ${lineIndex}: line split (${item} of ${line.qty})`;
      skuUse[line.sku] = skuUse[line.sku]! + item;
      lineSum[lineIndex] = lineSum[lineIndex]! + item;
      filled += item;
    }
    for (let skuIndex = 0; skuIndex < routingModel.skuCount; skuIndex++) {
      if (skuUse[skuIndex]! > routingModel.locs[locIndex]!.stock[skuIndex]!)
        return `location ${locIndex} sku ${skuIndex}: ${skuUse[skuIndex]} over stock ${routingModel.locs[locIndex]!.stock[skuIndex]}`;
    }
    if (any) used++;
  }
  for (let lineIndex = 0; lineIndex < routingModel.lines.length; lineIndex++) {
    if (lineSum[lineIndex]! > routingModel.lines[lineIndex]!.qty)
      return `line ${lineIndex}: ${lineSum[lineIndex]} allocated for ${routingModel.lines[lineIndex]!.qty} ordered`;
  }
  if (used > routingModel.maxShipments) return `${used} shipments exceed the maximum ${routingModel.maxShipments}`;
  if (routingModel.shipComplete && filled > 0 && filled < totalUnits(routingModel))
    return `ship complete: only ${filled} of ${totalUnits(routingModel)} units`;
  return null;
}
