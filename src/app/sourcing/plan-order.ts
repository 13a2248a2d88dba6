import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import {
  draftOrderFacts,
  loadNetwork,
  loadRoutingOrder,
  type DraftOrder,
  type OrderFacts,
} from './load-routing-problem.js';
import { planOver } from './order-plan.js';
import { allocatedUnits, planMetrics } from '../../domain/sourcing/metrics.js';
import { inlineStrategy, resolveStrategy, type ChosenStrategy } from './resolve-strategy.js';

export interface PlanRequest {
  orderId?: string | undefined;
  order?: DraftOrder | undefined;
  /** Strategy key (default: the channel's, else `nearest`) and optionally a version (e.g. a draft). */
  strategy?: string | undefined;
  version?: number | undefined;
  /** Or a strategy body not stored yet. */
  draftStrategy?: Record<string, unknown> | undefined;
  excludeLocationIds?: string[] | undefined;
}

/** Picks the strategy for a dry run: an inline body, a stored version, or the one routing would use. */
export async function chooseStrategy(
  scope: TenantScope,
  now: Date,
  facts: OrderFacts | null,
  result: {
    strategy?: string | undefined;
    version?: number | undefined;
    draftStrategy?: Record<string, unknown> | undefined;
  },
): Promise<ChosenStrategy> {
  if (result.draftStrategy) return inlineStrategy(result.draftStrategy);
  return resolveStrategy(scope, now, {
    key: result.strategy,
    channelKey: facts?.channel.strategy ?? null,
    version: result.version,
    strict: true,
  });
}

/**
 * Dry run: the plan routing would make for a stored order (its own reservations count where they
 * are held, as when it is routed) or for a draft order (the intake body's lines, address and
 * delivery). Reads only: nothing is reserved, stored or emitted.
 */
export async function planOrder(scope: TenantScope, now: Date, planRequest: PlanRequest) {
  return atomically(scope, (tx) => planOrderIn(tx, now, planRequest));
}

/** planOrder inside its transaction (the plan reads one snapshot). */
async function planOrderIn(scope: TenantScope, now: Date, planRequest: PlanRequest) {
  const stored = planRequest.orderId ? await loadRoutingOrder(scope, planRequest.orderId, now) : null;
  const facts = stored ?? (await draftOrderFacts(scope, planRequest.order!));
  const chosen = await chooseStrategy(scope, now, facts, planRequest);
  let excluded = planRequest.excludeLocationIds ?? [];
  if (stored?.previous) excluded = [...new Set([...stored.previous.excludedLocationIds, ...excluded])];
  const network = await loadNetwork(
    scope,
    now,
    facts,
    stored ? { orderId: planRequest.orderId!, locations: stored.locations } : {},
  );
  const { plan, trace } = await planOver(scope, now, facts, network, chosen, excluded);
  const routed = plan.status !== 'exception' && allocatedUnits(plan) > 0;
  return {
    orderId: planRequest.orderId ?? null,
    strategy: { key: chosen.strategy.key, version: chosen.strategy.version },
    outcome: routed ? ('routed' as const) : ('unroutable' as const),
    metrics: planMetrics(plan, network.codes),
    allocations: plan.lines.flatMap((l) =>
      l.allocations.map((a) => ({
        lineId: l.lineId,
        sku: l.sku,
        locationId: a.locationId,
        location: network.codes.get(a.locationId) ?? a.locationId,
        quantity: a.quantity,
      })),
    ),
    reserved: false as const,
    trace: trace as unknown as Record<string, unknown>,
  };
}
