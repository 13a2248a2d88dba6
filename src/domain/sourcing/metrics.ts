import { formatMoney } from '../../shared/money.js';
import type { Plan } from './types.js';

/** What a plan amounts to, in the figures routing records and people compare plans by. */
export const allocatedUnits = (plan: Plan) =>
  plan.lines.reduce((n, l) => n + l.allocations.reduce((m, a) => m + a.quantity, 0), 0);
export const unfilledUnits = (plan: Plan) => plan.unfilled.reduce((n, u) => n + u.quantity, 0);

/** The numbers people compare plans by. */
export function planMetrics(plan: Plan, codes: Map<string, string>) {
  return {
    status: plan.status,
    exceptionReason: plan.exceptionReason ?? null,
    stepId: plan.stepId,
    cost: formatMoney(plan.cost.total, plan.cost.currency),
    currency: plan.cost.currency,
    shipments: plan.shipmentCount,
    distanceKm: plan.totalDistanceKm,
    promisedDate: plan.promisedDate,
    allocatedUnits: allocatedUnits(plan),
    unfilledUnits: plan.unfilled.reduce((n, u) => n + u.quantity, 0),
    locations: [...new Set(plan.shipments.map((x) => codes.get(x.locationId) ?? x.locationId))],
  };
}
