/**
 * Turns a solver's allocation back into a Plan people can read: per-line allocations,
 * shipments with exact costs and dates, the score term by term, and why the rest lost.
 */
import { round1, type StepModel } from './candidates.js';
import type { Allocation } from './model.js';
import type { CompiledStep } from './strategy.js';
import type {
  Alternative,
  LossCode,
  Plan,
  PlanLine,
  RoutingProblem,
  ScoreBreakdown,
  Shipment,
  SolverUsed,
} from './types.js';

const DAY_MS = 86_400_000;

export function addDays(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);
}

export const zeroScore = (): ScoreBreakdown => ({
  total: 0, shippingCost: 0, distance: 0, deliveryPromise: 0, shipments: 0, locationPriority: 0, stockBalance: 0,
});

export interface PlanParts {
  problem: RoutingProblem;
  step: CompiledStep | null;
  sm: StepModel | null;
  x: Allocation | null;
  solver: SolverUsed;
  optimal: boolean;
  maxAlternatives: number;
  /** Locations rejected before any model was built (e.g. the pickup point itself). */
  extraRejected?: Alternative[];
}

/** Status, exception reason and stepsTried are filled in by the caller. */
export function buildPlan(p: PlanParts): Plan {
  const { problem, step, sm, x } = p;
  const order = problem.order;
  const lines: PlanLine[] = order.lines.map((l) => ({
    lineId: l.lineId, sku: l.sku, requested: l.quantity, allocations: [], unfilled: l.quantity,
  }));
  const shipments: Shipment[] = [];
  const score = zeroScore();
  let shipping = 0n;
  let transfer = 0n;
  let totalKm = 0;
  let maxDays = -1;
  const used = new Set<number>();

  if (sm && x && step) {
    const w = step.objective;
    sm.candidates.forEach((cand, l) => {
      const row = x[l]!;
      let units = 0;
      row.forEach((q, i) => {
        if (q <= 0) return;
        units += q;
        const line = lines[i]!;
        line.allocations.push({ locationId: cand.location.id, quantity: q });
        line.unfilled -= q;
        const st = cand.stock[sm.model.lines[i]!.sku]!;
        if (w.stockBalance > 0 && st > 0) score.stockBalance += (w.stockBalance * 100 * q) / st;
      });
      if (units === 0) return;
      used.add(l);
      const cost = cand.quote ? cand.quote.base + cand.quote.perUnit * BigInt(units) : 0n;
      if (cand.kind === 'transfer') transfer += cost;
      else shipping += cost;
      totalKm += cand.distanceKm;
      maxDays = Math.max(maxDays, cand.days);
      score.shippingCost += w.shippingCost * Number(cost);
      score.distance += w.distance * cand.distanceKm;
      score.shipments += w.shipments;
      score.locationPriority += w.locationPriority * (cand.location.priority ?? 0);
      shipments.push({
        locationId: cand.location.id,
        kind: cand.kind,
        carrier: cand.quote?.carrier ?? null,
        service: cand.quote?.service ?? null,
        units,
        distanceKm: round1(cand.distanceKm),
        days: cand.days,
        cost,
        promisedDate: addDays(problem.now, cand.days),
      });
    });
    if (maxDays >= 0) score.deliveryPromise = w.deliveryPromise * maxDays;
    score.total =
      score.shippingCost + score.distance + score.deliveryPromise + score.shipments + score.locationPriority + score.stockBalance;
  }

  // Losers: the unused candidates, cheapest first, then the filtered-out locations. Only the
  // listed ones are materialised (2,000 locations per order add up); counts cover all.
  const alternatives: Alternative[] = [];
  const alternativeCounts: Partial<Record<LossCode, number>> = {};
  if (sm) {
    const unused: { l: number; coverable: number; key: number }[] = [];
    sm.candidates.forEach((cand, l) => {
      if (used.has(l)) return;
      let coverable = 0;
      for (const line of sm.model.lines) coverable += Math.min(line.qty, cand.stock[line.sku]!);
      const q = cand.quote;
      unused.push({ l, coverable, key: q ? Number(q.base) + Number(q.perUnit) * coverable : 0 });
    });
    if (unused.length > 0) alternativeCounts.WORSE_COST = unused.length;
    unused.sort((a, b) => a.key - b.key);
    for (const u of unused.slice(0, p.maxAlternatives)) {
      const cand = sm.candidates[u.l]!;
      const q = cand.quote;
      alternatives.push({
        locationId: cand.location.id,
        reason: {
          code: 'WORSE_COST',
          coverableUnits: u.coverable,
          shipmentCost: q ? q.base + q.perUnit * BigInt(u.coverable) : 0n,
          days: cand.days,
          distanceKm: round1(cand.distanceKm),
        },
      });
    }
  }
  const rejected = [...(sm?.rejected ?? []), ...(p.extraRejected ?? [])];
  for (const a of rejected) alternativeCounts[a.reason.code] = (alternativeCounts[a.reason.code] ?? 0) + 1;
  for (const a of rejected) {
    if (alternatives.length >= p.maxAlternatives) break;
    alternatives.push(a);
  }

  const unfilled = lines.filter((l) => l.unfilled > 0).map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.unfilled }));
  return {
    status: unfilled.length === 0 ? 'complete' : 'backorder',
    strategy: { key: problem.strategy.key, version: problem.strategy.version },
    stepId: step?.id ?? null,
    solver: p.solver,
    optimal: p.optimal,
    lines,
    shipments,
    shipmentCount: shipments.length,
    cost: { currency: problem.currency, shipping, transfer, total: shipping + transfer },
    score,
    totalDistanceKm: round1(totalKm),
    promisedDate: maxDays >= 0 ? addDays(problem.now, maxDays) : null,
    unfilled,
    alternatives,
    alternativeCounts,
    stepsTried: [],
    excludedLocationIds: [...(problem.excludedLocationIds ?? [])],
  };
}
