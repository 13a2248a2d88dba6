import type { Actor } from '../../store/history.js';
import type { OrderProcessPort } from '../process/port.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, fulfilmentLines, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';
import { consumeFulfilment } from './consume-fulfilment.js';
import { afterArrived } from './order-progress.js';

/** The customer took the goods at the counter: stock is consumed, and the process hears `collected` when all are. */
export async function confirmCollected(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  opts: { expectedVersion?: number | null } = {},
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'collected', opts.expectedVersion);
  const consumed = await consumeFulfilment(tx, actor, now, fo, await fulfilmentLines(tx, [id]), `fulfilment ${id}`);
  await moveFulfilment(tx, actor, now, fo, 'collected', {
    changes: { consumed: consumed.shipped },
    event: {
      type: 'fulfilment.collected',
      payload: { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id },
    },
  });
  const fed = await afterArrived(processes, tx, actor, now, fo.order_id, 'collected', { fulfilmentId: id });
  return {
    ...(await loadFulfilmentView(tx, id)),
    processEvent: fed.accepted ? { name: 'collected', accepted: true } : null,
  };
}
