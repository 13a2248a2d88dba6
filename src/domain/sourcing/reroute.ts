/**
 * Re-routing: a location rejects its part of an order, or picks fewer units than planned.
 * What was kept stays; the remainder is routed again without that location, and the attempt
 * is returned as a record for the order's history.
 *
 * `problem.stock` must be today's availability, i.e. without the units already reserved for
 * the allocations that are kept (they are reserved; they must not be offered twice).
 */
import { solve } from './solve.js';
import { decisionTrace, type DecisionTrace } from './trace.js';
import type { Allocation, Plan, PlanLine, RoutingProblem, Shipment, SolveOptions } from './types.js';

export type RerouteEvent =
  | { kind: 'rejected'; locationId: string; reason?: string }
  | { kind: 'short_pick'; locationId: string; picked: { lineId: string; quantity: number }[] };

export interface RoutingAttempt {
  /** 1 for the first re-route after the original plan, and so on. */
  attempt: number;
  at: string;
  event: RerouteEvent;
  excludedLocationIds: string[];
  /** What had to be routed again. */
  remainder: { lineId: string; sku: string; quantity: number }[];
  /** How the remainder was routed. */
  trace: DecisionTrace;
}

export interface RerouteResult {
  /** Kept allocations plus the new ones: the order's plan from now on. Its `score` and
   *  `alternatives` are the remainder's; shipments, costs and dates cover the whole order. */
  plan: Plan;
  attempt: RoutingAttempt;
}

/** Kept units per line after the event. */
function keptAllocations(prev: Plan, event: RerouteEvent): Map<string, Allocation[]> {
  const picked = new Map(event.kind === 'short_pick' ? event.picked.map((p) => [p.lineId, p.quantity]) : []);
  const kept = new Map<string, Allocation[]>();
  for (const line of prev.lines) {
    const out: Allocation[] = [];
    for (const allocation of line.allocations) {
      if (allocation.locationId !== event.locationId) out.push({ ...allocation });
      else if (event.kind === 'short_pick') {
        const quantity = Math.min(allocation.quantity, Math.max(0, Math.floor(picked.get(line.lineId) ?? 0)));
        if (quantity > 0) out.push({ locationId: allocation.locationId, quantity });
      }
    }
    kept.set(line.lineId, out);
  }
  return kept;
}

export async function reroute(
  problem: RoutingProblem,
  previousPlan: Plan,
  event: RerouteEvent,
  options: SolveOptions & { attempt?: number } = {},
): Promise<RerouteResult> {
  const kept = keptAllocations(previousPlan, event);
  const excluded = [
    ...new Set([...(problem.excludedLocationIds ?? []), ...previousPlan.excludedLocationIds, event.locationId]),
  ];
  const remainder = problem.order.lines
    .map((line) => {
      const keptUnits = (kept.get(line.lineId) ?? []).reduce((n, a) => n + a.quantity, 0);
      return { lineId: line.lineId, sku: line.sku, quantity: line.quantity - keptUnits };
    })
    .filter((r) => r.quantity > 0);

  const keptLocations = new Set([...kept.values()].flatMap((as) => as.map((a) => a.locationId)));
  // The remainder's shipments count against the step's limit together with the kept ones.
  const strategy = {
    ...problem.strategy,
    steps: problem.strategy.steps.map((s) =>
      s.constraints.maxShipments === undefined
        ? s
        : {
            ...s,
            constraints: {
              ...s.constraints,
              maxShipments: Math.max(0, s.constraints.maxShipments - keptLocations.size),
            },
          },
    ),
  };
  const sub: RoutingProblem = {
    ...problem,
    strategy,
    excludedLocationIds: excluded,
    order: { ...problem.order, lines: remainder.map((r) => ({ lineId: r.lineId, sku: r.sku, quantity: r.quantity })) },
  };
  const part = remainder.length > 0 ? await solve(sub, options) : null;

  const lines: PlanLine[] = problem.order.lines.map((line) => {
    const allocations = [...(kept.get(line.lineId) ?? [])];
    for (const allocation of part?.lines.find((p) => p.lineId === line.lineId)?.allocations ?? []) {
      const same = allocations.find((x) => x.locationId === allocation.locationId);
      if (same) same.quantity += allocation.quantity;
      else allocations.push({ ...allocation });
    }
    const got = allocations.reduce((n, a) => n + a.quantity, 0);
    return { lineId: line.lineId, sku: line.sku, requested: line.quantity, allocations, unfilled: line.quantity - got };
  });
  const shipments: Shipment[] = [];
  for (const shipment of previousPlan.shipments) {
    if (!keptLocations.has(shipment.locationId)) continue;
    const units = lines.reduce(
      (n, l) =>
        n +
        (kept.get(l.lineId) ?? [])
          .filter((a) => a.locationId === shipment.locationId)
          .reduce((m, a) => m + a.quantity, 0),
      0,
    );
    shipments.push({ ...shipment, units });
  }
  shipments.push(...(part?.shipments ?? []));
  const shipping = shipments.filter((s) => s.kind !== 'transfer').reduce((n, s) => n + s.cost, 0n);
  const transfer = shipments.filter((s) => s.kind === 'transfer').reduce((n, s) => n + s.cost, 0n);
  const unfilled = lines
    .filter((l) => l.unfilled > 0)
    .map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.unfilled }));
  const dates = shipments.map((s) => s.promisedDate).sort();
  const base = part ?? previousPlan;
  const plan: Plan = {
    ...base,
    status: unfilled.length === 0 ? 'complete' : (part?.status ?? 'backorder'),
    lines,
    shipments,
    shipmentCount: shipments.length,
    cost: { currency: problem.currency, shipping, transfer, total: shipping + transfer },
    totalDistanceKm: Math.round(shipments.reduce((n, s) => n + s.distanceKm, 0) * 10) / 10,
    promisedDate: dates.length > 0 ? dates[dates.length - 1]! : null,
    unfilled,
    excludedLocationIds: excluded,
  };
  const attempt: RoutingAttempt = {
    attempt: options.attempt ?? 1,
    at: problem.now.toISOString(),
    event,
    excludedLocationIds: excluded,
    remainder,
    trace: decisionTrace(part ?? plan),
  };
  return { plan, attempt };
}
