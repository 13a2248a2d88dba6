import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';

/** The location takes the work (WMS or store staff). */
export async function acceptFulfilment(
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  opts: { expectedVersion?: number | null } = {},
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'accepted', opts.expectedVersion);
  await moveFulfilment(tx, actor, now, fo, 'accepted', {
    event: {
      type: 'fulfilment.accepted',
      payload: { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id },
    },
  });
  return loadFulfilmentView(tx, id);
}
