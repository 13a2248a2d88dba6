import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { draftOrderFacts, loadNetwork, loadRoutingOrder, type DraftOrder, type OrderFacts } from './load-routing-problem.js';
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
export async function chooseStrategy(s: TenantScope, now: Date, facts: OrderFacts | null, r: { strategy?: string | undefined; version?: number | undefined; draftStrategy?: Record<string, unknown> | undefined }): Promise<ChosenStrategy> {
  if (r.draftStrategy) return inlineStrategy(r.draftStrategy);
  return resolveStrategy(s, now, { key: r.strategy, channelKey: facts?.channel.strategy ?? null, version: r.version, strict: true });
}

/**
 * Dry run: the plan routing would make for a stored order (its own reservations count where they
 * are held, as when it is routed) or for a draft order (the intake body's lines, address and
 * delivery). Reads only: nothing is reserved, stored or emitted.
 */
export async function planOrder(s: TenantScope, now: Date, r: PlanRequest) {
  return atomically(s, (tx) => planOrderIn(tx, now, r));
}

/** planOrder inside its transaction (the plan reads one snapshot). */
async function planOrderIn(s: TenantScope, now: Date, r: PlanRequest) {
  const facts = r.orderId ? await loadRoutingOrder(s, r.orderId) : await draftOrderFacts(s, r.order!);
  const chosen = await chooseStrategy(s, now, facts, r);
  let excluded = r.excludeLocationIds ?? [];
  if (r.orderId) {
    const prev = await s.selectFrom('order_routes').select('excluded_location_ids').where('order_id', '=', r.orderId).orderBy('attempt', 'desc').limit(1).executeTakeFirst();
    excluded = [...new Set([...(prev?.excluded_location_ids ?? []), ...excluded])];
  }
  const network = await loadNetwork(s, now, facts, r.orderId ? { orderId: r.orderId } : {});
  const { plan, trace } = await planOver(s, now, facts, network, chosen, excluded);
  const routed = plan.status !== 'exception' && allocatedUnits(plan) > 0;
  return {
    orderId: r.orderId ?? null,
    strategy: { key: chosen.strategy.key, version: chosen.strategy.version },
    outcome: routed ? 'routed' as const : 'unroutable' as const,
    metrics: planMetrics(plan, network.codes),
    allocations: plan.lines.flatMap((l) => l.allocations.map((a) => ({ lineId: l.lineId, sku: l.sku, locationId: a.locationId, location: network.codes.get(a.locationId) ?? a.locationId, quantity: a.quantity }))),
    reserved: false as const,
    trace: trace as unknown as Record<string, unknown>,
  };
}
