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
  total: 0,
  shippingCost: 0,
  distance: 0,
  deliveryPromise: 0,
  shipments: 0,
  locationPriority: 0,
  stockBalance: 0,
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
export function buildPlan(planParts: PlanParts): Plan {
  const { problem, step, sm, x: value } = planParts;
  const order = problem.order;
  const lines: PlanLine[] = order.lines.map((l) => ({
    lineId: l.lineId,
    sku: l.sku,
    requested: l.quantity,
    allocations: [],
    unfilled: l.quantity,
  }));
  const shipments: Shipment[] = [];
  const score = zeroScore();
  let shipping = 0n;
  let transfer = 0n;
  let totalKm = 0;
  let maxDays = -1;
  const used = new Set<number>();

  if (sm && value && step) {
    const objective = step.objective;
    sm.candidates.forEach((cand, index) => {
      const row = value[index]!;
      let units = 0;
      row.forEach((item, index) => {
        if (item <= 0) return;
        units += item;
        const line = lines[index]!;
        line.allocations.push({ locationId: cand.location.id, quantity: item });
        line.unfilled -= item;
        const st = cand.stock[sm.model.lines[index]!.sku]!;
        if (objective.stockBalance > 0 && st > 0) score.stockBalance += (objective.stockBalance * 100 * item) / st;
      });
      if (units === 0) return;
      used.add(index);
      const cost = cand.quote ? cand.quote.base + cand.quote.perUnit * BigInt(units) : 0n;
      if (cand.kind === 'transfer') transfer += cost;
      else shipping += cost;
      totalKm += cand.distanceKm;
      maxDays = Math.max(maxDays, cand.days);
      score.shippingCost += objective.shippingCost * Number(cost);
      score.distance += objective.distance * cand.distanceKm;
      score.shipments += objective.shipments;
      score.locationPriority += objective.locationPriority * (cand.location.priority ?? 0);
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
    if (maxDays >= 0) score.deliveryPromise = objective.deliveryPromise * maxDays;
    score.total =
      score.shippingCost +
      score.distance +
      score.deliveryPromise +
      score.shipments +
      score.locationPriority +
      score.stockBalance;
  }

  // Losers: the unused candidates, cheapest first, then the filtered-out locations. Only the
  // listed ones are materialised (2,000 locations per order add up); counts cover all.
  const alternatives: Alternative[] = [];
  const alternativeCounts: Partial<Record<LossCode, number>> = {};
  if (sm) {
    const unused: { l: number; coverable: number; key: number }[] = [];
    sm.candidates.forEach((cand, index) => {
      if (used.has(index)) return;
      let coverable = 0;
      for (const line of sm.model.lines) coverable += Math.min(line.qty, cand.stock[line.sku]!);
      const quote = cand.quote;
      unused.push({ l: index, coverable, key: quote ? Number(quote.base) + Number(quote.perUnit) * coverable : 0 });
    });
    if (unused.length > 0) alternativeCounts.WORSE_COST = unused.length;
    unused.sort((a, b) => a.key - b.key);
    for (const item of unused.slice(0, planParts.maxAlternatives)) {
      const cand = sm.candidates[item.l]!;
      const quote = cand.quote;
      alternatives.push({
        locationId: cand.location.id,
        reason: {
          code: 'WORSE_COST',
          coverableUnits: item.coverable,
          shipmentCost: quote ? quote.base + quote.perUnit * BigInt(item.coverable) : 0n,
          days: cand.days,
          distanceKm: round1(cand.distanceKm),
        },
      });
    }
  }
  const rejected = [...(sm?.rejected ?? []), ...(planParts.extraRejected ?? [])];
  for (const alternative of rejected)
    alternativeCounts[alternative.reason.code] = (alternativeCounts[alternative.reason.code] ?? 0) + 1;
  for (const alternative of rejected) {
    if (alternatives.length >= planParts.maxAlternatives) break;
    alternatives.push(alternative);
  }

  const unfilled = lines
    .filter((l) => l.unfilled > 0)
    .map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.unfilled }));
  return {
    status: unfilled.length === 0 ? 'complete' : 'backorder',
    strategy: { key: problem.strategy.key, version: problem.strategy.version },
    stepId: step?.id ?? null,
    solver: planParts.solver,
    optimal: planParts.optimal,
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
