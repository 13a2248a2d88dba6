import { AppError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { loadNetwork, loadRoutingOrder } from './load-routing-problem.js';
import { planOver } from './order-plan.js';
import { planMetrics } from '../../domain/sourcing/metrics.js';
import { inlineStrategy, resolveStrategy, type ChosenStrategy } from './resolve-strategy.js';
import { currentStrategy, DEFAULT_STRATEGY_KEY } from './strategy-store.js';

export interface SimulateRequest {
  /** The strategy to try: a stored key (its draft by default, else the version given), or a body. */
  key?: string | undefined;
  version?: number | undefined;
  strategy?: Record<string, unknown> | undefined;
  /** Compared with: this key's published version (default: the tried key's, else `nearest`). */
  baseline?: { key: string; version?: number | undefined } | undefined;
  orderIds?: string[] | undefined;
  last?: number | undefined;
  placedFrom?: string | undefined;
  placedTo?: string | undefined;
  channel?: string | undefined;
}

type Metrics = ReturnType<typeof planMetrics>;

function totals(list: Metrics[]) {
  const cost: Record<string, bigint> = {};
  for (const item of list) {
    const money = parseMoney(item.cost, item.currency);
    if (typeof money === 'bigint') cost[item.currency] = (cost[item.currency] ?? 0n) + money;
  }
  return {
    cost: Object.fromEntries(Object.entries(cost).map(([c, v]) => [c, formatMoney(v, c)])),
    shipments: list.reduce((n, m) => n + m.shipments, 0),
    splitOrders: list.filter((m) => m.shipments > 1).length,
    distanceKm: Math.round(list.reduce((n, m) => n + m.distanceKm, 0) * 10) / 10,
    unfilledUnits: list.reduce((n, m) => n + m.unfilledUnits, 0),
    complete: list.filter((m) => m.status === 'complete').length,
    exceptions: list.filter((m) => m.status === 'exception').length,
  };
}

/**
 * Runs a strategy over stored orders, each against today's stock as routing would see it (the
 * order's own reservations count where held; orders do not consume stock from one another), and
 * compares cost, splits, distance and unfilled units with the published strategy. Writes nothing.
 */
export async function simulateRouting(scope: TenantScope, now: Date, simulateRequest: SimulateRequest) {
  return atomically(scope, (tx) => simulateRoutingIn(tx, now, simulateRequest));
}

/** simulateRouting inside its transaction (every plan reads one snapshot). */
async function simulateRoutingIn(scope: TenantScope, now: Date, simulateRequest: SimulateRequest) {
  let tried: ChosenStrategy;
  if (simulateRequest.strategy)
    tried = inlineStrategy({
      ...simulateRequest.strategy,
      ...(simulateRequest.key ? { key: simulateRequest.key } : {}),
    });
  else if (simulateRequest.key) {
    const version =
      simulateRequest.version ??
      (
        await scope
          .selectFrom('routing_strategies')
          .select('version')
          .where('key', '=', simulateRequest.key)
          .where('status', '=', 'draft')
          .executeTakeFirst()
      )?.version;
    tried = await resolveStrategy(scope, now, { key: simulateRequest.key, version, strict: true });
  } else
    throw new AppError('VALIDATION_FAILED', 'give a strategy key or a strategy body', [
      { path: '/key', message: 'required without /strategy' },
    ]);
  const baseKey =
    simulateRequest.baseline?.key ??
    ((await currentStrategy(scope, tried.strategy.key)) ? tried.strategy.key : DEFAULT_STRATEGY_KEY);
  const baseline = await resolveStrategy(scope, now, {
    key: baseKey,
    version: simulateRequest.baseline?.version,
    strict: true,
  });

  let query = scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .select(['orders.id', 'orders.number']);
  if (simulateRequest.orderIds?.length) query = query.where('orders.id', 'in', simulateRequest.orderIds);
  if (simulateRequest.placedFrom) query = query.where('orders.placed_at', '>=', new Date(simulateRequest.placedFrom));
  if (simulateRequest.placedTo) query = query.where('orders.placed_at', '<', new Date(simulateRequest.placedTo));
  if (simulateRequest.channel) query = query.where('channels.code', '=', simulateRequest.channel);
  const orders = await query
    .orderBy('orders.placed_at', 'desc')
    .orderBy('orders.id', 'desc')
    .limit(simulateRequest.last ?? (simulateRequest.orderIds?.length || 50))
    .execute();

  const items = [];
  for (const order of orders) {
    const facts = await loadRoutingOrder(scope, order.id, now);
    if (facts.order.lines.length === 0) continue;
    const network = await loadNetwork(scope, now, facts, { orderId: order.id, locations: facts.locations });
    const candidate = await planOver(scope, now, facts, network, tried);
    const right = await planOver(scope, now, facts, network, baseline);
    const ma = planMetrics(candidate.plan, network.codes);
    const mb = planMetrics(right.plan, network.codes);
    const differences: string[] = [];
    if (ma.status !== mb.status) differences.push(`status ${mb.status} → ${ma.status}`);
    if (ma.cost !== mb.cost) differences.push(`cost ${mb.cost} → ${ma.cost} ${ma.currency}`);
    if (ma.shipments !== mb.shipments) differences.push(`shipments ${mb.shipments} → ${ma.shipments}`);
    if (ma.distanceKm !== mb.distanceKm) differences.push(`distance ${mb.distanceKm} → ${ma.distanceKm} km`);
    if (ma.unfilledUnits !== mb.unfilledUnits) differences.push(`unfilled ${mb.unfilledUnits} → ${ma.unfilledUnits}`);
    if (ma.locations.join() !== mb.locations.join())
      differences.push(`from ${mb.locations.join(', ') || 'nowhere'} → ${ma.locations.join(', ') || 'nowhere'}`);
    items.push({ orderId: order.id, number: order.number, strategy: ma, baseline: mb, differences });
  }
  const st = totals(items.map((i) => i.strategy));
  const bt = totals(items.map((i) => i.baseline));
  return {
    strategy: { key: tried.strategy.key, version: tried.strategy.version },
    baseline: { key: baseline.strategy.key, version: baseline.strategy.version },
    orders: items.length,
    changed: items.filter((i) => i.differences.length > 0).length,
    summary: {
      strategy: st,
      baseline: bt,
      delta: {
        shipments: st.shipments - bt.shipments,
        splitOrders: st.splitOrders - bt.splitOrders,
        distanceKm: Math.round((st.distanceKm - bt.distanceKm) * 10) / 10,
        unfilledUnits: st.unfilledUnits - bt.unfilledUnits,
      },
    },
    items,
  };
}
