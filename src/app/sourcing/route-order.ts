import type {} from '../../store/schema-inventory.js';
import '../../store/schema-sourcing.js';
import { newId } from '../../shared/ids.js';
import type { Plan } from '../../domain/sourcing/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { withStockRetry } from '../inventory/common.js';
import { releaseOrderReservations } from '../inventory/release.js';
import { reserveAt } from '../inventory/reserve.js';
import { createBackorders } from '../inventory/supply.js';
import {
  loadNetwork,
  loadRoutingOrder,
  type HeldUnits,
  type Network,
  type OrderFacts,
} from './load-routing-problem.js';
import { planOver, type PlannedOrder } from './order-plan.js';
import { claimCapacity, dayOf, enforcedLocations, releaseCapacity } from './day-load.js';
import { allocatedUnits } from '../../domain/sourcing/metrics.js';
import { resolveStrategy, type ChosenStrategy } from './resolve-strategy.js';
import { withoutSplits } from '../../domain/sourcing/strategy.js';

export interface RouteOptions {
  /** Strategy key named by the caller (operator, API). A re-route without one keeps the previous attempt's strategy. */
  strategy?: string | undefined;
  /** The process action's `args.strategy`: used when neither the caller nor the channel (`settings.routingStrategy`) names one. */
  processStrategy?: string | undefined;
  /** Locations never to use again for this order (a rejection or short pick); added to earlier attempts' exclusions. */
  excludeLocationIds?: string[] | undefined;
  /** Why this attempt (e.g. "short pick at WAW-1"); recorded in history. */
  reason?: string | undefined;
  /** false: one location per order (process args `allowSplit: false`). */
  allowSplit?: boolean | undefined;
  /** The caller's transaction holds the order's row lock already (a process step): not taken again. */
  orderLocked?: boolean | undefined;
}

export interface RouteResult {
  outcome: 'routed' | 'unroutable';
  attempt: number;
  strategy: { key: string; version: number };
  /** null when every unit has shipped already: nothing was left to route. */
  plan: Plan | null;
  trace: PlannedOrder['trace'] | null;
  allocations: Array<{ lineId: string; sku: string; locationId: string; location: string; quantity: number }>;
  /** Reservations moved to agree with the plan. */
  moved: { released: number; reserved: number; lines: number };
}

/**
 * Routes a stored order with a routing strategy, in the caller's transaction, and makes the
 * reservations agree with the plan: the order's own held units count as available where they
 * are held, so the strategy sees them, and any line whose holds differ from the plan is
 * released and reserved again at the planned locations (stock rows are locked first, so the
 * re-reservation cannot fail for lack of stock). Every attempt is stored (`order_routes`) and
 * written to the order's history with its decision trace; `order.routed` is emitted with the
 * allocations. Unroutable (nothing can be allocated, or the strategy raises an exception)
 * changes no reservation. The fulfilment capability calls this again to re-route after a
 * rejection or short pick, excluding the location.
 */
export async function routeOrder(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  opts: RouteOptions = {},
): Promise<RouteResult> {
  if (!opts.orderLocked)
    await tx.selectFrom('orders').select('id').where('id', '=', orderId).forUpdate().executeTakeFirst();
  // The locations with today's load come with the order: the destination's city and the network both use them.
  const facts = await loadRoutingOrder(tx, orderId, now, {
    named: opts.strategy,
    rerouting: (opts.excludeLocationIds?.length ?? 0) > 0,
    process: opts.processStrategy,
  });
  const previous = facts.previous ?? undefined;
  const attempt = (previous?.attempt ?? 0) + 1;
  const excluded = [...new Set([...(previous?.excludedLocationIds ?? []), ...(opts.excludeLocationIds ?? [])])];
  const rerouting = (opts.excludeLocationIds?.length ?? 0) > 0 && previous !== undefined;
  const chosen = await resolveStrategy(tx, now, {
    key: opts.strategy ?? (rerouting ? previous.strategyKey : undefined),
    channelKey: facts.channel.strategy,
    processKey: opts.processStrategy,
    preloaded: facts.strategyRow,
  });
  if (opts.allowSplit === false) chosen.strategy = withoutSplits(chosen.strategy);
  // The previous attempt stops being current, and gives back its units of daily capacity, before
  // the network is read: this attempt may take them again. (Nothing left to route: it stays. No
  // attempt yet: there is none to supersede — the order is locked, so none can appear meanwhile.)
  if (facts.order.lines.length > 0 && previous) await supersedeRoute(tx, orderId);
  const network = await loadNetwork(tx, now, facts, { orderId, lock: true, locations: facts.locations });
  const planned =
    facts.order.lines.length === 0
      ? null
      : await planWithinCapacity(tx, now, orderId, facts, network, chosen, excluded);
  const plan = planned?.plan;
  const routed = !!plan && plan.status !== 'exception' && allocatedUnits(plan) > 0;
  const code = (id: string) => network.codes.get(id) ?? id;
  const allocations = routed
    ? plan.lines.flatMap((l) =>
        l.allocations.map((a) => ({
          lineId: l.lineId,
          sku: l.sku,
          locationId: a.locationId,
          location: code(a.locationId),
          quantity: a.quantity,
        })),
      )
    : [];
  const moved = routed
    ? await matchReservations(tx, actor, now, orderId, facts, plan, network.held)
    : { released: 0, reserved: 0, lines: 0 };
  const strategy = { key: chosen.strategy.key, version: chosen.strategy.version };

  // Everything has shipped already: nothing to route, and not an attempt worth storing.
  if (!planned)
    return {
      outcome: 'routed',
      attempt: previous?.attempt ?? 0,
      strategy,
      plan: null,
      trace: null,
      allocations,
      moved,
    };
  // nothing here waits for its answer: it goes with the next statement (a refusal fails the unit of work)
  void tx.work.sendAhead(
    tx.insertInto('order_routes', {
      id: newId(),
      order_id: orderId,
      attempt,
      current: true,
      strategy_key: strategy.key,
      strategy_version: strategy.version,
      status: planned.plan.status,
      outcome: routed ? 'routed' : 'unroutable',
      reason: opts.reason ?? null,
      location_ids: routed ? [...new Set(allocations.map((a) => a.locationId))] : [],
      excluded_location_ids: excluded,
      plan: JSON.stringify(planned.trace.plan),
      created_at: now,
    }),
  );
  await writeHistory(tx, actor, now, [
    {
      orderId,
      action: routed ? 'order.routed' : 'order.unroutable',
      changes: {
        attempt,
        outcome: routed ? 'routed' : 'unroutable',
        allocations: allocations.map((a) => ({ sku: a.sku, location: a.location, quantity: a.quantity })),
        excludedLocations: excluded.map(code),
        reservationsMoved: moved,
      },
      reason: {
        rule: `routing strategy ${strategy.key} v${strategy.version}`,
        strategy,
        stepId: planned.plan.stepId,
        ...(opts.reason ? { why: opts.reason } : {}),
        trace: planned.trace,
      },
    },
  ]);
  if (routed) {
    await emitEvent(tx, {
      type: 'order.routed',
      subject: orderId,
      time: now,
      payload: {
        orderId,
        attempt,
        strategy,
        status: planned.plan.status,
        allocations: allocations.map((a) => ({
          sku: a.sku,
          locationId: a.locationId,
          quantity: a.quantity,
          lineId: a.lineId,
          location: a.location,
        })),
        ...(planned.plan.unfilled.length ? { unfilled: planned.plan.unfilled } : {}),
      },
    });
  }
  return {
    outcome: routed ? 'routed' : 'unroutable',
    attempt,
    strategy,
    plan: planned.plan,
    trace: planned.trace,
    allocations,
    moved,
  };
}

/** Marks the order's current route superseded and gives back the daily capacity it took. */
async function supersedeRoute(tx: Work, orderId: string): Promise<void> {
  const superseded = await tx
    .updateTable('order_routes')
    .set({ current: false })
    .where('order_id', '=', orderId)
    .where('current', '=', true)
    .returning(['location_ids', 'created_at'])
    .execute();
  await releaseCapacity(
    tx,
    superseded.flatMap((route) =>
      route.location_ids.map((locationId) => ({ locationId, day: dayOf(new Date(route.created_at)) })),
    ),
  );
}

/**
 * Plans the order and claims a unit of today's capacity at each capped location the plan uses.
 * A location another order filled since the network was read is refused by the guarded claim:
 * it is taken as full and the order planned again (the stock rows stay locked meanwhile); claims
 * the final plan does not use are given back.
 */
async function planWithinCapacity(
  tx: Work,
  now: Date,
  orderId: string,
  facts: OrderFacts,
  network: Network,
  chosen: ChosenStrategy,
  excluded: string[],
): Promise<PlannedOrder> {
  const capped = new Map(network.locations.filter((l) => l.dailyCapacity !== undefined).map((l) => [l.id, l]));
  const claimed = new Set<string>();
  for (let round = 0; ; round++) {
    const planned = await planOver(tx, now, facts, network, chosen, excluded);
    const plan = planned.plan;
    const using = new Set(
      plan.status === 'exception'
        ? []
        : plan.lines.flatMap((l) => l.allocations.filter((a) => a.quantity > 0).map((a) => a.locationId)),
    );
    const wanted = [...using].filter((id) => capped.has(id) && !claimed.has(id));
    const refused = await claimCapacity(
      tx,
      now,
      orderId,
      wanted,
      enforcedLocations(plan, chosen.strategy, facts.order.pickupLocationId),
    );
    for (const id of wanted) if (!refused.includes(id)) claimed.add(id);
    if (refused.length === 0 || round > capped.size) {
      const unused = [...claimed].filter((id) => !using.has(id));
      await releaseCapacity(
        tx,
        unused.map((locationId) => ({ locationId, day: dayOf(now) })),
      );
      if (refused.length) throw new Error(`routing order ${orderId}: daily capacity claims kept failing`);
      return planned;
    }
    for (const id of refused) {
      const location = capped.get(id)!;
      location.usedToday = location.dailyCapacity!;
    }
  }
}

/**
 * Moves the order's live reservations to the plan: lines already held exactly where the plan
 * takes them are left alone; any other line is released and reserved again per allocation
 * (same expiry), and its unfilled part becomes a backorder again. Runs after loadNetwork locked
 * the stock rows, so the guarded UPDATEs find the units the plan counted on.
 */
async function matchReservations(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  facts: OrderFacts,
  plan: Plan,
  held: HeldUnits[],
) {
  const toMove = plan.lines.filter((line) => {
    const have = new Map<string, number>();
    for (const item of held)
      if (item.order_line_id === line.lineId)
        have.set(item.location_id, (have.get(item.location_id) ?? 0) + item.quantity);
    const want = new Map(line.allocations.filter((a) => a.quantity > 0).map((a) => [a.locationId, a.quantity]));
    return have.size !== want.size || [...want].some(([loc, q]) => have.get(loc) !== q);
  });
  if (toMove.length === 0) return { released: 0, reserved: 0, lines: 0 };
  const lineIds = toMove.map((l) => l.lineId);
  const expiry = new Map<string, Date | null>();
  for (const item of held)
    if (lineIds.includes(item.order_line_id ?? '')) {
      const date = item.expires_at ? new Date(item.expires_at) : null;
      const cur = expiry.get(item.order_line_id!);
      expiry.set(item.order_line_id!, cur === undefined ? date : cur && date ? (cur < date ? cur : date) : null);
    }
  const released = held.some((h) => lineIds.includes(h.order_line_id ?? ''))
    ? (
        await releaseOrderReservations(tx, actor, now, {
          orderId,
          lineIds,
          reason: 'routing: moved to the planned locations',
        })
      ).released
    : 0;
  let reserved = 0;
  const short: Array<{ orderLineId: string; productId: string; quantity: number }> = [];
  const bucketed = new Map<string, boolean>();
  await withStockRetry(tx, async (work) => {
    for (const planLine of [...toMove].sort((a, b) =>
      facts.lines.get(a.lineId)!.productId < facts.lines.get(b.lineId)!.productId ? -1 : 1,
    )) {
      const productId = facts.lines.get(planLine.lineId)!.productId;
      let missing = planLine.unfilled;
      for (const allocation of [...planLine.allocations].sort((x, y) => (x.locationId < y.locationId ? -1 : 1))) {
        const st = {
          productId,
          locationId: allocation.locationId,
          quantity: allocation.quantity,
          reservationId: newId(),
          movementId: newId(),
          orderId,
          orderLineId: planLine.lineId,
          reference: null,
          expiresAt: expiry.get(planLine.lineId) ?? null,
          now,
          reason: 'routing',
          actor,
        };
        let taken = await reserveAt(work, st, true, bucketed);
        if (!taken)
          taken = await reserveAt(work, { ...st, reservationId: newId(), movementId: newId() }, false, bucketed);
        reserved += taken;
        missing += allocation.quantity - taken;
      }
      if (missing > 0) short.push({ orderLineId: planLine.lineId, productId, quantity: missing });
    }
  });
  if (short.length) await createBackorders(tx, now, orderId, short);
  await writeHistory(tx, actor, now, [
    {
      orderId,
      action: 'stock.moved',
      changes: {
        released,
        reserved,
        lines: toMove.map((l) => ({
          lineNo: facts.lines.get(l.lineId)!.lineNo,
          sku: l.sku,
          allocations: l.allocations,
        })),
      },
      reason: { rule: 'routing: the reservations follow the plan', strategy: plan.strategy },
    },
  ]);
  return { released, reserved, lines: toMove.length };
}
