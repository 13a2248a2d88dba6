import type { Actor } from '../../store/history.js';
import type { OrderProcessPort } from '../process/port.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, fulfilmentLines, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';
import { releaseShortfall } from './release-shortfall.js';
import { routeOrder } from '../sourcing/route-order.js';
import { createFulfilmentOrders } from './create-fulfilment-orders.js';

/**
 * The location refuses the work (closed, no capacity, goods damaged). Its reservations for
 * these lines are given back and the order's process hears `short_pick` (data.rejected = true):
 * for the shipped processes both mean "this location will not ship these units", and the
 * process decides — an exception for a person, or a re-route.
 *
 * With `reroute: true` Ordo re-routes at once (src/app/sourcing routeOrder, excluding this
 * location): when another location can take the lines, new fulfilment orders are created there
 * and the process, still waiting for `shipped`, hears nothing; when none can, `short_pick` as above.
 */
export async function rejectFulfilment(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { reason: string; reroute?: boolean | undefined; expectedVersion?: number | null },
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'rejected', input.expectedVersion);
  const lines = await fulfilmentLines(tx, [id]);
  const released = await releaseShortfall(tx, actor, now, {
    orderId: fo.order_id,
    locationId: fo.location_id,
    reason: `fulfilment rejected: ${input.reason}`,
    lines: lines.map((l) => ({ orderLineId: l.order_line_id, quantity: l.quantity })),
  });
  await moveFulfilment(tx, actor, now, fo, 'rejected', {
    set: { reason: input.reason },
    changes: { released },
    note: input.reason,
    event: {
      type: 'fulfilment.rejected',
      payload: { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id, reason: input.reason },
    },
  });
  if (input.reroute) {
    const routed = await routeOrder(tx, actor, now, fo.order_id, {
      excludeLocationIds: [fo.location_id],
      reason: `fulfilment rejected at its location: ${input.reason}`,
    });
    if (routed.outcome === 'routed') {
      const created = await createFulfilmentOrders(tx, actor, now, fo.order_id, {
        kind: fo.kind,
        allowPartialShipments: fo.allow_partial,
      });
      if (created.requests.length > 0) {
        return {
          ...(await loadFulfilmentView(tx, id)),
          processEvent: null,
          rerouted: created.requests.map((r) => ({ fulfilmentId: r.fulfilmentId, location: r.location })),
        };
      }
    }
  }
  const fed = await processes.feed(tx, actor, now, fo.order_id, 'short_pick', {
    fulfilmentId: id,
    rejected: true,
    reason: input.reason,
  });
  return {
    ...(await loadFulfilmentView(tx, id)),
    processEvent: { name: 'short_pick', accepted: fed.accepted },
    rerouted: [] as Array<{ fulfilmentId: string; location: string }>,
  };
}
