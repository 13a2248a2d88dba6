import { decisionTrace, solve, type Plan, type RoutingProblem } from '../../domain/sourcing/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { loadRates } from './load-rates.js';
import type { Network, OrderFacts } from './load-routing-problem.js';
import type { ChosenStrategy } from './resolve-strategy.js';

/** A plan with what a person needs to read it: location codes, where the rates and coordinates came from. */
export interface PlannedOrder {
  plan: Plan;
  trace: ReturnType<typeof decisionTrace> & {
    chosenBy: string;
    note?: string;
    rates: string[];
    destination: string;
    locations: Record<string, string>;
    unplacedLocations: string[];
  };
}

/** Solves one order over a loaded network with the tenant's rates: the shared step of routing, dry runs and simulation. */
export async function planOver(
  scope: TenantScope,
  now: Date,
  facts: OrderFacts,
  network: Network,
  chosen: ChosenStrategy,
  excluded: string[] = [],
): Promise<PlannedOrder> {
  const rates = await loadRates(scope, facts.currency, facts.rateRefs);
  const problem: RoutingProblem = {
    order: facts.order,
    locations: network.locations,
    stock: network.stock,
    rates: rates.table,
    currency: facts.currency,
    now,
    strategy: chosen.strategy,
    excludedLocationIds: excluded,
  };
  const plan = await solve(problem);
  const base = decisionTrace(plan);
  const used = new Set([
    ...plan.shipments.map((x) => x.locationId),
    ...plan.alternatives.map((a) => a.locationId),
    ...excluded,
  ]);
  const locations: Record<string, string> = {};
  for (const id of used) locations[id] = network.codes.get(id) ?? id;
  const summary = base.summary.replace(/([0-9a-f-]{36})×/g, (m, id: string) => `${network.codes.get(id) ?? id}×`);
  return {
    plan,
    trace: {
      ...base,
      summary,
      chosenBy: chosen.chosenBy,
      ...(chosen.note ? { note: chosen.note } : {}),
      rates: rates.source,
      destination: facts.geocoded,
      locations,
      unplacedLocations: network.unplaced,
    },
  };
}
