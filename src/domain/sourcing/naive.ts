/**
 * The baseline most open-source OMSs ship: each line from the first open location with stock,
 * in list order, no costs. Kept for the benchmark's ratio and for comparisons in simulations.
 */
import type { PlanLine, RoutingProblem } from './types.js';

export function naiveFirstLocation(problem: RoutingProblem): PlanLine[] {
  const taken = new Map<string, number>();
  return problem.order.lines.map((line) => {
    let rem = line.quantity;
    const allocations: { locationId: string; quantity: number }[] = [];
    for (const loc of problem.locations) {
      if (rem === 0) break;
      if (!loc.open) continue;
      const key = `${loc.id}\u0000${line.sku}`;
      const avail = (problem.stock[loc.id]?.[line.sku] ?? 0) - (taken.get(key) ?? 0);
      if (avail <= 0) continue;
      const quantity = Math.min(rem, avail);
      allocations.push({ locationId: loc.id, quantity });
      taken.set(key, (taken.get(key) ?? 0) + quantity);
      rem -= quantity;
    }
    return { lineId: line.lineId, sku: line.sku, requested: line.quantity, allocations, unfilled: rem };
  });
}
