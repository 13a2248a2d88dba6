import type { Actor } from '../../store/history.js';
import type { OrderProcessPort } from '../process/port.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-fulfilment.js';

const GONE = ['rejected', 'cancelled'];

async function liveFulfilments(tx: TenantScope, orderId: string) {
  const all = await tx
    .selectFrom('fulfilment_orders')
    .select(['id', 'state', 'kind', 'allow_partial', 'shipment_id'])
    .where('order_id', '=', orderId)
    .execute();
  return all.filter((f) => !GONE.includes(f.state));
}

/**
 * After a hand-over: the order's process hears `shipped` once every live fulfilment order has
 * shipped — or, when partial shipments are allowed, with the first one out.
 */
export async function afterShipped(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  shipmentId: string,
) {
  const live = await liveFulfilments(tx, orderId);
  const out = live.filter((f) => f.state === 'shipped' || f.state === 'delivered');
  const all = out.length === live.length;
  const partial = live.some((f) => f.allow_partial);
  const firstOut = new Set(out.map((f) => f.shipment_id)).size === 1;
  if (all || (partial && firstOut))
    return processes.feed(tx, actor, now, orderId, 'shipped', { shipmentId, complete: all });
  return { accepted: false, waiting: live.length - out.length };
}

/** After a delivery or collection: `delivered`/`collected` once nothing of the order is still on its way. */
export async function afterArrived(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  event: 'delivered' | 'collected',
  data: Record<string, unknown>,
) {
  const live = await liveFulfilments(tx, orderId);
  const done = live.filter((f) => f.state === 'delivered' || f.state === 'collected');
  if (live.length > 0 && done.length === live.length) return processes.feed(tx, actor, now, orderId, event, data);
  return { accepted: false, waiting: live.length - done.length };
}

/** Pickup orders: `ready_for_pickup` once every live fulfilment order waits at the counter. */
export async function afterReady(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  fulfilmentId: string,
) {
  const live = await liveFulfilments(tx, orderId);
  const ready = live.filter((f) => ['ready_for_pickup', 'collected', 'shipped', 'delivered'].includes(f.state));
  if (ready.length === live.length)
    return processes.feed(tx, actor, now, orderId, 'ready_for_pickup', { fulfilmentId });
  return { accepted: false, waiting: live.length - ready.length };
}
