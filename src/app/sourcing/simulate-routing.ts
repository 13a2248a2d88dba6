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
  for (const m of list) {
    const v = parseMoney(m.cost, m.currency);
    if (typeof v === 'bigint') cost[m.currency] = (cost[m.currency] ?? 0n) + v;
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
export async function simulateRouting(s: TenantScope, now: Date, r: SimulateRequest) {
  return atomically(s, (tx) => simulateRoutingIn(tx, now, r));
}

/** simulateRouting inside its transaction (every plan reads one snapshot). */
async function simulateRoutingIn(s: TenantScope, now: Date, r: SimulateRequest) {
  let tried: ChosenStrategy;
  if (r.strategy) tried = inlineStrategy({ ...r.strategy, ...(r.key ? { key: r.key } : {}) });
  else if (r.key) {
    const version = r.version ?? (await s.selectFrom('routing_strategies').select('version').where('key', '=', r.key).where('status', '=', 'draft').executeTakeFirst())?.version;
    tried = await resolveStrategy(s, now, { key: r.key, version, strict: true });
  } else throw new AppError('VALIDATION_FAILED', 'give a strategy key or a strategy body', [{ path: '/key', message: 'required without /strategy' }]);
  const baseKey = r.baseline?.key ?? ((await currentStrategy(s, tried.strategy.key)) ? tried.strategy.key : DEFAULT_STRATEGY_KEY);
  const baseline = await resolveStrategy(s, now, { key: baseKey, version: r.baseline?.version, strict: true });

  let q = s.selectFrom('orders').innerJoin('channels', (j) => j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'))
    .select(['orders.id', 'orders.number']);
  if (r.orderIds?.length) q = q.where('orders.id', 'in', r.orderIds);
  if (r.placedFrom) q = q.where('orders.placed_at', '>=', new Date(r.placedFrom));
  if (r.placedTo) q = q.where('orders.placed_at', '<', new Date(r.placedTo));
  if (r.channel) q = q.where('channels.code', '=', r.channel);
  const orders = await q.orderBy('orders.placed_at', 'desc').orderBy('orders.id', 'desc').limit(r.last ?? (r.orderIds?.length || 50)).execute();

  const items = [];
  for (const o of orders) {
    const facts = await loadRoutingOrder(s, o.id);
    if (facts.order.lines.length === 0) continue;
    const network = await loadNetwork(s, now, facts, { orderId: o.id });
    const a = await planOver(s, now, facts, network, tried);
    const b = await planOver(s, now, facts, network, baseline);
    const ma = planMetrics(a.plan, network.codes);
    const mb = planMetrics(b.plan, network.codes);
    const differences: string[] = [];
    if (ma.status !== mb.status) differences.push(`status ${mb.status} → ${ma.status}`);
    if (ma.cost !== mb.cost) differences.push(`cost ${mb.cost} → ${ma.cost} ${ma.currency}`);
    if (ma.shipments !== mb.shipments) differences.push(`shipments ${mb.shipments} → ${ma.shipments}`);
    if (ma.distanceKm !== mb.distanceKm) differences.push(`distance ${mb.distanceKm} → ${ma.distanceKm} km`);
    if (ma.unfilledUnits !== mb.unfilledUnits) differences.push(`unfilled ${mb.unfilledUnits} → ${ma.unfilledUnits}`);
    if (ma.locations.join() !== mb.locations.join()) differences.push(`from ${mb.locations.join(', ') || 'nowhere'} → ${ma.locations.join(', ') || 'nowhere'}`);
    items.push({ orderId: o.id, number: o.number, strategy: ma, baseline: mb, differences });
  }
  const st = totals(items.map((i) => i.strategy));
  const bt = totals(items.map((i) => i.baseline));
  return {
    strategy: { key: tried.strategy.key, version: tried.strategy.version },
    baseline: { key: baseline.strategy.key, version: baseline.strategy.version },
    orders: items.length, changed: items.filter((i) => i.differences.length > 0).length,
    summary: {
      strategy: st, baseline: bt,
      delta: { shipments: st.shipments - bt.shipments, splitOrders: st.splitOrders - bt.splitOrders,
        distanceKm: Math.round((st.distanceKm - bt.distanceKm) * 10) / 10, unfilledUnits: st.unfilledUnits - bt.unfilledUnits },
    },
    items,
  };
}
