import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';

/** A picker starts on the fulfilment order; picks are recorded only after this. */
export async function startPicking(
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  opts: { expectedVersion?: number | null } = {},
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'picking', opts.expectedVersion);
  await moveFulfilment(tx, actor, now, fo, 'picking', {
    event: {
      type: 'fulfilment.picking_started',
      payload: { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id },
    },
  });
  return loadFulfilmentView(tx, id);
}
