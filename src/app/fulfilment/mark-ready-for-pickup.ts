import type { Actor } from '../../store/history.js';
import type { OrderProcessPort } from '../process/port.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';
import { afterReady } from './order-progress.js';

/** A packed pickup order is put on the shelf for the customer; the process hears `ready_for_pickup` when all are. */
export async function markReadyForPickup(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  opts: { expectedVersion?: number | null } = {},
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'ready_for_pickup', opts.expectedVersion);
  await moveFulfilment(tx, actor, now, fo, 'ready_for_pickup', {
    event: {
      type: 'fulfilment.ready_for_pickup',
      payload: { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id },
    },
  });
  const fed = await afterReady(processes, tx, actor, now, fo.order_id, id);
  return {
    ...(await loadFulfilmentView(tx, id)),
    processEvent: fed.accepted ? { name: 'ready_for_pickup', accepted: true } : null,
  };
}
